//! The XSS filter-evasion vectors (in the shapes of OWASP's cheat sheet, one per line in
//! `tests/fixtures/xss/filter-evasion.txt`) embedded in item titles, summaries and content of
//! an RSS and an Atom feed: none may be live in the stored `content_html`, the HTML export or
//! the Atom export. "Live" is judged by parsing the output as a browser would
//! (`common::live_markup`).

mod common;

use common::{Route, Server, Workspace, assert_no_live_markup, feed_config, fixture, live_markup};

fn vectors() -> Vec<String> {
    fixture("xss/filter-evasion.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rss_with(vectors: &[String]) -> String {
    let items: String = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "<item><guid>rss-{i}</guid><link>https://xss.example/rss/{i}</link>\
                 <title>Vector {i}: {}</title>\
                 <description><![CDATA[<p>Summary {i} before.</p>{v}<p>after.</p>]]></description>\
                 <content:encoded><![CDATA[<p>Story number {i} is about filters.</p>{v}\
                 <p>It ends here, {i}.</p>]]></content:encoded></item>\n",
                xml_text(v)
            )
        })
        .collect();
    format!(
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
         <channel><title>Evil RSS</title><link>https://xss.example/</link>\n{items}</channel></rss>"
    )
}

/// Atom says what its titles are: here HTML, escaped, so the vector is markup in the title.
fn atom_with(vectors: &[String]) -> String {
    let entries: String = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "<entry><id>urn:atom:{i}</id><link href=\"https://xss.example/atom/{i}\"/>\
                 <updated>2025-03-10T17:30:00Z</updated>\
                 <title type=\"html\">{}</title><summary type=\"html\">{}</summary>\
                 <content type=\"html\">{}</content></entry>\n",
                xml_text(&format!("Atom vector {i} {v}")),
                xml_text(&format!("<p>Atom summary {i}.</p>{v}")),
                xml_text(&format!(
                    "<p>Atom story {i} about filters.</p>{v}<p>The end {i}.</p>"
                )),
            )
        })
        .collect();
    format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Evil Atom</title><id>urn:evil</id>\
         <updated>2025-03-10T17:30:00Z</updated>\n{entries}</feed>"
    )
}

fn stored() -> Workspace {
    let vectors = vectors();
    assert!(vectors.len() >= 80, "{} vectors", vectors.len());
    let server = Server::start();
    server.set("/rss", Route::feed(rss_with(&vectors)));
    server.set(
        "/atom",
        Route::feed(atom_with(&vectors)).with_content_type(Some("application/atom+xml")),
    );
    let ws = Workspace::new(&feed_config(&[
        ("evil-rss", server.url("/rss")),
        ("evil-atom", server.url("/atom")),
    ]));
    ws.ok(&["fetch"]);
    ws
}

#[test]
fn no_vector_is_live_in_stored_html_or_any_html_export() {
    let ws = stored();
    let stored: Vec<(i64, String)> = {
        let db = ws.db();
        let mut stmt = db.prepare("SELECT id, content_html FROM articles").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(stored.len() >= 2 * 80, "{} articles", stored.len());
    for (id, html) in &stored {
        let problems = live_markup(html);
        assert!(problems.is_empty(), "article {id}: {problems:?}\n{html}");
    }
    for article in ws.articles() {
        let html = article["content_html"].as_str().unwrap_or_default();
        assert_no_live_markup(html);
    }
    let page = ws.ok(&["export", "--format", "html"]);
    assert_no_live_markup(&page);
    assert!(
        page.contains("Vector 0"),
        "the HTML export has the articles"
    );
}

#[test]
fn no_vector_is_live_in_the_atom_export() {
    let ws = stored();
    let xml = ws.ok(&["export", "--format", "atom"]);
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("the Atom export parses");
    assert!(feed.entries.len() >= 160);
    for entry in &feed.entries {
        let texts = [
            entry
                .title
                .as_ref()
                .map(|t| (t.content_type.to_string(), t.content.clone())),
            entry
                .summary
                .as_ref()
                .map(|t| (t.content_type.to_string(), t.content.clone())),
            entry.content.as_ref().map(|c| {
                (
                    c.content_type.to_string(),
                    c.body.clone().unwrap_or_default(),
                )
            }),
        ];
        for (media_type, text) in texts.into_iter().flatten() {
            // Plain-text fields are shown as text by every reader; HTML ones are parsed.
            if media_type.contains("html") {
                let problems = live_markup(&text);
                assert!(problems.is_empty(), "{}: {problems:?}\n{text}", entry.id);
            }
        }
        for link in &entry.links {
            assert!(link.href.starts_with("https://"), "{}", link.href);
        }
    }
}

/// The checker itself: fed the raw vectors, it must see them as live, or the tests above
/// prove nothing. (The few it passes are inert in an HTML5 browser: IE-only namespaces, a
/// `&{}` entity, unclosed tags that swallow nothing, plain text.)
#[test]
fn the_checker_finds_the_raw_vectors_live() {
    let vectors = vectors();
    let live = vectors
        .iter()
        .filter(|v| !live_markup(v).is_empty())
        .count();
    common::notice(&format!(
        "output_safety: {live} of {} raw vectors are live before feedsift",
        vectors.len()
    ));
    assert!(
        live * 10 >= vectors.len() * 9,
        "{live} of {} live",
        vectors.len()
    );
}
