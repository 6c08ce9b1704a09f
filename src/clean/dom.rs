//! Parses an HTML fragment and removes the elements that are never article text: scripts,
//! styles, embeds and forms always; images that only count readers, FeedBurner junk and the
//! chrome blocks of [`super::boilerplate`] unless the feed keeps them; the feed's own `remove`
//! selectors.

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

use super::boilerplate;
use super::rules::{Rule, RuleSet, Rules};

/// Elements whose whole subtree is dropped: code, styling, embeds and controls. Images are
/// kept in the DOM (the sanitized HTML shows them); the text walker ignores them.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "frame",
    "frameset", "object", "embed", "applet", "svg", "canvas", "video", "audio", "source", "track",
    "input", "button", "select", "textarea", "form", "dialog",
];

/// Elements that start a new paragraph (or line) in the text.
pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Parses a fragment and decodes the second level of entities feeds often carry
/// (`&amp;#8217;`), outside `<pre>`, so that rules, text and HTML all see the same characters.
pub(super) fn parse(html: &str) -> Html {
    let mut doc = super::quick::parse(html).unwrap_or_else(|| Html::parse_fragment(html));
    let escaped: Vec<NodeId> = doc
        .tree
        .nodes()
        .filter(
            |n| matches!(n.value(), Node::Text(t) if memchr::memchr(b'&', t.as_bytes()).is_some()),
        )
        .filter(|n| !n.ancestors().any(|a| is_element(a, "pre")))
        .map(|n| n.id())
        .collect();
    for id in escaped {
        if let Some(mut node) = doc.tree.get_mut(id)
            && let Node::Text(text) = node.value()
        {
            let decoded = html_escape::decode_html_entities(&text.text).into_owned();
            text.text = decoded.into();
        }
    }
    doc
}

/// ego_tree's `traverse` (each node opened, its descendants, then closed), with `next`
/// marked for inlining: the text and sanitizing walks spend most of their time in it, and
/// whether the compiler inlined ego_tree's own changed with unrelated code.
pub(super) fn edges(root: ego_tree::NodeRef<'_, Node>) -> Edges<'_> {
    Edges {
        root,
        edge: None,
        done: false,
    }
}

pub(super) struct Edges<'a> {
    root: ego_tree::NodeRef<'a, Node>,
    edge: Option<Edge<'a, Node>>,
    done: bool,
}

impl<'a> Iterator for Edges<'a> {
    type Item = Edge<'a, Node>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.edge = match self.edge {
            None => Some(Edge::Open(self.root)),
            Some(Edge::Open(node)) => match node.first_child() {
                Some(child) => Some(Edge::Open(child)),
                None => Some(Edge::Close(node)),
            },
            Some(Edge::Close(node)) if node == self.root => None,
            Some(Edge::Close(node)) => match node.next_sibling() {
                Some(sibling) => Some(Edge::Open(sibling)),
                None => node.parent().map(Edge::Close),
            },
        };
        self.done = self.edge.is_none();
        self.edge
    }
}

fn is_element(node: ego_tree::NodeRef<'_, Node>, name: &str) -> bool {
    matches!(node.value(), Node::Element(el) if el.name() == name)
}

/// Removes code, styling and embeds: what is never text, whatever the rules say.
pub(super) fn drop_code(doc: &mut Html) {
    let doomed: Vec<NodeId> = doc
        .tree
        .nodes()
        .filter(|n| matches!(n.value(), Node::Element(el) if DROPPED.contains(&el.name())))
        .map(|n| n.id())
        .collect();
    detach_all(doc, doomed);
}

/// Removes what the element rules name: tracking pixels, FeedBurner junk, Hacker News
/// "Comments" links, chrome blocks, and the feed's own `remove` selectors. Records which fired.
pub(super) fn prune(doc: &mut Html, rules: &Rules, fired: &mut RuleSet) {
    drop_code(doc);
    let mut doomed: Vec<(NodeId, Rule)> = Vec::new();
    let mut total_text: Option<usize> = None;
    for node in doc.tree.nodes() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        if let Some(rule) = element_rule(element) {
            if rule == Rule::ChromeBlocks {
                let total = *total_text.get_or_insert_with(|| text_len(doc.root_element()));
                if text_len(element) * 2 >= total.max(1) {
                    continue;
                }
            }
            doomed.push((node.id(), rule));
        }
    }
    for selector in rules.selectors() {
        doomed.extend(doc.select(selector).map(|el| (el.id(), Rule::Remove)));
    }
    doomed.retain(|(_, rule)| rules.enabled(*rule));
    for (_, rule) in &doomed {
        fired.insert(*rule);
    }
    detach_all(doc, doomed.into_iter().map(|(id, _)| id).collect());
}

/// The built-in rule that removes this element, if any.
fn element_rule(element: ElementRef<'_>) -> Option<Rule> {
    let el = element.value();
    let attrs = RuleAttrs::of(el);
    match el.name() {
        "img" if attrs.src.is_some_and(boilerplate::is_feedburner_url) => {
            return Some(Rule::Feedburner);
        }
        "img" if boilerplate::is_tracking_pixel(attrs.src, attrs.width, attrs.height) => {
            return Some(Rule::TrackingPixel);
        }
        "a" => {
            let href = attrs.href.unwrap_or("");
            let text = || element.text().collect::<String>();
            if boilerplate::is_feedburner_url(href)
                && (href.contains("/~ff/") || text().trim().is_empty())
            {
                return Some(Rule::Feedburner);
            }
            if boilerplate::is_hacker_news_comments(href, text) {
                return Some(Rule::HackerNewsComments);
            }
        }
        _ => {}
    }
    if attrs.class.is_some_and(boilerplate::is_feedburner_block) {
        return Some(Rule::Feedburner);
    }
    let chrome = attrs.class.is_some_and(boilerplate::is_chrome_marker)
        || attrs.id.is_some_and(boilerplate::is_chrome_marker);
    chrome.then_some(Rule::ChromeBlocks)
}

/// The attributes the element rules read, found in one pass over the element's attributes
/// (`Element::attr` interns the name it is given and searches again for each).
#[derive(Default)]
struct RuleAttrs<'a> {
    src: Option<&'a str>,
    href: Option<&'a str>,
    width: Option<&'a str>,
    height: Option<&'a str>,
    class: Option<&'a str>,
    id: Option<&'a str>,
}

impl<'a> RuleAttrs<'a> {
    fn of(el: &'a scraper::node::Element) -> Self {
        let mut found = Self::default();
        // No namespace, as `Element::attr` looks them up: `xlink:href` is not `href`.
        for (name, value) in el.attrs.iter().filter(|(name, _)| name.ns.is_empty()) {
            let slot = match &*name.local {
                "src" => &mut found.src,
                "href" => &mut found.href,
                "width" => &mut found.width,
                "height" => &mut found.height,
                "class" => &mut found.class,
                "id" => &mut found.id,
                _ => continue,
            };
            *slot = Some(value);
        }
        found
    }
}

fn detach_all(doc: &mut Html, ids: Vec<NodeId>) {
    for id in ids {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
}

fn text_len(el: ElementRef<'_>) -> usize {
    el.text().map(|t| t.trim().chars().count()).sum()
}
