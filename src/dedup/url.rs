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
    variants(canonical, true)
}

/// [`same_page_variants`], written from the URL's parts where `shortcut` allows it and the
/// URL is plain enough ([`Written`]), through `Url`'s setters otherwise.
fn variants(canonical: &str, shortcut: bool) -> Vec<String> {
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
    let written = Written::of(&url, &hosts).filter(|_| shortcut);
    let mut variants = vec![canonical.to_string()];
    for scheme in ["https", "http"] {
        for (h, host) in hosts.iter().enumerate() {
            for path in &paths {
                let variant = match &written {
                    Some(written) => written.variant(scheme, h, path),
                    None => set_parts(&url, scheme, host, path),
                };
                if let Some(v) = variant
                    && !variants.contains(&v)
                {
                    variants.push(v);
                }
            }
        }
    }
    variants
}

/// `url` with another scheme, host and path, through `Url`'s setters; `None` where a setter
/// refuses (an empty or invalid host, a scheme the URL cannot take).
fn set_parts(url: &Url, scheme: &str, host: &str, path: &str) -> Option<String> {
    let mut v = url.clone();
    if v.set_scheme(scheme).is_err() || v.set_host(Some(host)).is_err() {
        return None;
    }
    v.set_path(path);
    Some(v.into())
}

/// What [`set_parts`] gives, written from the parts instead of a URL cloned and
/// re-serialized three times (the same-link lookup runs this for every new item, on the
/// store's writer). Only for an `http(s)` URL with a domain and no user info: there each
/// setter changes its own part alone, except that a port the new scheme has as its default
/// is dropped. A test compares the two on thousands of URLs.
struct Written<'a> {
    /// Each host as `set_host` would write it ("www.123" becomes an address), or `None`
    /// where it refuses it (an empty host).
    hosts: Vec<Option<String>>,
    port: Option<u16>,
    /// Query and fragment, as serialized.
    rest: &'a str,
}

impl<'a> Written<'a> {
    fn of(url: &'a Url, hosts: &[String]) -> Option<Written<'a>> {
        let plain = matches!(url.scheme(), "http" | "https")
            && url.domain().is_some()
            && url.username().is_empty()
            && url.password().is_none();
        plain.then(|| Written {
            hosts: hosts
                .iter()
                .map(|h| url::Host::parse(h).ok().map(|h| h.to_string()))
                .collect(),
            port: url.port(),
            rest: &url[url::Position::AfterPath..],
        })
    }

    fn variant(&self, scheme: &str, host: usize, path: &str) -> Option<String> {
        let host = self.hosts.get(host)?.as_deref()?;
        let default_port = if scheme == "https" { 443 } else { 80 };
        let mut out =
            String::with_capacity(scheme.len() + host.len() + path.len() + self.rest.len() + 9);
        for part in [scheme, "://", host] {
            out.push_str(part);
        }
        if let Some(port) = self.port.filter(|&p| p != default_port) {
            out.push(':');
            out.push_str(&port.to_string());
        }
        out.push_str(path);
        out.push_str(self.rest);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_variants_are_what_the_setters_give() {
        let schemes = ["http", "https", "http", "https", "HTTPS", "ftp", "feed"];
        let users = ["", "", "", "u@", "u:p@"];
        let hosts = [
            "example.com",
            "www.example.com",
            "WWW.Example.COM",
            "www.www.e.org",
            "xn--bcher-kva.de",
            "www.bücher.de",
            "1.2.3.4",
            "[::1]",
            "www.123",
            "www.0x10",
            "www.",
            "localhost",
        ];
        let ports = ["", ":80", ":443", ":8080"];
        let paths = [
            "",
            "/",
            "/a",
            "/a/",
            "//",
            "/a%20b/",
            "/ä/b",
            "/a/./b/../c",
            "/%2e/x",
        ];
        let queries = ["", "?x=1", "?", "?a=%20b"];
        let fragments = ["", "#f"];
        let (mut rng, mut written) = (crate::test_rng::TestRng::new(3), 0);
        let mut pick = |n: usize| rng.below(n);
        for _ in 0..3_000 {
            let url = format!(
                "{}://{}{}{}{}{}{}",
                schemes[pick(schemes.len())],
                users[pick(users.len())],
                hosts[pick(hosts.len())],
                ports[pick(ports.len())],
                paths[pick(paths.len())],
                queries[pick(queries.len())],
                fragments[pick(fragments.len())],
            );
            assert_eq!(variants(&url, true), variants(&url, false), "{url}");
            let parsed = Url::parse(&url);
            written += usize::from(parsed.as_ref().is_ok_and(|u| Written::of(u, &[]).is_some()));
        }
        assert!(written > 800, "only {written} URLs took the shortcut");
    }
}
