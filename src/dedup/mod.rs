//! Which stored article a feed item belongs to. Pure functions: the store looks candidates
//! up with the keys made here ([`url`], [`text`]) and asks [`resolve`] to decide.
//!
//! Matching, in order (docs/dedup.md says why each step is safe):
//! 1. same feed and guid: the same item, updated in place when its content changed;
//! 2. same feed, another guid, same link: the same item under a regenerated guid;
//! 3. any feed, same canonical URL;
//! 4. any feed, same fingerprint of the clean text;
//! 5. any feed, near-copy text (shingle similarity) or a teaser of a stored full text.
//!
//! Titles alone never merge two articles.

pub mod text;
pub mod url;

pub use text::{Likeness, Profile, fingerprint, identify};
pub use url::{
    canonical_url, names_a_story, remove_tracking_params, same_page_variants, strip_tracking_params,
};

/// How far merging reaches, from `[defaults] dedup`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Copies of a story merge whichever feeds they come from.
    #[default]
    AcrossFeeds,
    /// Each feed is deduplicated on its own, as most feed readers do.
    PerFeed,
}

impl Scope {
    pub const NAMES: &[&str] = &["across-feeds", "per-feed"];

    pub fn parse(name: &str) -> Option<Scope> {
        match name {
            "across-feeds" => Some(Scope::AcrossFeeds),
            "per-feed" => Some(Scope::PerFeed),
            _ => None,
        }
    }
}

/// A stored item of the same feed the incoming one may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownItem {
    pub item: i64,
    pub article: i64,
}

/// A stored item of the same feed, under another guid, at the same link.
#[derive(Debug, Clone)]
pub struct SameLink {
    pub known: KnownItem,
    pub title: String,
    /// The text of its article.
    pub content: String,
}

/// A stored item of the incoming item's feed: its guid and canonical URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub guid: String,
    pub url: Option<String>,
}

/// A stored article with the same text as the incoming item.
#[derive(Debug, Clone)]
pub struct TextMatch {
    pub article: i64,
    /// The article's items in the incoming item's feed.
    pub in_feed: Vec<FeedItem>,
}

/// A stored article whose text may be a copy of the incoming one.
#[derive(Debug, Clone)]
pub struct SimilarArticle {
    pub article: i64,
    pub content: String,
    /// The article's items in the incoming item's feed.
    pub in_feed: Vec<FeedItem>,
}

/// What the store found for an item before deciding.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// The item with the same feed and guid.
    pub same_item: Option<KnownItem>,
    /// Items of the same feed, under other guids, with the same link, newest first.
    pub same_link: Vec<SameLink>,
    /// An article with a source at the same canonical URL.
    pub same_url: Option<i64>,
    /// An article with the same text fingerprint.
    pub same_text: Option<TextMatch>,
    /// Articles sharing an index key with the incoming text, oldest first.
    pub similar: Vec<SimilarArticle>,
}

/// Why an item was attached to an article; stored as `items.match_rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    New,
    SameItem,
    SameLink,
    SameUrl,
    SameText,
    NearText,
    Teaser,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::New,
        Rule::SameItem,
        Rule::SameLink,
        Rule::SameUrl,
        Rule::SameText,
        Rule::NearText,
        Rule::Teaser,
    ];

    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Why an item matched by this rule, in words, with its score where it has one.
    pub fn describe(self, score: Option<f64>) -> String {
        let percent = |s: Option<f64>| s.map_or("?".to_string(), |s| format!("{:.0}%", s * 100.0));
        match self {
            Rule::New => "the first copy seen: it made the article".to_string(),
            Rule::SameItem => "the same feed and guid as a stored item".to_string(),
            Rule::SameLink => {
                "the same feed and link as a stored item, under a new guid".to_string()
            }
            Rule::SameUrl => "the same canonical URL as an earlier source".to_string(),
            Rule::SameText => "the same text as the article (equal fingerprints)".to_string(),
            Rule::NearText => format!(
                "a near copy: {} of word 3-shingles shared with the article (at least {:.0}% needed)",
                percent(score),
                text::NEAR_SIMILARITY * 100.0
            ),
            Rule::Teaser => format!(
                "a teaser: its words are the start of the article's text ({} of it)",
                percent(score)
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::New => "new",
            Rule::SameItem => "same-item",
            Rule::SameLink => "same-link",
            Rule::SameUrl => "same-url",
            Rule::SameText => "same-text",
            Rule::NearText => "near-text",
            Rule::Teaser => "teaser",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolution {
    /// A new story.
    New,
    /// An item already stored (same guid, or same link under a new guid).
    Known(KnownItem, Rule),
    /// Another copy of this article. `score` is the text similarity for near copies, the
    /// teaser's share of the full text for teasers.
    Copy {
        article: i64,
        rule: Rule,
        score: Option<f64>,
    },
}

/// The incoming item as matching sees it.
pub struct Incoming<'a> {
    /// Its canonical URL, when it names a story.
    pub url: Option<&'a str>,
    pub title: &'a str,
    /// The guids of every item in the same fetch of the feed.
    pub fetched: &'a std::collections::HashSet<String>,
    pub profile: &'a Profile,
}

pub fn resolve(incoming: &Incoming<'_>, c: &Candidates) -> Resolution {
    if let Some(known) = c.same_item {
        return Resolution::Known(known, Rule::SameItem);
    }
    if let Some(link) = c.same_link.iter().find(|l| same_post(incoming, l)) {
        return Resolution::Known(link.known, Rule::SameLink);
    }
    if let Some(article) = c.same_url {
        return Resolution::Copy {
            article,
            rule: Rule::SameUrl,
            score: None,
        };
    }
    let same_text = c
        .same_text
        .as_ref()
        .filter(|t| !another_post_of_the_feed(incoming, &t.in_feed));
    if let Some(t) = same_text {
        return Resolution::Copy {
            article: t.article,
            rule: Rule::SameText,
            score: None,
        };
    }
    c.similar
        .iter()
        .filter(|s| !another_post_of_the_feed(incoming, &s.in_feed))
        .filter_map(|s| {
            let (rule, score) = match incoming.profile.likeness(&Profile::new(&s.content))? {
                Likeness::Near(similarity) => (Rule::NearText, similarity),
                Likeness::Teaser { words, of } => (Rule::Teaser, words as f64 / of as f64),
            };
            Some((s.article, rule, score))
        })
        // The closest copy wins; a near copy is closer than a teaser.
        .max_by(|a, b| {
            (a.1 == Rule::NearText, a.2)
                .partial_cmp(&(b.1 == Rule::NearText, b.2))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.0.cmp(&a.0))
        })
        .map_or(Resolution::New, |(article, rule, score)| Resolution::Copy {
            article,
            rule,
            score: Some(score),
        })
}

/// A new guid at a known link is the known item when it is still the same post: same title,
/// or text that is a copy of it. A link that every new post reuses ("/latest", a daily page)
/// carries new titles and new texts, and those stay new items.
fn same_post(incoming: &Incoming<'_>, link: &SameLink) -> bool {
    incoming.title.trim() == link.title.trim()
        || incoming
            .profile
            .likeness(&Profile::new(&link.content))
            .is_some()
}

/// Within one feed, the publisher's own identities are the truth: two posts it serves side
/// by side in one fetch, or gives distinct story URLs, are two posts, however alike their
/// text ("Weekly roundup", two videos under their channel's description, two outages with
/// one status text).
fn another_post_of_the_feed(incoming: &Incoming<'_>, in_feed: &[FeedItem]) -> bool {
    let same_page = incoming.url.map(same_page_variants);
    in_feed.iter().any(|item| {
        incoming.fetched.contains(&item.guid)
            || match (&same_page, &item.url) {
                (Some(same_page), Some(url)) => names_a_story(url) && !same_page.contains(url),
                _ => false,
            }
    })
}

/// Whether a later copy's text should replace the story's: only when it is clearly longer
/// (the full article where the first copy was a teaser), not for a few words of footer.
pub fn prefer_text(current_chars: usize, candidate_chars: usize) -> bool {
    candidate_chars > current_chars + current_chars / 4
}

/// Whether a later copy should give the story its text: [`prefer_text`], counting the copy
/// without the paragraphs the story's own feed learned as boilerplate. A copy from a feed that
/// cannot learn a footer (one item, say) is otherwise "longer" only by that footer, and would
/// bring back what the first feed removed.
pub fn prefer_copy(
    current: &str,
    candidate: &str,
    candidate_title: &str,
    boilerplate: &std::collections::HashSet<u64>,
) -> bool {
    let mut chars = candidate.chars().count();
    if !boilerplate.is_empty() {
        let keyer = crate::clean::learn::Keyer::new(candidate_title);
        for paragraph in candidate.split("\n\n") {
            let learned = keyer
                .key(paragraph)
                .is_some_and(|k| boilerplate.contains(&k));
            if learned {
                chars = chars.saturating_sub(paragraph.chars().count() + 2);
            }
        }
    }
    prefer_text(current.chars().count(), chars)
}

#[cfg(test)]
mod tests;
