//! The tree builder's part of the quick parser: the stack of open elements, the list of
//! active formatting elements, html5ever's insertion modes as far as they are followed here,
//! and the calls to scraper's sink.

use ego_tree::NodeId;
use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{ElementFlags, NodeOrText, TreeSink};
use html5ever::{Attribute, LocalName, QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink};

use super::svg::{SVG_ELEMENTS, adjusted_svg_attribute, breaks_out_of_svg};
use super::{Kind, StartTag, html_name};

struct Open {
    id: NodeId,
    name: LocalName,
    kind: Kind,
}

/// An entry of html5ever's list of active formatting elements.
enum Active {
    /// Set by a table cell: reconstruction and the search for an end tag's element stop here.
    Marker,
    /// A formatting element, open or closed by a block or an end tag while it was open (to be
    /// opened again by the next text or inline element).
    Element { id: NodeId, name: LocalName },
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
pub(super) struct Builder {
    sink: HtmlTreeSink,
    stack: Vec<Open>,
    active: Vec<Active>,
    /// Whether an entry of `active` may be closed (popped from the stack) and so be opened
    /// again by [`Self::reconstruct`]; false saves it the search.
    may_reopen: bool,
    /// The text to append next, while it is one piece of the input.
    piece: Option<StrTendril>,
    /// The text to append next, once it is more than one piece.
    text: String,
    /// Set by `pre`, `listing` and `textarea`: a newline that starts the next token is dropped.
    ignore_lf: bool,
    /// html5ever's form element pointer: set by `<form>`, cleared by `</form>`.
    form_open: bool,
    /// Whether a table was ever opened: until then the mode is the body's.
    had_table: bool,
}

impl Builder {
    /// `nodes`: about how many nodes the tree will hold, so that it grows once or never.
    pub(super) fn new(nodes: usize) -> Self {
        let mut html = Html::new_fragment();
        html.tree = ego_tree::Tree::with_capacity(scraper::Node::Fragment, nodes);
        let sink = HtmlTreeSink::new(html);
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
            active: Vec::new(),
            may_reopen: false,
            piece: None,
            text: String::new(),
            ignore_lf: false,
            form_open: false,
            had_table: false,
        }
    }

    pub(super) fn finish(mut self) -> Option<Html> {
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

    pub(super) fn push_text(&mut self, text: &str) {
        let text = match std::mem::take(&mut self.ignore_lf) {
            true => text.strip_prefix('\n').unwrap_or(text),
            false => text,
        };
        if let Some(piece) = self.piece.take() {
            self.text.push_str(&piece);
        }
        self.text.push_str(text);
    }

    /// [`Self::push_text`] of a piece of the input, kept as it is while nothing joins it.
    pub(super) fn push_piece(&mut self, mut piece: StrTendril) {
        if std::mem::take(&mut self.ignore_lf) && piece.starts_with('\n') {
            piece.pop_front(1);
        }
        if piece.is_empty() {
            return;
        }
        if self.piece.is_none() && self.text.is_empty() {
            self.piece = Some(piece);
        } else {
            self.push_text(&piece);
        }
    }

    /// Appends the pending text. Directly in a table only whitespace stays where it is;
    /// html5ever moves other text before the table, which is not handled here.
    pub(super) fn flush_text(&mut self) -> Option<()> {
        self.ignore_lf = false;
        if self.text.is_empty() && self.piece.is_none() {
            return Some(());
        }
        let in_table = matches!(
            self.current().kind,
            Kind::Table | Kind::TableSection | Kind::Row
        );
        let html_space = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ');
        let text = match self.piece.take() {
            Some(piece) => piece,
            // Copied, so that the buffer keeps its capacity for the next text node.
            None => StrTendril::from_slice(&self.text),
        };
        self.text.clear();
        if in_table && !text.bytes().all(html_space) {
            return None;
        }
        let kind = self.current().kind;
        if !in_table && !kind.reads_raw_text() && !kind.is_svg() {
            self.reconstruct()?;
        }
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendText(text));
        Some(())
    }

    pub(super) fn comment(&mut self, text: &str) -> Option<()> {
        self.flush_text()?;
        let comment = self.sink.create_comment(StrTendril::from(text));
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(comment));
        Some(())
    }

    /// A start tag; `Some(Some(kind))` if raw text follows it (`kind` says which). The
    /// self-closing flag matters only in SVG: html5ever ignores it on HTML elements.
    pub(super) fn start_tag(&mut self, tag: StartTag) -> Option<Option<Kind>> {
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
                self.reconstruct()?;
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
                // An `a` closed while open: the adoption agency finds it not open and drops
                // it from the list. (With none open, an entry for one is closed, and so
                // `may_reopen` is set.)
                if self.may_reopen
                    && let Some(i) = self.active_entry("a")
                {
                    self.active.remove(i);
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
        if reconstructs_before(kind, &tag.name) {
            self.reconstruct()?;
        }
        self.ignore_lf = kind == Kind::Pre || tag.name == local_name!("textarea");
        self.form_open |= kind == Kind::Form;
        self.had_table |= kind == Kind::Table;
        let id = self.append_element(html_name(tag.name.clone()), tag.attrs);
        if kind == Kind::Inline && is_formatting_name(&tag.name) {
            self.push_active(id, tag.name.clone());
        }
        if kind == Kind::Cell {
            self.active.push(Active::Marker);
        }
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
        let id = self.append_element(QualName::new(None, ns!(svg), name.clone()), attrs);
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
        let id = self.append_element(html_name(name.clone()), Vec::new());
        self.stack.push(Open { id, name, kind });
    }

    /// Creates an element and appends it to the current one, as html5ever inserts one.
    fn append_element(&mut self, name: QualName, attrs: Vec<Attribute>) -> NodeId {
        let id = self
            .sink
            .create_element(name, attrs, ElementFlags::default());
        let parent = self.current().id;
        self.sink.append(&parent, NodeOrText::AppendNode(id));
        id
    }

    /// Closes the open cell and everything in it, and clears the formatting elements opened
    /// in it from the list.
    fn close_cell(&mut self) -> Option<()> {
        let depth = self.stack.iter().rposition(|e| e.kind == Kind::Cell)?;
        self.stack.truncate(depth);
        let marker = self
            .active
            .iter()
            .rposition(|e| matches!(e, Active::Marker))?;
        self.active.truncate(marker);
        // Entries before the marker are in reach again.
        self.may_reopen = true;
        Some(())
    }

    /// Where the entries after the last marker start.
    fn after_marker(&self) -> usize {
        self.active
            .iter()
            .rposition(|e| matches!(e, Active::Marker))
            .map_or(0, |marker| marker + 1)
    }

    /// The last entry after the last marker for an element named `name`.
    fn active_entry(&self, name: &str) -> Option<usize> {
        let start = self.after_marker();
        self.active[start..]
            .iter()
            .rposition(|e| matches!(e, Active::Element { name: n, .. } if &**n == name))
            .map(|i| start + i)
    }

    fn is_active(&self, id: NodeId) -> bool {
        self.active
            .iter()
            .any(|e| matches!(e, Active::Element { id: i, .. } if *i == id))
    }

    /// Adds a formatting element to the list, after dropping the earliest of three entries
    /// with the same name and attributes after the last marker (the "Noah's Ark" clause).
    fn push_active(&mut self, id: NodeId, name: LocalName) {
        let start = self.after_marker();
        let same_name = |i: &usize| match &self.active[*i] {
            Active::Element { id, name: n } if *n == name => Some(*id),
            _ => None,
        };
        if (start..self.active.len())
            .filter_map(|i| same_name(&i))
            .count()
            >= 3
        {
            let attrs = self.attributes_of(id);
            let twins: Vec<usize> = (start..self.active.len())
                .filter(|i| same_name(i).is_some_and(|twin| self.attributes_of(twin) == attrs))
                .collect();
            if twins.len() >= 3 {
                self.active.remove(twins[0]);
            }
        }
        self.active.push(Active::Element { id, name });
    }

    /// html5ever's "reconstruct the active formatting elements": the formatting elements a
    /// block or an end tag closed while they were open are opened again, with the same
    /// attributes, where the next text or inline element goes.
    #[inline]
    fn reconstruct(&mut self) -> Option<()> {
        match std::mem::take(&mut self.may_reopen) {
            true => self.reopen_closed(),
            false => Some(()),
        }
    }

    /// [`Self::reconstruct`] once an entry may be closed.
    fn reopen_closed(&mut self) -> Option<()> {
        let mut first = None;
        for (i, entry) in self.active.iter().enumerate().rev() {
            match entry {
                Active::Marker => break,
                Active::Element { id, .. } if self.stack.iter().any(|e| e.id == *id) => break,
                Active::Element { .. } => first = Some(i),
            }
        }
        for i in first.map_or(0..0, |first| first..self.active.len()) {
            let Active::Element { id, name } = &self.active[i] else {
                return None;
            };
            let name = name.clone();
            let attrs = self.attributes_of(*id);
            let id = self.append_element(html_name(name.clone()), attrs);
            self.stack.push(Open {
                id,
                name: name.clone(),
                kind: Kind::Inline,
            });
            self.active[i] = Active::Element { id, name };
        }
        Some(())
    }

    /// The attributes of an element in the tree, as a start tag gives them.
    fn attributes_of(&self, id: NodeId) -> Vec<Attribute> {
        let html = self.sink.0.borrow();
        match html.tree.get(id).map(|node| node.value()) {
            Some(scraper::Node::Element(el)) => el
                .attrs
                .iter()
                .map(|(name, value)| Attribute {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The end tag of a formatting element, as html5ever's adoption agency treats it when
    /// nothing needs to move: an element no longer open leaves the list; an open one is
    /// closed with the inline elements above it (which stay in the list if they are
    /// formatting elements). A block or other special element above it would be moved
    /// (`<b><p>x</b>`): not handled here.
    fn end_formatting(&mut self, name: &str) -> Option<()> {
        // The current element of that name, left out of the list by the Noah's Ark clause,
        // is simply closed.
        let current = self.current();
        if &*current.name == name && !self.is_active(current.id) {
            self.stack.pop();
            return Some(());
        }
        let entry = self.active_entry(name)?;
        let Active::Element { id, .. } = self.active[entry] else {
            return None;
        };
        if let Some(depth) = self.stack.iter().rposition(|e| e.id == id) {
            let above = &self.stack[depth + 1..];
            if !above.iter().all(|e| e.kind == Kind::Inline) {
                return None;
            }
            self.may_reopen |= !above.is_empty();
            self.stack.truncate(depth);
        }
        self.active.remove(entry);
        Some(())
    }

    /// "Close a p element" where the spec would, if only elements that leave no trace are
    /// open above it.
    fn close_p(&mut self) -> Option<()> {
        match self.stack.iter().rposition(|e| e.kind == Kind::P) {
            Some(depth) => self.pop_to(depth),
            None => Some(()),
        }
    }

    /// A new `li` closes the open `li` (a `dd` or `dt` the open `dd` or `dt`), if no other
    /// special element is between.
    fn close_item(&mut self, kind: Kind) -> Option<()> {
        for (depth, open) in self.stack.iter().enumerate().rev() {
            if open.kind == kind {
                return self.pop_to(depth);
            }
            if open.kind.stops_item_search(&open.name) {
                break;
            }
        }
        Some(())
    }

    /// Pops the element at `depth` and the ones above it, if those are all elements whose
    /// end tag may be left out (`p`, `li`, `dd`, `dt`: html5ever's "generate implied end
    /// tags"). Anything else above it would need repair.
    fn close_with_implied(&mut self, depth: usize) -> Option<()> {
        let above = &self.stack[depth + 1..];
        if !above.iter().all(|e| e.kind.end_tag_implied()) {
            return None;
        }
        self.stack.truncate(depth);
        Some(())
    }

    /// Pops the element at `depth` and the ones above it, as html5ever's "pop elements until"
    /// does for an end tag or a start tag that closes an element, if all it pops above it
    /// are elements with implied end tags and inline elements. A formatting element (`b`,
    /// `a`, ...) among them stays in the list of active formatting elements and is opened
    /// again by the next text or inline element ([`Self::reconstruct`]). None of these is
    /// a scope boundary, so the element at `depth` is in scope.
    fn pop_to(&mut self, depth: usize) -> Option<()> {
        let above = &self.stack[depth + 1..];
        let traceless = |e: &Open| e.kind.end_tag_implied() || e.kind == Kind::Inline;
        if !above.iter().all(traceless) {
            return None;
        }
        self.may_reopen |= above.iter().any(|e| e.kind == Kind::Inline);
        self.stack.truncate(depth);
        Some(())
    }

    /// An end tag that closes the current element, or for a block the nearest open one of
    /// its name above which only elements with implied end tags are open (`<li>a</ul>`,
    /// `<div><p>a</div>`), or one html5ever ignores; it repairs anything else.
    pub(super) fn end_tag(&mut self, name: &str) -> Option<()> {
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
        if !self.active.is_empty() && is_formatting(name) {
            // Most often the element is the current one and the last entry.
            let current = self.current();
            if let Some(Active::Element { id, .. }) = self.active.last()
                && *id == current.id
                && &*current.name == name
            {
                self.stack.pop();
                self.active.pop();
                return Some(());
            }
            if self.active_entry(name).is_some() {
                return self.end_formatting(name);
            }
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
        // the list item scope and html5ever ignores the tag. `pop_to` declines that.
        self.pop_to(depth)
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
    pub(super) fn end_raw_text(&mut self) -> Option<()> {
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
            "p" => {
                self.append_element(html_name(local_name!("p")), Vec::new());
                Some(())
            }
            // As a `<br>` start tag.
            "br" => {
                self.reconstruct()?;
                self.append_element(html_name(local_name!("br")), Vec::new());
                Some(())
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                (!self.stack.iter().any(|e| e.kind == Kind::Heading)).then_some(())
            }
            _ => Some(()),
        }
    }
}

/// Whether html5ever reconstructs the active formatting elements before it inserts a start
/// tag of this kind: inline elements, buttons and the void elements of the "in body" mode
/// (not those it reads as in the head, nor `source`, `param` and `track`).
fn reconstructs_before(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Inline | Kind::Button => true,
        Kind::Void => matches!(
            name,
            "br" | "img" | "wbr" | "area" | "embed" | "keygen" | "input"
        ),
        _ => false,
    }
}

/// [`is_formatting`] of an interned name, compared as atoms, not strings (a test checks the
/// two agree).
fn is_formatting_name(name: &LocalName) -> bool {
    [
        local_name!("a"),
        local_name!("b"),
        local_name!("big"),
        local_name!("code"),
        local_name!("em"),
        local_name!("font"),
        local_name!("i"),
        local_name!("nobr"),
        local_name!("s"),
        local_name!("small"),
        local_name!("strike"),
        local_name!("strong"),
        local_name!("tt"),
        local_name!("u"),
    ]
    .contains(name)
}

/// html5ever's formatting elements (`nobr` is declined before it gets here).
fn is_formatting(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "big"
            | "code"
            | "em"
            | "font"
            | "i"
            | "nobr"
            | "s"
            | "small"
            | "strike"
            | "strong"
            | "tt"
            | "u"
    )
}

/// What a table mode made of an end tag.
enum TableEnd {
    Done,
    /// Closed a part; the tag applies again to what is open now (`</table>` in a cell).
    Again,
    AsInBody,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_names_are_the_same_as_atoms_and_as_strings() {
        let names = [
            "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
            "tt", "u", "span", "p", "div", "abbr", "x-y", "bb", "sub",
        ];
        for name in names {
            assert_eq!(
                is_formatting_name(&LocalName::from(name)),
                is_formatting(name),
                "{name}"
            );
        }
    }
}
