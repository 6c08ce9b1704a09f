//! The fallback reader for documents feed-rs rejects or reads no items from: RSS 0.90 (the
//! Netscape RDF namespace), RSS 2.0 under a default namespace, Atom 0.3, items missing the
//! elements feed-rs requires, and broken XML (an unclosed CDATA section, a bare `&`, a
//! document cut off mid-item). Pure: UTF-8 text in, raw fields out.
//!
//! Like feedparser's loose mode, it reads what it can and keeps every item read before the
//! document broke. Element names are matched without their namespace prefix, end tags need not
//! match, and a field's value is its element's content: CDATA unwrapped, entities decoded, and
//! markup inside it (Atom `xhtml`, Atom 0.3 "naked" markup) kept as HTML.

use base64::Engine;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// What the fallback found: fields as the document gave them.
#[derive(Debug, Default, PartialEq)]
pub struct LooseFeed {
    pub title: Option<String>,
    pub link: Option<String>,
    pub items: Vec<LooseItem>,
    /// The root element's local name (`rss`, `feed`, `RDF`, `html`, ...).
    pub root: Option<String>,
    /// Whether the document was read to its end without an XML error.
    pub complete: bool,
}

impl LooseFeed {
    /// Items were read, or the document is a well-formed feed that has none (yet).
    pub fn is_usable(&self) -> bool {
        !self.items.is_empty() || (self.complete && self.root.as_deref().is_some_and(is_feed_root))
    }
}

fn is_feed_root(name: &str) -> bool {
    ["rss", "feed", "rdf", "channel"]
        .iter()
        .any(|root| name.eq_ignore_ascii_case(root))
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LooseItem {
    pub id: Option<String>,
    pub link: Option<String>,
    /// Plain text.
    pub title: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    /// HTML.
    pub summary: Option<String>,
    /// HTML.
    pub content: Option<String>,
}

impl LooseItem {
    fn is_empty(&self) -> bool {
        *self == LooseItem::default()
    }
}

/// Reads what it can from `text`, however broken: an XML feed, or a JSON Feed that breaks the
/// spec (no `version`, tags as a string).
pub fn read(text: &str) -> LooseFeed {
    if text.trim_start().starts_with('{') {
        return read_json(text);
    }
    read_xml(text)
}

fn read_xml(text: &str) -> LooseFeed {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut feed = LooseFeed::default();
    let mut item: Option<LooseItem> = None;
    loop {
        let start = match reader.read_event() {
            Ok(Event::Start(start)) => start,
            Ok(Event::Empty(empty)) if feed.root.is_none() => {
                feed.root = Some(empty.local_name().as_ref().to_string());
                continue;
            }
            Ok(Event::Empty(empty)) => {
                if let Some(item) = item.as_mut() {
                    empty_field(item, &empty);
                }
                continue;
            }
            Ok(Event::End(end)) => {
                if is_item(end.local_name().as_ref()) {
                    finish(&mut feed, item.take());
                }
                continue;
            }
            Ok(Event::Eof) => {
                feed.complete = true;
                break;
            }
            Err(_) => break,
            Ok(_) => continue,
        };
        if feed.root.is_none() {
            feed.root = Some(start.local_name().as_ref().to_string());
        }
        let name = start.local_name().as_ref().to_ascii_lowercase();
        if is_item(&name) {
            let id = attribute(&start, "about");
            finish(
                &mut feed,
                item.replace(LooseItem {
                    id,
                    ..LooseItem::default()
                }),
            );
            continue;
        }
        if item.is_none() && !matches!(name.as_str(), "title" | "link") {
            continue;
        }
        let from = reader.buffer_position() as usize;
        let (inner, complete) = match reader.read_to_end(start.name()) {
            Ok(span) => (text.get(span.start as usize..span.end as usize), true),
            Err(_) => (text.get(from..), false),
        };
        let inner = inner.unwrap_or_default();
        match item.as_mut() {
            Some(item) => field(item, &name, &start, inner),
            None => channel_field(&mut feed, &name, inner),
        }
        if !complete {
            break;
        }
    }
    // An item still open where the document ends was cut off: its fields may be partial.
    feed
}

/// A JSON Feed read field by field, so one field of the wrong type loses only that field.
fn read_json(text: &str) -> LooseFeed {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return LooseFeed::default();
    };
    let string = |value: &serde_json::Value, key: &str| match &value[key] {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let items = json["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    LooseFeed {
        title: string(&json, "title"),
        link: string(&json, "home_page_url"),
        items: items
            .iter()
            .map(|item| LooseItem {
                id: string(item, "id"),
                link: string(item, "url").or_else(|| string(item, "external_url")),
                title: string(item, "title"),
                author: string(&item["author"], "name")
                    .or_else(|| string(&item["authors"][0], "name")),
                date: string(item, "date_published").or_else(|| string(item, "date_modified")),
                summary: string(item, "summary").map(|s| decode_entities(&s)),
                content: string(item, "content_html").or_else(|| {
                    string(item, "content_text").map(|t| html_escape::encode_text(&t).into_owned())
                }),
            })
            .filter(|item| !item.is_empty())
            .collect(),
        root: json["items"].is_array().then(|| "feed".to_string()),
        complete: true,
    }
}

fn finish(feed: &mut LooseFeed, item: Option<LooseItem>) {
    if let Some(item) = item.filter(|i| !i.is_empty()) {
        feed.items.push(item);
    }
}

fn is_item(name: &str) -> bool {
    name.eq_ignore_ascii_case("item") || name.eq_ignore_ascii_case("entry")
}

fn channel_field(feed: &mut LooseFeed, name: &str, inner: &str) {
    let slot = match name {
        "title" => &mut feed.title,
        _ => &mut feed.link,
    };
    if slot.is_none() {
        *slot = text_value(inner);
    }
}

fn field(item: &mut LooseItem, name: &str, start: &BytesStart, inner: &str) {
    match name {
        "title" => set(&mut item.title, text_value(inner)),
        "link" => match attribute(start, "href") {
            Some(href) => link_attribute(item, start, href),
            None => set(&mut item.link, text_value(inner)),
        },
        "guid" | "id" => set(&mut item.id, text_value(inner)),
        "pubdate" | "date" | "published" | "issued" | "updated" | "modified" | "created" => {
            set(&mut item.date, text_value(inner));
        }
        "author" | "creator" => set(&mut item.author, author(inner)),
        "description" | "summary" | "abstract" => {
            set(&mut item.summary, html_value(inner, start));
        }
        "encoded" | "content" | "body" => set(&mut item.content, html_value(inner, start)),
        _ => {}
    }
}

fn empty_field(item: &mut LooseItem, empty: &BytesStart) {
    if empty.local_name().as_ref().eq_ignore_ascii_case("link")
        && let Some(href) = attribute(empty, "href")
    {
        link_attribute(item, empty, href);
    }
}

/// An Atom link: the `alternate` (or rel-less) one is the item's page.
fn link_attribute(item: &mut LooseItem, start: &BytesStart, href: String) {
    let rel = attribute(start, "rel");
    if matches!(rel.as_deref(), None | Some("alternate")) {
        set(&mut item.link, Some(href).filter(|h| !h.trim().is_empty()));
    }
}

/// The first value wins: a feed lists the main field (RSS `pubDate`, Atom `published`) first
/// far more often than not.
fn set(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn attribute(start: &BytesStart, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().eq_ignore_ascii_case(name))
        .map(|a| decode_entities(&a.value))
}

fn author(inner: &str) -> Option<String> {
    // Atom: <author><name>…</name><email>…</email></author>.
    let name = inner
        .find("name>")
        .and_then(|at| inner[at + 5..].split('<').next())
        .filter(|n| !n.trim().is_empty());
    text_value(name.unwrap_or(inner))
}

/// Text content: CDATA unwrapped, entities decoded, any tags dropped.
fn text_value(inner: &str) -> Option<String> {
    let html = unwrap_content(inner);
    let text = strip_tags(&html);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// HTML content: escaped HTML is decoded; markup written inline is kept as it is.
fn html_value(inner: &str, start: &BytesStart) -> Option<String> {
    let html = if attribute(start, "mode").as_deref() == Some("base64") {
        base64::engine::general_purpose::STANDARD
            .decode(inner.split_whitespace().collect::<String>())
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())?
    } else {
        unwrap_content(inner)
    };
    let html = html.trim();
    (!html.is_empty()).then(|| html.to_string())
}

/// CDATA sections are taken as they are, text between them has its entities decoded; content
/// that is markup (it has tags outside CDATA) is already HTML and stays as it is.
fn unwrap_content(inner: &str) -> String {
    let mut out = String::new();
    let mut rest = inner;
    while let Some(at) = rest.find("<![CDATA[") {
        out.push_str(&escaped_or_markup(&rest[..at]));
        let data = &rest[at + 9..];
        let (cdata, after) = data.split_once("]]>").unwrap_or((data, ""));
        out.push_str(cdata);
        rest = after;
    }
    out.push_str(&escaped_or_markup(rest));
    out
}

fn escaped_or_markup(part: &str) -> String {
    if part.contains('<') {
        part.to_string()
    } else {
        decode_entities(part)
    }
}

fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

fn strip_tags(html: &str) -> String {
    if !html.contains('<') {
        return html.to_string();
    }
    let fragment = scraper::Html::parse_fragment(html);
    let text: String = fragment.root_element().text().collect();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_090_and_default_namespaced_rss() {
        let feed = read(
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
            <channel><title>Site</title><link>https://site.example/</link></channel>
            <item><title>One &amp; two</title><link>https://site.example/1</link>
            <description>&lt;p&gt;Body&lt;/p&gt;</description></item>
            <item rdf:about="https://site.example/3"><title>Three</title></item></rdf:RDF>"#,
        );
        assert_eq!(feed.title.as_deref(), Some("Site"));
        assert_eq!(feed.items.len(), 2);
        assert_eq!(feed.items[0].title.as_deref(), Some("One & two"));
        assert_eq!(feed.items[0].summary.as_deref(), Some("<p>Body</p>"));
        assert_eq!(feed.items[1].id.as_deref(), Some("https://site.example/3"));
    }

    #[test]
    fn atom_03_modes_and_links() {
        let feed = read(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>
            <title>T</title><link rel="alternate" href="https://a.example/x"/>
            <issued>2004-01-01T00:00:00Z</issued><author><name>Ann</name></author>
            <content mode="base64">PHA+SGk8L3A+</content>
            <summary><b>naked</b> markup</summary></entry></feed>"#,
        );
        let item = &feed.items[0];
        assert_eq!(item.link.as_deref(), Some("https://a.example/x"));
        assert_eq!(item.content.as_deref(), Some("<p>Hi</p>"));
        assert_eq!(item.summary.as_deref(), Some("<b>naked</b> markup"));
        assert_eq!(item.author.as_deref(), Some("Ann"));
        assert_eq!(item.date.as_deref(), Some("2004-01-01T00:00:00Z"));
    }

    #[test]
    fn broken_documents_keep_the_items_read_so_far() {
        let cut = "<rss><channel><item><title>A &amp; b</title><link>https://a.example/a</link>\
                   <item><title>B & c</title></item>\
                   <item><title>C</title><description><![CDATA[<p>unclosed";
        let feed = read(cut);
        assert!(!feed.complete);
        let titles: Vec<_> = feed.items.iter().map(|i| i.title.as_deref()).collect();
        assert_eq!(titles, [Some("A & b"), Some("B & c")]);
        assert!(feed.is_usable());
        assert!(!read("<rss><channel><item><title>cut").is_usable());
        let page = read("<html><body>no feed</body></html>");
        assert!(!page.is_usable());
        assert_eq!(page.root.as_deref(), Some("html"));
    }

    #[test]
    fn an_empty_well_formed_feed_is_usable_and_a_cut_one_is_not() {
        assert!(read("<rss version=\"0.92\"></rss>").is_usable());
        assert!(!read("<rss version=\"2.0\">\n</rss29").is_usable());
        assert!(!read("<note><to>x</to></note>").is_usable());
    }

    #[test]
    fn json_feeds_that_break_the_spec_keep_their_items() {
        let feed = read(
            r#"{"title": "T", "home_page_url": "https://j.example/",
                "items": [{"id": 7, "url": "https://j.example/7", "tags": "a,b",
                           "content_text": "a < b", "authors": [{"name": "Jo"}]}]}"#,
        );
        let item = &feed.items[0];
        assert_eq!(item.id.as_deref(), Some("7"));
        assert_eq!(item.content.as_deref(), Some("a &lt; b"));
        assert_eq!(item.author.as_deref(), Some("Jo"));
        assert!(feed.is_usable());
    }
}
