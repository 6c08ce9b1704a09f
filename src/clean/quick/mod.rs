//! A fast parser for well-formed HTML: the fragments most feeds carry (paragraphs, inline
//! markup, links, images, lists, quotes, figures, headings, tables, inline SVG) and article
//! pages whose only misnesting is formatting elements left open across a block or an end tag
//! (`<p><b>x</p>y`, `<a><h2>t</h2></a>`), which html5ever opens again.
//!
//! It builds scraper's tree with the `TreeSink` calls html5ever's tree builder makes for such
//! input, in the same order, so the result is the tree `Html::parse_fragment` returns, node for
//! node; the tests compare the two on the corpora and on generated fragments. It returns `None`
//! for anything outside that subset (an element it does not list, an end tag that does not
//! close the current element, markup html5ever would move, a character reference or comment
//! with an edge case), and the caller parses with html5ever. html5ever reads a character at a
//! time through a buffer queue; this scans bytes, and most of a fragment is plain text.
//!
//! `tokenizer` splits the input into text, tags and comments; `builder` keeps the stack of
//! open elements, the list of active formatting elements and html5ever's insertion modes;
//! `svg` has the names html5ever adjusts in foreign content.

mod builder;
mod svg;
mod tokenizer;

use std::borrow::Cow;

use html5ever::tendril::StrTendril;
use html5ever::{Attribute, LocalName, QualName, ns};
use scraper::Html;

use builder::Builder;
use tokenizer::Tokenizer;

/// Parses `html` as `Html::parse_fragment` would, if it is within the subset this handles.
pub(super) fn parse(html: &str) -> Option<Html> {
    // html5ever replaces or drops NUL depending on where it stands: not handled here.
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    // html5ever's tokenizer drops a byte order mark at the start.
    let html = html.strip_prefix('\u{FEFF}').unwrap_or(html);
    let input = normalize_newlines(html);
    // An element starts at every `<` but an end tag's, and a text node may follow every
    // tag: at most two nodes a `<`, plus the context element, the root and leading text.
    let nodes = 2 * memchr::memchr_iter(b'<', input.as_bytes()).count() + 3;
    let mut builder = Builder::new(nodes);
    let source = StrTendril::from_slice(&input);
    Tokenizer::new(&source).run(&mut builder)?;
    builder.finish()
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
pub(super) enum Kind {
    /// Inserted where it stands: `span`, `em`, `a`, and every name the spec has no rule for
    /// (`o:p`, custom elements).
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
    /// `br`, `img`, `source`, `meta`, ...: no content, never on the stack.
    Void,
    /// `hr`: closes a `p`, then as `Void`.
    Rule,
    /// `iframe`, `style`, `script`, `noscript`, ...: everything up to the end tag is text.
    RawText,
    /// `title`: text with character references, up to the end tag.
    EscapableText,
    /// `form`: closes a `p`; a second one while the first is open is ignored.
    Form,
    /// `button`: not inside another.
    Button,
    /// `table`: closes a `p`; inside it only the parts below, whitespace, comments, scripts
    /// and styles are handled here (anything else html5ever moves before the table).
    Table,
    /// `tbody`, `thead`, `tfoot`.
    TableSection,
    /// `tr`.
    Row,
    /// `td`, `th`: their content is read as in the body.
    Cell,
    /// `svg`: inserted in the SVG namespace; what it contains is foreign content.
    Svg,
    /// An element inside `svg`, in the SVG namespace.
    Foreign,
    /// `head` and `body`, which html5ever ignores inside a fragment.
    Ignored,
    /// `html`: ignored, but its attributes go to the root.
    Html,
    /// The fragment's `html` root at the bottom of the stack.
    Root,
}

impl Kind {
    pub(super) fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "a" | "b" | "big" | "code" | "em" | "font" | "i" | "s" | "small" | "strike"
            | "strong" | "tt" | "u" => Kind::Inline,
            "address" | "article" | "aside" | "blockquote" | "center" | "details" | "dialog"
            | "dir" | "div" | "dl" | "fieldset" | "figcaption" | "figure" | "footer" | "header"
            | "hgroup" | "main" | "menu" | "nav" | "ol" | "search" | "section" | "summary"
            | "ul" => Kind::Block,
            "p" => Kind::P,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading,
            "pre" | "listing" => Kind::Pre,
            "li" => Kind::ListItem,
            "dd" | "dt" => Kind::DefinitionItem,
            "br" | "img" | "wbr" | "area" | "embed" | "keygen" | "input" | "source" | "param"
            | "track" | "base" | "basefont" | "bgsound" | "link" | "meta" => Kind::Void,
            "hr" => Kind::Rule,
            "iframe" | "noembed" | "noframes" | "noscript" | "style" | "script" => Kind::RawText,
            "title" | "textarea" => Kind::EscapableText,
            "form" => Kind::Form,
            "table" => Kind::Table,
            "tbody" | "thead" | "tfoot" => Kind::TableSection,
            "tr" => Kind::Row,
            "td" | "th" => Kind::Cell,
            "button" => Kind::Button,
            "head" | "body" => Kind::Ignored,
            "html" => Kind::Html,
            "svg" => Kind::Svg,
            // Names with rules of their own in html5ever's tree builder, not followed here:
            // table captions and columns, select boxes, foreign content, templates, ruby, ...
            "applet" | "caption" | "col" | "colgroup" | "frame" | "frameset" | "image"
            | "marquee" | "math" | "nobr" | "object" | "optgroup" | "option" | "plaintext"
            | "rb" | "rp" | "rt" | "rtc" | "select" | "template" | "xmp" => return None,
            _ if name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')) =>
            {
                Kind::Inline
            }
            _ => return None,
        })
    }

    /// `p`, `li`, `dd` and `dt`, which html5ever closes when an ancestor's end tag comes.
    pub(super) fn end_tag_implied(self) -> bool {
        matches!(self, Kind::P | Kind::ListItem | Kind::DefinitionItem)
    }

    pub(super) fn is_void(self) -> bool {
        matches!(self, Kind::Void | Kind::Rule)
    }

    /// In the spec's "special" category, which stops the search for an open `li`, `dd` or
    /// `dt` (except `address`, `div` and `p`).
    pub(super) fn stops_item_search(self, name: &str) -> bool {
        match self {
            Kind::Inline => false,
            Kind::Block => !matches!(name, "address" | "div"),
            Kind::P => false,
            // `noscript`, `noembed` and `noframes` are not special; `iframe`, `style`,
            // `script` and `title` are.
            Kind::RawText => !matches!(name, "noscript" | "noembed" | "noframes"),
            _ => true,
        }
    }

    pub(super) fn is_svg(self) -> bool {
        matches!(self, Kind::Svg | Kind::Foreign)
    }

    pub(super) fn is_table_part(self) -> bool {
        matches!(self, Kind::TableSection | Kind::Row | Kind::Cell)
    }

    pub(super) fn reads_raw_text(self) -> bool {
        matches!(self, Kind::RawText | Kind::EscapableText)
    }
}

pub(super) struct StartTag {
    pub(super) name: LocalName,
    /// `None`: a name this parser leaves to html5ever, unless it stands in SVG.
    pub(super) kind: Option<Kind>,
    pub(super) attrs: Vec<Attribute>,
    /// Changes nothing for HTML elements (void ones have no content, and html5ever ignores
    /// it on the others); closes an SVG element at once.
    pub(super) self_closing: bool,
}

pub(super) fn html_name(local: LocalName) -> QualName {
    QualName::new(None, ns!(html), local)
}

#[cfg(test)]
mod tests;
