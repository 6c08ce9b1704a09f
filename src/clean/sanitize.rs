//! Sanitized HTML beside the text (`articles.content_html`): ammonia's allow-list, so no
//! script, style, iframe, event handler or `javascript:` URL survives, and relative URLs are
//! made absolute against the item's link.

use url::Url;

pub(super) fn sanitize(html: &str, base: Option<&Url>) -> String {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer nofollow"));
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
