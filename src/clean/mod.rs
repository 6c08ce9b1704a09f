//! HTML -> clean text (and sanitized HTML). Pure functions: HTML in, text out, no I/O.
//!
//! The order matters and is fixed here: parse the fragment, prune what is never article text
//! ([`dom`], using the block rules of [`boilerplate`]), convert to paragraphs ([`text`]), apply
//! the text rules, and sanitize the pruned HTML last ([`sanitize`]) so it loses exactly what
//! the text lost.

mod boilerplate;
mod dom;
mod sanitize;
mod text;

use url::Url;

/// An article body after cleaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Paragraphs separated by a blank line.
    pub text: String,
    /// Sanitized HTML of the same content, boilerplate removed.
    pub html: String,
}

/// Clean text of an HTML fragment: what `feedsift clean` prints.
pub fn clean_text(html: &str) -> String {
    convert(html).1.join("\n\n")
}

/// Clean text and sanitized HTML of an item's summary or content. `base` resolves relative
/// URLs in the HTML (the item's link).
pub fn clean_fragment(html: &str, base: Option<&Url>) -> Cleaned {
    let (doc, paragraphs) = convert(html);
    let pruned = doc.root_element().inner_html();
    Cleaned {
        text: paragraphs.join("\n\n"),
        html: sanitize::sanitize(&pruned, base),
    }
}

/// A title (or other one-line field) as plain text on one line.
pub fn inline_text(html: &str) -> String {
    convert(html)
        .1
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse, prune, convert, apply the text rules: the steps every entry point shares.
fn convert(html: &str) -> (scraper::Html, Vec<String>) {
    let mut doc = dom::parse(html);
    dom::prune(&mut doc);
    let mut paragraphs = text::paragraphs(&doc);
    boilerplate::strip_text_footers(&mut paragraphs);
    (doc, paragraphs)
}

/// The first paragraph of `text`, cut at a word boundary to at most `max_chars` characters
/// (with "…" when cut): a summary for items that have only content.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let first = text
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if first.chars().count() <= max_chars {
        return first;
    }
    let mut out = String::new();
    for word in first.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > max_chars.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = first.chars().take(max_chars.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
