//! Cleaning measured on every feed in `../shared/corpus/feeds` (read from there, never
//! copied): how many items each rule fired on, that no WordPress footer and no glued word is
//! left, and how fast cleaning runs. Skipped, and says so, where the corpus is absent.
//!
//! `cargo test --release --test corpus -- --nocapture` prints the figures.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::{corpus_feeds, files_under, notice};
use feedsift::clean::{Rule, Rules};
use feedsift::parse;
use feedsift::pipeline::prepare_items;
use feedsift::store::{BoilerplateSample, IncomingItem};
use scraper::{Html, Node};

#[derive(Default)]
struct Totals {
    feeds: usize,
    items: usize,
    html_bytes: usize,
    clean_time: Duration,
    slowest: Vec<(Duration, usize, String)>,
    fired: BTreeMap<Rule, usize>,
    truncated: usize,
    footers_in: usize,
    footers_out: Vec<String>,
    glued: Vec<String>,
}

#[test]
fn corpus_is_cleaned_without_footers_or_glued_words() {
    let Some(dir) = corpus_feeds("corpus test") else {
        return;
    };
    let paths = files_under(&dir);
    let mut totals = Totals::default();
    for path in &paths {
        clean_feed(path, &mut totals);
    }
    print_notice(&totals, paths.len());
    assert!(totals.feeds > 300, "only {} feeds parsed", totals.feeds);
    assert!(
        totals.footers_in >= 100,
        "the RSS.com feed carries 100 footers"
    );
    assert!(
        totals.footers_out.is_empty(),
        "footers left: {:#?}",
        totals.footers_out
    );
    assert!(totals.glued.is_empty(), "glued words: {:#?}", totals.glued);
}

fn clean_feed(path: &Path, totals: &mut Totals) {
    let Ok(body) = std::fs::read(path) else {
        return;
    };
    let Ok(base) = url::Url::from_file_path(path) else {
        return;
    };
    let Ok(feed) = parse::parse_feed(&body, &base) else {
        return;
    };
    totals.feeds += 1;
    let raw: Vec<(Option<String>, Option<String>)> = feed
        .items
        .iter()
        .map(|i| (i.summary_html.clone(), i.content_html.clone()))
        .collect();
    let bytes: usize = raw
        .iter()
        .map(|(s, c)| s.as_ref().map_or(0, String::len) + c.as_ref().map_or(0, String::len))
        .sum();
    totals.html_bytes += bytes;
    let started = Instant::now();
    let (done, _) = prepare_items(feed.items, &Rules::default(), &BoilerplateSample::default());
    let elapsed = started.elapsed();
    totals.clean_time += elapsed;
    totals
        .slowest
        .push((elapsed, bytes, path.display().to_string()));
    for (item, (summary, content)) in done.iter().zip(&raw) {
        check_item(path, item, summary.as_deref(), content.as_deref(), totals);
    }
}

fn check_item(
    path: &Path,
    item: &IncomingItem,
    summary: Option<&str>,
    content: Option<&str>,
    totals: &mut Totals,
) {
    totals.items += 1;
    totals.truncated += usize::from(item.truncated);
    for rule in item.fired.iter() {
        *totals.fired.entry(rule).or_default() += 1;
    }
    let has_footer = |t: &str| t.contains("appeared first on") || t.contains("first appeared on");
    if summary.is_some_and(has_footer) || content.is_some_and(has_footer) {
        totals.footers_in += 1;
    }
    let a = &item.article;
    if has_footer(&a.content) || has_footer(&a.summary) {
        totals
            .footers_out
            .push(format!("{}: {}", path.display(), item.guid));
    }
    let body_source = if content.is_some_and(|c| !c.trim().is_empty()) {
        content
    } else {
        summary
    };
    for (source, out) in [(body_source, &a.content), (summary, &a.summary)] {
        if let Some(source) = source {
            for word in glued_words(source, out) {
                totals
                    .glued
                    .push(format!("{} {}: {word}", path.display(), item.guid));
            }
        }
    }
}

/// Elements whose boundaries separate words, as a browser lays them out.
const SEPARATING: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Output tokens that are two adjacent source tokens run together.
fn glued_words(source_html: &str, output: &str) -> Vec<String> {
    let doc = Html::parse_fragment(source_html);
    let mut text = String::new();
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) | ego_tree::iter::Edge::Close(node) => {
                match node.value() {
                    Node::Text(t) if matches!(edge, ego_tree::iter::Edge::Open(_)) => {
                        text.push_str(&html_escape::decode_html_entities(&t.text))
                    }
                    Node::Element(el) if SEPARATING.contains(&el.name()) => text.push(' '),
                    _ => {}
                }
            }
        }
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let known: HashSet<&str> = tokens.iter().copied().collect();
    let pairs: HashSet<String> = tokens
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    output
        .split_whitespace()
        .filter(|t| !known.contains(t) && pairs.contains(*t))
        .map(str::to_string)
        .collect()
}

fn print_notice(t: &Totals, files: usize) {
    let mb = t.html_bytes as f64 / 1_048_576.0;
    let secs = t.clean_time.as_secs_f64();
    notice(&format!(
        "corpus: {files} files, {} parsed as feeds, {} items, {mb:.2} MB of item HTML",
        t.feeds, t.items
    ));
    notice(&format!(
        "cleaning: {secs:.3} s, {:.1} MB/s, {:.2} ms per MB (prune + learn + finish; build profile as run)",
        mb / secs.max(1e-9),
        secs * 1000.0 / mb.max(1e-9)
    ));
    notice(&format!(
        "footers: {} items carried one, {} left; glued words: {}; truncated items: {}",
        t.footers_in,
        t.footers_out.len(),
        t.glued.len(),
        t.truncated
    ));
    let mut slowest = t.slowest.clone();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (time, bytes, path) in slowest.iter().take(3) {
        notice(&format!(
            "  slowest: {path}: {:.3} s for {:.2} MB",
            time.as_secs_f64(),
            *bytes as f64 / 1_048_576.0
        ));
    }
    for (rule, n) in &t.fired {
        notice(&format!("  {:<22} fired on {n} items", rule.name()));
    }
}
