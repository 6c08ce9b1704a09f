//! Boilerplate rules: what publishers wrap around an article that is not the article.
//!
//! Two kinds of rule, both pure:
//! - block rules look at an element (its class/id, or its whole text) and remove it from the DOM
//!   before text conversion, so the text and the sanitized HTML lose it alike;
//! - text rules look at paragraphs of already-flattened text (a summary the publisher reduced to
//!   text still carries "... The post X appeared first on Y.").

use std::sync::LazyLock;

use regex::Regex;

/// Words in a class or id that mark share bars, sign-ups, related-article cards and ads.
/// A block is only removed when it holds less than half of the document's text, so a
/// publisher who wraps the whole article in `class="social-post"` keeps the article.
const CHROME_WORDS: &[&str] = &[
    "related",
    "relatedposts",
    "yarpp",
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "promo",
    "advert",
    "advertisement",
    "ads",
    "sponsor",
    "sponsored",
    "feedflare",
    "outbrain",
    "taboola",
];

/// True when a class or id attribute value names page chrome (see [`CHROME_WORDS`]).
pub fn is_chrome_marker(attr: &str) -> bool {
    attr.split_ascii_whitespace().any(|class| {
        let class = class.to_ascii_lowercase();
        class
            .split(['-', '_'])
            .any(|word| CHROME_WORDS.contains(&word))
    })
}

/// "The post <title> appeared first on <site>." (WordPress, Yoast) and its variant
/// "The post <title> first appeared on <site>.", running to the end of a paragraph.
static WORDPRESS_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^The post\s+\S[^\n]{0,400}?\s+(?:appeared first|first appeared)\s+on\s+\S[^\n]{0,120}$",
    )
    .expect("footer regex is valid")
});

/// Cheap pre-check before any regex runs.
pub fn may_hold_footer(text: &str) -> bool {
    text.contains("appeared first on") || text.contains("first appeared on")
}

/// True when the whole text is the WordPress footer (the block is only that footer).
pub fn is_footer(text: &str) -> bool {
    matches!(strip_footer(text.trim()), Some(keep) if keep.is_empty())
}

/// The paragraph with a trailing WordPress footer removed, or `None` when it has none.
/// A flattened summary glues the footer to the text before it, so the footer may start
/// mid-paragraph; the last "The post" that starts a footer wins, because the article itself
/// may say "the post" earlier.
pub fn strip_footer(paragraph: &str) -> Option<String> {
    if !may_hold_footer(paragraph) {
        return None;
    }
    let paragraph = paragraph.trim_end();
    let start = paragraph
        .rmatch_indices("The post")
        .map(|(i, _)| i)
        .find(|&i| WORDPRESS_FOOTER.is_match(&paragraph[i..]))?;
    Some(paragraph[..start].trim_end().to_string())
}

/// Text rule: removes footers from the last paragraphs of flattened text.
pub fn strip_text_footers(paragraphs: &mut Vec<String>) {
    let tail_start = paragraphs.len().saturating_sub(2);
    for i in (tail_start..paragraphs.len()).rev() {
        if let Some(keep) = strip_footer(&paragraphs[i]) {
            if keep.is_empty() {
                paragraphs.remove(i);
            } else {
                paragraphs[i] = keep;
            }
        }
    }
}

/// Images that exist to count readers: 1x1 (or 0x0) images and known counter URLs.
pub fn is_tracking_pixel(src: Option<&str>, width: Option<&str>, height: Option<&str>) -> bool {
    let tiny = |v: Option<&str>| {
        v.and_then(|v| v.trim().trim_end_matches("px").parse::<u32>().ok())
            .is_some_and(|n| n <= 1)
    };
    if tiny(width) && tiny(height) {
        return true;
    }
    let Some(src) = src else { return false };
    let src = src.to_ascii_lowercase();
    const COUNTERS: &[&str] = &[
        "feeds.feedburner.com/~r/",
        "feedproxy.google.com/~r/",
        "/~ff/",
        "stats.wordpress.com/",
        "pixel.wp.com/",
        "/count.gif",
        "/_/stat?",
        "pixel.gif",
        "/tracking/pixel",
        "pixel.quantserve.com",
        "/b.gif?",
    ];
    COUNTERS.iter().any(|c| src.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_forms() {
        assert!(is_footer(
            "The post ‘Last Take’ Review: X appeared first on TheWrap."
        ));
        assert!(is_footer(
            "The post \"Quoted\" first appeared on Example News"
        ));
        assert!(!is_footer("The post office appeared to be closed."));
        assert_eq!(
            strip_footer("at its best on the set of \"Rust\" The post ‘Last Take’ Review appeared first on TheWrap.").as_deref(),
            Some("at its best on the set of \"Rust\"")
        );
        assert_eq!(strip_footer("Nothing to see here."), None);
    }

    #[test]
    fn earlier_mentions_of_the_post_are_kept() {
        let p = "The post was late. Then more text The post Title appeared first on Site.";
        assert_eq!(
            strip_footer(p).as_deref(),
            Some("The post was late. Then more text")
        );
    }

    #[test]
    fn chrome_markers_match_whole_words() {
        assert!(is_chrome_marker("related-article"));
        assert!(is_chrome_marker("entry sharedaddy sd-sharing-enabled"));
        assert!(is_chrome_marker("jp-relatedposts"));
        assert!(!is_chrome_marker("article-body"));
        assert!(!is_chrome_marker("threads shareholders"));
    }

    #[test]
    fn pixels() {
        assert!(is_tracking_pixel(
            Some("https://x/t.gif"),
            Some("1"),
            Some("1")
        ));
        assert!(is_tracking_pixel(
            Some("https://feeds.feedburner.com/~r/Foo/~4/abc"),
            None,
            None
        ));
        assert!(!is_tracking_pixel(
            Some("https://x/photo.jpg"),
            Some("640"),
            Some("1")
        ));
    }
}
