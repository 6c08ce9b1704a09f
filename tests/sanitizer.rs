//! feedsift writes `content_html` from the pruned DOM with ammonia's allow-lists, without
//! ammonia. Here ammonia checks that output: run over it again, ammonia must remove nothing
//! (no element, attribute, value or word), and add nothing but the `<tbody>` a parser puts in
//! tables. Inputs: the XSS filter-evasion vectors, parser-confusion cases, the publisher and
//! boilerplate fixtures, and every item of `../shared/corpus/feeds` when it is there.

use std::collections::BTreeMap;
use std::path::Path;

mod common;

use common::{corpus_feeds, files_under, fixture};
use feedsift::clean::clean_fragment;
use scraper::{Html, Node};
use url::Url;

/// Elements, attributes with values, and words of an HTML fragment, counted.
fn tokens(html: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let doc = Html::parse_fragment(html);
    for node in doc.tree.nodes() {
        let mut found = Vec::new();
        match node.value() {
            Node::Element(el) => {
                found.push(format!("<{}>", el.name()));
                found.extend(
                    el.attrs()
                        .map(|(name, value)| format!("<{} {name}={value:?}>", el.name())),
                );
            }
            Node::Text(text) => found.extend(text.split_whitespace().map(str::to_string)),
            _ => {}
        }
        for token in found {
            *counts.entry(token).or_insert(0) += 1;
        }
    }
    counts
}

fn ammonia(html: &str, base: &Url) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_url_schemes(["data"])
        .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
        .clean(html)
        .to_string()
}

/// What ammonia changed in feedsift's output of `input`, or `None` when it changed nothing
/// that counts.
fn ammonia_changes(input: &str, base: &Url) -> Option<String> {
    let ours = clean_fragment(input, Some(base)).html;
    let again = ammonia(&ours, base);
    let (before, after) = (tokens(&ours), tokens(&again));
    let removed: Vec<_> = before
        .iter()
        .filter(|(token, n)| after.get(*token).is_none_or(|m| m < n))
        .map(|(token, _)| token.clone())
        .collect();
    let added: Vec<_> = after
        .iter()
        .filter(|(token, n)| {
            token.as_str() != "<tbody>" && before.get(*token).is_none_or(|m| m < n)
        })
        .map(|(token, _)| token.clone())
        .collect();
    (!removed.is_empty() || !added.is_empty()).then(|| {
        format!("input: {input:.300}\nours: {ours:.600}\nremoved by ammonia: {removed:?}\nadded: {added:?}")
    })
}

fn check_all(inputs: &[String]) {
    let base = Url::parse("https://site.example/news/story").unwrap();
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|input| ammonia_changes(input, &base))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} inputs:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n\n")
    );
}

/// Cases where a careless serializer writes something the browser parses differently.
const PARSER_CASES: &[&str] = &[
    r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>"#,
    r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"#,
    r#"<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">"#,
    r#"<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>"#,
    r#"<template><img src=x onerror=alert(1)></template><p>after</p>"#,
    r#"<textarea><img src=x onerror=alert(1)></textarea>"#,
    r#"<xmp></xmp><img src=x onerror=alert(1)></xmp>"#,
    r#"<a href="jav&#x09;ascript:alert(1)">tab</a><a href="  https://ok.example/ ">spaces</a>"#,
    r#"<a href="//cdn.example/x?utm_source=feed&amp;id=1">scheme-relative</a>"#,
    r#"<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg"><img src="data:image/gif;base64,R0lGOD" alt="gif">"#,
    r#"<p>a<a href="/1">one<div><a href="/2">two</a></div></a></p>"#,
    r#"<pre>

indented</pre><p>line&#13;
end</p><p>&nbsp;&lt;&gt;&amp;&quot;</p>"#,
    r#"<table><tr><td>cell</td></tr><tfoot><tr><td>foot</td></tr></tfoot></table>"#,
    r#"<blockquote cite="javascript:alert(1)"><q cite="https://q.example/">q</q></blockquote>"#,
    r#"<p lang="en" title="t" dir="rtl" class="c" id="i" style="x" onmouseover="y">attrs</p>"#,
];

#[test]
fn ammonia_removes_nothing_from_vectors_and_parser_cases() {
    let mut inputs: Vec<String> = fixture("xss/filter-evasion.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|v| format!("<p>Before the vector.</p>{v}<p>After it.</p>"))
        .collect();
    inputs.extend(PARSER_CASES.iter().map(|c| c.to_string()));
    check_all(&inputs);
}

#[test]
fn ammonia_removes_nothing_from_fixture_articles() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut inputs = Vec::new();
    for path in files_under(&dir.join("boilerplate")) {
        if path.extension().is_some_and(|e| e == "html") {
            inputs.push(std::fs::read_to_string(&path).unwrap());
        }
    }
    for path in files_under(&dir.join("publishers")) {
        if path.extension().is_some_and(|e| e == "rss") {
            inputs.extend(item_html(&std::fs::read(&path).unwrap()));
        }
    }
    assert!(inputs.len() >= 12, "{} inputs", inputs.len());
    check_all(&inputs);
}

#[test]
fn ammonia_removes_nothing_from_corpus_items() {
    let Some(dir) = corpus_feeds("sanitizer corpus check") else {
        return;
    };
    let mut inputs = Vec::new();
    for path in files_under(&dir) {
        if let Ok(body) = std::fs::read(&path) {
            inputs.extend(item_html(&body));
        }
    }
    assert!(inputs.len() > 1000, "{} items", inputs.len());
    check_all(&inputs);
}

fn item_html(feed: &[u8]) -> Vec<String> {
    let base = Url::parse("https://site.example/feed").unwrap();
    feedsift::parse::parse_feed(feed, &base)
        .map(|feed| {
            feed.items
                .into_iter()
                .filter_map(|i| i.content_html.or(i.summary_html))
                .collect()
        })
        .unwrap_or_default()
}
