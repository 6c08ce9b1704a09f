//! Deduplication end to end: the real binary over loopback HTTP and a real database, on a
//! synthetic feed set with known duplicate groups (precision and recall), on the publisher
//! seeds, and on real feeds from the corpus.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::synth::{self, Shape, World};
use common::{Route, Server, Workspace, feed_config, item, rss};
use feedsift::clean::Rules;
use feedsift::dedup::Profile;
use feedsift::parse::parse_feed;
use feedsift::pipeline::prepare_items;
use feedsift::store::BoilerplateSample;

/// Serves every round of `world` in turn, fetching after each; returns the workspace.
fn ingest_world(world: &World, extra_config: &str) -> Workspace {
    let server = Server::start();
    let names: Vec<(String, String)> = world.rounds[0]
        .iter()
        .map(|f| (f.name.clone(), server.url(&format!("/{}.rss", f.name))))
        .collect();
    let feeds: Vec<(&str, String)> = names.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    let config =
        feed_config(&feeds).replacen("[defaults]\n", &format!("[defaults]\n{extra_config}"), 1);
    let ws = Workspace::new(&config);
    for round in &world.rounds {
        for feed in round {
            server.set(&format!("/{}.rss", feed.name), Route::feed(feed.to_rss()));
        }
        ws.ok(&["fetch"]);
    }
    ws
}

/// (feed, guid) -> article of every stored item.
fn stored_items(ws: &Workspace) -> Vec<((String, String), i64)> {
    let db = ws.db();
    let mut stmt = db
        .prepare(
            "SELECT f.name, i.guid, i.article_id FROM items i JOIN feeds f ON f.id = i.feed_id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Stories whose items ended up in more than one article, with those items.
fn split_groups(
    items: &[((String, String), i64)],
    truth: &HashMap<(String, String), usize>,
) -> BTreeMap<usize, Vec<(String, String, i64)>> {
    let mut by_group: BTreeMap<usize, Vec<(String, String, i64)>> = BTreeMap::new();
    for ((feed, guid), article) in items {
        if let Some(&group) = truth.get(&(feed.clone(), guid.clone())) {
            by_group
                .entry(group)
                .or_default()
                .push((feed.clone(), guid.clone(), *article));
        }
    }
    by_group.retain(|_, items| items.iter().any(|i| i.2 != items[0].2));
    by_group
}

/// Serves at `path` a feed titled `feed` with one item `(guid, link, title, body)`.
fn serve_one(
    server: &Server,
    path: &str,
    feed: &str,
    (guid, link, title, body): (&str, &str, &str, &str),
) {
    server.set(
        path,
        Route::feed(rss(feed, &[item(guid, link, title, body)])),
    );
}

fn rule_counts(ws: &Workspace) -> BTreeMap<String, i64> {
    let db = ws.db();
    let mut stmt = db
        .prepare("SELECT match_rule, count(*) FROM items GROUP BY 1")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn synthetic_feed_set_merges_with_measured_precision_and_recall() {
    let world = synth::world(Shape::default());
    let ws = ingest_world(&world, "");
    let items = stored_items(&ws);
    let scores = synth::pair_scores(&items, &world.truth);
    let rules = rule_counts(&ws);
    // Printed for the closing note and docs/dedup.md (run with --nocapture).
    println!(
        "synthetic set: {} items stored, {} articles, {} true pairs, {} merged pairs, {} correct; \
         precision {:.4}, recall {:.4}; rules {rules:?}",
        items.len(),
        ws.count("SELECT count(*) FROM articles"),
        scores.true_pairs,
        scores.merged,
        scores.correct,
        scores.precision(),
        scores.recall()
    );
    for (group, articles) in split_groups(&items, &world.truth).iter().take(5) {
        println!("story {group} split over {articles:?}");
    }
    assert_eq!(
        scores.unknown, 0,
        "every stored item was served by the generator"
    );
    assert!(
        scores.true_pairs > 1000,
        "the set has duplicates to find: {scores:?}"
    );
    assert!(
        scores.precision() >= 0.999,
        "precision {:.4} {scores:?}",
        scores.precision()
    );
    assert!(
        scores.recall() >= 0.99,
        "recall {:.4} {scores:?}",
        scores.recall()
    );
    for rule in ["new", "same-url", "same-text", "near-text", "teaser"] {
        assert!(
            rules.get(rule).copied().unwrap_or(0) > 0,
            "no item matched by {rule}: {rules:?}"
        );
    }
    assert!(
        ws.count("SELECT count(*) FROM items WHERE previous_guid IS NOT NULL") > 0,
        "regenerated guids are the same items"
    );
    assert!(
        ws.count("SELECT count(*) FROM articles WHERE revision > 1") > 0,
        "edits update in place"
    );
}

#[test]
fn per_feed_scope_keeps_each_feed_apart() {
    let world = synth::world(Shape {
        publishers: 6,
        aggregators: 2,
        stories: 10,
        seed: 7,
    });
    let ws = ingest_world(&world, "dedup = \"per-feed\"\n");
    assert_eq!(
        ws.count(
            "SELECT count(*) FROM (SELECT article_id FROM items GROUP BY article_id
             HAVING count(DISTINCT feed_id) > 1)"
        ),
        0,
        "no article has sources in two feeds"
    );
    let items = stored_items(&ws);
    let per_feed: HashMap<(String, String), usize> = world
        .truth
        .iter()
        .map(|((feed, guid), group)| ((feed.clone(), guid.clone()), *group))
        .collect();
    let scores = synth::pair_scores(&items, &per_feed);
    assert_eq!(scores.precision(), 1.0, "{scores:?}");
    assert!(
        ws.count("SELECT count(*) FROM items WHERE previous_guid IS NOT NULL") > 0,
        "regenerated guids are still the same items within a feed"
    );
}

#[test]
fn export_by_feed_includes_stories_first_seen_elsewhere() {
    let body = "<p>".to_string()
        + &"A river bridge vote split the council again tonight. ".repeat(12)
        + "</p>";
    let server = Server::start();
    serve_one(
        &server,
        "/a.rss",
        "A",
        ("a1", "https://news.example/bridge", "Bridge vote", &body),
    );
    serve_one(
        &server,
        "/b.rss",
        "B",
        (
            "b1",
            "https://news.example/bridge?utm_source=b",
            "Bridge vote (B)",
            &body,
        ),
    );
    let ws = Workspace::new(&feed_config(&[("a", server.url("/a.rss"))]));
    ws.ok(&["fetch"]);
    ws.write_config(&feed_config(&[
        ("a", server.url("/a.rss")),
        ("b", server.url("/b.rss")),
    ]));
    ws.ok(&["fetch"]);
    let only_b = ws.ok(&["export", "--format", "ndjson", "--feed", "b"]);
    let records: Vec<serde_json::Value> = only_b
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["feed"], "a",
        "the story stays the first-seen feed's"
    );
    assert_eq!(records[0]["sources"].as_array().map(Vec::len), Some(2));
    let id = records[0]["id"].as_i64().unwrap().to_string();
    let explained = ws.ok(&["dedup", "--explain", &id]);
    assert!(
        explained.contains("same-url: the same canonical URL"),
        "{explained}"
    );
    assert!(explained.contains("feed \"b\", guid b1"), "{explained}");
    let missing = ws.run(&["dedup", "--explain", "999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(common::stderr(&missing).contains("no article with id 999"));
}

#[test]
fn a_link_every_post_reuses_does_not_merge_new_posts() {
    let server = Server::start();
    let post = |guid: &str, title: &str, word: &str| {
        item(
            guid,
            "https://comic.example/today",
            title,
            &format!("<p>{}</p>", format!("{word} ").repeat(80)),
        )
    };
    server.set(
        "/c.rss",
        Route::feed(rss("C", &[post("day-1", "Monday strip", "alpha")])),
    );
    let ws = Workspace::new(&feed_config(&[("comic", server.url("/c.rss"))]));
    ws.ok(&["fetch"]);
    server.set(
        "/c.rss",
        Route::feed(rss("C", &[post("day-2", "Tuesday strip", "bravo")])),
    );
    ws.ok(&["fetch"]);
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 2);
    server.set(
        "/c.rss",
        Route::feed(rss(
            "C",
            &[post("day-2-regenerated", "Tuesday strip", "bravo")],
        )),
    );
    ws.ok(&["fetch"]);
    assert_eq!(
        ws.count("SELECT count(*) FROM items"),
        2,
        "same link and title: the same item"
    );
    assert_eq!(
        ws.count("SELECT count(*) FROM items WHERE previous_guid = 'day-2'"),
        1
    );
}

#[test]
fn feedburner_orig_link_is_the_items_url() {
    let server = Server::start();
    let body = "<p>".to_string()
        + &"Tidal energy plans were approved by the harbour board. ".repeat(10)
        + "</p>";
    let proxied = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:feedburner=\"http://rssnamespace.org/feedburner/ext/1.0\">\
         <channel><title>FB</title><link>https://fb.example/</link>\
         <item><guid isPermaLink=\"false\">fb-1</guid><title>Tidal</title>\
         <link>http://feedproxy.google.com/~r/fb/~3/abc/</link>\
         <feedburner:origLink>https://harbour.example/tidal?utm_source=feedburner</feedburner:origLink>\
         <description><![CDATA[{body}]]></description></item></channel></rss>"
    );
    server.set("/fb.rss", Route::feed(proxied));
    serve_one(
        &server,
        "/direct.rss",
        "D",
        (
            "d-1",
            "https://harbour.example/tidal",
            "Tidal plans",
            "<p>Short teaser.</p>",
        ),
    );
    let ws = Workspace::new(&feed_config(&[
        ("fb", server.url("/fb.rss")),
        ("direct", server.url("/direct.rss")),
    ]));
    ws.ok(&["fetch", "--feed", "fb"]);
    ws.ok(&["fetch", "--feed", "direct"]);
    let articles = ws.articles();
    assert_eq!(articles.len(), 1, "{articles:?}");
    assert_eq!(articles[0]["url"], "https://harbour.example/tidal");
}

/// Clean text of every item of a fixture feed.
fn clean_texts(path: &Path) -> Vec<String> {
    let body = std::fs::read(path).unwrap();
    let feed = parse_feed(&body, &url::Url::parse("https://example.com/feed").unwrap()).unwrap();
    let (done, _) = prepare_items(feed.items, &Rules::default(), &BoilerplateSample::default());
    done.into_iter().map(|i| i.article.content).collect()
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn the_two_seed_articles_about_one_event_stay_apart() {
    let wrap = clean_texts(&fixtures_dir().join("publishers/wordpress-footer.rss"));
    let collider = clean_texts(&fixtures_dir().join("publishers/inline-markup-related.rss"));
    let (a, b) = (Profile::new(&wrap[0]), Profile::new(&collider[0]));
    let similarity = a.similarity(&b);
    println!("seed similarity: {similarity:.3}");
    assert!(similarity < 0.05, "{similarity}");
    assert_eq!(a.likeness(&b), None);
    let (_, ws) = common::publishers(&[]);
    ws.ok(&["fetch"]);
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 2);
}

#[test]
fn the_same_posts_as_atom_and_json_feed_fold_into_twelve_articles() {
    let dir = fixtures_dir().join("dedup");
    let ws = Workspace::new(&feed_config(&[
        (
            "allthis-rss",
            dir.join("allthis.atom").display().to_string(),
        ),
        (
            "allthis-json",
            dir.join("allthis.json").display().to_string(),
        ),
        ("braingle", dir.join("guid-dupes.xml").display().to_string()),
    ]));
    ws.ok(&["fetch"]);
    assert_eq!(ws.count("SELECT count(*) FROM items WHERE feed_id = (SELECT id FROM feeds WHERE name = 'allthis-json')"), 12);
    assert_eq!(ws.count("SELECT count(DISTINCT article_id) FROM items WHERE feed_id IN (SELECT id FROM feeds WHERE name LIKE 'allthis%')"), 12);
    assert_eq!(ws.count("SELECT count(*) FROM items WHERE feed_id = (SELECT id FROM feeds WHERE name = 'braingle')"), 1);
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 13);
}

/// These cases run when ../shared is there and say so when it is not.
fn shared_feeds() -> Option<PathBuf> {
    common::corpus_feeds("dedup corpus cases")
}

#[test]
fn three_captures_of_one_feed_update_one_article_in_place() {
    let Some(feeds) = shared_feeds() else { return };
    let capture = feeds.join("rss2email/nodejs/feed.xml");
    let ws = Workspace::new(&feed_config(&[("nodejs", capture.display().to_string())]));
    let mut revisions = Vec::new();
    for n in 1..=3 {
        std::fs::copy(
            feeds.join(format!("rss2email/nodejs/feed{n}.xml")),
            ws.path("feed.xml"),
        )
        .unwrap();
        let config = feed_config(&[("nodejs", ws.path("feed.xml").display().to_string())]);
        ws.write_config(&config);
        ws.ok(&["fetch"]);
        revisions.push(ws.count("SELECT max(revision) FROM articles"));
    }
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(ws.count("SELECT count(*) FROM items"), 1);
    assert_eq!(revisions, [1, 2, 3], "each capture changed the text");
    let content: String = ws
        .db()
        .query_row("SELECT content FROM articles", [], |r| r.get(0))
        .unwrap();
    assert!(content.contains("Security releases available"), "{content}");
}

#[test]
fn cowboyprogrammer_variants_fold_by_link() {
    let Some(feeds) = shared_feeds() else { return };
    let files = [
        "cowboyprogrammer_atom.xml",
        "cowboyprogrammer_feed.json",
        "cowboyprogrammer_deleted_middle_atom.xml",
    ];
    let config: Vec<(&str, String)> = files
        .iter()
        .map(|f| (*f, feeds.join("feeder").join(f).display().to_string()))
        .collect();
    let ws = Workspace::new(&feed_config(&config));
    ws.ok(&["fetch"]);
    let db = ws.db();
    let mut stmt = db.prepare("SELECT canonical_url FROM items").unwrap();
    let urls: HashSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ws.count("SELECT count(*) FROM items"), 15 + 10 + 2);
    assert_eq!(
        ws.count("SELECT count(*) FROM articles"),
        urls.len() as i64,
        "one article per page"
    );
}

/// Ingest numbers and indexes new articles itself (schema 7): an item that changes an
/// article made earlier in the same fetch, and a copy that joins an article of an earlier
/// fetch, must leave the full-text index whole and move the article in the change sequence.
#[test]
fn articles_changed_within_one_fetch_stay_indexed_and_numbered() {
    let story = |word: &str| {
        format!(
            "<p>{word} The council voted on the budget for the new river bridge after months \
             of debate, and the mayor said work would begin in spring once the contracts were \
             signed by every party involved in the long negotiation over costs, materials and \
             the schedule that residents had asked for at several public meetings this year.</p>"
        )
    };
    let server = Server::start();
    server.set(
        "/a.rss",
        Route::feed(rss(
            "A",
            &[
                item(
                    "g1",
                    "https://a.example/bridge",
                    "Bridge",
                    &story("zebracorn"),
                ),
                item(
                    "g1",
                    "https://a.example/bridge",
                    "Bridge",
                    &story("unicornfish"),
                ),
            ],
        )),
    );
    let ws = Workspace::new(&feed_config(&[("a", server.url("/a.rss"))]));
    ws.ok(&["fetch"]);
    let fts_ok = |ws: &Workspace| {
        ws.db()
            .execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .is_ok()
    };
    assert!(fts_ok(&ws), "full-text index damaged");
    assert!(!ws.ok(&["search", "unicornfish"]).trim().is_empty());
    assert_eq!(ws.ok(&["search", "zebracorn"]).trim(), "");
    let seq = |ws: &Workspace| ws.count("SELECT max(change_seq) FROM articles");
    let first = seq(&ws);
    assert!(first > 0);
    assert_eq!(ws.count("SELECT value FROM change_counter"), first);

    serve_one(
        &server,
        "/b.rss",
        "B",
        (
            "b1",
            "https://b.example/copy",
            "Bridge",
            &story("unicornfish"),
        ),
    );
    ws.write_config(&feed_config(&[
        ("a", server.url("/a.rss")),
        ("b", server.url("/b.rss")),
    ]));
    ws.ok(&["fetch"]);
    assert_eq!(
        ws.count("SELECT count(*) FROM articles"),
        1,
        "the copy merged"
    );
    assert!(
        seq(&ws) > first,
        "the joining item moved the article in the sequence"
    );
    assert!(fts_ok(&ws));
}
