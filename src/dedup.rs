//! Which stored article a feed item belongs to: canonical URLs, content fingerprints and the
//! matching policy. Pure functions; the store looks candidates up and asks [`resolve`].
//!
//! Matching, in order (see docs/dedup.md):
//! 1. same feed and guid: the same item, updated in place when its content changed;
//! 2. any feed, same canonical URL (tracking parameters, fragment, case and default port
//!    removed);
//! 3. any feed, same fingerprint of the clean text, for texts long enough to be safe.
//!
//! Titles alone never merge two articles.

use url::Url;

/// Query parameters that only tell the publisher where a click came from.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "s_cid",
    "vero_id",
    "vero_conv",
    "wickedid",
    "ncid",
    "cmpid",
    "ref_src",
    "ref_url",
];

/// Texts shorter than this never match by fingerprint: short texts ("Comments", "Read more",
/// a paywall notice) repeat across unrelated items.
pub const MIN_FINGERPRINT_WORDS: usize = 40;

/// The URL two copies of a story share: scheme and host lowercased, default port, fragment and
/// tracking parameters removed, remaining parameters sorted. `None` for non-http(s) links.
pub fn canonical_url(link: &str) -> Option<String> {
    let mut url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    if params.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(params);
    }
    if let Some(host) = url.host_str().map(|h| h.trim_end_matches('.').to_string()) {
        url.set_host(Some(&host)).ok()?;
    }
    Some(url.into())
}

/// `link` without its tracking parameters, everything else as it was; `None` when it has none
/// (or is not an absolute http(s) URL).
pub fn strip_tracking_params(link: &str) -> Option<String> {
    let mut url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.query_pairs().any(|(k, _)| is_tracking_param(&k))
    {
        return None;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.into())
}

fn is_tracking_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}

/// Fingerprint of clean text: a hash of its words, lowercased, punctuation and spacing
/// ignored. `None` when the text is too short to identify a story.
pub fn fingerprint(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() < MIN_FINGERPRINT_WORDS {
        return None;
    }
    Some(blake3::hash(words.join(" ").as_bytes()).to_hex()[..32].to_string())
}

/// What the store found for an item before deciding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// The article of the item with the same feed and guid.
    pub same_item: Option<i64>,
    /// An article with the same canonical URL.
    pub same_url: Option<i64>,
    /// An article with the same text fingerprint.
    pub same_text: Option<i64>,
}

/// Why an item was attached to an article; stored as `items.match_rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    New,
    SameItem,
    SameUrl,
    SameText,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::New => "new",
            Rule::SameItem => "same-item",
            Rule::SameUrl => "same-url",
            Rule::SameText => "same-text",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A new story.
    New,
    /// The item belongs to this article, by this rule.
    Existing(i64, Rule),
}

pub fn resolve(c: &Candidates) -> Resolution {
    if let Some(id) = c.same_item {
        Resolution::Existing(id, Rule::SameItem)
    } else if let Some(id) = c.same_url {
        Resolution::Existing(id, Rule::SameUrl)
    } else if let Some(id) = c.same_text {
        Resolution::Existing(id, Rule::SameText)
    } else {
        Resolution::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_case_fragment_and_port_are_normalised() {
        let a = canonical_url(
            "https://Collider.com:443/last-take/?utm_source=rss&utm_medium=feed#comments",
        );
        let b = canonical_url("https://collider.com/last-take/?fbclid=abc");
        assert_eq!(a.as_deref(), Some("https://collider.com/last-take/"));
        assert_eq!(a, b);
        assert_eq!(
            canonical_url("http://e.com/a?b=2&a=1&gclid=x").as_deref(),
            Some("http://e.com/a?a=1&b=2")
        );
        assert_eq!(canonical_url("mailto:x@e.com"), None);
    }

    #[test]
    fn fingerprints_ignore_case_and_punctuation_but_need_length() {
        let long = "word ".repeat(MIN_FINGERPRINT_WORDS);
        assert!(fingerprint(&long).is_some());
        assert_eq!(
            fingerprint(&long.to_uppercase().replace(' ', ", ")),
            fingerprint(&long)
        );
        assert_eq!(fingerprint("Comments"), None);
    }

    #[test]
    fn policy_order() {
        let c = Candidates {
            same_item: None,
            same_url: Some(2),
            same_text: Some(3),
        };
        assert_eq!(resolve(&c), Resolution::Existing(2, Rule::SameUrl));
        assert_eq!(resolve(&Candidates::default()), Resolution::New);
    }
}
