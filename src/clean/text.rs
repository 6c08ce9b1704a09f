//! DOM -> text that reads as the publisher wrote it.
//!
//! Whitespace follows HTML's rules: runs collapse to one space, and a space exists in the
//! output exactly where the source had whitespace, whatever inline tags surround it. So
//! `the <em>Rust</em> shooting` gives `the Rust shooting` and `<em>Rust</em>,` gives `Rust,`.
//! Blocks become paragraphs; `<br>` becomes a line break unless it splits a sentence (see
//! [`join_soft_breaks`]); `<li>` becomes `- item` / `1. item`; table cells are joined by ` | `.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::dom::is_block;
use super::scan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paragraph,
    ListItem,
    Row,
    Pre,
}

#[derive(Default)]
struct Walker {
    /// The text so far: blocks separated as [`paragraphs`] says.
    out: String,
    /// The kind of the last block written to `out`.
    previous: Option<Kind>,
    /// The open block's text; its capacity is kept from block to block.
    current: String,
    prefix: String,
    kind: Option<Kind>,
    pending_space: bool,
    /// One entry per open list: `None` for `<ul>`, `Some(next number)` for `<ol>`.
    lists: Vec<Option<u64>>,
    pre_depth: usize,
}

/// Converts a (pruned) document to text: paragraphs separated by a blank line, consecutive
/// list items and table rows by a newline, so a list reads as a list. `capacity`: about how
/// long it will be (see [`super::fit`]).
pub(super) fn paragraphs(doc: &Html, capacity: usize) -> String {
    let mut walker = Walker {
        out: String::with_capacity(capacity),
        ..Walker::default()
    };
    for edge in super::dom::edges(doc.tree.root()) {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) => walker.text(t),
                Node::Element(el) => walker.open(el),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(el) = node.value() {
                    walker.close(el.name());
                }
            }
        }
    }
    walker.flush();
    super::fit(walker.out)
}

impl Walker {
    fn open(&mut self, el: &scraper::node::Element) {
        match el.name() {
            "br" => {
                self.current.push('\n');
                self.pending_space = false;
            }
            "pre" => {
                self.flush();
                self.pre_depth += 1;
            }
            "ul" | "menu" | "dir" => {
                self.flush();
                self.lists.push(None);
            }
            "ol" => {
                self.flush();
                let start = el
                    .attr("start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                self.lists.push(Some(start));
            }
            "li" => {
                self.flush();
                self.kind = Some(Kind::ListItem);
                self.prefix = self.list_marker();
            }
            "tr" => {
                self.flush();
                self.kind = Some(Kind::Row);
            }
            "td" | "th" if self.kind == Some(Kind::Row) && !self.current.trim().is_empty() => {
                self.current.push_str(" | ");
                self.pending_space = false;
            }
            name if is_block(name) => self.flush(),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "pre" => {
                self.flush();
                self.pre_depth = self.pre_depth.saturating_sub(1);
            }
            "ul" | "ol" | "menu" | "dir" => {
                self.flush();
                self.lists.pop();
            }
            name if is_block(name) => self.flush(),
            _ => {}
        }
    }

    fn list_marker(&mut self) -> String {
        let indent = "  ".repeat(self.lists.len().saturating_sub(1));
        match self.lists.last_mut() {
            Some(Some(n)) => {
                *n += 1;
                format!("{indent}{}. ", *n - 1)
            }
            _ => format!("{indent}- "),
        }
    }

    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            match memchr::memchr(b'\r', text.as_bytes()) {
                Some(_) => self.current.push_str(&text.replace("\r\n", "\n")),
                None => self.current.push_str(text),
            }
            return;
        }
        for run in space_runs(text) {
            self.pending_space |= run.space_before;
            if !has_invisible(run.words) {
                self.push_word(run.words);
                continue;
            }
            // An invisible character is removed, and a word of nothing else with it.
            for (i, word) in run.words.split(' ').enumerate() {
                self.pending_space |= i > 0;
                match has_invisible(word) {
                    false => self.push_word(word),
                    true => self.push_word(&word.replace(is_invisible, "")),
                }
            }
        }
        self.pending_space |= text.ends_with(is_space);
    }

    fn push_word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.pending_space && !self.current.is_empty() && !self.current.ends_with('\n') {
            self.current.push(' ');
        }
        self.pending_space = false;
        self.current.push_str(word);
    }

    fn flush(&mut self) {
        let kind = if self.pre_depth > 0 {
            Kind::Pre
        } else {
            self.kind.take().unwrap_or(Kind::Paragraph)
        };
        let prefix = std::mem::take(&mut self.prefix);
        let raw = std::mem::take(&mut self.current);
        self.pending_space = false;
        if kind == Kind::Pre {
            // Lines trimmed at the end keep what is not whitespace, so this is the test for
            // an empty block.
            if !raw.trim().is_empty() {
                self.start_block(kind);
                for (i, line) in raw.trim_matches('\n').lines().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                    }
                    self.out.push_str(line.trim_end());
                }
            }
        } else if memchr::memchr(b'\n', raw.as_bytes()).is_none() {
            // One line: what `split_on_blank_lines` would make of it.
            let trimmed = raw.trim();
            if !trimmed.is_empty() {
                self.start_block(kind);
                self.out.push_str(&prefix);
                self.out.push_str(trimmed);
            }
        } else {
            for (i, lines) in split_on_blank_lines(&raw).enumerate() {
                self.start_block(kind);
                if i == 0 {
                    self.out.push_str(&prefix);
                }
                join_soft_breaks(&lines, &mut self.out);
            }
        }
        self.current = raw;
        self.current.clear();
    }

    /// Separates a new block from the last one: list items after list items and rows after
    /// rows by a newline, everything else by a blank line.
    fn start_block(&mut self, kind: Kind) {
        let tight = matches!(
            (self.previous, kind),
            (Some(Kind::ListItem), Kind::ListItem) | (Some(Kind::Row), Kind::Row)
        );
        if !self.out.is_empty() {
            self.out.push_str(if tight { "\n" } else { "\n\n" });
        }
        self.previous = Some(kind);
    }
}

/// HTML whitespace plus the Unicode spaces publishers use between words (no-break space,
/// thin space, ideographic space...): all are one word boundary in the text.
pub(super) fn is_space(ch: char) -> bool {
    ch.is_whitespace()
}

/// The first bytes, in UTF-8, of the characters beyond ASCII that [`is_space`] or
/// [`is_invisible`] accept (a test checks every character).
const MAY_START_SPACE_OR_INVISIBLE: [u8; 5] = [0xC2, 0xE1, 0xE2, 0xE3, 0xEF];

/// A run of words separated by single ASCII spaces, as [`space_runs`] finds them.
pub(super) struct SpaceRun<'a> {
    /// Whether an [`is_space`] character comes before the run.
    pub space_before: bool,
    /// Never empty; no [`is_space`] character but single ASCII spaces between words.
    pub words: &'a str,
}

/// The maximal runs of words in `text` separated by single ASCII spaces: the non-empty
/// pieces of [`split_spaces`], with those only one ASCII space apart joined. Collapsing
/// whitespace a run at a time writes what collapsing it a word at a time writes; whether
/// `text` ends with whitespace is `text.ends_with(is_space)`.
pub(super) fn space_runs(text: &str) -> impl Iterator<Item = SpaceRun<'_>> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = skip_spaces(text, at);
        if start == bytes.len() {
            return None;
        }
        let end = run_end(text, start);
        let run = SpaceRun {
            space_before: start > at,
            words: &text[start..end],
        };
        at = end;
        Some(run)
    })
}

/// The byte length of the [`is_space`] character at `at`, or 0.
fn space_len(text: &str, at: usize) -> usize {
    let b = text.as_bytes()[at];
    if b.is_ascii() {
        return usize::from(is_ascii_space(b));
    }
    if !MAY_START[usize::from(b)] {
        return 0;
    }
    text[at..]
        .chars()
        .next()
        .filter(|&c| is_space(c))
        .map_or(0, char::len_utf8)
}

/// Where the [`is_space`] characters from `at` end.
fn skip_spaces(text: &str, mut at: usize) -> usize {
    while at < text.len() {
        match space_len(text, at) {
            0 => break,
            len => at += len,
        }
    }
    at
}

/// Where the run of words from `at` (not a space) ends: at the first [`is_space`] character
/// that is not a single ASCII space before another word.
fn run_end(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        at = scan::next_candidate(bytes, at);
        let Some(&b) = bytes.get(at) else {
            return at;
        };
        let continues = match b {
            b' ' => at + 1 < bytes.len() && space_len(text, at + 1) == 0,
            _ if b.is_ascii() => !is_ascii_space(b),
            _ => space_len(text, at) == 0,
        };
        if !continues {
            return at;
        }
        at += 1;
    }
}

/// The ASCII characters [`is_space`] accepts: tab, line feed, vertical tab, form feed,
/// carriage return and space.
pub(super) const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// [`MAY_START_SPACE_OR_INVISIBLE`] as a table indexed by byte.
const MAY_START: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < MAY_START_SPACE_OR_INVISIBLE.len() {
        table[MAY_START_SPACE_OR_INVISIBLE[i] as usize] = true;
        i += 1;
    }
    table
};

/// The pieces of `text` between [`is_space`] characters, as `text.split(is_space)` gives
/// them (empty pieces included), reading ASCII a byte at a time.
pub(super) fn split_spaces(text: &str) -> SplitSpaces<'_> {
    SplitSpaces { rest: Some(text) }
}

pub(super) struct SplitSpaces<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for SplitSpaces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let (space, len) = if bytes[i].is_ascii() {
                (is_ascii_space(bytes[i]), 1)
            } else {
                let ch = rest[i..].chars().next().unwrap_or(' ');
                (is_space(ch), ch.len_utf8())
            };
            if space {
                self.rest = Some(&rest[i + len..]);
                return Some(&rest[..i]);
            }
            i += len;
        }
        self.rest = None;
        Some(rest)
    }
}

/// Characters that render as nothing and would hide inside words: zero-width space, word
/// joiner, byte-order mark, soft hyphen. (ZWJ/ZWNJ are kept: scripts and emoji need them.)
fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{ad}')
}

/// `text.contains(is_invisible)`, looking only at the characters that start with the bytes
/// of the invisible ones.
fn has_invisible(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).any(|at| {
        matches!(
            &bytes[at..],
            [0xC2, 0xAD, ..]
                | [0xE2, 0x80, 0x8B, ..]
                | [0xE2, 0x81, 0xA0, ..]
                | [0xEF, 0xBB, 0xBF, ..]
        )
    })
}

/// Splits a block's text at empty lines (`<br><br>`): the trimmed lines of each paragraph.
fn split_on_blank_lines(raw: &str) -> impl Iterator<Item = Vec<&str>> {
    let mut lines = raw.split('\n').map(str::trim).peekable();
    std::iter::from_fn(move || {
        while lines.next_if(|line| line.is_empty()).is_some() {}
        let paragraph: Vec<&str> =
            std::iter::from_fn(|| lines.next_if(|l| !l.is_empty())).collect();
        (!paragraph.is_empty()).then_some(paragraph)
    })
}

/// WordPress turns every newline of the editor into `<br />`, so a `<br>` often falls inside a
/// sentence ("Mason attempts to cut<br />through all..."). A break is soft, and becomes a
/// space, when the line before ends mid-phrase (a letter, digit or comma) and the next line
/// starts in lower case. Verse and addresses (capitalised lines) keep their breaks.
/// Appends the lines to `out`.
fn join_soft_breaks(lines: &[&str], out: &mut String) {
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let soft = lines[i - 1]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == ',')
                && line.chars().next().is_some_and(char::is_lowercase);
            out.push(if soft { ' ' } else { '\n' });
        }
        out.push_str(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_and_invisibles_start_with_the_listed_bytes() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if !c.is_ascii() && (is_space(c) || is_invisible(c)) {
                let mut utf8 = [0; 4];
                let first = c.encode_utf8(&mut utf8).as_bytes()[0];
                assert!(MAY_START_SPACE_OR_INVISIBLE.contains(&first), "{c:?}");
            }
        }
    }

    #[test]
    fn has_invisible_finds_the_invisible_characters() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert_eq!(has_invisible(&text), is_invisible(c), "{c:?}");
        }
    }

    #[test]
    fn space_runs_are_the_words_joined_where_one_space_parts_them() {
        let pieces = [
            "a",
            "word",
            "é",
            "’",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{a0}",
            "\u{3000}",
            "\u{2009}",
            "\u{200b}",
            "\u{85}",
            "\u{feff}",
            "\u{e2}",
            "x\u{2028}y",
            // Longer than the search's blocks of sixteen bytes.
            "several plain words in a row",
            "\u{1}control",
        ];
        let mut rng = crate::test_rng::TestRng::new(3);
        for _ in 0..20_000 {
            let count = rng.below(20);
            let text = rng.pieces(&pieces, count).concat();
            // The expected runs, from the words' byte ranges.
            let mut words = Vec::new();
            let mut at = 0;
            for piece in text.split(is_space) {
                if !piece.is_empty() {
                    words.push((at, at + piece.len()));
                }
                at += piece.len();
                at += text[at..].chars().next().map_or(0, char::len_utf8);
            }
            let mut expected: Vec<(bool, &str)> = Vec::new();
            let mut previous_end = 0;
            let mut run_start = None;
            for (i, &(start, end)) in words.iter().enumerate() {
                let run_from = *run_start.get_or_insert(start);
                let joined_to_next = words
                    .get(i + 1)
                    .is_some_and(|&(next_start, _)| &text[end..next_start] == " ");
                if !joined_to_next {
                    expected.push((run_from > previous_end, &text[run_from..end]));
                    previous_end = end;
                    run_start = None;
                }
            }
            let got: Vec<(bool, &str)> = space_runs(&text)
                .map(|run| (run.space_before, run.words))
                .collect();
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn split_spaces_splits_as_str_split_does() {
        assert!(is_space('\u{a0}') && is_space('\u{3000}') && !is_space('\u{200b}'));
        for text in [
            "",
            " ",
            "a",
            "a b",
            "  a\t\nb  ",
            "x\u{0B}y\u{0C}z\rw",
            "no\u{a0}break\u{2009}thin\u{3000}ideographic",
            "é ü\u{200b}zero width stays",
        ] {
            let ours: Vec<&str> = split_spaces(text).collect();
            let std: Vec<&str> = text.split(is_space).collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }
}
