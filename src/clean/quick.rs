//! A fast parser for the fragments most feeds carry: paragraphs, inline markup, links, images,
//! lists, quotes, figures and headings, properly nested.
//!
//! It builds scraper's tree with the `TreeSink` calls html5ever's tree builder makes for such
//! input, in the same order, so the result is the tree `Html::parse_fragment` returns, node for
//! node; the tests compare the two on the corpora and on generated fragments. It returns `None`
//! for anything outside that subset (an element it does not list, an end tag that does not
//! close the current element, markup html5ever would repair, a character reference or comment
//! with an edge case), and the caller parses with html5ever. html5ever reads a character at a
//! time through a buffer queue; this scans bytes, and most of a fragment is plain text.

use std::borrow::Cow;

use ego_tree::NodeId;
use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{ElementFlags, NodeOrText, TreeSink};
use html5ever::{Attribute, LocalName, QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink};

/// Parses `html` as `Html::parse_fragment` would, if it is within the subset this handles.
pub(super) fn parse(html: &str) -> Option<Html> {
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let input = normalize_newlines(html);
    let mut builder = Builder::new();
    Tokenizer {
        input: &input,
        pos: 0,
    }
    .run(&mut builder)?;
    Some(builder.finish())
}

/// html5ever's input stream turns CR LF and lone CR into LF before it tokenizes.
fn normalize_newlines(html: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', html.as_bytes()).is_none() {
        return Cow::Borrowed(html);
    }
    Cow::Owned(html.replace("\r\n", "\n").replace('\r', "\n"))
}

/// How html5ever's "in body" insertion mode treats an element this parser accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Inserted where it stands (`span`, `em`, `a`, ...).
    Inline,
    /// Closes an open `p` first (`div`, `ul`, `blockquote`, ...).
    Block,
    P,
    Heading,
    /// `pre` and `listing`: close a `p`, and a newline right after the start tag is dropped.
    Pre,
    /// `li`: closes an open `li`, then a `p`.
    ListItem,
    /// `dd` and `dt`: close an open `dd` or `dt`, then a `p`.
    DefinitionItem,
    /// `br`, `img`, `wbr`, `source`: no content, never on the stack.
    Void,
    /// `hr`: closes a `p`, then as `Void`.
    Rule,
    /// The fragment's `html` root at the bottom of the stack.
    Root,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "a" | "abbr" | "b" | "bdi" | "bdo" | "big" | "cite" | "code" | "data" | "del"
            | "dfn" | "em" | "font" | "i" | "ins" | "kbd" | "mark" | "picture" | "q" | "s"
            | "samp" | "small" | "span" | "strike" | "strong" | "sub" | "sup" | "time" | "tt"
            | "u" | "var" => Kind::Inline,
            "address" | "article" | "aside" | "blockquote" | "center" | "details" | "dir"
            | "div" | "dl" | "figcaption" | "figure" | "footer" | "header" | "hgroup" | "main"
            | "menu" | "nav" | "ol" | "section" | "summary" | "ul" => Kind::Block,
            "p" => Kind::P,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading,
            "pre" | "listing" => Kind::Pre,
            "li" => Kind::ListItem,
            "dd" | "dt" => Kind::DefinitionItem,
            "br" | "img" | "wbr" | "source" => Kind::Void,
            "hr" => Kind::Rule,
            _ => return None,
        })
    }

    /// `p`, `li`, `dd` and `dt`, which html5ever closes when an ancestor's end tag comes.
    fn end_tag_implied(self) -> bool {
        matches!(self, Kind::P | Kind::ListItem | Kind::DefinitionItem)
    }

    fn is_void(self) -> bool {
        matches!(self, Kind::Void | Kind::Rule)
    }

    /// In the spec's "special" category, which stops the search for an open `li`, `dd` or
    /// `dt` (except `address`, `div` and `p`).
    fn stops_item_search(self, name: &str) -> bool {
        match self {
            Kind::Inline => false,
            Kind::Block => !matches!(name, "address" | "div"),
            Kind::P => false,
            _ => true,
        }
    }
}

struct Open {
    id: NodeId,
    name: LocalName,
    kind: Kind,
}

/// The tree builder's part: the stack of open elements over scraper's sink.
struct Builder {
    sink: HtmlTreeSink,
    stack: Vec<Open>,
    text: String,
    /// Set by `pre` and `listing`: a newline that starts the next token is dropped.
    ignore_lf: bool,
}

impl Builder {
    fn new() -> Self {
        let sink = HtmlTreeSink::new(Html::new_fragment());
        // html5ever creates the context element first (an orphan in scraper's arena), then
        // the `html` root; the same order gives every node the same id.
        sink.create_element(
            html_name(local_name!("body")),
            Vec::new(),
            ElementFlags::default(),
        );
        let root = sink.create_element(
            html_name(local_name!("html")),
            Vec::new(),
            ElementFlags::default(),
        );
        sink.append(&sink.get_document(), NodeOrText::AppendNode(root));
        let stack = vec![Open {
            id: root,
            name: local_name!("html"),
            kind: Kind::Root,
        }];
        Builder {
            sink,
            stack,
            text: String::new(),
            ignore_lf: false,
        }
    }

    fn finish(mut self) -> Html {
        self.flush_text();
        self.sink.finish()
    }

    fn current(&self) -> &Open {
        // The root is never popped: `end_tag` refuses to close it.
        &self.stack[self.stack.len() - 1]
    }

    fn push_text(&mut self, text: &str) {
        let text = match std::mem::take(&mut self.ignore_lf) {
            true => text.strip_prefix('\n').unwrap_or(text),
            false => text,
        };
        self.text.push_str(text);
    }

    fn flush_text(&mut self) {
        self.ignore_lf = false;
        if self.text.is_empty() {
            return;
        }
        let text = StrTendril::from(std::mem::take(&mut self.text));
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendText(text));
    }

    fn comment(&mut self, text: &str) {
        self.flush_text();
        let comment = self.sink.create_comment(StrTendril::from(text));
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(comment));
    }

    fn start_tag(&mut self, tag: StartTag) -> Option<()> {
        self.flush_text();
        if tag.self_closing && !tag.kind.is_void() {
            return None;
        }
        match tag.kind {
            Kind::Block | Kind::P | Kind::Pre | Kind::Rule => self.close_p()?,
            Kind::Heading => {
                self.close_p()?;
                if self.current().kind == Kind::Heading {
                    return None;
                }
            }
            Kind::ListItem | Kind::DefinitionItem => {
                self.close_item(tag.kind)?;
                self.close_p()?;
            }
            Kind::Inline if tag.name == local_name!("a") => {
                if self.stack.iter().any(|e| e.name == local_name!("a")) {
                    return None;
                }
            }
            Kind::Inline | Kind::Void | Kind::Root => {}
        }
        let id = self.sink.create_element(
            html_name(tag.name.clone()),
            tag.attrs,
            ElementFlags::default(),
        );
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(id));
        if !tag.kind.is_void() {
            self.stack.push(Open {
                id,
                name: tag.name,
                kind: tag.kind,
            });
        }
        self.ignore_lf = tag.kind == Kind::Pre;
        Some(())
    }

    /// "Close a p element" where the spec would: only the simple case, `p` being current.
    fn close_p(&mut self) -> Option<()> {
        if !self.stack.iter().any(|e| e.kind == Kind::P) {
            return Some(());
        }
        (self.current().kind == Kind::P).then(|| {
            self.stack.pop();
        })
    }

    /// A new `li` closes the open `li` (a `dd` or `dt` the open `dd` or `dt`), if no other
    /// special element is between.
    fn close_item(&mut self, kind: Kind) -> Option<()> {
        for (depth, open) in self.stack.iter().enumerate().rev() {
            if open.kind == kind {
                return self.close_with_implied(depth);
            }
            if open.kind.stops_item_search(&open.name) {
                break;
            }
        }
        Some(())
    }

    /// Pops the element at `depth` and the ones above it, if those are all elements whose
    /// end tag may be left out (`p`, `li`, `dd`, `dt`): html5ever's "generate implied end
    /// tags". Anything else above it would need repair.
    fn close_with_implied(&mut self, depth: usize) -> Option<()> {
        let above = &self.stack[depth + 1..];
        if !above.iter().all(|e| e.kind.end_tag_implied()) {
            return None;
        }
        self.stack.truncate(depth);
        Some(())
    }

    /// An end tag that closes the current element, or for a block the nearest open one of
    /// its name above which only elements with implied end tags are open (`<li>a</ul>`,
    /// `<div><p>a</div>`); html5ever repairs anything else.
    fn end_tag(&mut self, name: &str) -> Option<()> {
        self.flush_text();
        let depth = self.stack.iter().rposition(|e| &*e.name == name)?;
        let open = &self.stack[depth];
        if open.kind == Kind::Root {
            return None;
        }
        if depth + 1 == self.stack.len() {
            self.stack.pop();
            return Some(());
        }
        if open.kind == Kind::Inline {
            return None;
        }
        // `</li>` with a `p` open in the `li`: fine; with a `ul` open in it, `li` is out of
        // the list item scope and html5ever ignores the tag. The implied-tags check covers it.
        self.close_with_implied(depth)
    }
}

fn html_name(local: LocalName) -> QualName {
    QualName::new(None, ns!(html), local)
}

struct StartTag {
    name: LocalName,
    kind: Kind,
    attrs: Vec<Attribute>,
    self_closing: bool,
}

/// The tokenizer's part: splits the input into text, tags and comments, decoding character
/// references; `None` wherever html5ever's tokenizer would take a path this does not follow.
struct Tokenizer<'a> {
    input: &'a str,
    pos: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b' ')
}

impl Tokenizer<'_> {
    fn run(&mut self, builder: &mut Builder) -> Option<()> {
        let mut decoded = String::new();
        while self.pos < self.input.len() {
            let rest = &self.input.as_bytes()[self.pos..];
            let stop = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
            if stop > 0 {
                builder.push_text(&self.input[self.pos..self.pos + stop]);
                self.pos += stop;
                continue;
            }
            if rest[0] == b'&' {
                decoded.clear();
                self.char_ref(&mut decoded)?;
                builder.push_text(&decoded);
                continue;
            }
            match rest.get(1) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let tag = self.start_tag()?;
                    builder.start_tag(tag)?;
                }
                Some(b'/') => {
                    let name = self.end_tag()?;
                    builder.end_tag(&name)?;
                }
                Some(b'!') => {
                    let text = self.comment()?;
                    builder.comment(text);
                }
                Some(b'?') => return None,
                // A `<` that starts no tag is text.
                _ => {
                    builder.push_text("<");
                    self.pos += 1;
                }
            }
        }
        Some(())
    }

    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    /// A run of bytes up to one of the stop bytes (or the end), lowercased.
    fn name(&mut self, stop: impl Fn(u8) -> bool) -> Cow<'_, str> {
        let start = self.pos;
        let bytes = self.input.as_bytes();
        while self.pos < bytes.len() && !stop(bytes[self.pos]) {
            self.pos += 1;
        }
        let raw = &self.input[start..self.pos];
        match raw.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(raw.to_ascii_lowercase()),
            false => Cow::Borrowed(raw),
        }
    }

    fn start_tag(&mut self) -> Option<StartTag> {
        self.pos += 1;
        let name = self.name(|b| is_space(b) || b == b'/' || b == b'>');
        let kind = Kind::of(&name)?;
        let name = LocalName::from(&*name);
        let mut attrs: Vec<Attribute> = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek()? {
                b'>' => {
                    self.pos += 1;
                    return Some(StartTag {
                        name,
                        kind,
                        attrs,
                        self_closing: false,
                    });
                }
                b'/' => {
                    self.pos += 1;
                    if self.peek()? != b'>' {
                        return None;
                    }
                    self.pos += 1;
                    return Some(StartTag {
                        name,
                        kind,
                        attrs,
                        self_closing: true,
                    });
                }
                _ => {
                    let attr = self.attribute()?;
                    // html5ever keeps the first of two same-named attributes; not handled here.
                    if attrs.iter().any(|a| a.name.local == attr.name.local) {
                        return None;
                    }
                    attrs.push(attr);
                }
            }
        }
    }

    fn attribute(&mut self) -> Option<Attribute> {
        if self.peek()? == b'=' {
            return None;
        }
        let name = self.name(|b| is_space(b) || matches!(b, b'/' | b'>' | b'='));
        if name.bytes().any(|b| matches!(b, b'"' | b'\'' | b'<')) {
            return None;
        }
        let name = QualName::new(None, ns!(), LocalName::from(&*name));
        self.skip_spaces();
        let mut value = String::new();
        if self.peek()? == b'=' {
            self.pos += 1;
            self.skip_spaces();
            self.attribute_value(&mut value)?;
        }
        Some(Attribute {
            name,
            value: StrTendril::from(value),
        })
    }

    fn attribute_value(&mut self, value: &mut String) -> Option<()> {
        let quote = self.peek()?;
        if quote != b'"' && quote != b'\'' {
            return self.unquoted_value(value);
        }
        self.pos += 1;
        loop {
            let rest = &self.input.as_bytes()[self.pos..];
            let stop = memchr::memchr2(quote, b'&', rest)?;
            value.push_str(&self.input[self.pos..self.pos + stop]);
            self.pos += stop;
            if rest[stop] == quote {
                self.pos += 1;
                break;
            }
            self.char_ref(value)?;
        }
        // html5ever reads `a="1"b="2"` with a parse error; not handled here.
        match self.peek()? {
            b'>' | b'/' => Some(()),
            b if is_space(b) => Some(()),
            _ => None,
        }
    }

    fn unquoted_value(&mut self, value: &mut String) -> Option<()> {
        let start_len = self.pos;
        loop {
            match self.peek()? {
                b'>' => break,
                b if is_space(b) => break,
                b'"' | b'\'' | b'<' | b'=' | b'`' => return None,
                b'&' => self.char_ref(value)?,
                _ => {
                    let c = self.input[self.pos..].chars().next()?;
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        (self.pos > start_len).then_some(())
    }

    fn end_tag(&mut self) -> Option<String> {
        self.pos += 2;
        if !self.peek()?.is_ascii_alphabetic() {
            return None;
        }
        let name = self
            .name(|b| is_space(b) || b == b'/' || b == b'>')
            .into_owned();
        self.skip_spaces();
        if self.peek()? != b'>' {
            return None;
        }
        self.pos += 1;
        Some(name)
    }

    /// `<!--text-->`; `None` for doctypes, CDATA and comments html5ever reads specially.
    fn comment(&mut self) -> Option<&str> {
        let rest = &self.input[self.pos..];
        let body_and_rest = rest.strip_prefix("<!--")?;
        let end = memchr::memmem::find(body_and_rest.as_bytes(), b"-->")?;
        let body = &body_and_rest[..end];
        if body.starts_with('>')
            || body.starts_with("->")
            || body.ends_with('-')
            || body.contains("--!>")
        {
            return None;
        }
        self.pos += 4 + end + 3;
        Some(body)
    }

    /// Decodes the character reference at `&`, or keeps the `&` as text where html5ever
    /// does; the same in text and in attribute values for the references handled here.
    fn char_ref(&mut self, out: &mut String) -> Option<()> {
        let after = &self.input.as_bytes()[self.pos + 1..];
        match after.first() {
            Some(b'#') => self.numeric_ref(out),
            Some(b) if b.is_ascii_alphanumeric() => self.named_ref(out),
            _ => {
                out.push('&');
                self.pos += 1;
                Some(())
            }
        }
    }

    fn numeric_ref(&mut self, out: &mut String) -> Option<()> {
        let bytes = self.input.as_bytes();
        let mut at = self.pos + 2;
        let hex = matches!(bytes.get(at), Some(b'x' | b'X'));
        if hex {
            at += 1;
        }
        let digits_start = at;
        while bytes.get(at).is_some_and(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        }) {
            at += 1;
        }
        // No digits, a missing `;`, or a number long enough to overflow: not handled here.
        if at == digits_start || at - digits_start > 8 || bytes.get(at) != Some(&b';') {
            return None;
        }
        let radix = if hex { 16 } else { 10 };
        let n = u32::from_str_radix(&self.input[digits_start..at], radix).ok()?;
        out.push(numeric_char(n));
        self.pos = at + 1;
        Some(())
    }

    fn named_ref(&mut self, out: &mut String) -> Option<()> {
        let bytes = self.input.as_bytes();
        let start = self.pos + 1;
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            end += 1;
        }
        let entities = &html5ever::data::NAMED_ENTITIES;
        if bytes.get(end) == Some(&b';') {
            let with_semicolon = &self.input[start..=end];
            if let Some(&(first, second)) = entities.get(with_semicolon)
                && first != 0
            {
                out.push(char::from_u32(first)?);
                if second != 0 {
                    out.push(char::from_u32(second)?);
                }
                self.pos = end + 1;
                return Some(());
            }
        }
        // html5ever decodes the longest name in the table that starts the run; the legacy
        // names without `;` (`&copy2`, `&amp=`) have rules of their own, not handled here.
        let legacy = (start + 1..=end.min(start + 32)).rev().any(|e| {
            entities
                .get(&self.input[start..e])
                .is_some_and(|m| m.0 != 0)
        });
        if legacy {
            return None;
        }
        out.push_str(&self.input[self.pos..end]);
        self.pos = end;
        Some(())
    }
}

/// The character a numeric reference stands for, as html5ever's tokenizer decides it.
fn numeric_char(n: u32) -> char {
    match n {
        0 | 0xD800..=0xDFFF => '\u{FFFD}',
        n if n > 0x10FFFF => '\u{FFFD}',
        0x80..=0x9F => html5ever::data::C1_REPLACEMENTS[(n - 0x80) as usize]
            .unwrap_or_else(|| char::from_u32(n).unwrap_or('\u{FFFD}')),
        n => char::from_u32(n).unwrap_or('\u{FFFD}'),
    }
}

#[cfg(test)]
#[path = "quick_tests.rs"]
mod tests;
