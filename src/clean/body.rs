//! Step 3 of cleaning: the text rules, applied to a [`Body`] (the pruned DOM and its segments,
//! recomputed only after a rule changed the DOM).

use scraper::Html;

use super::Context;
use super::boilerplate;
use super::rules::{Rule, RuleSet, Rules};
use super::segments::{self, Segments};

/// Paragraphs at the tail that the footer rules examine.
const TAIL_WINDOW: usize = 3;

pub(super) struct Body {
    pub doc: Html,
    pub segs: Segments,
}

impl Body {
    pub fn new(doc: Html) -> Body {
        let segs = segments::segments(&doc);
        Body { doc, segs }
    }

    /// Keeps the first `keep` bytes of segment `index`.
    pub fn cut(&mut self, index: usize, keep: usize) {
        segments::truncate(&mut self.doc, self.segs.get(index), keep);
        self.segs = segments::segments(&self.doc);
    }

    /// Removes the segments at `indices`.
    pub fn remove(&mut self, indices: &[usize]) {
        for &i in indices {
            segments::remove(&mut self.doc, self.segs.get(i));
        }
        self.segs = segments::segments(&self.doc);
    }
}

/// Applies the text rules; returns whether a truncation tail was cut.
pub(super) fn apply(
    body: &mut Body,
    ctx: &Context<'_>,
    rules: &Rules,
    fired: &mut RuleSet,
) -> bool {
    strip_footers(body, ctx, rules, fired);
    let truncated = strip_truncation_tail(body, rules, fired);
    strip_head_lines(body, ctx, rules, fired);
    strip_paragraphs(body, rules, fired);
    truncated
}

/// The feed's `remove_text` patterns and related-article link cards, anywhere in the body.
fn strip_paragraphs(body: &mut Body, rules: &Rules, fired: &mut RuleSet) {
    let mut doomed = Vec::new();
    for (i, segment) in body.segs.iter().enumerate() {
        if rules
            .text_patterns()
            .iter()
            .any(|re| re.is_match(segment.text))
        {
            fired.insert(Rule::RemoveText);
        } else if rules.enabled(Rule::ChromeBlocks)
            && boilerplate::is_related_link(segment.text, segment.last_link_start())
        {
            fired.insert(Rule::ChromeBlocks);
        } else {
            continue;
        }
        doomed.push(i);
    }
    if !doomed.is_empty() {
        body.remove(&doomed);
    }
}

/// The footer rules, tried on the last paragraphs until none fires.
fn strip_footers(body: &mut Body, ctx: &Context<'_>, rules: &Rules, fired: &mut RuleSet) {
    for _ in 0..2 * TAIL_WINDOW {
        let tail_start = body.segs.len().saturating_sub(TAIL_WINDOW);
        let found = (tail_start..body.segs.len()).rev().find_map(|i| {
            footer(body.segs.get(i).text, ctx, rules).map(|(rule, cut)| (i, rule, cut))
        });
        let Some((index, rule, cut)) = found else {
            return;
        };
        body.cut(index, cut);
        fired.insert(rule);
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
fn strip_truncation_tail(body: &mut Body, rules: &Rules, fired: &mut RuleSet) -> bool {
    if !rules.enabled(Rule::TruncationTail) {
        return false;
    }
    let mut truncated = false;
    for _ in 0..2 {
        let Some(last) = body.segs.last() else { break };
        let Some(cut) = boilerplate::truncation_tail(last.text, last.last_link_start()) else {
            break;
        };
        body.cut(body.segs.len() - 1, cut);
        truncated = true;
    }
    if truncated {
        fired.insert(Rule::TruncationTail);
    }
    truncated
}

/// The repeated title, a byline/dateline and "Originally published at" at the top.
fn strip_head_lines(body: &mut Body, ctx: &Context<'_>, rules: &Rules, fired: &mut RuleSet) {
    for _ in 0..3 {
        if body.segs.len() < 2 {
            return;
        }
        let first = body.segs.get(0).text;
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
        body.remove(&[0]);
        fired.insert(rule);
    }
}
