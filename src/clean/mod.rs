//! HTML -> clean text (and sanitized HTML). Pure functions: HTML in, text out, no I/O.
//!
//! The order is fixed here:
//! 1. parse the fragment and decode doubly escaped entities ([`dom`]);
//! 2. remove elements by rule: code and embeds, pixels, FeedBurner junk, chrome blocks, the
//!    feed's `remove` selectors ([`dom`], [`boilerplate`]);
//! 3. cut paragraphs by text rule: footers, truncation tails, the repeated title and byline,
//!    the feed's `remove_text` patterns ([`boilerplate`], on the [`segments`] of the DOM);
//! 4. key the edge paragraphs for learning, and remove learned boilerplate ([`learn`]);
//! 5. convert to paragraphs of text ([`text`]) and sanitize the same pruned DOM
//!    ([`sanitize`]), so the text and the HTML lose exactly the same things.
//!
//! Steps 1-3 are [`prune`]; steps 4-5 are [`Pruned::finish`], so that a feed's items can be
//! keyed, the feed's boilerplate learned from all of them, and then each item finished.

mod boilerplate;
mod dom;
pub mod learn;
mod rules;
mod sanitize;
mod segments;
mod text;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use scraper::Html;
use url::Url;

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

/// Paragraphs at the head and tail that rules examine for footers and headers.
const TAIL_WINDOW: usize = 3;

/// An item body after the element and text rules, before learned boilerplate is removed.
pub struct Pruned {
    doc: Html,
    title: String,
    base: Option<Url>,
    truncated: bool,
    fired: RuleSet,
    edges: Vec<(u64, String)>,
}

/// Steps 1-3: parse and apply every rule except learned boilerplate.
pub fn prune(html: &str, ctx: &Context<'_>, rules: &Rules) -> Pruned {
    let mut doc = dom::parse(html);
    let mut fired = RuleSet::default();
    dom::prune(&mut doc, rules, &mut fired);
    let truncated = apply_text_rules(&mut doc, ctx, rules, &mut fired);
    let mut seen = HashSet::new();
    let edges = edges(&segments::segments(&doc))
        .filter_map(|s| Some((learn::key(&s.text, ctx.title)?, s.text.clone())))
        .filter(|(key, _)| seen.insert(*key))
        .collect();
    Pruned {
        doc,
        title: ctx.title.to_string(),
        base: ctx.base.cloned(),
        truncated,
        fired,
        edges,
    }
}

impl Pruned {
    /// The head and tail paragraphs with their keys, for learning the feed's boilerplate.
    pub fn edges(&self) -> &[(u64, String)] {
        &self.edges
    }

    /// Steps 4-5: removes edge paragraphs whose key is in `learned` (never the last text
    /// left), then converts to text and sanitized HTML.
    pub fn finish(mut self, learned: &HashSet<u64>, rules: &Rules) -> Cleaned {
        if !learned.is_empty() && rules.enabled(Rule::Learned) {
            let segs = segments::segments(&self.doc);
            let doomed: Vec<&segments::Segment> = edges(&segs)
                .filter(|s| learn::key(&s.text, &self.title).is_some_and(|k| learned.contains(&k)))
                .collect();
            if !doomed.is_empty() && doomed.len() < segs.len() {
                for segment in doomed {
                    segments::remove(&mut self.doc, segment);
                }
                self.fired.insert(Rule::Learned);
            }
        }
        let paragraphs = text::paragraphs(&self.doc);
        let pruned = self.doc.root_element().inner_html();
        Cleaned {
            text: paragraphs.join("\n\n"),
            html: sanitize::sanitize(&pruned, self.base.as_ref()),
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
    text::paragraphs(&doc)
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `HEAD` and last `TAIL` segments, each once.
fn edges(segs: &[segments::Segment]) -> impl Iterator<Item = &segments::Segment> {
    let head = learn::HEAD.min(segs.len());
    let tail_start = segs.len().saturating_sub(learn::TAIL).max(head);
    segs[..head].iter().chain(&segs[tail_start..])
}

/// Step 3. Returns whether a truncation tail was cut.
fn apply_text_rules(doc: &mut Html, ctx: &Context<'_>, rules: &Rules, fired: &mut RuleSet) -> bool {
    strip_footers(doc, ctx, rules, fired);
    let truncated = strip_truncation_tail(doc, rules, fired);
    strip_head_lines(doc, ctx, rules, fired);
    for segment in segments::segments(doc) {
        let rule = if rules
            .text_patterns()
            .iter()
            .any(|re| re.is_match(&segment.text))
        {
            Rule::RemoveText
        } else if rules.enabled(Rule::ChromeBlocks)
            && boilerplate::is_related_link(&segment.text, segment.last_link_start())
        {
            Rule::ChromeBlocks
        } else {
            continue;
        };
        segments::remove(doc, &segment);
        fired.insert(rule);
    }
    truncated
}

/// The footer rules, tried on the last paragraphs until none fires.
fn strip_footers(doc: &mut Html, ctx: &Context<'_>, rules: &Rules, fired: &mut RuleSet) {
    'again: for _ in 0..2 * TAIL_WINDOW {
        let segs = segments::segments(doc);
        let tail_start = segs.len().saturating_sub(TAIL_WINDOW);
        for segment in segs[tail_start..].iter().rev() {
            if let Some((rule, cut)) = footer(&segment.text, ctx, rules) {
                segments::truncate(doc, segment, cut);
                fired.insert(rule);
                continue 'again;
            }
        }
        return;
    }
}

/// The first footer rule that fires on a paragraph, and where the footer starts.
fn footer(text: &str, ctx: &Context<'_>, rules: &Rules) -> Option<(Rule, usize)> {
    let candidates: [(Rule, &dyn Fn() -> Option<usize>); 5] = [
        (Rule::WordpressFooter, &|| {
            boilerplate::wordpress_footer(text)
        }),
        (Rule::MediumFooter, &|| {
            boilerplate::medium_footer(text, ctx.title)
        }),
        (Rule::RepublishedFooter, &|| {
            boilerplate::republished_footer(text)
        }),
        (Rule::RedditFooter, &|| boilerplate::reddit_footer(text)),
        (Rule::OriginallyPublished, &|| {
            boilerplate::is_originally_published(text).then_some(0)
        }),
    ];
    candidates
        .into_iter()
        .filter(|(rule, _)| rules.enabled(*rule))
        .find_map(|(rule, test)| test().map(|cut| (rule, cut)))
}

/// "Continue reading…", "Read more", "[…]" at the end of the last paragraph.
fn strip_truncation_tail(doc: &mut Html, rules: &Rules, fired: &mut RuleSet) -> bool {
    if !rules.enabled(Rule::TruncationTail) {
        return false;
    }
    let mut truncated = false;
    for _ in 0..2 {
        let segs = segments::segments(doc);
        let Some(last) = segs.last() else { break };
        let Some(cut) = boilerplate::truncation_tail(&last.text, last.last_link_start()) else {
            break;
        };
        segments::truncate(doc, last, cut);
        truncated = true;
    }
    if truncated {
        fired.insert(Rule::TruncationTail);
    }
    truncated
}

/// The repeated title, a byline/dateline and "Originally published at" at the top.
fn strip_head_lines(doc: &mut Html, ctx: &Context<'_>, rules: &Rules, fired: &mut RuleSet) {
    for _ in 0..3 {
        let segs = segments::segments(doc);
        if segs.len() < 2 {
            return;
        }
        let first = &segs[0].text;
        let rule = if boilerplate::is_title_repeat(first, ctx.title) {
            Rule::TitleRepeat
        } else if boilerplate::is_byline(first, ctx.author, ctx.published) {
            Rule::BylineRepeat
        } else if boilerplate::is_originally_published(first) {
            Rule::OriginallyPublished
        } else {
            return;
        };
        if !rules.enabled(rule) {
            return;
        }
        segments::remove(doc, &segs[0]);
        fired.insert(rule);
    }
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
