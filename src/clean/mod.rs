//! HTML -> clean text (and sanitized HTML). Pure functions: HTML in, text out, no I/O.
//!
//! The order is fixed here:
//! 1. parse the fragment and decode doubly escaped entities ([`dom`]);
//! 2. remove elements by rule: code and embeds, pixels, FeedBurner junk, chrome blocks, the
//!    feed's `remove` selectors ([`dom`], [`boilerplate`]);
//! 3. cut paragraphs by text rule: footers, truncation tails, the repeated title and byline,
//!    the feed's `remove_text` patterns ([`boilerplate`], on the [`segments`] of the DOM);
//! 4. key the edge paragraphs for learning, and remove learned boilerplate ([`learn`]);
//! 5. convert to paragraphs of text ([`text`]) and write sanitized HTML from the same pruned
//!    DOM ([`sanitize`]), so the text and the HTML lose exactly the same things.
//!
//! Steps 1-3 are [`prune`]; steps 4-5 are [`Pruned::finish`], so that a feed's items can be
//! keyed, the feed's boilerplate learned from all of them, and then each item finished.

mod body;
mod boilerplate;
mod dom;
pub mod learn;
mod quick;
mod rules;
mod sanitize;
mod scan;
mod segments;
mod text;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use url::Url;

use body::Body;
pub use rules::{Rule, RuleError, RuleSet, Rules};

/// An article body after cleaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Paragraphs separated by a blank line.
    pub text: String,
    /// Sanitized HTML of the same content, boilerplate removed.
    pub html: String,
    /// A truncation tail ("Continue reading…", "[…]") was removed: the feed carries only the
    /// start of the article.
    pub truncated: bool,
    /// The rules that removed something.
    pub fired: RuleSet,
}

/// What the item says about itself, which some rules compare the body with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The item's title as plain text.
    pub title: &'a str,
    pub author: Option<&'a str>,
    pub published: Option<DateTime<Utc>>,
    /// Resolves relative URLs in the HTML (the item's link).
    pub base: Option<&'a Url>,
}

/// An item body after the element and text rules, before learned boilerplate is removed.
pub struct Pruned {
    body: Body,
    base: Option<Url>,
    truncated: bool,
    fired: RuleSet,
    /// Keyed edge paragraphs: (segment index, key, text), each key once.
    edges: Vec<(usize, u64, String)>,
    /// The length of the item's HTML, which bounds the text and sanitized HTML from above
    /// but for escapes and added `rel` attributes.
    source_len: usize,
}

/// Steps 1-3: parse and apply every rule except learned boilerplate.
pub fn prune(html: &str, ctx: &Context<'_>, rules: &Rules) -> Pruned {
    let mut doc = dom::parse(html);
    let mut fired = RuleSet::default();
    dom::prune(&mut doc, rules, &mut fired);
    let mut body = Body::new(doc);
    let truncated = body::apply(&mut body, ctx, rules, &mut fired);
    let mut seen = HashSet::new();
    let keyer = learn::Keyer::new(ctx.title);
    let edges = edge_indices(body.segs.len())
        .filter(|&i| !body.segs.get(i).is_structure)
        .filter_map(|i| {
            let text = body.segs.get(i).text;
            Some((i, keyer.key(text)?, text.to_string()))
        })
        .filter(|(_, key, _)| seen.insert(*key))
        .collect();
    Pruned {
        body,
        base: ctx.base.cloned(),
        truncated,
        fired,
        edges,
        source_len: html.len(),
    }
}

impl Pruned {
    /// The head and tail paragraphs with their keys, for learning the feed's boilerplate.
    pub fn edges(&self) -> impl Iterator<Item = (u64, &str)> {
        self.edges
            .iter()
            .map(|(_, key, text)| (*key, text.as_str()))
    }

    /// Steps 4-5: removes edge paragraphs whose key is in `learned` (never the last text
    /// left), then converts to text and sanitized HTML.
    pub fn finish(mut self, learned: &HashSet<u64>, rules: &Rules) -> Cleaned {
        if !learned.is_empty() && rules.enabled(Rule::Learned) {
            let doomed: Vec<usize> = self
                .edges
                .iter()
                .filter(|(_, key, _)| learned.contains(key))
                .map(|(i, _, _)| *i)
                .collect();
            if !doomed.is_empty() && doomed.len() < self.body.segs.len() {
                self.body.remove(&doomed);
                self.fired.insert(Rule::Learned);
            }
        }
        Cleaned {
            text: text::paragraphs(&self.body.doc, self.source_len),
            html: sanitize::sanitize(&self.body.doc, self.base.as_ref(), self.source_len),
            truncated: self.truncated,
            fired: self.fired,
        }
    }
}

/// Cleans one item body with its feed's rules and learned boilerplate.
pub fn clean_item(html: &str, ctx: &Context<'_>, rules: &Rules, learned: &HashSet<u64>) -> Cleaned {
    prune(html, ctx, rules).finish(learned, rules)
}

/// Clean text of an HTML fragment with the built-in rules: what `feedsift clean` prints.
pub fn clean_text(html: &str) -> String {
    clean_fragment(html, None).text
}

/// Clean text and sanitized HTML of a fragment with the built-in rules and no item context.
pub fn clean_fragment(html: &str, base: Option<&Url>) -> Cleaned {
    let ctx = Context {
        base,
        ..Context::default()
    };
    clean_item(html, &ctx, &Rules::default(), &HashSet::new())
}

/// A title (or other one-line field) as plain text on one line; no boilerplate rules.
pub fn inline_text(html: &str) -> String {
    let mut doc = dom::parse(html);
    dom::drop_code(&mut doc);
    text::paragraphs(&doc, 0)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Gives back what `out` does not use of the capacity it was given up front: the strings
/// are kept until the writer stores them. (glibc shrinks a block in place.)
fn fit(mut out: String) -> String {
    if out.capacity() > out.len() + out.len() / 8 + 64 {
        out.shrink_to_fit();
    }
    out
}

/// Indices of the first `HEAD` and last `TAIL` of `len` segments, each once.
fn edge_indices(len: usize) -> impl Iterator<Item = usize> {
    let head = learn::HEAD.min(len);
    let tail_start = len.saturating_sub(learn::TAIL).max(head);
    (0..head).chain(tail_start..len)
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
