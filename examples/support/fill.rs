//! Synthetic articles for the benchmarks: items as ingest receives them (text, sanitized and
//! raw HTML, a date), so the database fills the way real feeds fill it.

use feedsift::dedup::{self, Scope};
use feedsift::fetch::Validators;
use feedsift::store::{ArticleDraft, FeedBatch, IncomingItem};

use super::synth;

/// 150-400 words: the length of a typical feed item's text.
pub fn story(vocab: &synth::Vocabulary, rng: &mut synth::Rng) -> String {
    let paragraphs = rng.range(3, 6);
    (0..paragraphs)
        .map(|_| vocab.paragraph(rng))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An item whose article is `text`; `day` (days before 2026-01-01) dates it, `with_html`
/// adds raw and sanitized HTML as a feed would carry them.
pub fn incoming(guid: &str, text: String, day: Option<i64>, with_html: bool) -> IncomingItem {
    let html = |footer: &str| -> String {
        let body: String = text
            .split("\n\n")
            .map(|p| format!("<p>{p}</p>\n"))
            .collect();
        format!("{body}{footer}")
    };
    let published = day.map(|d| {
        chrono::DateTime::parse_from_rfc3339("2026-01-01T08:00:00Z")
            .map(|t| t.to_utc() - chrono::Duration::days(d))
            .unwrap_or_default()
    });
    let title: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    let article = ArticleDraft {
        canonical_url: Some(format!("https://bench.example/{guid}")),
        title: title.clone(),
        author: Some("Bench Writer".into()),
        published,
        summary: text.chars().take(200).collect(),
        content_html: if with_html { html("") } else { String::new() },
        content_hash: blake3::hash(text.as_bytes()).to_hex()[..32].to_string(),
        fingerprint: dedup::fingerprint(&text),
        profile: dedup::Profile::new(&text),
        content: text.clone(),
    };
    let raw = with_html.then(|| {
        html(
            "<p>The post <a href=\"https://bench.example/\">appeared first</a> on Bench.</p>\
              <img src=\"https://pixel.example/t.gif\" width=\"1\" height=\"1\">",
        )
    });
    IncomingItem {
        guid: guid.to_string(),
        link: article.canonical_url.clone(),
        link_key: article.canonical_url.clone(),
        title,
        author: article.author.clone(),
        published,
        summary_html: None,
        content_html: raw,
        raw_hash: guid.to_string(),
        truncated: false,
        edge_keys: Vec::new(),
        fired: Default::default(),
        cleaned: true,
        article,
    }
}

pub fn feed_batch(items: Vec<IncomingItem>) -> FeedBatch {
    FeedBatch {
        title: None,
        site_url: None,
        status: Some(200),
        validators: Validators::default(),
        body_hash: String::new(),
        items,
        learned: Vec::new(),
        scope: Scope::AcrossFeeds,
        ttl: None,
        poll: Default::default(),
    }
}
