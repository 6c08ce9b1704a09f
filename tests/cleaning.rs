//! Cleaning end to end: learned boilerplate, per-feed rules in feeds.toml, and `reprocess`,
//! through the real binary, loopback HTTP and a real SQLite file.

mod common;

use common::{Route, Server, Workspace, feed_config, item, rss, stderr};

const TOPICS: &[&str] = &[
    "harbour", "orchard", "glacier", "festival", "railway", "library",
];

/// A body of several paragraphs, unique to item `n` (numbers alone would be masked as
/// variable parts), with a shared middle sentence.
fn body(n: usize, middle: &str) -> String {
    let t = TOPICS[n % TOPICS.len()];
    format!(
        "<p>The {t} story opens with its own words about the {t} and nothing else.</p>\
         <p>A second paragraph on the {t}, with details only the {t} story has.</p>\
         <p>{middle}</p>\
         <p>More reporting on the {t} continues here.</p>\
         <p>The {t} piece wraps it up.</p>"
    )
}

const FOOTERS: &str = "<p>Der Beitrag <a href=\"https://blog.example/x\">TITLE</a> erschien zuerst auf <a href=\"https://blog.example\">Beispiel Blog</a>.</p>\
     <p>Abonnieren Sie unseren Newsletter, um nichts zu verpassen.</p>";

const SHARED_MIDDLE: &str = "Our reporting is funded by readers like you, every single day.";

fn footered_item(n: usize) -> String {
    let title = format!("Story number {n}");
    let html = format!(
        "{}{}",
        body(n, SHARED_MIDDLE),
        FOOTERS.replace("TITLE", &title)
    );
    item(
        &format!("g{n}"),
        &format!("https://blog.example/{n}"),
        &title,
        &html,
    )
}

fn serve(server: &Server, path: &str, items: &[String]) {
    server.set(path, Route::feed(rss("Blog", items)));
}

#[test]
fn footers_in_an_unknown_language_are_learned_and_the_shared_middle_is_kept() {
    let server = Server::start();
    let items: Vec<String> = (1..=5).map(footered_item).collect();
    serve(&server, "/de.rss", &items);
    serve(&server, "/one.rss", &items[..1]);
    let ws = Workspace::new(&feed_config(&[
        ("de", server.url("/de.rss")),
        ("single", server.url("/one.rss")),
    ]));
    ws.ok(&["fetch"]);
    for article in ws.articles() {
        let content = article["content"].as_str().unwrap();
        let feed = article["feed"].as_str().unwrap();
        assert!(content.contains(SHARED_MIDDLE), "{feed}: {content}");
        if feed == "de" {
            assert!(!content.contains("erschien zuerst"), "{content}");
            assert!(!content.contains("Newsletter"), "{content}");
            assert!(content.ends_with("wraps it up."), "{content}");
        } else {
            assert!(
                content.contains("erschien zuerst"),
                "a feed with one item learns nothing"
            );
        }
    }
    let shown = ws.ok(&["feeds", "--boilerplate", "de"]);
    assert!(
        shown.contains("2 learned boilerplate paragraph(s)"),
        "{shown}"
    );
    assert!(
        shown.contains("erschien zuerst auf Beispiel Blog"),
        "{shown}"
    );
    assert!(
        shown.contains("Abonnieren Sie unseren Newsletter"),
        "{shown}"
    );
    assert!(!shown.contains(SHARED_MIDDLE), "{shown}");
    let single = ws.ok(&["feeds", "--boilerplate", "single"]);
    assert!(single.contains("nothing learned yet"), "{single}");
}

/// The feed that learned the footer stores the story first; a copy from a feed with one
/// item (which cannot learn it) is longer only by the footer, and must not bring it back.
#[test]
fn a_copy_longer_only_by_learned_boilerplate_does_not_replace_the_text() {
    let server = Server::start();
    let items: Vec<String> = (1..=5).map(footered_item).collect();
    serve(&server, "/de.rss", &items);
    serve(&server, "/one.rss", &items[..1]);
    let ws = Workspace::new(&feed_config(&[
        ("de", server.url("/de.rss")),
        ("single", server.url("/one.rss")),
    ]));
    ws.ok(&["fetch", "--feed", "de"]);
    ws.ok(&["fetch", "--feed", "single"]);
    let first = ws
        .articles()
        .into_iter()
        .find(|a| a["sources"].as_array().unwrap().len() == 2)
        .expect("the copy merged");
    let content = first["content"].as_str().unwrap();
    assert_eq!(first["feed"], "de");
    assert!(!content.contains("erschien zuerst"), "{content}");
    assert!(content.ends_with("wraps it up."), "{content}");
}

#[test]
fn items_stored_before_the_footer_was_learned_are_cleaned_when_it_is() {
    let server = Server::start();
    let ws = Workspace::new(&feed_config(&[("de", server.url("/de.rss"))]));
    let mut items = Vec::new();
    for n in 1..=3 {
        items.push(footered_item(n));
        serve(&server, "/de.rss", &items);
        ws.ok(&["fetch"]);
    }
    let learned = ws.count("SELECT count(*) FROM boilerplate");
    assert_eq!(learned, 2);
    let left = ws.count("SELECT count(*) FROM articles WHERE content LIKE '%erschien zuerst%'");
    assert_eq!(
        left, 0,
        "the first two items lost the footer once it was learned"
    );
    let hits = ws.ok(&["search", "Newsletter"]);
    assert!(
        !hits.contains("Story number"),
        "the search index was updated: {hits}"
    );
}

#[test]
fn per_feed_rules_remove_keep_and_reprocess() {
    let server = Server::start();
    let html = "<p>A real paragraph of the article, long enough to matter here.</p>\
                <div class=\"promo-box\"><p>Buy our mugs.</p></div>\
                <p>Sponsored by Acme Corp.</p>\
                <p class=\"note\">Last real paragraph.</p>\
                <p>The post Mugs appeared first on Site.</p>";
    serve(
        &server,
        "/f.rss",
        &[item("g1", "https://site.example/1", "Mugs", html)],
    );
    let base = feed_config(&[("site", server.url("/f.rss"))]);
    let ws = Workspace::new(&base);
    ws.ok(&["fetch"]);
    let content = |ws: &Workspace| ws.articles()[0]["content"].as_str().unwrap().to_string();
    let before = content(&ws);
    assert!(!before.contains("Buy our mugs") && !before.contains("appeared first"));
    assert!(before.contains("Sponsored by Acme"), "{before}");

    let with_rules = format!(
        "{base}remove_text = [\"^Sponsored by\"]\nkeep_boilerplate = [\"wordpress-footer\"]\n"
    );
    ws.write_config(&with_rules);
    let dry = ws.ok(&["reprocess", "--dry-run"]);
    assert!(
        dry.contains("site: 1 items, 1 of 1 articles would change"),
        "{dry}"
    );
    assert!(dry.contains("- Sponsored by Acme Corp."), "{dry}");
    assert!(
        dry.contains("+ The post Mugs appeared first on Site."),
        "{dry}"
    );
    assert_eq!(content(&ws), before, "a dry run writes nothing");

    let done = ws.ok(&["reprocess", "--feed", "site"]);
    assert!(done.contains("1 of 1 articles changed"), "{done}");
    let after = content(&ws);
    assert!(!after.contains("Sponsored by"), "{after}");
    assert!(
        after.contains("appeared first on Site"),
        "kept for this feed: {after}"
    );
    assert!(!ws.ok(&["search", "Acme"]).contains("Mugs"));
    let again = ws.ok(&["reprocess"]);
    assert!(again.contains("0 of 1 articles changed"), "{again}");

    let remove = format!("{base}remove = [\"p.note\"]\n");
    ws.write_config(&remove);
    ws.ok(&["reprocess"]);
    let html_after: String = ws
        .db()
        .query_row("SELECT content_html FROM articles", [], |r| r.get(0))
        .unwrap();
    assert!(!html_after.contains("Last real paragraph"), "{html_after}");
}

#[test]
fn a_bad_rule_in_feeds_toml_names_the_feed_and_line() {
    let ws = Workspace::new(&format!(
        "{}remove = [\"div.ok\", \"p[\"]\n",
        feed_config(&[("site", "https://site.example/f.rss".into())])
    ));
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("feeds.toml:8:") && err.contains("feed \"site\"") && err.contains("`p[`"),
        "{err}"
    );
}

#[test]
fn reprocessing_a_shared_story_settles_whichever_feed_goes_first() {
    let server = Server::start();
    let story = "<p>Same story text in both feeds, long enough to count as an article body.</p>";
    let a = item(
        "a1",
        "https://news.example/s",
        "Shared",
        &format!("<p>Teaser A.</p>{story}"),
    );
    let b = item(
        "b1",
        "https://news.example/s",
        "Shared",
        &format!("<p>Teaser B.</p>{story}"),
    );
    serve(&server, "/a.rss", &[a]);
    serve(&server, "/b.rss", &[b]);
    let ws = Workspace::new(&feed_config(&[
        ("a", server.url("/a.rss")),
        ("b", server.url("/b.rss")),
    ]));
    ws.ok(&["fetch"]);
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 1);
    ws.ok(&["reprocess"]);
    for order in [["--feed", "b"], ["--feed", "a"]] {
        let out = ws.ok(&["reprocess", order[0], order[1]]);
        assert!(out.contains("0 of 1 articles changed"), "{out}");
    }
}
