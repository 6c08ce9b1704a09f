//! The tokenizer's part of the quick parser: text, tags, comments and character references,
//! read as html5ever's tokenizer reads them, handed to the builder as they come.

use std::borrow::Cow;

use html5ever::tendril::StrTendril;
use html5ever::{Attribute, LocalName, QualName, ns};

use super::builder::Builder;
use super::{Kind, StartTag};

/// The tokenizer's part: splits the input into text, tags and comments, decoding character
/// references; `None` wherever html5ever's tokenizer would take a path this does not follow.
pub(super) struct Tokenizer<'a> {
    input: &'a str,
    /// The input as a tendril: text and attribute values that are a piece of the input as
    /// it stands share its buffer instead of copying it. `None` for a part of the input
    /// read apart (a title's text).
    source: Option<&'a StrTendril>,
    pos: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b' ')
}

impl<'a> Tokenizer<'a> {
    pub(super) fn new(source: &'a StrTendril) -> Self {
        Tokenizer {
            input: source,
            source: Some(source),
            pos: 0,
        }
    }

    /// `len` bytes of the input from `start`, sharing the input's buffer.
    fn piece(&self, start: usize, len: usize) -> StrTendril {
        let end = start + len;
        if let (Some(source), Ok(start32), Ok(len32)) =
            (self.source, u32::try_from(start), u32::try_from(len))
            && self.input.is_char_boundary(start)
            && self.input.is_char_boundary(end)
        {
            // SAFETY: `input` is `source`'s text, and the piece is within it and starts and
            // ends at character boundaries: what `subtendril` checks (with a slower UTF-8
            // classification) before it makes the same call.
            return unsafe { source.unsafe_subtendril(start32, len32) };
        }
        StrTendril::from_slice(&self.input[start..end])
    }

    pub(super) fn run(&mut self, builder: &mut Builder) -> Option<()> {
        let mut decoded = String::new();
        while self.pos < self.input.len() {
            let rest = &self.input.as_bytes()[self.pos..];
            let stop = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
            if stop > 0 {
                builder.push_piece(self.piece(self.pos, stop));
                self.pos += stop;
                continue;
            }
            if rest[0] == b'&' {
                decoded.clear();
                self.char_ref(&mut decoded, false)?;
                builder.push_text(&decoded);
                continue;
            }
            match rest.get(1) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let tag = self.start_tag()?;
                    let name = tag.name.clone();
                    // html5ever's parser loop restarts the tokenizer after `</script>` and
                    // after a `<meta>` that declares a charset, and each restart drops a byte
                    // order mark where it stands: not handled here.
                    let restarts = matches!(&*name, "meta" | "script");
                    if let Some(kind) = builder.start_tag(tag)? {
                        self.raw_text(builder, &name, kind)?;
                    }
                    if restarts && self.input[self.pos..].starts_with('\u{FEFF}') {
                        return None;
                    }
                }
                Some(b'/') => {
                    let name = self.end_tag()?;
                    builder.end_tag(&name)?;
                }
                // An ignored token still takes the place of a newline after `<pre>`.
                Some(b'!') if self.skip_doctype() => builder.flush_text()?,
                Some(b'!') => {
                    let text = self.comment()?;
                    builder.comment(text)?;
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

    /// The content of `iframe`, `style`, `script`, `title`, ... up to the end tag that closes
    /// it (any case), which pops the element; character references are decoded in `title`
    /// and `textarea` only. An element other than `script` left open takes the rest of the
    /// input as its text (a Blogger video's `<iframe ... />`): the tokenizer reads a partial
    /// end tag at the end as text, and the tree builder pops the element at the end of the
    /// input. Not handled here: a script with both `<!--` and `<script` in it (where the
    /// tokenizer's double escaping begins), and a script left open.
    fn raw_text(&mut self, builder: &mut Builder, name: &str, kind: Kind) -> Option<()> {
        let rest = &self.input[self.pos..];
        let Some((end, after_name)) = find_end_tag(rest, name) else {
            if name == "script" {
                return None;
            }
            self.push_raw_text(builder, self.pos, rest.len(), kind)?;
            self.pos = self.input.len();
            return builder.end_raw_text();
        };
        let content = &rest[..end];
        if name == "script" && content.contains("<!--") && contains_script_tag(content) {
            return None;
        }
        self.push_raw_text(builder, self.pos, end, kind)?;
        self.pos += after_name;
        self.skip_spaces();
        if self.peek()? != b'>' {
            return None;
        }
        self.pos += 1;
        builder.end_raw_text()
    }

    /// The raw text of `len` bytes from `start`.
    fn push_raw_text(
        &self,
        builder: &mut Builder,
        start: usize,
        len: usize,
        kind: Kind,
    ) -> Option<()> {
        if kind == Kind::EscapableText {
            let mut decoded = String::new();
            let content = &self.input[start..start + len];
            Tokenizer {
                input: content,
                source: None,
                pos: 0,
            }
            .decode_text(&mut decoded)?;
            builder.push_text(&decoded);
        } else {
            builder.push_piece(self.piece(start, len));
        }
        Some(())
    }

    /// Text with character references decoded, to the end of the input.
    fn decode_text(&mut self, out: &mut String) -> Option<()> {
        while self.pos < self.input.len() {
            let rest = &self.input.as_bytes()[self.pos..];
            let stop = memchr::memchr(b'&', rest).unwrap_or(rest.len());
            out.push_str(&self.input[self.pos..self.pos + stop]);
            self.pos += stop;
            if self.pos < self.input.len() {
                self.char_ref(out, false)?;
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
    fn name(&mut self, stop: impl Fn(u8) -> bool) -> Cow<'a, str> {
        let start = self.pos;
        let input = self.input;
        let bytes = input.as_bytes();
        while self.pos < bytes.len() && !stop(bytes[self.pos]) {
            self.pos += 1;
        }
        let raw = &input[start..self.pos];
        match raw.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(raw.to_ascii_lowercase()),
            false => Cow::Borrowed(raw),
        }
    }

    fn start_tag(&mut self) -> Option<StartTag> {
        self.pos += 1;
        let name = self.name(|b| is_space(b) || b == b'/' || b == b'>');
        let kind = Kind::of(&name);
        let name = LocalName::from(&*name);
        let mut attrs: Vec<Attribute> = Vec::new();
        let self_closing = loop {
            self.skip_spaces();
            match self.peek()? {
                b'>' => break false,
                b'/' => {
                    self.pos += 1;
                    if self.peek()? != b'>' {
                        return None;
                    }
                    break true;
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
        };
        self.pos += 1;
        Some(StartTag {
            name,
            kind,
            attrs,
            self_closing,
        })
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
        let mut value = StrTendril::new();
        if self.peek()? == b'=' {
            self.pos += 1;
            self.skip_spaces();
            value = self.attribute_value()?;
        }
        Some(Attribute { name, value })
    }

    fn attribute_value(&mut self) -> Option<StrTendril> {
        let quote = self.peek()?;
        let mut value = String::new();
        if quote != b'"' && quote != b'\'' {
            self.unquoted_value(&mut value)?;
            return Some(StrTendril::from(value));
        }
        self.pos += 1;
        let rest = &self.input.as_bytes()[self.pos..];
        let stop = memchr::memchr2(quote, b'&', rest)?;
        if rest[stop] == quote {
            // No character reference: the value is the input as it stands.
            let value = self.piece(self.pos, stop);
            self.pos += stop + 1;
            return self.after_quoted_value().then_some(value);
        }
        loop {
            let rest = &self.input.as_bytes()[self.pos..];
            let stop = memchr::memchr2(quote, b'&', rest)?;
            value.push_str(&self.input[self.pos..self.pos + stop]);
            self.pos += stop;
            if rest[stop] == quote {
                self.pos += 1;
                break;
            }
            self.char_ref(&mut value, true)?;
        }
        self.after_quoted_value().then(|| StrTendril::from(value))
    }

    /// html5ever reads `a="1"b="2"` with a parse error; not handled here.
    fn after_quoted_value(&self) -> bool {
        self.peek()
            .is_some_and(|b| matches!(b, b'>' | b'/') || is_space(b))
    }

    fn unquoted_value(&mut self, value: &mut String) -> Option<()> {
        let start = self.pos;
        loop {
            match self.peek()? {
                b'>' => break,
                b if is_space(b) => break,
                b'"' | b'\'' | b'<' | b'=' | b'`' => return None,
                b'&' => self.char_ref(value, true)?,
                _ => {
                    let c = self.input[self.pos..].chars().next()?;
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        (self.pos > start).then_some(())
    }

    fn end_tag(&mut self) -> Option<Cow<'a, str>> {
        self.pos += 2;
        if !self.peek()?.is_ascii_alphabetic() {
            return None;
        }
        let name = self.name(|b| is_space(b) || b == b'/' || b == b'>');
        self.skip_spaces();
        if self.peek()? != b'>' {
            return None;
        }
        self.pos += 1;
        Some(name)
    }

    /// A doctype, which the tree builder ignores inside a fragment; every state of the
    /// tokenizer's doctype reading ends it at the first `>`.
    fn skip_doctype(&mut self) -> bool {
        let rest = &self.input.as_bytes()[self.pos..];
        if !rest
            .get(2..9)
            .is_some_and(|k| k.eq_ignore_ascii_case(b"doctype"))
        {
            return false;
        }
        let Some(end) = memchr::memchr(b'>', rest) else {
            return false;
        };
        self.pos += end + 1;
        true
    }

    /// `<!--text-->`; `None` for CDATA and comments html5ever reads specially.
    fn comment(&mut self) -> Option<&str> {
        let rest = &self.input[self.pos..];
        let body_and_rest = rest.strip_prefix("<!--")?;
        let end = memchr::memmem::find(body_and_rest.as_bytes(), b"-->")?;
        let body = &body_and_rest[..end];
        if body.starts_with('>') || body.starts_with("->") || body.contains("--!>") {
            return None;
        }
        self.pos += 4 + end + 3;
        Some(body)
    }

    /// Decodes the character reference at `&`, or keeps the `&` as text where html5ever
    /// does.
    fn char_ref(&mut self, out: &mut String, in_attribute: bool) -> Option<()> {
        let after = &self.input.as_bytes()[self.pos + 1..];
        match after.first() {
            Some(b'#') => self.numeric_ref(out),
            Some(b) if b.is_ascii_alphanumeric() => self.named_ref(out, in_attribute),
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

    /// html5ever decodes the longest name in its table that starts the run of letters and
    /// digits after `&`: `&amp;`, or a legacy name without `;` (`&copy 2020`, `&quotWhy`),
    /// which inside an attribute stays as written when a letter, digit or `=` follows
    /// (`?a=1&copy=2`, `&note=`).
    fn named_ref(&mut self, out: &mut String, in_attribute: bool) -> Option<()> {
        let bytes = self.input.as_bytes();
        let start = self.pos + 1;
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            end += 1;
        }
        let entities = &html5ever::data::NAMED_ENTITIES;
        let full = |key: &str| entities.get(key).filter(|m| m.0 != 0).copied();
        let with_semicolon = (bytes.get(end) == Some(&b';'))
            .then(|| full(&self.input[start..=end]).map(|m| (end + 1, m)))
            .flatten();
        // The legacy names are at most six letters long.
        let matched = with_semicolon.or_else(|| {
            (start + 1..=end.min(start + 8))
                .rev()
                .find_map(|e| full(&self.input[start..e]).map(|m| (e, m)))
        });
        let Some((stop, (first, second))) = matched else {
            out.push_str(&self.input[self.pos..end]);
            self.pos = end;
            return Some(());
        };
        let legacy = bytes[stop - 1] != b';';
        let next = bytes.get(stop).copied();
        if legacy && in_attribute && next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'=') {
            out.push_str(&self.input[self.pos..stop]);
        } else {
            out.push(char::from_u32(first)?);
            if second != 0 {
                out.push(char::from_u32(second)?);
            }
        }
        self.pos = stop;
        Some(())
    }
}

/// Whether `<script` (any case) occurs in `text`.
fn contains_script_tag(text: &str) -> bool {
    memchr::memchr_iter(b'<', text.as_bytes()).any(|at| {
        text.as_bytes()
            .get(at + 1..at + 7)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
    })
}

/// Where `</name` (any case) next starts in `text` followed by a space, `/` or `>`, as the
/// tokenizer ends raw text; and where the name ends.
fn find_end_tag(text: &str, name: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&bytes[from..], b"</") {
        let start = from + found;
        let name_end = start + 2 + name.len();
        let named = bytes
            .get(start + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
        let closed = bytes
            .get(name_end)
            .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>');
        if named && closed {
            return Some((start, name_end));
        }
        from = start + 2;
    }
    None
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
