//! Paragraph-sized pieces of the DOM ("segments"), so that text rules edit the DOM itself and
//! the clean text and the sanitized HTML lose exactly the same words.
//!
//! A segment is a maximal run of sibling inline nodes (text, inline elements, `<br>`, images)
//! under one parent: the text of one `<p>`, one list item, one table row, or a bare text run.
//! Its `text` is what the rules read: whitespace collapsed, `<br>` as a space.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use ego_tree::NodeId;
use scraper::{Html, Node};

use super::dom::is_block;
use super::text::{is_space, space_runs};

/// The segments of a document. Their texts, nodes, pieces and links are kept in four
/// buffers shared by all of them, not in four allocations for each.
#[derive(Debug, Default)]
pub(super) struct Segments {
    text: String,
    roots: Vec<NodeId>,
    pieces: Vec<(usize, NodeId)>,
    links: Vec<(usize, usize)>,
    spans: Vec<Span>,
}

/// Where one segment's parts are in the buffers of [`Segments`].
#[derive(Debug)]
struct Span {
    text: Range<usize>,
    roots: Range<usize>,
    pieces: Range<usize>,
    links: Range<usize>,
    is_structure: bool,
}

impl Segments {
    /// Room for the segments the survey bounds: the collapsed text is rarely longer than
    /// the text nodes, every piece, root and link holds a text node, and each block ends
    /// at most two runs. (More grows the buffers.)
    fn with_capacity(survey: &Survey) -> Segments {
        let nodes = survey.text_nodes;
        Segments {
            text: String::with_capacity(survey.text_bytes),
            roots: Vec::with_capacity(nodes),
            pieces: Vec::with_capacity(nodes),
            links: Vec::with_capacity(nodes / 4),
            spans: Vec::with_capacity(nodes.min(2 * survey.blocks + 1)),
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Segment `index` (panics if there is none, like a slice).
    pub fn get(&self, index: usize) -> Segment<'_> {
        let span = &self.spans[index];
        Segment {
            roots: &self.roots[span.roots.clone()],
            text: &self.text[span.text.clone()],
            pieces: &self.pieces[span.pieces.clone()],
            links: &self.links[span.links.clone()],
            is_structure: span.is_structure,
        }
    }

    pub fn last(&self) -> Option<Segment<'_>> {
        self.len().checked_sub(1).map(|last| self.get(last))
    }

    pub fn iter(&self) -> impl Iterator<Item = Segment<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// One segment, as [`Segments::get`] shows it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment<'a> {
    /// The run's top-level nodes, in order.
    roots: &'a [NodeId],
    /// Collapsed text of the run.
    pub text: &'a str,
    /// Byte offset in `text` where each text node's contribution starts.
    pieces: &'a [(usize, NodeId)],
    /// Byte ranges in `text` covered by each link (`<a>`), in order.
    pub links: &'a [(usize, usize)],
    /// The run is a heading, list item, table cell, term, caption or code: structure whose
    /// short repeated texts ("Abstract", "Depth") are the article's, not the publisher's wrapper.
    pub is_structure: bool,
}

impl Segment<'_> {
    /// True when the segment ends with a link and nothing after it.
    pub fn last_link_start(&self) -> Option<usize> {
        let (start, end) = *self.links.last()?;
        (self.text[end..].trim().is_empty()).then_some(start)
    }
}

/// A set of a document's nodes. A node id is an index into the tree, so one multiplication
/// hashes it well; std's SipHash cost more than the sets' other work, and the segments are
/// built again after every cut.
type NodeSet = HashSet<NodeId, BuildHasherDefault<NodeIdHasher>>;

#[derive(Default)]
struct NodeIdHasher(u64);

impl Hasher for NodeIdHasher {
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_usize(usize::from(b));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The segments of `doc` that hold any text, in document order.
pub(super) fn segments(doc: &Html) -> Segments {
    let survey = survey(doc);
    let out = Segments::with_capacity(&survey);
    let mut collector = Collector {
        run: Vec::with_capacity(survey.text_nodes),
        inline_holders: survey.inline_holders,
        builder: TextBuilder {
            out,
            ..TextBuilder::default()
        },
    };
    collector.collect(*doc.root_element());
    collector.builder.out
}

/// What [`segments`] needs to know of the whole tree before it walks it.
struct Survey {
    /// The elements other than blocks that contain a block: with the blocks, which are
    /// known by name, these split runs instead of joining them. Usually none.
    inline_holders: NodeSet,
    /// The text nodes, their bytes and the blocks, which bound the segments' buffers.
    text_nodes: usize,
    text_bytes: usize,
    blocks: usize,
}

fn survey(doc: &Html) -> Survey {
    let mut survey = Survey {
        inline_holders: NodeSet::default(),
        text_nodes: 0,
        text_bytes: 0,
        blocks: 0,
    };
    for node in doc.tree.nodes() {
        if let Node::Text(text) = node.value() {
            survey.text_nodes += 1;
            survey.text_bytes += text.len();
        }
        if !is_block_element(node) {
            continue;
        }
        survey.blocks += 1;
        // A block ancestor is one of the blocks this loop visits; its ancestors are added
        // from there.
        for ancestor in node.ancestors() {
            if is_block_element(ancestor) || !survey.inline_holders.insert(ancestor.id()) {
                break;
            }
        }
    }
    survey
}

fn is_block_element(node: ego_tree::NodeRef<'_, Node>) -> bool {
    matches!(node.value(), Node::Element(el) if is_block(el.name()))
}

/// Walks the tree for [`segments`].
struct Collector {
    inline_holders: NodeSet,
    /// The runs being gathered: each open `collect` call's run starts where its caller's ended.
    run: Vec<NodeId>,
    builder: TextBuilder,
}

impl Collector {
    fn collect(&mut self, parent: ego_tree::NodeRef<'_, Node>) {
        let start = self.run.len();
        for child in parent.children() {
            let splits = match child.value() {
                Node::Element(el) => {
                    is_block(el.name()) || self.inline_holders.contains(&child.id())
                }
                Node::Text(_) => false,
                _ => continue,
            };
            if splits {
                self.flush(parent, start);
                self.collect(child);
            } else {
                self.run.push(child.id());
            }
        }
        self.flush(parent, start);
    }

    /// Makes a segment of the run from `start`, if it holds text, and ends the run.
    fn flush(&mut self, parent: ego_tree::NodeRef<'_, Node>, start: usize) {
        if self.run.len() == start {
            return;
        }
        let builder = &mut self.builder;
        builder.start();
        for &id in &self.run[start..] {
            if let Some(node) = parent.tree().get(id) {
                builder.add(node);
            }
        }
        let is_structure = matches!(parent.value(), Node::Element(el) if is_structure(el.name()));
        builder.finish(&self.run[start..], is_structure);
        self.run.truncate(start);
    }
}

/// Builds each segment's text, pieces and links at the end of the shared buffers.
#[derive(Default)]
struct TextBuilder {
    out: Segments,
    /// Where the segment being built starts in each buffer.
    text_start: usize,
    pieces_start: usize,
    links_start: usize,
    pending_space: bool,
}

impl TextBuilder {
    fn start(&mut self) {
        self.text_start = self.out.text.len();
        self.pieces_start = self.out.pieces.len();
        self.links_start = self.out.links.len();
        self.pending_space = false;
    }

    /// Keeps the segment if it holds text, else takes it back.
    fn finish(&mut self, roots: &[NodeId], is_structure: bool) {
        let out = &mut self.out;
        if out.text[self.text_start..].trim().is_empty() {
            out.text.truncate(self.text_start);
            out.pieces.truncate(self.pieces_start);
            out.links.truncate(self.links_start);
            return;
        }
        let roots_start = out.roots.len();
        out.roots.extend_from_slice(roots);
        out.spans.push(Span {
            text: self.text_start..out.text.len(),
            roots: roots_start..out.roots.len(),
            pieces: self.pieces_start..out.pieces.len(),
            links: self.links_start..out.links.len(),
            is_structure,
        });
    }

    /// The length of the segment's text so far.
    fn len(&self) -> usize {
        self.out.text.len() - self.text_start
    }

    /// Pushes a space if one is pending and the segment has text before it.
    fn space(&mut self) {
        if self.pending_space && self.len() > 0 {
            self.out.text.push(' ');
        }
    }

    fn add(&mut self, node: ego_tree::NodeRef<'_, Node>) {
        match node.value() {
            Node::Text(t) => {
                self.out.pieces.push((self.len(), node.id()));
                // Whitespace (no-break space included) between words becomes one space.
                for run in space_runs(t) {
                    self.pending_space |= run.space_before;
                    self.space();
                    self.pending_space = false;
                    self.out.text.push_str(run.words);
                }
                self.pending_space |= t.ends_with(is_space);
            }
            Node::Element(el) => {
                if el.name() == "br" {
                    self.pending_space = true;
                }
                let start = self.len();
                for child in node.children() {
                    self.add(child);
                }
                if el.name() == "a" && self.len() > start {
                    // A space pushed before the link's first word belongs to the text before.
                    let text = &self.out.text[self.text_start..];
                    let start = start + usize::from(text[start..].starts_with(' '));
                    self.out.links.push((start, self.len()));
                }
            }
            _ => {}
        }
    }
}

fn is_structure(name: &str) -> bool {
    matches!(
        name,
        "h1" | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "figcaption"
            | "pre"
            | "code"
    )
}

/// Removes a segment's nodes, then any ancestor left without text or images.
pub(super) fn remove(doc: &mut Html, segment: Segment<'_>) {
    let parent = segment
        .roots
        .first()
        .and_then(|&id| doc.tree.get(id))
        .and_then(|n| n.parent())
        .map(|p| p.id());
    for &id in segment.roots {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
    if let Some(parent) = parent {
        remove_if_empty(doc, parent);
    }
}

/// Keeps the first `keep` bytes of the segment's text and removes everything after them.
pub(super) fn truncate(doc: &mut Html, segment: Segment<'_>, keep: usize) {
    let keep = floor_char_boundary(segment.text, keep);
    if segment.text[..keep].trim().is_empty() {
        remove(doc, segment);
        return;
    }
    // The text node holding the cut, and the part of it that stays.
    let Some(index) = segment.pieces.iter().rposition(|&(start, _)| start < keep) else {
        return;
    };
    let (start, cut_node) = segment.pieces[index];
    let end = segment
        .pieces
        .get(index + 1)
        .map_or(segment.text.len(), |&(s, _)| s);
    let kept = segment.text[start..keep.min(end)].trim_end().to_string();
    let following = nodes_after(doc, segment, cut_node);
    if let Some(mut node) = doc.tree.get_mut(cut_node)
        && let Node::Text(text) = node.value()
    {
        text.text = kept.into();
    }
    for id in following {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
}

/// Nodes of the segment after `cut` in document order, except `cut`'s ancestors.
fn nodes_after(doc: &Html, segment: Segment<'_>, cut: NodeId) -> Vec<NodeId> {
    let ancestors: NodeSet = doc
        .tree
        .get(cut)
        .map(|n| n.ancestors().map(|a| a.id()).collect())
        .unwrap_or_default();
    let mut seen_cut = false;
    let mut out = Vec::new();
    for &root in segment.roots {
        let Some(root) = doc.tree.get(root) else {
            continue;
        };
        for node in root.descendants() {
            if node.id() == cut {
                seen_cut = true;
            } else if seen_cut && !ancestors.contains(&node.id()) {
                out.push(node.id());
            }
        }
    }
    out
}

fn remove_if_empty(doc: &mut Html, mut id: NodeId) {
    loop {
        let Some(node) = doc.tree.get(id) else { return };
        let Some(parent) = node.parent() else { return };
        if parent.parent().is_none() || !is_empty(node) {
            return;
        }
        let parent_id = parent.id();
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
        id = parent_id;
    }
}

fn is_empty(node: ego_tree::NodeRef<'_, Node>) -> bool {
    node.descendants().all(|d| match d.value() {
        Node::Text(t) => t.trim().is_empty(),
        Node::Element(el) => !matches!(el.name(), "img" | "picture" | "hr"),
        _ => true,
    })
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<String> {
        segments(&Html::parse_fragment(html))
            .iter()
            .map(|s| s.text.to_string())
            .collect()
    }

    #[test]
    fn runs_split_at_blocks() {
        assert_eq!(
            texts("<p>a <em>b</em>, c</p><div>lead<p>inner</p>tail</div><ul><li>x</li></ul>"),
            ["a b, c", "lead", "inner", "tail", "x"]
        );
        assert_eq!(texts("bare text<br>more"), ["bare text more"]);
    }

    #[test]
    fn links_are_located() {
        let segs = segments(&Html::parse_fragment(
            r#"<p>x</p> <a href="/">Continue</a>"#,
        ));
        assert_eq!(segs.get(1).last_link_start(), Some(0));
        let segs = segments(&Html::parse_fragment(
            r#"<p>Text… <a href="/x">Continue reading <span>T</span> →</a></p>"#,
        ));
        let s = segs.get(0);
        let start = s.last_link_start().unwrap();
        assert_eq!(&s.text[start..], "Continue reading T →");
    }

    #[test]
    fn truncate_keeps_the_head_and_drops_the_rest() {
        let mut doc =
            Html::parse_fragment(r#"<p>Keep <b>this</b> part. Drop <a href="/">me</a> now</p>"#);
        let segs = segments(&doc);
        let cut = segs.get(0).text.find(" Drop").unwrap();
        truncate(&mut doc, segs.get(0), cut);
        assert_eq!(
            doc.root_element().inner_html(),
            "<p>Keep <b>this</b> part.</p>"
        );
    }

    #[test]
    fn remove_takes_empty_parents_along() {
        let mut doc = Html::parse_fragment("<p>Keep</p><div><p><em>gone</em></p></div>");
        let segs = segments(&doc);
        remove(&mut doc, segs.get(1));
        assert_eq!(doc.root_element().inner_html(), "<p>Keep</p>");
    }
}
