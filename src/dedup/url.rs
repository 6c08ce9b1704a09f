//! What identifies a story by its link: the canonical URL (tracking parameters, fragment,
//! case, default port removed) and the variants of it that name the same page.

use url::Url;

/// Query parameters that only tell the publisher where a click came from (documented in
/// docs/dedup.md; `utm_*` is matched by prefix).
const TRACKING_PARAMS: &[&str] = &[
    // Ad and social click ids.
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "__twitter_impression",
    // Newsletter and marketing-automation ids.
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
    "sr_share",
    // Publishers' own campaign and referrer tags.
    "ncid",
    "cmpid",
    "ocid",
    "smid",
    "emc",
    "partner",
    "xtor",
    "at_medium",
    "at_campaign",
    "ito",
    "guccounter",
    "spm",
    "ref",
    "ref_src",
    "ref_url",
    "referer",
    "referrer",
    "source",
];

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
    remove_tracking_params(&mut url).then(|| url.into())
}

/// Removes the tracking parameters of an http(s) URL; whether there were any.
pub fn remove_tracking_params(url: &mut Url) -> bool {
    if !matches!(url.scheme(), "http" | "https")
        || !url.query_pairs().any(|(k, _)| is_tracking_param(&k))
    {
        return false;
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
    true
}

fn is_tracking_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}

/// Whether a canonical URL names one story. A site's front page (no path, no query) does
/// not: feeds that link every item to their home page would otherwise fold into one article.
pub fn names_a_story(canonical: &str) -> bool {
    Url::parse(canonical).is_ok_and(|u| u.path() != "/" || u.query().is_some())
}

/// The spellings of a canonical URL that reach the same page on the sites feeds come from:
/// http or https, with or without `www.`, with or without a trailing slash. The canonical URL
/// itself comes first.
pub fn same_page_variants(canonical: &str) -> Vec<String> {
    let Ok(url) = Url::parse(canonical) else {
        return vec![canonical.to_string()];
    };
    let Some(host) = url.host_str() else {
        return vec![canonical.to_string()];
    };
    let bare = host.strip_prefix("www.").unwrap_or(host);
    let hosts = [bare.to_string(), format!("www.{bare}")];
    let path = url.path();
    let paths: Vec<String> = match (url.query(), path.strip_suffix('/')) {
        (None, Some(trimmed)) if !trimmed.is_empty() => vec![path.to_string(), trimmed.to_string()],
        (None, None) => vec![path.to_string(), format!("{path}/")],
        _ => vec![path.to_string()],
    };
    let mut variants = vec![canonical.to_string()];
    for scheme in ["https", "http"] {
        for host in &hosts {
            for path in &paths {
                let mut v = url.clone();
                if v.set_scheme(scheme).is_err() || v.set_host(Some(host)).is_err() {
                    continue;
                }
                v.set_path(path);
                let v = String::from(v);
                if !variants.contains(&v) {
                    variants.push(v);
                }
            }
        }
    }
    variants
}
