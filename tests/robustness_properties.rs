//! Properties over generated hostile input, for the pure steps that read what publishers and
//! users write: cleaning, feed parsing and config loading never panic, and what comes out is
//! bounded by what went in. (A hang shows up as a test that never ends.)
//!
//! 512 cases per property in CI; `FEEDSIFT_FUZZ_CASES=20000` for a long run.

use std::path::Path;

use feedsift::clean::clean_fragment;
use feedsift::config::Config;
use feedsift::parse::parse_feed;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("FEEDSIFT_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        // Failures are shrunk and printed; no regression file is written for these.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Markup pieces that have broken HTML and XML readers: unclosed and misnested tags, entities
/// with and without `;`, CDATA, comments, doctype, control characters, long attribute values.
fn html_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .,;:'\"!?-]{0,40}",
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<br>".to_string()),
        Just("<div class=\"share\">".to_string()),
        Just("</div>".to_string()),
        Just("<a href=\"javascript:alert(1)\">".to_string()),
        Just("<a href=https://x.example/?a=1&b=2>".to_string()),
        Just("</a>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("<b><i>".to_string()),
        Just("</b></i>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("]]>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<!DOCTYPE x [<!ENTITY e \"&e;&e;\">]>".to_string()),
        Just("&amp;&lt;&#0;&#x110000;&nbsp&bogus;&#".to_string()),
        Just("\u{0}\u{1b}\u{feff}\u{202e}".to_string()),
        Just("<p>The post X appeared first on Y.</p>".to_string()),
        Just("Continue reading &rarr;".to_string()),
        "<[a-z]{1,8}( [a-z]{1,6}=\"[^\"]{0,20}\")*>",
    ]
}

fn html() -> impl Strategy<Value = String> {
    prop::collection::vec(html_piece(), 0..60).prop_map(|pieces| pieces.concat())
}

fn feed_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<?xml version=\"1.0\" encoding=\"utf-8\"?>".to_string()),
        Just("<?xml version=\"1.0\" encoding=\"bogus-8\"?>".to_string()),
        Just("<rss version=\"2.0\"><channel>".to_string()),
        Just("<feed xmlns=\"http://www.w3.org/2005/Atom\">".to_string()),
        Just("<rdf:RDF>".to_string()),
        Just("<item>".to_string()),
        Just("</item>".to_string()),
        Just("<entry>".to_string()),
        Just("<title>".to_string()),
        Just("</title>".to_string()),
        Just("<link href=\"/x\"/>".to_string()),
        Just("<link>".to_string()),
        Just("<guid>".to_string()),
        Just("<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>".to_string()),
        Just("<content mode=\"base64\">!!!".to_string()),
        Just("<description>".to_string()),
        Just("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [".to_string()),
        html_piece(),
    ]
}

fn feed_bytes() -> impl Strategy<Value = Vec<u8>> {
    let text = prop::collection::vec(feed_piece(), 0..50).prop_map(|p| p.concat().into_bytes());
    let noise = prop::collection::vec(any::<u8>(), 0..400);
    prop_oneof![
        3 => text,
        1 => noise,
        1 => (Just(vec![0xfe, 0xff]), prop::collection::vec(any::<u8>(), 0..200))
            .prop_map(|(bom, rest)| [bom, rest].concat()),
    ]
}

/// Config text: real keys with values of every type, plus garbage lines.
fn config_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("database"),
        Just("concurrency"),
        Just("host_concurrency"),
        Just("name"),
        Just("url"),
        Just("schedule"),
        Just("timeout"),
        Just("max_body_size"),
        Just("max_items"),
        Just("allow_private"),
        Just("remove"),
        Just("remove_text"),
        Just("keep"),
        Just("max_articles_per_feed"),
        Just("dedup"),
        Just("shedule"),
    ];
    let value = prop_oneof![
        Just("\"x\"".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551615".to_string()),
        Just("true".to_string()),
        Just("\"0 */15 * * * *\"".to_string()),
        Just("\"* * *\"".to_string()),
        Just("\"30s\"".to_string()),
        Just("\"99999999999999999999d\"".to_string()),
        Just("\"10 MiB\"".to_string()),
        Just("\"http://[::1\"".to_string()),
        Just("\"https://example.com/feed\"".to_string()),
        Just("[\"div.share\", \"<<<\", \"\"]".to_string()),
        Just("{ a = 1 }".to_string()),
        "\"[^\"\\\\\n]{0,30}\"",
    ];
    prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => Just("[[feeds]]".to_string()),
        1 => Just("[defaults]".to_string()),
        1 => "[^\n]{0,40}",
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    prop::collection::vec(config_line(), 0..30).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn clean_never_panics_and_output_is_bounded(input in html()) {
        let cleaned = clean_fragment(&input, None);
        prop_assert!(cleaned.text.len() <= input.len(), "{} > {}", cleaned.text.len(), input.len());
        prop_assert!(cleaned.html.len() <= 8 * input.len() + 64);
    }

    #[test]
    fn parsing_never_panics_and_items_are_bounded(body in feed_bytes()) {
        let url = url::Url::parse("https://feed.example/feed.xml").unwrap();
        if let Ok(feed) = parse_feed(&body, &url) {
            prop_assert!(feed.items.len() <= body.len());
            for item in &feed.items {
                let size = item.title_html.len()
                    + item.summary_html.as_ref().map_or(0, String::len)
                    + item.content_html.as_ref().map_or(0, String::len);
                // Escaping (`<` to `&lt;`) may grow text fourfold; decoding only shrinks.
                prop_assert!(size <= 6 * body.len() + 64);
            }
        }
    }

    #[test]
    fn config_loading_never_panics_and_errors_are_bounded(text in config_text()) {
        match Config::from_toml(Path::new("/tmp/feeds.toml"), &text) {
            Ok(config) => prop_assert!(config.feeds.len() <= text.len()),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.is_empty());
                prop_assert!(message.len() <= 2 * text.len() + 600, "{message}");
            }
        }
    }
}
