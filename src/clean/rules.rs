//! Names of the cleaning rules, and the per-feed rules of feeds.toml compiled once at load.
//!
//! Every built-in rule has a stable kebab-case name: it appears in `keep_boilerplate` (to turn
//! the rule off for a feed), in `feedsift clean --explain` and in the corpus measurements.

use std::sync::Arc;

use regex::Regex;
use scraper::Selector;

/// One cleaning rule. All but [`Rule::Remove`] and [`Rule::RemoveText`] are built in and on
/// by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// "The post X appeared first on Y." / "The post X first appeared on Y." (WordPress, Yoast).
    WordpressFooter,
    /// FeedBurner's feedflare blocks and its `~ff/` and `~r/` links and images.
    Feedburner,
    /// 1x1 or 0x0 images and known counter URLs.
    TrackingPixel,
    /// "X was originally published in Y on Medium, where people are continuing the conversation…"
    MediumFooter,
    /// "This article is republished from X under a Creative Commons license. Read the original article."
    RepublishedFooter,
    /// "Originally published at X" as the first or one of the last paragraphs.
    OriginallyPublished,
    /// Reddit's "submitted by /u/x [link] [comments]".
    RedditFooter,
    /// Hacker News' "Comments" link (the whole description of an HN item).
    HackerNewsComments,
    /// "Continue reading…", "Read more »", "[…]", "…" followed by a link: the item is truncated.
    TruncationTail,
    /// Share bars, sign-ups, related-article cards and ads, named by class or id.
    ChromeBlocks,
    /// The item's own title repeated as the first line of its body.
    TitleRepeat,
    /// A leading line that only repeats the item's author and date.
    BylineRepeat,
    /// Head or tail paragraphs that repeat across the feed's items (see `learn`).
    Learned,
    /// A feed's `remove` selectors.
    Remove,
    /// A feed's `remove_text` patterns.
    RemoveText,
}

impl Rule {
    /// The rules a feed can turn off with `keep_boilerplate`.
    pub const BUILT_IN: [Rule; 13] = [
        Rule::WordpressFooter,
        Rule::Feedburner,
        Rule::TrackingPixel,
        Rule::MediumFooter,
        Rule::RepublishedFooter,
        Rule::OriginallyPublished,
        Rule::RedditFooter,
        Rule::HackerNewsComments,
        Rule::TruncationTail,
        Rule::ChromeBlocks,
        Rule::TitleRepeat,
        Rule::BylineRepeat,
        Rule::Learned,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::WordpressFooter => "wordpress-footer",
            Rule::Feedburner => "feedburner",
            Rule::TrackingPixel => "tracking-pixel",
            Rule::MediumFooter => "medium-footer",
            Rule::RepublishedFooter => "republished-footer",
            Rule::OriginallyPublished => "originally-published",
            Rule::RedditFooter => "reddit-footer",
            Rule::HackerNewsComments => "hn-comments",
            Rule::TruncationTail => "truncation-tail",
            Rule::ChromeBlocks => "chrome-blocks",
            Rule::TitleRepeat => "title-repeat",
            Rule::BylineRepeat => "byline-repeat",
            Rule::Learned => "learned",
            Rule::Remove => "remove",
            Rule::RemoveText => "remove-text",
        }
    }

    /// The built-in rule with this name.
    pub fn built_in(name: &str) -> Option<Rule> {
        Rule::BUILT_IN.into_iter().find(|r| r.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of rules (which fired, or which are turned off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RuleSet(u32);

impl RuleSet {
    pub fn insert(&mut self, rule: Rule) {
        self.0 |= rule.bit();
    }

    pub fn contains(self, rule: Rule) -> bool {
        self.0 & rule.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: RuleSet) -> RuleSet {
        RuleSet(self.0 | other.0)
    }

    /// The rules in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::BUILT_IN
            .into_iter()
            .chain([Rule::Remove, Rule::RemoveText])
            .filter(move |r| self.contains(*r))
    }
}

impl FromIterator<Rule> for RuleSet {
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        let mut set = RuleSet::default();
        for rule in iter {
            set.insert(rule);
        }
        set
    }
}

/// One feed's cleaning rules: the built-ins minus the ones it keeps, plus its own selectors and
/// text patterns. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    inner: Arc<Compiled>,
}

#[derive(Debug, Default)]
struct Compiled {
    remove: Vec<(String, Selector)>,
    remove_text: Vec<Regex>,
    disabled: RuleSet,
}

/// A rule in feeds.toml that does not compile; `index` is its position in its list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("`remove` entry {index}: `{selector}` is not a valid CSS selector ({reason})")]
    Selector {
        index: usize,
        selector: String,
        reason: String,
    },
    #[error(
        "`remove_text` entry {index}: `{pattern}` is not a valid regular expression ({reason})"
    )]
    Pattern {
        index: usize,
        pattern: String,
        reason: String,
    },
    #[error("`keep_boilerplate` entry {index}: no built-in rule is called `{name}`{suggestion}")]
    UnknownRule {
        index: usize,
        name: String,
        suggestion: String,
    },
}

impl Rules {
    /// Compiles a feed's rules. Selectors are CSS as `scraper` reads them; patterns are
    /// `regex` syntax, matched against each paragraph of clean text.
    pub fn compile(
        remove: &[String],
        remove_text: &[String],
        keep_boilerplate: &[String],
    ) -> Result<Rules, RuleError> {
        let mut compiled = Compiled::default();
        for (index, selector) in remove.iter().enumerate() {
            let parsed = Selector::parse(selector).map_err(|e| RuleError::Selector {
                index,
                selector: selector.clone(),
                reason: e.to_string(),
            })?;
            compiled.remove.push((selector.clone(), parsed));
        }
        for (index, pattern) in remove_text.iter().enumerate() {
            let regex = Regex::new(pattern).map_err(|e| RuleError::Pattern {
                index,
                pattern: pattern.clone(),
                reason: first_line(&e.to_string()),
            })?;
            compiled.remove_text.push(regex);
        }
        for (index, name) in keep_boilerplate.iter().enumerate() {
            let rule = Rule::built_in(name.trim()).ok_or_else(|| RuleError::UnknownRule {
                index,
                name: name.clone(),
                suggestion: suggest_rule(name),
            })?;
            compiled.disabled.insert(rule);
        }
        Ok(Rules {
            inner: Arc::new(compiled),
        })
    }

    /// True unless the feed turned this rule off.
    pub fn enabled(&self, rule: Rule) -> bool {
        !self.inner.disabled.contains(rule)
    }

    pub(super) fn selectors(&self) -> impl Iterator<Item = &Selector> {
        self.inner.remove.iter().map(|(_, s)| s)
    }

    pub(super) fn text_patterns(&self) -> &[Regex] {
        &self.inner.remove_text
    }

    /// The rules this feed turned off.
    pub fn disabled(&self) -> RuleSet {
        self.inner.disabled
    }
}

/// Two rule sets are equal when they were compiled from the same text.
impl PartialEq for Rules {
    fn eq(&self, other: &Rules) -> bool {
        let a = &self.inner;
        let b = &other.inner;
        a.disabled == b.disabled
            && a.remove
                .iter()
                .map(|(s, _)| s)
                .eq(b.remove.iter().map(|(s, _)| s))
            && a.remove_text
                .iter()
                .map(Regex::as_str)
                .eq(b.remove_text.iter().map(Regex::as_str))
    }
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

fn suggest_rule(name: &str) -> String {
    match crate::config::closest(name, &Rule::BUILT_IN.map(Rule::name)) {
        Some(rule) => format!("; did you mean `{rule}`?"),
        None => format!(
            "; the rules are: {}",
            Rule::BUILT_IN.map(Rule::name).join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for rule in Rule::BUILT_IN {
            assert_eq!(Rule::built_in(rule.name()), Some(rule));
        }
        assert_eq!(Rule::built_in("remove"), None);
    }

    #[test]
    fn bad_rules_say_which_entry() {
        let bad_selector = Rules::compile(&["div[".into()], &[], &[]).unwrap_err();
        assert!(matches!(bad_selector, RuleError::Selector { index: 0, .. }));
        let bad_regex = Rules::compile(&[], &["ok".into(), "(".into()], &[]).unwrap_err();
        assert!(matches!(bad_regex, RuleError::Pattern { index: 1, .. }));
        let unknown = Rules::compile(&[], &[], &["wordpress-fotoer".into()]).unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("did you mean `wordpress-footer`")
        );
    }

    #[test]
    fn kept_rules_are_disabled() {
        let rules = Rules::compile(&[], &[], &["learned".into()]).unwrap();
        assert!(!rules.enabled(Rule::Learned));
        assert!(rules.enabled(Rule::WordpressFooter));
    }
}
