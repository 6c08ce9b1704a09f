//! Feed bytes -> [`ParsedFeed`]: feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed; this module
//! gives every item a stable guid, an absolute link, a date and HTML fields.
//!
//! Title, summary and content are always HTML here: plain-text fields are escaped on the way
//! in, so the clean step has one input format and a `<` in a text title stays a `<`.

mod decode;
mod discover;
mod feedburner;
mod lenient;

pub use decode::{Decoded, charset_of, decode};

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Link, Text};
use url::Url;

#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// RSS `<ttl>`: how long the publisher says the feed may be cached.
    pub ttl: Option<std::time::Duration>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The feed's id for the item; else its link; else a hash of title and date.
    pub guid: String,
    /// Absolute URL of the item's page, as the feed gives it (tracking parameters and all).
    pub link: Option<String>,
    pub title_html: String,
    pub author: Option<String>,
    /// Published, else updated; `None` when the feed gives neither (the store uses first-seen).
    pub published: Option<DateTime<Utc>>,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

/// Parses a feed document fetched from `url` (the URL after redirects).
pub fn parse_feed(body: &[u8], url: &Url) -> Result<ParsedFeed, ParseError> {
    parse_document(body, url, None)
}

/// Parses a feed document served with `content_type` (its `charset` is one clue to the
/// encoding). feed-rs reads the document first; when it fails or finds no items, the lenient
/// reader gets a go, so a broken feed still gives the items it has.
pub fn parse_document(
    body: &[u8],
    url: &Url,
    content_type: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let decoded = decode::decode(body, content_type.and_then(decode::charset_of));
    let strict = parse_strict(decoded.text.as_bytes(), url);
    if strict.as_ref().is_ok_and(|feed| !feed.items.is_empty()) {
        return strict.map_err(|message| ParseError { message });
    }
    let loose = lenient::read(&decoded.text);
    match strict {
        Ok(feed) if loose.items.is_empty() => Ok(feed),
        _ if loose.is_usable() => Ok(from_loose(loose, url)),
        strict => strict.map_err(|reason| ParseError {
            message: explain(&decoded.text, url, loose.root.as_deref(), &reason),
        }),
    }
}

/// feed-rs on UTF-8 bytes; the error is its own message.
fn parse_strict(body: &[u8], url: &Url) -> Result<ParsedFeed, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        .sanitize_content(false)
        // Leave missing ids empty: our own fallback (link, then title+date) is stable across
        // parser versions, which feed-rs's generated ids do not promise.
        .id_generator(|_, _, _| String::new())
        .build();
    // feed-rs (through quick-xml) can panic on some documents; one bad document must not take
    // a worker down, so a panic becomes this feed's error.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser
            .parse(body)
            .map(|feed| (feed, feedburner::orig_links(body)))
    }))
    .map_err(|panic| {
        format!(
            "the feed parser failed on this document ({}); please report it",
            panic_text(&*panic)
        )
    })?;
    let (feed, orig_links) = parsed.map_err(|e| e.to_string())?;
    let mut parsed = convert(feed, url);
    prefer_orig_links(&mut parsed.items, orig_links);
    Ok(parsed)
}

/// Makes a feed's items safe to store: dates before 1970-01-02 (a zero timestamp standing for
/// "no date") or more than a day ahead of `now` (a clock or template error that would pin the
/// item to the top of every list) are dropped, so the store uses first-seen time; and at most
/// `max_items` are kept, the newest by date (undated ones in feed order after them). Returns
/// how many were left out.
pub fn bound_items(items: &mut Vec<Item>, max_items: usize, now: DateTime<Utc>) -> usize {
    let earliest = DateTime::<Utc>::from_timestamp(86_400, 0).unwrap_or(now);
    let latest = now + chrono::Duration::days(1);
    for item in items.iter_mut() {
        item.published = item.published.filter(|d| *d >= earliest && *d <= latest);
    }
    if items.len() <= max_items {
        return 0;
    }
    // Stable: items with equal (or no) dates keep the feed's order.
    items.sort_by_key(|item| std::cmp::Reverse(item.published));
    let left_out = items.len() - max_items;
    items.truncate(max_items);
    left_out
}

/// Items behind FeedBurner get the publisher's link instead of the `feedproxy` redirect; the
/// origLinks are used only when there is one slot per item, so none lands on the wrong item.
fn prefer_orig_links(items: &mut [Item], orig_links: Option<Vec<Option<String>>>) {
    let Some(links) = orig_links.filter(|l| l.len() == items.len()) else {
        return;
    };
    for (item, link) in items.iter_mut().zip(links) {
        if let Some(link) = link.filter(|l| l.starts_with("http://") || l.starts_with("https://")) {
            item.link = Some(link);
        }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Why a document is no feed, in the user's terms; `root` is its root element, if it is XML.
fn explain(text: &str, url: &Url, root: Option<&str>, reason: &str) -> String {
    match root {
        _ if text.trim().is_empty() => "the document is empty, not a feed".to_string(),
        Some(root) if root.eq_ignore_ascii_case("html") => discover::explain_html_page(text, url),
        Some(root) if !["rss", "feed", "RDF", "channel"].contains(&root) => format!(
            "this is XML but not a feed: its root element is <{root}>, not <rss>, <feed> or <rdf:RDF>"
        ),
        None if !text.trim_start().starts_with('{') => {
            "not a feed: the document has no XML element, only text or comments".to_string()
        }
        _ if reason.starts_with("the feed parser failed") => reason.to_string(),
        _ => format!("not a valid RSS, Atom or JSON feed: {reason}"),
    }
}

fn convert(feed: Feed, url: &Url) -> ParsedFeed {
    let site_url = pick_link(&feed.links).and_then(|l| absolute(&l.href, url));
    // Relative item links are resolved against the document's URL; for a saved file, the
    // site's own URL is the better guess.
    let base = match (
        url.scheme(),
        site_url.as_deref().and_then(|s| Url::parse(s).ok()),
    ) {
        ("file", Some(site)) => site,
        _ => url.clone(),
    };
    ParsedFeed {
        title: feed
            .title
            .as_ref()
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty()),
        site_url,
        ttl: feed
            .ttl
            .map(|minutes| std::time::Duration::from_secs(u64::from(minutes) * 60)),
        items: feed
            .entries
            .into_iter()
            .map(|e| convert_entry(e, &base))
            .collect(),
    }
}

fn convert_entry(entry: Entry, base: &Url) -> Item {
    let link = pick_link(&entry.links).and_then(|l| absolute(&l.href, base));
    let title_html = entry.title.as_ref().map(text_as_html).unwrap_or_default();
    let published = entry.published.or(entry.updated);
    let guid = stable_guid(&entry.id, link.as_deref(), &title_html, published);
    let author = authors(&entry);
    let summary_html = entry
        .summary
        .as_ref()
        .map(text_as_html)
        .filter(|s| !s.trim().is_empty());
    let content_html = entry
        .content
        .as_ref()
        .and_then(|c| {
            let body = c.body.as_deref()?;
            Some(if is_html(c.content_type.as_str()) {
                body.to_string()
            } else {
                escape_text(body)
            })
        })
        .filter(|s| !s.trim().is_empty());
    Item {
        guid,
        link,
        title_html,
        author,
        published,
        summary_html,
        content_html,
    }
}

/// The lenient reader's fields as [`Item`]s: titles are text, summaries and content HTML.
fn from_loose(feed: lenient::LooseFeed, url: &Url) -> ParsedFeed {
    let site_url = feed.link.as_deref().and_then(|l| absolute(l, url));
    let items = feed
        .items
        .into_iter()
        .map(|loose| {
            let link = loose.link.as_deref().and_then(|l| absolute(l, url));
            let title_html = loose.title.as_deref().map(escape_text).unwrap_or_default();
            let published = loose.date.as_deref().and_then(crate::time::parse_loose);
            let id = loose.id.unwrap_or_default();
            Item {
                guid: stable_guid(&id, link.as_deref(), &title_html, published),
                link,
                title_html,
                author: loose.author,
                published,
                summary_html: loose.summary,
                content_html: loose.content,
            }
        })
        .collect();
    ParsedFeed {
        title: feed.title,
        site_url,
        ttl: None,
        items,
    }
}

fn stable_guid(
    id: &str,
    link: Option<&str>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> String {
    let id = id.trim();
    if !id.is_empty() {
        return id.to_string();
    }
    if let Some(link) = link {
        return link.to_string();
    }
    let date = published.map(crate::time::rfc3339).unwrap_or_default();
    let hash = blake3::hash(format!("{title}\u{1f}{date}").as_bytes());
    format!("feedsift:{}", &hash.to_hex()[..32])
}

/// The link that points at the item's page: `alternate` (or no rel), never `self` or `enclosure`.
fn pick_link(links: &[Link]) -> Option<&Link> {
    links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| {
            links.iter().find(|l| {
                !matches!(
                    l.rel.as_deref(),
                    Some("self" | "enclosure" | "replies" | "edit")
                )
            })
        })
}

fn absolute(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    base.join(href).ok().map(String::from)
}

fn authors(entry: &Entry) -> Option<String> {
    let names: Vec<&str> = entry
        .authors
        .iter()
        .filter_map(|p| {
            p.name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .or(p.email.as_deref())
        })
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn is_html(media_type: &str) -> bool {
    media_type.contains("html") || media_type.contains("xml")
}

fn text_as_html(text: &Text) -> String {
    if is_html(text.content_type.as_str()) {
        text.content.clone()
    } else {
        escape_text(&text.content)
    }
}

/// Plain text as HTML that renders to the same text: escaped, blank-line paragraphs as `<p>`.
fn escape_text(text: &str) -> String {
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.len() <= 1 {
        return html_escape::encode_text(text.trim()).into_owned();
    }
    paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape::encode_text(p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> ParsedFeed {
        parse_feed(
            xml.as_bytes(),
            &Url::parse("https://example.com/blog/feed.xml").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn guid_falls_back_to_link_then_hash() {
        let f = parse(
            r#"<rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>/posts/a?x=1</link></item>
            <item><title>B</title><pubDate>Mon, 10 Mar 2025 17:30:00 +0000</pubDate></item>
            <item><title>C</title><guid isPermaLink="false">id-c</guid></item>
            </channel></rss>"#,
        );
        assert_eq!(f.items[0].guid, "https://example.com/posts/a?x=1");
        assert_eq!(
            f.items[0].link.as_deref(),
            Some("https://example.com/posts/a?x=1")
        );
        assert!(f.items[1].guid.starts_with("feedsift:"));
        assert_eq!(
            f.items[1].guid,
            parse(
                r#"<rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>/posts/a?x=1</link></item>
            <item><title>B</title><pubDate>Mon, 10 Mar 2025 17:30:00 +0000</pubDate></item>
            </channel></rss>"#
            )
            .items[1]
                .guid,
            "hash guid is stable"
        );
        assert_eq!(f.items[2].guid, "id-c");
    }

    #[test]
    fn atom_picks_alternate_link_and_updated_date() {
        let f = parse(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id>
            <entry><id>e1</id><title type="text">x &lt; y</title>
            <link rel="self" href="https://example.com/self"/>
            <link rel="alternate" href="https://example.com/post"/>
            <updated>2025-03-10T17:30:00Z</updated>
            <content type="html">&lt;p&gt;Hi&lt;/p&gt;</content></entry></feed>"#,
        );
        let item = &f.items[0];
        assert_eq!(item.link.as_deref(), Some("https://example.com/post"));
        assert_eq!(item.title_html, "x &lt; y");
        assert_eq!(
            item.published.map(crate::time::rfc3339).as_deref(),
            Some("2025-03-10T17:30:00Z")
        );
        assert_eq!(item.content_html.as_deref(), Some("<p>Hi</p>"));
    }

    #[test]
    fn utf16_without_bom_after_a_comment_is_read() {
        // The shape of feedparser's utf-16be-autodetect.xml, which made quick-xml 0.42 panic
        // inside feed-rs before the bytes were decoded here first.
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<!--\nDescription: x\n-->\n\
                    <rss version=\"2.0\"><channel><title>t</title>\
                    <item><title>\u{e9}t\u{e9}</title><link>https://e.com/a</link></item>\
                    </channel></rss>";
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let feed = parse_feed(&utf16, &Url::parse("https://e.com/").unwrap()).unwrap();
        assert_eq!(feed.items[0].title_html, "\u{e9}t\u{e9}");
    }

    #[test]
    fn broken_xml_keeps_the_items_before_the_break() {
        // An unclosed CDATA section: feed-rs rejects the document, the lenient reader keeps
        // the items before the break.
        let feed = parse(
            "<rss version=\"2.0\"><channel><title>t</title>\
             <item><title>A</title><link>/a</link></item>\
             <item><title>B</title></item>\
             <item><title>C</title><description><![CDATA[<p>cut",
        );
        assert_eq!(feed.items.len(), 2);
        assert_eq!(feed.items[0].link.as_deref(), Some("https://example.com/a"));
    }

    #[test]
    fn implausible_dates_are_dropped_and_the_newest_items_kept() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .to_utc();
        let at = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().to_utc());
        let item = |guid: &str, published| Item {
            guid: guid.to_string(),
            link: None,
            title_html: String::new(),
            author: None,
            published,
            summary_html: None,
            content_html: None,
        };
        let mut items = vec![
            item("epoch", at("1970-01-01T00:00:00Z")),
            item("old", at("2020-01-01T00:00:00Z")),
            item("future", at("2099-01-01T00:00:00Z")),
            item("new", at("2026-11-20T00:00:00Z")),
            item("undated", None),
        ];
        assert_eq!(bound_items(&mut items, 3, now), 2);
        let kept: Vec<(&str, bool)> = items
            .iter()
            .map(|i| (i.guid.as_str(), i.published.is_some()))
            .collect();
        assert_eq!(kept, [("new", true), ("old", true), ("epoch", false)]);
    }

    #[test]
    fn html_pages_are_explained() {
        let e = parse_feed(
            b"<!DOCTYPE html><html><body>hi</body></html>",
            &Url::parse("https://e.com/").unwrap(),
        )
        .unwrap_err();
        assert!(e.message.contains("HTML page"), "{}", e.message);
    }
}
