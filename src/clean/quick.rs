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
    parse_or_stop(html).ok()
}

/// The tree, or the byte offset (after newline normalization) where the parser gave up.
fn parse_or_stop(html: &str) -> Result<Html, usize> {
    if let Some(nul) = memchr::memchr(0, html.as_bytes()) {
        return Err(nul);
    }
    // html5ever's tokenizer drops a byte order mark at the start.
    let html = html.strip_prefix('\u{FEFF}').unwrap_or(html);
    let input = normalize_newlines(html);
    let mut builder = Builder::new();
    let mut tokenizer = Tokenizer {
        input: &input,
        pos: 0,
    };
    match tokenizer.run(&mut builder) {
        Some(()) => builder.finish().ok_or(tokenizer.pos),
        None => Err(tokenizer.pos),
    }
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
    fn of(name: &str) -> Option<Kind> {
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
            // `noscript`, `noembed` and `noframes` are not special; `iframe`, `style`,
            // `script` and `title` are.
            Kind::RawText => !matches!(name, "noscript" | "noembed" | "noframes"),
            _ => true,
        }
    }

    fn is_svg(self) -> bool {
        matches!(self, Kind::Svg | Kind::Foreign)
    }

    fn is_table_part(self) -> bool {
        matches!(self, Kind::TableSection | Kind::Row | Kind::Cell)
    }

    fn reads_raw_text(self) -> bool {
        matches!(self, Kind::RawText | Kind::EscapableText)
    }
}

struct Open {
    id: NodeId,
    name: LocalName,
    kind: Kind,
}

/// html5ever's insertion mode, as "reset the insertion mode appropriately" finds it from the
/// stack: the nearest table part, else the body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Body,
    Table,
    TableBody,
    Row,
    Cell,
}

/// The tree builder's part: the stack of open elements over scraper's sink.
struct Builder {
    sink: HtmlTreeSink,
    stack: Vec<Open>,
    text: String,
    /// Set by `pre`, `listing` and `textarea`: a newline that starts the next token is dropped.
    ignore_lf: bool,
    /// html5ever's form element pointer: set by `<form>`, cleared by `</form>`.
    form_open: bool,
    /// Whether a table was ever opened: until then the mode is the body's.
    had_table: bool,
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
            form_open: false,
            had_table: false,
        }
    }

    fn finish(mut self) -> Option<Html> {
        self.flush_text()?;
        Some(self.sink.finish())
    }

    fn mode(&self) -> Mode {
        if !self.had_table {
            return Mode::Body;
        }
        for open in self.stack.iter().rev() {
            match open.kind {
                Kind::Cell => return Mode::Cell,
                Kind::Row => return Mode::Row,
                Kind::TableSection => return Mode::TableBody,
                Kind::Table => return Mode::Table,
                _ => {}
            }
        }
        Mode::Body
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

    /// Appends the pending text. Directly in a table only whitespace stays where it is;
    /// html5ever moves other text before the table, which is not handled here.
    fn flush_text(&mut self) -> Option<()> {
        self.ignore_lf = false;
        if self.text.is_empty() {
            return Some(());
        }
        let in_table = matches!(
            self.current().kind,
            Kind::Table | Kind::TableSection | Kind::Row
        );
        let html_space = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ');
        if in_table && !self.text.bytes().all(html_space) {
            return None;
        }
        let text = StrTendril::from(std::mem::take(&mut self.text));
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendText(text));
        Some(())
    }

    fn comment(&mut self, text: &str) -> Option<()> {
        self.flush_text()?;
        let comment = self.sink.create_comment(StrTendril::from(text));
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(comment));
        Some(())
    }

    /// A start tag; html5ever ignores the self-closing flag of a non-void element.
    /// A start tag; `Some(Some(kind))` if raw text follows it (`kind` says which).
    fn start_tag(&mut self, tag: StartTag) -> Option<Option<Kind>> {
        self.flush_text()?;
        if self.current().kind.is_svg() {
            self.foreign_start_tag(tag)?;
            return Some(None);
        }
        let kind = tag.kind?;
        if !self.make_room_in_table(kind, &tag.name)? {
            return Some(None);
        }
        match kind {
            Kind::Ignored => return Some(None),
            Kind::Form if self.form_open => return Some(None),
            Kind::Html => {
                let root = self.stack[0].id;
                self.sink.add_attrs_if_missing(&root, tag.attrs);
                return Some(None);
            }
            Kind::Svg => {
                self.insert_svg(local_name!("svg"), tag.attrs, tag.self_closing, Kind::Svg);
                return Some(None);
            }
            _ => {}
        }
        match kind {
            Kind::Block | Kind::P | Kind::Pre | Kind::Rule | Kind::Form | Kind::Table => {
                self.close_p()?
            }
            // A button inside a button closes the first: not handled here.
            Kind::Button if self.stack.iter().any(|e| e.kind == Kind::Button) => return None,
            Kind::Heading => {
                self.close_p()?;
                if self.current().kind == Kind::Heading {
                    return None;
                }
            }
            Kind::ListItem | Kind::DefinitionItem => {
                self.close_item(kind)?;
                self.close_p()?;
            }
            Kind::Inline if tag.name == local_name!("a") => {
                if self.stack.iter().any(|e| e.name == local_name!("a")) {
                    return None;
                }
            }
            Kind::Inline
            | Kind::Svg
            | Kind::Foreign
            | Kind::Button
            | Kind::TableSection
            | Kind::Row
            | Kind::Cell
            | Kind::Void
            | Kind::RawText
            | Kind::EscapableText
            | Kind::Ignored
            | Kind::Html
            | Kind::Root => {}
        }
        self.ignore_lf = kind == Kind::Pre || tag.name == local_name!("textarea");
        self.form_open |= kind == Kind::Form;
        self.had_table |= kind == Kind::Table;
        let id = self.sink.create_element(
            html_name(tag.name.clone()),
            tag.attrs,
            ElementFlags::default(),
        );
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(id));
        if !kind.is_void() {
            self.stack.push(Open {
                id,
                name: tag.name,
                kind,
            });
        }
        Some(kind.reads_raw_text().then_some(kind))
    }

    /// Inserts an element in the SVG namespace with html5ever's adjusted names; pushes it
    /// unless it closes itself.
    fn insert_svg(&mut self, name: LocalName, mut attrs: Vec<Attribute>, closed: bool, kind: Kind) {
        for attr in &mut attrs {
            if let Some(adjusted) = adjusted_svg_attribute(&attr.name.local) {
                attr.name = adjusted;
            }
        }
        let id = self.sink.create_element(
            QualName::new(None, ns!(svg), name.clone()),
            attrs,
            ElementFlags::default(),
        );
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(id));
        if !closed {
            self.stack.push(Open { id, name, kind });
        }
    }

    /// A start tag inside `svg`: another SVG element, unless it is one of the HTML tags
    /// that break out of foreign content, or the current element is one of SVG's HTML
    /// integration points (`foreignObject`, `desc`, `title`): not handled here.
    fn foreign_start_tag(&mut self, tag: StartTag) -> Option<()> {
        let integration_point = matches!(&*self.current().name, "foreignObject" | "desc" | "title");
        let plain_name = tag
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'));
        if integration_point || !plain_name || breaks_out_of_svg(&tag) || &*tag.name == "script" {
            return None;
        }
        let name = SVG_ELEMENTS
            .iter()
            .find(|camel| camel.eq_ignore_ascii_case(&tag.name))
            .map_or(tag.name, |camel| LocalName::from(*camel));
        self.insert_svg(name, tag.attrs, tag.self_closing, Kind::Foreign);
        Some(())
    }

    /// What the table modes do before a start tag is inserted: close a cell or row, or add
    /// the `tbody` or `tr` left out. `Some(false)`: html5ever ignores the tag (a table part
    /// outside a table). `None`: a tag html5ever would move before the table.
    fn make_room_in_table(&mut self, kind: Kind, name: &str) -> Option<bool> {
        loop {
            match (self.mode(), kind) {
                (Mode::Body, kind) => return Some(!kind.is_table_part()),
                (Mode::Cell, kind) if kind.is_table_part() => self.close_cell()?,
                (Mode::Cell, _) => return Some(true),
                // Of the raw text elements only `style` and `script` stay in a table; the
                // others html5ever moves before it.
                (_, Kind::RawText) if matches!(name, "style" | "script") => return Some(true),
                (Mode::Table, Kind::TableSection) => return Some(true),
                (Mode::Table, Kind::Row | Kind::Cell) => {
                    self.insert_implied(local_name!("tbody"), Kind::TableSection)
                }
                (Mode::TableBody, Kind::Row) => return Some(true),
                (Mode::TableBody, Kind::Cell) => self.insert_implied(local_name!("tr"), Kind::Row),
                (Mode::TableBody, Kind::TableSection)
                | (Mode::Row, Kind::Row | Kind::TableSection) => {
                    self.stack.pop();
                }
                (Mode::Row, Kind::Cell) => return Some(true),
                _ => return None,
            }
        }
    }

    fn insert_implied(&mut self, name: LocalName, kind: Kind) {
        let id =
            self.sink
                .create_element(html_name(name.clone()), Vec::new(), ElementFlags::default());
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(id));
        self.stack.push(Open { id, name, kind });
    }

    /// Closes the open cell and everything in it.
    fn close_cell(&mut self) -> Option<()> {
        let depth = self.stack.iter().rposition(|e| e.kind == Kind::Cell)?;
        self.stack.truncate(depth);
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
    /// `<div><p>a</div>`), or one html5ever ignores; it repairs anything else.
    fn end_tag(&mut self, name: &str) -> Option<()> {
        self.flush_text()?;
        let current = self.current();
        if current.kind.is_svg() {
            // html5ever closes the current SVG element by its name in any case; `</p>`,
            // `</br>`, `</script>` and other names have rules not followed here.
            let closes = str::eq_ignore_ascii_case(&current.name, name)
                && !matches!(name, "p" | "br" | "script");
            return closes.then(|| {
                self.stack.pop();
            });
        }
        loop {
            match self.end_tag_in_table(name)? {
                TableEnd::Done => return Some(()),
                TableEnd::Again => {}
                TableEnd::AsInBody => break,
            }
        }
        if name == "form" {
            return self.end_form();
        }
        let Some(depth) = self.stack.iter().rposition(|e| &*e.name == name) else {
            return self.end_tag_of_closed(name);
        };
        let open = &self.stack[depth];
        if open.kind == Kind::Root {
            return Some(());
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

    /// The end tags the table modes treat themselves; `None` for those html5ever would
    /// apply before the table.
    fn end_tag_in_table(&mut self, name: &str) -> Option<TableEnd> {
        let ignored_in_table = matches!(
            name,
            "body"
                | "caption"
                | "col"
                | "colgroup"
                | "html"
                | "tbody"
                | "td"
                | "tfoot"
                | "th"
                | "thead"
                | "tr"
        );
        // "Has an element in table scope": the search stops at the nearest table.
        let open_in_table = |name: &str| {
            for open in self.stack.iter().rev() {
                if &*open.name == name {
                    return true;
                }
                if open.kind == Kind::Table {
                    return false;
                }
            }
            false
        };
        let is_current = &*self.current().name == name;
        Some(match self.mode() {
            Mode::Body => TableEnd::AsInBody,
            Mode::Cell => match name {
                "td" | "th" | "table" | "tbody" | "tfoot" | "thead" | "tr" => {
                    if !open_in_table(name) {
                        return Some(TableEnd::Done);
                    }
                    self.close_cell()?;
                    match name {
                        "td" | "th" => TableEnd::Done,
                        _ => TableEnd::Again,
                    }
                }
                "body" | "caption" | "col" | "colgroup" | "html" => TableEnd::Done,
                _ => TableEnd::AsInBody,
            },
            Mode::Row => match name {
                "tr" => {
                    self.stack.pop();
                    TableEnd::Done
                }
                "table" => {
                    self.stack.pop();
                    TableEnd::Again
                }
                "tbody" | "tfoot" | "thead" if open_in_table(name) => {
                    self.stack.pop();
                    TableEnd::Again
                }
                _ if ignored_in_table => TableEnd::Done,
                _ => return None,
            },
            Mode::TableBody => match name {
                "tbody" | "tfoot" | "thead" if is_current => {
                    self.stack.pop();
                    TableEnd::Done
                }
                "table" => {
                    self.stack.pop();
                    TableEnd::Again
                }
                _ if ignored_in_table => TableEnd::Done,
                _ => return None,
            },
            Mode::Table => match name {
                "table" => {
                    self.stack.pop();
                    TableEnd::Done
                }
                _ if ignored_in_table => TableEnd::Done,
                _ => return None,
            },
        })
    }

    /// The end tag of `script`, `style`, `title`, ...: html5ever's "text" mode pops the
    /// element, whatever mode the table parts are in.
    fn end_raw_text(&mut self) -> Option<()> {
        self.flush_text()?;
        self.stack.pop();
        Some(())
    }

    /// `</form>` clears the form pointer and closes the form, which the simple cases here
    /// find on top of the stack once the implied end tags are generated.
    fn end_form(&mut self) -> Option<()> {
        let was_open = std::mem::take(&mut self.form_open);
        let Some(depth) = self.stack.iter().rposition(|e| e.kind == Kind::Form) else {
            return (!was_open).then_some(());
        };
        if !was_open {
            return None;
        }
        self.close_with_implied(depth)
    }

    /// An end tag with no open element of its name: html5ever ignores it, except `</p>`
    /// (an empty `p`), `</br>` (a `br`) and a heading's (which closes any open heading).
    fn end_tag_of_closed(&mut self, name: &str) -> Option<()> {
        match name {
            "p" | "br" => {
                let element = self.sink.create_element(
                    html_name(LocalName::from(name)),
                    Vec::new(),
                    ElementFlags::default(),
                );
                let parent = self.current().id;
                self.sink.append(&parent, NodeOrText::AppendNode(element));
                Some(())
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                (!self.stack.iter().any(|e| e.kind == Kind::Heading)).then_some(())
            }
            _ => Some(()),
        }
    }
}

/// What a table mode made of an end tag.
enum TableEnd {
    Done,
    /// Closed a part; the tag applies again to what is open now (`</table>` in a cell).
    Again,
    AsInBody,
}

fn html_name(local: LocalName) -> QualName {
    QualName::new(None, ns!(html), local)
}

/// Whether `<script` (any case) occurs in `text`.
fn contains_script_tag(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"<").any(|at| {
        text.as_bytes()
            .get(at + 1..at + 7)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
    })
}

/// The HTML tags that end foreign content in html5ever (`font` only with these attributes).
fn breaks_out_of_svg(tag: &StartTag) -> bool {
    match &*tag.name {
        "b" | "big" | "blockquote" | "body" | "br" | "center" | "code" | "dd" | "div" | "dl"
        | "dt" | "em" | "embed" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "head" | "hr" | "i"
        | "img" | "li" | "listing" | "menu" | "meta" | "nobr" | "ol" | "p" | "pre" | "ruby"
        | "s" | "small" | "span" | "strong" | "strike" | "sub" | "sup" | "table" | "tt" | "u"
        | "ul" | "var" => true,
        "font" => tag
            .attrs
            .iter()
            .any(|a| matches!(&*a.name.local, "color" | "face" | "size")),
        _ => false,
    }
}

/// SVG element names with capitals, which html5ever restores from the lowercased tag.
const SVG_ELEMENTS: &[&str] = &[
    "altGlyph",
    "altGlyphDef",
    "altGlyphItem",
    "animateColor",
    "animateMotion",
    "animateTransform",
    "clipPath",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feImage",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
    "foreignObject",
    "glyphRef",
    "linearGradient",
    "radialGradient",
    "textPath",
];

/// SVG attribute names with capitals, restored the same way.
const SVG_ATTRIBUTES: &[&str] = &[
    "attributeName",
    "attributeType",
    "baseFrequency",
    "baseProfile",
    "calcMode",
    "clipPathUnits",
    "diffuseConstant",
    "edgeMode",
    "filterUnits",
    "glyphRef",
    "gradientTransform",
    "gradientUnits",
    "kernelMatrix",
    "kernelUnitLength",
    "keyPoints",
    "keySplines",
    "keyTimes",
    "lengthAdjust",
    "limitingConeAngle",
    "markerHeight",
    "markerUnits",
    "markerWidth",
    "maskContentUnits",
    "maskUnits",
    "numOctaves",
    "pathLength",
    "patternContentUnits",
    "patternTransform",
    "patternUnits",
    "pointsAtX",
    "pointsAtY",
    "pointsAtZ",
    "preserveAlpha",
    "preserveAspectRatio",
    "primitiveUnits",
    "refX",
    "refY",
    "repeatCount",
    "repeatDur",
    "requiredExtensions",
    "requiredFeatures",
    "specularConstant",
    "specularExponent",
    "spreadMethod",
    "startOffset",
    "stdDeviation",
    "stitchTiles",
    "surfaceScale",
    "systemLanguage",
    "tableValues",
    "targetX",
    "targetY",
    "textLength",
    "viewBox",
    "viewTarget",
    "xChannelSelector",
    "yChannelSelector",
    "zoomAndPan",
];

/// An attribute's name in SVG as html5ever adjusts it: capitals restored, and the `xlink:`,
/// `xml:` and `xmlns` names put in their namespaces.
fn adjusted_svg_attribute(name: &str) -> Option<QualName> {
    use html5ever::{Namespace, Prefix};
    let namespaced = |prefix: Option<&str>, ns: Namespace, local: &str| {
        Some(QualName::new(
            prefix.map(Prefix::from),
            ns,
            LocalName::from(local),
        ))
    };
    match name {
        "xlink:actuate" | "xlink:arcrole" | "xlink:href" | "xlink:role" | "xlink:show"
        | "xlink:title" | "xlink:type" => namespaced(Some("xlink"), ns!(xlink), &name[6..]),
        "xml:lang" | "xml:space" => namespaced(Some("xml"), ns!(xml), &name[4..]),
        "xmlns" => namespaced(None, ns!(xmlns), "xmlns"),
        "xmlns:xlink" => namespaced(Some("xmlns"), ns!(xmlns), "xlink"),
        _ => SVG_ATTRIBUTES
            .iter()
            .find(|camel| camel.eq_ignore_ascii_case(name))
            .and_then(|camel| namespaced(None, ns!(), camel)),
    }
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

struct StartTag {
    name: LocalName,
    /// `None`: a name this parser leaves to html5ever, unless it stands in SVG.
    kind: Option<Kind>,
    attrs: Vec<Attribute>,
    /// Changes nothing for HTML elements (void ones have no content, and html5ever ignores
    /// it on the others); closes an SVG element at once.
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
    /// only. Not handled here: a script with both `<!--` and `<script` in it (where the
    /// tokenizer's double escaping begins), and an element left open at the end of the input.
    fn raw_text(&mut self, builder: &mut Builder, name: &str, kind: Kind) -> Option<()> {
        let rest = &self.input[self.pos..];
        let (end, after_name) = find_end_tag(rest, name)?;
        let content = &rest[..end];
        if name == "script" && content.contains("<!--") && contains_script_tag(content) {
            return None;
        }
        if kind == Kind::EscapableText {
            let mut decoded = String::new();
            Tokenizer {
                input: content,
                pos: 0,
            }
            .decode_text(&mut decoded)?;
            builder.push_text(&decoded);
        } else {
            builder.push_text(content);
        }
        self.pos += after_name;
        self.skip_spaces();
        if self.peek()? != b'>' {
            return None;
        }
        self.pos += 1;
        builder.end_raw_text()
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
        let kind = Kind::of(&name);
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
            self.char_ref(value, true)?;
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
                b'&' => self.char_ref(value, true)?,
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
