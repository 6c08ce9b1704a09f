//! Parses an HTML fragment and removes what is never article text: scripts, styles, embeds,
//! forms, images that only count readers, and the boilerplate blocks of [`super::boilerplate`].

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};

use super::boilerplate;

/// Elements whose whole subtree is dropped: code, styling, embeds and controls. Images are
/// kept in the DOM (the sanitized HTML shows them); the text walker ignores them.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "frame",
    "frameset", "object", "embed", "applet", "svg", "canvas", "video", "audio", "source", "track",
    "input", "button", "select", "textarea", "form", "dialog",
];

/// Elements that start a new paragraph (or line) in the text.
pub(super) const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "center",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

pub(super) fn parse(html: &str) -> Html {
    Html::parse_fragment(html)
}

/// Removes dropped elements, tracking pixels and boilerplate blocks from `doc`.
pub(super) fn prune(doc: &mut Html) {
    let mut doomed: Vec<NodeId> = Vec::new();
    let mut total_text: Option<usize> = None;
    for node in doc.tree.nodes() {
        match node.value() {
            Node::Element(el) => {
                let name = el.name();
                if DROPPED.contains(&name) || (name == "img" && is_pixel(el)) {
                    doomed.push(node.id());
                } else if is_chrome(el) {
                    let element = ElementRef::wrap(node).expect("element node");
                    let total = *total_text.get_or_insert_with(|| text_len(doc.root_element()));
                    if text_len(element) * 2 < total.max(1) {
                        doomed.push(node.id());
                    }
                }
            }
            Node::Text(text) if boilerplate::may_hold_footer(text) => {
                if let Some(block) = enclosing_block(node)
                    && boilerplate::is_footer(&collapse(&block.text().collect::<String>()))
                {
                    doomed.push(block.id());
                }
            }
            _ => {}
        }
    }
    for id in doomed {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
}

fn is_pixel(el: &scraper::node::Element) -> bool {
    boilerplate::is_tracking_pixel(el.attr("src"), el.attr("width"), el.attr("height"))
}

fn is_chrome(el: &scraper::node::Element) -> bool {
    el.attr("class").is_some_and(boilerplate::is_chrome_marker)
        || el.attr("id").is_some_and(boilerplate::is_chrome_marker)
}

fn enclosing_block(node: ego_tree::NodeRef<'_, Node>) -> Option<ElementRef<'_>> {
    node.ancestors()
        .filter_map(ElementRef::wrap)
        .find(|el| BLOCKS.contains(&el.value().name()))
}

fn text_len(el: ElementRef<'_>) -> usize {
    el.text().map(|t| t.trim().chars().count()).sum()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
