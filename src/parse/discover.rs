//! Feed autodiscovery: what to tell a user whose feed URL serves an HTML page. Pure.
//!
//! The page's `<link rel="alternate">` elements name its feeds. They are suggested, not
//! followed: a page often lists several (posts, comments, one per category), and a silent
//! choice would store the wrong one under the configured name.

use scraper::{Html, Selector};
use url::Url;

const FEED_TYPES: [&str; 6] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "text/xml",
];

/// The feeds an HTML page links to, absolute, in page order.
pub fn feed_links(html: &str, page: &Url) -> Vec<Url> {
    let Ok(selector) = Selector::parse("link[rel][href]") else {
        return Vec::new();
    };
    let document = Html::parse_document(html);
    let mut links: Vec<Url> = Vec::new();
    for link in document.select(&selector) {
        let element = link.value();
        let alternate = element.attr("rel").is_some_and(|rel| {
            rel.split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let feed_type = element
            .attr("type")
            .is_some_and(|t| FEED_TYPES.contains(&t.trim().to_ascii_lowercase().as_str()));
        let href = element.attr("href").and_then(|h| page.join(h.trim()).ok());
        if let Some(href) = href.filter(|_| alternate && feed_type)
            && !links.contains(&href)
        {
            links.push(href);
        }
    }
    links
}

/// The error for an HTML page where a feed was expected, naming the feeds it links to.
pub fn explain_html_page(html: &str, page: &Url) -> String {
    let links = feed_links(html, page);
    match links.as_slice() {
        [] => "this is an HTML page, not a feed, and it links to no feed; find the feed's own URL on the site"
            .to_string(),
        [one] => format!(
            "this is an HTML page, not a feed; it links to the feed {one}: set that as this feed's url"
        ),
        many => format!(
            "this is an HTML page, not a feed; it links to {} feeds: {}; set the one you want as this feed's url",
            many.len(),
            many.iter().map(Url::as_str).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_feed_links_are_found_and_resolved() {
        let page = Url::parse("https://blog.example/posts/").unwrap();
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="Posts" href="/feed/">
            <link rel="Alternate" type="application/atom+xml" href="https://blog.example/atom.xml">
            <link rel="alternate" type="text/html" hreflang="de" href="/de/">
            <link rel="alternate" type="application/rss+xml" href="/feed/">
            </head><body></body></html>"#;
        let links: Vec<String> = feed_links(html, &page).iter().map(Url::to_string).collect();
        assert_eq!(
            links,
            [
                "https://blog.example/feed/",
                "https://blog.example/atom.xml"
            ]
        );
        assert!(explain_html_page(html, &page).contains("links to 2 feeds"));
        assert!(explain_html_page("<html></html>", &page).contains("links to no feed"));
    }
}
