//! Learned boilerplate: paragraphs at the head or tail of a feed's items that repeat across
//! several items are the publisher's wrapper, whatever language or wording it uses.
//!
//! Each item contributes the keys of its edge paragraphs (the first [`HEAD`] and the last
//! [`TAIL`]). A key is a hash of the paragraph with the item's own title, URLs, numbers and
//! date words masked, so "The post <title> appeared first on Site." has one key across all
//! items. A key becomes boilerplate when at least [`MIN_ITEMS`] items, and at least one in
//! [`MIN_SHARE`] of the sampled items, carry it at an edge. Paragraphs in the middle of an
//! item are never keyed, so a sentence items share inside their bodies is never learned, and a
//! feed with fewer than [`MIN_ITEMS`] items learns nothing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::boilerplate::{MONTHS, WEEKDAYS, lower_words};
use super::text::{is_ascii_space, split_spaces};

/// Paragraphs keyed at the start of an item.
pub const HEAD: usize = 2;
/// Paragraphs keyed at the end of an item.
pub const TAIL: usize = 2;
/// Paragraphs longer than this are article text, never keyed.
pub const MAX_CHARS: usize = 600;
/// Fewest distinct items that must share an edge paragraph.
pub const MIN_ITEMS: usize = 3;
/// Smallest share of the sampled items (1 in N) that must carry it.
pub const MIN_SHARE: usize = 5;

/// The key of an edge paragraph, or `None` when masking leaves nothing to recognise it by.
pub fn key(paragraph: &str, title: &str) -> Option<u64> {
    Keyer::new(title).key(paragraph)
}

/// Keys the edge paragraphs of one item: the item's title is masked once, not once per
/// paragraph.
pub struct Keyer {
    title: Vec<Cow<'static, str>>,
}

impl Keyer {
    pub fn new(title: &str) -> Keyer {
        Keyer {
            title: lower_words(title)
                .map(mask_word)
                .map(|w| Cow::Owned(w.into_owned()))
                .collect(),
        }
    }

    /// See [`key`]. The hash of `self.mask(paragraph).join(" ")`, with the words written
    /// straight into one string.
    pub fn key(&self, paragraph: &str) -> Option<u64> {
        // Bytes bound characters from above: count them only when the bytes are too many.
        if paragraph.len() > MAX_CHARS && paragraph.chars().count() > MAX_CHARS {
            return None;
        }
        let mut masked = Masked::with_capacity(paragraph.len());
        if paragraph.is_ascii() {
            masked.push_ascii_paragraph(paragraph);
        } else {
            for token in split_spaces(paragraph).filter(|w| !w.is_empty()) {
                if is_url_token(token) {
                    masked.push("<url>");
                } else if token.is_ascii() {
                    masked.push_ascii_words(token);
                } else {
                    masked.push_words(token);
                }
            }
        }
        let joined = masked.replace_title(&self.title)?;
        let hash = blake3::hash(joined.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&hash.as_bytes()[..8]);
        Some(u64::from_le_bytes(bytes) >> 1)
    }

    fn mask<'a>(&self, paragraph: &'a str) -> Vec<Cow<'a, str>> {
        let mut out = Vec::new();
        for word in split_spaces(paragraph).filter(|w| !w.is_empty()) {
            if is_url_token(word) {
                out.push(Cow::Borrowed("<url>"));
            } else {
                push_words(word, &mut out);
            }
        }
        if self.title.is_empty() {
            out
        } else {
            replace_run(out, &self.title)
        }
    }
}

/// Masked words joined by single spaces, with where each word starts.
struct Masked {
    text: String,
    starts: Vec<usize>,
    /// Whether a word is not a placeholder (`<n>`, `<url>`, ...).
    has_word: bool,
}

impl Masked {
    fn with_capacity(bytes: usize) -> Masked {
        Masked {
            text: String::with_capacity(bytes + 8),
            // Words average more than five bytes and a space.
            starts: Vec::with_capacity(bytes / 6 + 1),
            has_word: false,
        }
    }

    fn push(&mut self, word: &str) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.starts.push(self.text.len());
        self.text.push_str(word);
        self.has_word |= !word.starts_with('<');
    }

    /// For each token of an ASCII `paragraph` (the pieces between ASCII whitespace, which
    /// is all `split_spaces` splits ASCII at): `<url>` for a URL token ([`is_url_token`]),
    /// else [`Self::push_ascii_words`]. One pass over the bytes: a token's words are pushed
    /// as they are found, and taken back if the token turns out to be a URL.
    fn push_ascii_paragraph(&mut self, paragraph: &str) {
        let bytes = paragraph.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if ASCII_CLASS[usize::from(bytes[at])] & SPACE != 0 {
                at += 1;
                continue;
            }
            let (start, mark) = (at, (self.text.len(), self.starts.len(), self.has_word));
            let mut url = bytes[at..].starts_with(b"www.");
            while at < bytes.len() && !url {
                let class = ASCII_CLASS[usize::from(bytes[at])];
                if class & SPACE != 0 {
                    break;
                }
                if class & WORD != 0 {
                    at = self.push_ascii_word_at(paragraph, at);
                } else {
                    url = bytes[at] == b':' && bytes[at + 1..].starts_with(b"//");
                    at += 1;
                }
            }
            while at < bytes.len() && ASCII_CLASS[usize::from(bytes[at])] & SPACE == 0 {
                at += 1;
            }
            if url || &bytes[start..at] == b"<url>" {
                self.text.truncate(mark.0);
                self.starts.truncate(mark.1);
                self.has_word = mark.2;
                self.push("<url>");
            }
        }
    }

    /// [`push_words`] of an ASCII token: its runs of letters and digits, masked as
    /// [`mask_ascii_word`] masks them, lowered as they are copied.
    fn push_ascii_words(&mut self, token: &str) {
        let bytes = token.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if ASCII_CLASS[usize::from(bytes[at])] & WORD != 0 {
                at = self.push_ascii_word_at(token, at);
            } else {
                at += 1;
            }
        }
    }

    /// Pushes the run of ASCII letters and digits of `text` that starts at byte `start`;
    /// returns where it ends.
    fn push_ascii_word_at(&mut self, text: &str, start: usize) -> usize {
        let bytes = text.as_bytes();
        let (mut at, mut seen) = (start, 0);
        while at < bytes.len() && ASCII_CLASS[usize::from(bytes[at])] & WORD != 0 {
            seen |= ASCII_CLASS[usize::from(bytes[at])];
            at += 1;
        }
        self.push_scanned_ascii_word(&text[start..at], seen & DIGIT != 0, seen & UPPER != 0);
        at
    }

    /// [`mask_ascii_word`] of a word of ASCII letters and digits.
    fn push_ascii_word(&mut self, word: &str) {
        let digit = word.bytes().any(|b| b.is_ascii_digit());
        let upper = word.bytes().any(|b| b.is_ascii_uppercase());
        self.push_scanned_ascii_word(word, digit, upper);
    }

    /// [`mask_ascii_word`] of a word already scanned for digits and upper case.
    fn push_scanned_ascii_word(&mut self, word: &str, digit: bool, upper: bool) {
        if digit {
            self.push("<n>");
        } else if is_date_word(word) {
            self.push("<d>");
        } else {
            self.push(word);
            if upper {
                let start = self.text.len() - word.len();
                self.text[start..].make_ascii_lowercase();
            }
        }
    }

    /// [`push_words`] of a token beyond ASCII.
    fn push_words(&mut self, token: &str) {
        for word in token.split(|c: char| !is_alphanumeric(c)) {
            if word.is_ascii() {
                if !word.is_empty() {
                    self.push_ascii_word(word);
                }
                continue;
            }
            // `str::to_lowercase`, not a character at a time: a final sigma lowers apart.
            let lower = word.to_lowercase();
            if lower.chars().any(is_numeric) {
                self.push("<n>");
            } else if lower.is_ascii() && DATE_WORDS.contains(&lower.as_str()) {
                self.push("<d>");
            } else {
                self.push(&lower);
            }
        }
    }

    fn word(&self, i: usize) -> &str {
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |next| next - 1);
        &self.text[self.starts[i]..end]
    }

    /// The words with every run equal to `title` replaced by `<title>` (as [`replace_run`]
    /// does), joined by spaces; `None` when only placeholders are left.
    fn replace_title(self, title: &[Cow<'_, str>]) -> Option<String> {
        let count = self.starts.len();
        let matches_at = |i: usize| (0..title.len()).all(|k| self.word(i + k) == title[k]);
        let mut replaced: Option<(String, bool)> = None;
        let mut i = 0;
        while !title.is_empty() && i + title.len() <= count {
            if !matches_at(i) {
                i += 1;
                continue;
            }
            let (out, has_word) = replaced.get_or_insert_with(|| {
                let kept = &self.text[..self.starts[i]];
                let has_word = (0..i).any(|k| !self.word(k).starts_with('<'));
                (kept.to_string(), has_word)
            });
            out.push_str("<title>");
            i += title.len();
            // The words up to the next match, or to the end.
            let mut next = i;
            while next < count && !(next + title.len() <= count && matches_at(next)) {
                out.push(' ');
                out.push_str(self.word(next));
                *has_word |= !self.word(next).starts_with('<');
                next += 1;
            }
            if next < count {
                out.push(' ');
            }
            i = next;
        }
        match replaced {
            Some((out, true)) => Some(out),
            Some((_, false)) => None,
            None => self.has_word.then_some(self.text),
        }
    }
}

/// The words of a paragraph (lower case) with what changes from item to item replaced by
/// placeholders: `<url>`, `<n>` (numbers), `<d>` (month and day names), `<title>` (the
/// item's title).
pub fn mask<'a>(paragraph: &'a str, title: &str) -> Vec<Cow<'a, str>> {
    Keyer::new(title).mask(paragraph)
}

/// `lower_words(token).map(mask_word)`, with ASCII words masked a byte at a time.
fn push_words<'a>(token: &'a str, out: &mut Vec<Cow<'a, str>>) {
    if !token.is_ascii() {
        for word in token.split(|c: char| !c.is_alphanumeric()) {
            if word.is_ascii() {
                if !word.is_empty() {
                    out.push(mask_ascii_word(word));
                }
            } else {
                out.push(mask_word(Cow::Owned(word.to_lowercase())));
            }
        }
        return;
    }
    // In ASCII, `char::is_alphanumeric` is `u8::is_ascii_alphanumeric`.
    for word in token.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            out.push(mask_ascii_word(word));
        }
    }
}

/// [`mask_word`] of an ASCII word's lower case: `<n>` when it has a digit, `<d>` for a
/// month or day name.
fn mask_ascii_word(word: &str) -> Cow<'_, str> {
    if let Some(placeholder) = placeholder_of_ascii_word(word) {
        Cow::Borrowed(placeholder)
    } else if word.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(word.to_ascii_lowercase())
    } else {
        Cow::Borrowed(word)
    }
}

/// `<n>` for an ASCII word with a digit, `<d>` for a month or day name.
fn placeholder_of_ascii_word(word: &str) -> Option<&'static str> {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        Some("<n>")
    } else if is_date_word(word) {
        Some("<d>")
    } else {
        None
    }
}

/// A month or day name, in any case (ASCII).
fn is_date_word(word: &str) -> bool {
    could_be_date_word(word.as_bytes()) && DATE_WORDS.iter().any(|d| d.eq_ignore_ascii_case(word))
}

/// What [`is_alphanumeric`] and [`is_numeric`] know of a character without a table search.
enum Known {
    Letter,
    Digit,
    /// Neither a letter nor a number.
    Other,
    Unknown,
}

/// The letters of the scripts most feeds are written in, ASCII, and general punctuation;
/// `Unknown` for the rest.
fn known(c: char) -> Known {
    match c {
        '0'..='9' => Known::Digit,
        'a'..='z' | 'A'..='Z' => Known::Letter,
        '\0'..='\u{7F}' | '\u{2000}'..='\u{206F}' => Known::Other,
        // Latin-1 and Latin Extended-A, Greek, Cyrillic, kana, CJK ideographs, Hangul.
        '\u{C0}'..='\u{D6}'
        | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{17F}'
        | '\u{391}'..='\u{3A1}'
        | '\u{3A3}'..='\u{3A9}'
        | '\u{3B1}'..='\u{3C9}'
        | '\u{400}'..='\u{481}'
        | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FA}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}' => Known::Letter,
        _ => Known::Unknown,
    }
}

/// `char::is_alphanumeric`, without its table search for most characters of most feeds
/// (a test compares the two on every character).
fn is_alphanumeric(c: char) -> bool {
    match known(c) {
        Known::Letter | Known::Digit => true,
        Known::Other => false,
        Known::Unknown => c.is_alphanumeric(),
    }
}

/// `char::is_numeric`, as [`is_alphanumeric`].
fn is_numeric(c: char) -> bool {
    match known(c) {
        Known::Digit => true,
        Known::Letter | Known::Other => false,
        Known::Unknown => c.is_numeric(),
    }
}

/// [`ASCII_CLASS`] bits: a letter or digit, a digit, an upper-case letter, whitespace.
const WORD: u8 = 1;
const DIGIT: u8 = 2;
const UPPER: u8 = 4;
const SPACE: u8 = 8;

/// What the word scan needs to know of each byte, looked up once per byte.
const ASCII_CLASS: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        classes[b] = if byte.is_ascii_digit() {
            WORD | DIGIT
        } else if byte.is_ascii_uppercase() {
            WORD | UPPER
        } else if byte.is_ascii_lowercase() {
            WORD
        } else if is_ascii_space(byte) {
            SPACE
        } else {
            0
        };
        b += 1;
    }
    classes
};

/// A token that is a URL, or stands for one.
fn is_url_token(token: &str) -> bool {
    token == "<url>" || has_scheme_separator(token) || token.starts_with("www.")
}

/// `word.contains("://")`, without setting up a substring search for a short word.
fn has_scheme_separator(word: &str) -> bool {
    let bytes = word.as_bytes();
    (0..bytes.len().saturating_sub(2))
        .any(|i| bytes[i] == b':' && bytes[i + 1] == b'/' && bytes[i + 2] == b'/')
}

/// Month and weekday names, full and short, in lower case.
const DATE_WORDS: [&str; MONTHS.len() + WEEKDAYS.len() + 1] = {
    let mut all = [""; MONTHS.len() + WEEKDAYS.len() + 1];
    let mut i = 0;
    while i < MONTHS.len() {
        all[i] = MONTHS[i];
        i += 1;
    }
    while i < MONTHS.len() + WEEKDAYS.len() {
        all[i] = WEEKDAYS[i - MONTHS.len()];
        i += 1;
    }
    all[i] = "sept";
    all
};

/// Whether some [`DATE_WORDS`] entry has the length and first three letters of `word`
/// (ASCII letters, any case): most words are ruled out without comparing them to the list.
fn could_be_date_word(word: &[u8]) -> bool {
    const fn slot(w: &[u8]) -> usize {
        const fn letter(b: u8) -> usize {
            b.to_ascii_lowercase() as usize & 31
        }
        (letter(w[0]) << 10) | (letter(w[1]) << 5) | letter(w[2])
    }
    const PREFIXES: [u64; 512] = {
        let mut bits = [0u64; 512];
        let mut i = 0;
        while i < DATE_WORDS.len() {
            let at = slot(DATE_WORDS[i].as_bytes());
            bits[at / 64] |= 1 << (at % 64);
            i += 1;
        }
        bits
    };
    if !(3..=9).contains(&word.len()) {
        return false;
    }
    let at = slot(word);
    PREFIXES[at / 64] & (1 << (at % 64)) != 0
}

fn mask_word(word: Cow<'_, str>) -> Cow<'_, str> {
    if word.chars().any(|c| c.is_numeric()) {
        Cow::Borrowed("<n>")
    } else if DATE_WORDS.contains(&&*word) {
        Cow::Borrowed("<d>")
    } else {
        word
    }
}

/// Replaces every occurrence of the word run `needle` in `words` with `<title>`.
fn replace_run<'a>(words: Vec<Cow<'a, str>>, needle: &[Cow<'_, str>]) -> Vec<Cow<'a, str>> {
    let mut starts = Vec::new();
    let mut i = 0;
    while !needle.is_empty() && i + needle.len() <= words.len() {
        if words[i..].starts_with(needle) {
            starts.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    if starts.is_empty() {
        return words;
    }
    let mut starts = starts.into_iter().peekable();
    let mut skip_until = 0;
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.into_iter().enumerate() {
        if starts.next_if_eq(&i).is_some() {
            out.push(Cow::Borrowed("<title>"));
            skip_until = i + needle.len();
        } else if i >= skip_until {
            out.push(word);
        }
    }
    out
}

/// The edge keys of one item, as stored with it and sampled by [`learn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    /// Identifies the item within its feed, so that one item counts once.
    pub guid: String,
    pub keys: Vec<u64>,
}

/// The keys that count as boilerplate in this sample of one feed's items.
pub fn learn(sample: &[ItemKeys]) -> HashMap<u64, usize> {
    let mut items_per_key: HashMap<u64, HashSet<&str>> = HashMap::new();
    let mut items: HashSet<&str> = HashSet::new();
    for item in sample {
        items.insert(&item.guid);
        for &key in &item.keys {
            items_per_key.entry(key).or_default().insert(&item.guid);
        }
    }
    let needed = MIN_ITEMS.max(items.len().div_ceil(MIN_SHARE));
    items_per_key
        .into_iter()
        .filter(|(_, guids)| guids.len() >= needed)
        .map(|(key, guids)| (key, guids.len()))
        .collect()
}

/// Keys as stored in the database: hex, space-separated.
pub fn encode_keys(keys: &[u64]) -> String {
    keys.iter()
        .map(|k| format!("{k:016x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inverse of [`encode_keys`]; malformed entries are skipped.
pub fn decode_keys(text: &str) -> Vec<u64> {
    text.split_whitespace()
        .filter_map(|k| u64::from_str_radix(k, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(guid: &str, keys: &[u64]) -> ItemKeys {
        ItemKeys {
            guid: guid.into(),
            keys: keys.to_vec(),
        }
    }

    #[test]
    fn masking_makes_footers_with_different_titles_equal() {
        let a = key("The post Alpha beta appeared first on Site.", "Alpha beta");
        let b = key("The post Gamma appeared first on Site.", "Gamma");
        assert_eq!(a, b);
        assert!(a.is_some());
        assert_eq!(
            key("Posted March 3, 2024 at https://x.example/a", ""),
            key("Posted May 21, 2025 at https://y.example/b", "")
        );
        assert_ne!(key("Subscribe now", ""), key("Unsubscribe now", ""));
        assert_eq!(key("12 May 2024", ""), None);
    }

    #[test]
    fn ascii_words_are_masked_as_any_other() {
        let pieces = [
            "Jan",
            "MAY",
            "sept",
            "Wednesday",
            "thu",
            "The",
            "x",
            "9",
            "-",
            "’",
            "é",
            "Σ",
            "ΣΑΣ",
            "\u{212a}",
            "ſ",
            "://",
            ".",
            "Mar",
            "march",
            "AUGUST",
            "2024",
            "²",
        ];
        let mut rng = crate::test_rng::TestRng::new(1);
        for _ in 0..20_000 {
            let count = 1 + rng.below(4);
            let token = rng.pieces(&pieces, count).concat();
            let mut fast = Vec::new();
            push_words(&token, &mut fast);
            let general: Vec<Cow<'_, str>> = lower_words(&token).map(mask_word).collect();
            assert_eq!(fast, general, "{token:?}");
        }
    }

    /// The key as it was computed before `Masked`: the masked words collected, then joined.
    fn key_from_words(paragraph: &str, title: &str) -> Option<u64> {
        if paragraph.chars().count() > MAX_CHARS {
            return None;
        }
        let masked = mask(paragraph, title);
        if !masked.iter().any(|w| !w.starts_with('<')) {
            return None;
        }
        let hash = blake3::hash(masked.join(" ").as_bytes());
        Some(u64::from_le_bytes(hash.as_bytes()[..8].try_into().unwrap()) >> 1)
    }

    #[test]
    fn keys_written_in_one_string_are_keys_of_the_masked_words() {
        let pieces = [
            "The",
            "post",
            "title",
            "Title",
            "words",
            "x",
            "May",
            "sept",
            "2024",
            "3,",
            "é",
            "Ünï",
            "ΣΑΣ",
            "https://e.com/a?b=1",
            "www.site.com",
            "<url>",
            "a://b",
            "::",
            "(see",
            "it)",
            "—",
            "\u{a0}",
            "\u{3000}",
            "\t",
            "\n",
            " ",
            "  ",
            "-",
            "’s",
            "<n>",
            "<title>",
        ];
        let titles = [
            "",
            "Title words",
            "title",
            "The post",
            "May 2024",
            "Ünï x",
            "<url>",
        ];
        let mut rng = crate::test_rng::TestRng::new(7);
        for _ in 0..20_000 {
            let count = rng.below(14);
            let words = rng.pieces(&pieces, count);
            let paragraph = words.join(if rng.below(3) == 0 { "" } else { " " });
            let title = titles[rng.below(titles.len())];
            assert_eq!(
                Keyer::new(title).key(&paragraph),
                key_from_words(&paragraph, title),
                "{paragraph:?} / {title:?}"
            );
        }
    }

    #[test]
    fn character_classes_without_lookups_are_std_s() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_numeric(c), c.is_numeric(), "{c:?}");
        }
    }

    #[test]
    fn keys_are_those_stored_by_earlier_versions() {
        // Keys are stored with items and learned per feed: a change here would forget what
        // every feed has learned. Values computed by the version that built words as Strings.
        let footer = "The post Ünïcode Title 3 appeared first on Site Name on March 3, 2024 (https://e.com/x?a=1).";
        assert_eq!(
            mask(footer, "Ünïcode Title 3").join(" "),
            "the post <title> appeared first on site name on <d> <n> <n> <url>"
        );
        assert_eq!(
            key(footer, "Ünïcode Title 3"),
            Some(2_104_679_752_296_752_592)
        );
    }

    #[test]
    fn needs_three_items_and_a_fifth_of_the_sample() {
        let few = [item("a", &[1]), item("b", &[1])];
        assert!(learn(&few).is_empty());
        let three = [item("a", &[1, 2]), item("b", &[1]), item("c", &[1, 3])];
        assert_eq!(learn(&three), HashMap::from([(1, 3)]));
        let mut many: Vec<ItemKeys> = (0..20).map(|i| item(&i.to_string(), &[i + 100])).collect();
        many.extend((0..3).map(|i| item(&format!("x{i}"), &[7])));
        assert!(learn(&many).is_empty(), "3 of 23 is too rare");
        let same_item_twice = [item("a", &[1]), item("a", &[1]), item("b", &[1])];
        assert!(learn(&same_item_twice).is_empty());
    }

    #[test]
    fn keys_round_trip_as_text() {
        let keys = vec![0, 1, u64::MAX >> 1];
        assert_eq!(decode_keys(&encode_keys(&keys)), keys);
    }
}
