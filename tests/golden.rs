//! Golden tests from real feeds: each built-in rule on a form copied from a permissively
//! licensed corpus file (origins in tests/fixtures/boilerplate/cases.json and README.md), and
//! learned boilerplate on a real WordPress feed.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use feedsift::clean::{self, Context, Rules};
use feedsift::parse;
use feedsift::pipeline::prepare_items;
use feedsift::store::BoilerplateSample;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boilerplate")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_rule_on_its_real_form() {
    let cases: Value = serde_json::from_str(&read("cases.json")).unwrap();
    let mut covered = BTreeSet::new();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let html = read(&format!("{name}.html"));
        let expected = read(&format!("{name}.txt"));
        let ctx = Context {
            title: case["title"].as_str().unwrap(),
            ..Context::default()
        };
        let cleaned = clean::clean_item(&html, &ctx, &Rules::default(), &HashSet::new());
        assert_eq!(cleaned.text, expected.trim_end(), "golden text of {name}");
        let fired: BTreeSet<&str> = cleaned.fired.iter().map(clean::Rule::name).collect();
        let want: BTreeSet<&str> = case["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(fired, want, "rules fired on {name}");
        assert_eq!(
            cleaned.truncated,
            want.contains("truncation-tail"),
            "{name}"
        );
        covered.extend(want);
    }
    for rule in [
        "wordpress-footer",
        "feedburner",
        "tracking-pixel",
        "medium-footer",
        "reddit-footer",
        "hn-comments",
        "truncation-tail",
        "chrome-blocks",
    ] {
        assert!(covered.contains(rule), "no real form for {rule}");
    }
}

const FORMATTING_NOTE: &str =
    "[If the formatting looks odd in your feed reader, visit the original article]";

fn cleaned_items(xml: &str) -> Vec<String> {
    let base = url::Url::parse("https://leancrew.com/all-this/feed/").unwrap();
    let feed = parse::parse_feed(xml.as_bytes(), &base).unwrap();
    let (done, _) = prepare_items(feed.items, &Rules::default(), &BoilerplateSample::default());
    done.into_iter().map(|i| i.article.content).collect()
}

#[test]
fn a_real_feeds_repeated_note_is_learned_and_removed() {
    let xml = read("learned-allthis.rss");
    let in_source = xml
        .matches("formatting looks odd in your feed reader, <a")
        .count();
    assert_eq!(in_source, 4, "each item's content opens with the note");
    let items = cleaned_items(&xml);
    assert_eq!(items.len(), 4);
    for text in &items {
        assert!(!text.contains(FORMATTING_NOTE), "{text}");
    }
    assert_eq!(items[0], read("learned-allthis.txt").trim_end());
}

#[test]
fn two_items_are_not_enough_to_learn() {
    let xml = read("learned-allthis.rss");
    let cut = xml.match_indices("<item>").nth(2).map(|(i, _)| i).unwrap();
    let two = format!("{}</channel>\n</rss>\n", &xml[..cut]);
    for text in cleaned_items(&two) {
        assert!(text.contains(FORMATTING_NOTE), "{text}");
    }
}
