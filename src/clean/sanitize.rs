//! Sanitized HTML beside the text (`articles.content_html`): ammonia's allow-list, so no
//! script, style, iframe, event handler or `javascript:` URL survives; `data:` URLs only as
//! raster images; relative URLs made absolute against the item's link; tracking parameters
//! (utm_*, fbclid, ...) removed from links.

use std::borrow::Cow;

use url::Url;

use crate::dedup;

pub(super) fn sanitize(html: &str, base: Option<&Url>) -> String {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer nofollow"));
    builder.add_url_schemes(["data"]);
    builder.attribute_filter(filter_attribute);
    match base {
        Some(base) if matches!(base.scheme(), "http" | "https") => {
            builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
        }
        _ => {
            builder.url_relative(ammonia::UrlRelative::Deny);
        }
    }
    builder.clean(html).to_string()
}

/// Runs after ammonia's scheme check: narrows `data:` to images and cleans link targets.
fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    let is_data = value
        .trim_start()
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"));
    if is_data {
        let image = element == "img" && attribute == "src" && is_raster_image(value);
        return image.then_some(Cow::Borrowed(value));
    }
    if element == "a" && attribute == "href" {
        return Some(dedup::strip_tracking_params(value).map_or(Cow::Borrowed(value), Cow::Owned));
    }
    Some(Cow::Borrowed(value))
}

/// `data:image/png;…` and friends; not SVG, which can carry script.
fn is_raster_image(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    ["png", "jpeg", "jpg", "gif", "webp", "avif"]
        .iter()
        .any(|t| lower.starts_with(&format!("data:image/{t}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_only_as_raster_images() {
        let out = sanitize(
            r#"<img src="data:image/png;base64,AAAA"><img src="data:image/svg+xml,<svg>"><a href="data:text/html,x">d</a>"#,
            None,
        );
        assert!(out.contains(r#"src="data:image/png;base64,AAAA""#), "{out}");
        assert!(!out.contains("svg") && !out.contains("text/html"), "{out}");
    }

    #[test]
    fn links_lose_tracking_parameters() {
        let out = sanitize(
            r#"<a href="https://e.com/a?id=3&amp;utm_source=rss&amp;fbclid=x">a</a>"#,
            None,
        );
        assert!(out.contains(r#"href="https://e.com/a?id=3""#), "{out}");
    }
}
