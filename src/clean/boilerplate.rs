//! The built-in boilerplate rules, as pure tests on attributes and on paragraph text.
//!
//! Element rules ([`is_chrome_marker`], [`is_tracking_pixel`], [`is_feedburner_url`]) decide
//! whether an element goes before text conversion. Text rules look at one segment's collapsed
//! text (see `segments`) and return where the boilerplate starts, so the caller can cut the DOM
//! there: a footer glued to the last sentence of a flattened summary is cut, not the sentence.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Utc};
use regex::Regex;

/// Words in a class or id that mark share bars, sign-ups, related-article cards and ads.
/// A block is only removed when it holds less than half of the document's text, so a
/// publisher who wraps the whole article in `class="social-post"` keeps the article.
const CHROME_WORDS: &[&str] = &[
    "related",
    "relatedposts",
    "yarpp",
    "share",
    "sharing",
    "sharedaddy",
    "sharebar",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "promo",
    "advert",
    "advertisement",
    "ads",
    "sponsor",
    "sponsored",
    "outbrain",
    "taboola",
];

/// True when a class or id attribute value names page chrome (see [`CHROME_WORDS`]).
pub fn is_chrome_marker(attr: &str) -> bool {
    attr.as_bytes()
        .split(|b| b.is_ascii_whitespace() || matches!(b, b'-' | b'_'))
        .any(is_chrome_word)
}

/// One word of a class or id, compared without case and without a copy on the heap.
fn is_chrome_word(word: &[u8]) -> bool {
    let mut buffer = [0u8; CHROME_WORD_MAX];
    let Some(lower) = buffer.get_mut(..word.len()) else {
        return false;
    };
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    CHROME_WORDS.iter().any(|w| w.as_bytes() == lower)
}

/// Longer than the longest of [`CHROME_WORDS`] (a test checks).
const CHROME_WORD_MAX: usize = 16;

/// FeedBurner's share links (`~ff/`), its per-item counters (`~r/…/~4/`) and feedsportal's
/// equivalents. Article links through `~r/` carry text and are kept by the caller.
pub fn is_feedburner_url(url: &str) -> bool {
    let bytes = url.as_bytes();
    let starts_with = |at: usize, part: &str| {
        bytes
            .get(at..at + part.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(part.as_bytes()))
    };
    let mut feedburner = false;
    // Every host named here starts with "feed": look only where an `f` is.
    for at in memchr::memchr2_iter(b'f', b'F', bytes) {
        if starts_with(at, "feedsportal.com/") {
            return true;
        }
        feedburner |=
            starts_with(at, "feedburner.com/") || starts_with(at, "feedproxy.google.com/");
    }
    feedburner
        && ["/~ff/", "/~r/", "/~a/"]
            .iter()
            .any(|part| contains_ignore_ascii_case(bytes, part.as_bytes()))
}

/// True for a FeedBurner/feedsportal container: `<div class="feedflare">`, `mf-viral`.
pub fn is_feedburner_block(class: &str) -> bool {
    class
        .split_ascii_whitespace()
        .any(|c| matches!(c, "feedflare" | "mf-viral" | "feedsportalsharing"))
}

/// Images that exist to count readers: 1x1 (or 0x0) images and known counter URLs.
pub fn is_tracking_pixel(src: Option<&str>, width: Option<&str>, height: Option<&str>) -> bool {
    let tiny = |v: Option<&str>| {
        v.and_then(|v| v.trim().trim_end_matches("px").parse::<u32>().ok())
            .is_some_and(|n| n <= 1)
    };
    if tiny(width) && tiny(height) {
        return true;
    }
    let Some(src) = src else { return false };
    let src = src.to_ascii_lowercase();
    const COUNTERS: &[&str] = &[
        "stats.wordpress.com/",
        "pixel.wp.com/",
        "/count.gif",
        "/_/stat?",
        "pixel.gif",
        "/tracking/pixel",
        "pixel.quantserve.com",
        "/b.gif?",
        "medium.com/_/stat",
        "feeds.feedblitz.com/~/i/",
    ];
    COUNTERS.iter().any(|c| src.contains(c))
}

/// A link to a Hacker News discussion whose text is only "Comments". The link's text is
/// only collected for such an `href`.
pub fn is_hacker_news_comments(href: &str, text: impl FnOnce() -> String) -> bool {
    href.contains("news.ycombinator.com/item") && text().trim().eq_ignore_ascii_case("comments")
}

/// The lazy DFA's transition cache of each built-in pattern, per thread that searches with
/// it. The default (2 MB) let these patterns hold over 10 MB on a daemon's worker threads;
/// they only ever look at one paragraph, which needs far fewer states.
const DFA_CACHE: usize = 256 * 1024;

fn regex(pattern: &str) -> Regex {
    regex::RegexBuilder::new(pattern)
        .dfa_size_limit(DFA_CACHE)
        .build()
        .expect("built-in pattern is valid")
}

/// Where a WordPress footer starts in `text`, if the text ends with one: "The post <title>
/// appeared first on <site>." or "The post <title> first appeared on <site>.", running to
/// the end of the paragraph. The last "The post" that starts a footer wins: the article
/// itself may say "the post" earlier.
pub fn wordpress_footer(text: &str) -> Option<usize> {
    if !says_appeared_first_on(text) {
        return None;
    }
    let text = text.trim_end();
    text.rmatch_indices("The post")
        .map(|(i, _)| i)
        .find(|&i| is_wordpress_footer(&text[i..]))
}

/// `text.contains("appeared first on") || text.contains("first appeared on")`, with one
/// search (memchr's, faster than `str::contains` on the long last paragraphs of articles).
fn says_appeared_first_on(text: &str) -> bool {
    static APPEARED: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("appeared"));
    APPEARED.find_iter(text.as_bytes()).any(|at| {
        let (before, after) = (&text[..at], &text[at + "appeared".len()..]);
        after.starts_with(" first on") || (before.ends_with("first ") && after.starts_with(" on"))
    })
}

/// Whether `s` is a whole footer: what the regex
/// `^The post\s+\S.{0,400}?\s+(?:appeared first|first appeared)\s+on\s+\S.{0,160}$`
/// matches (a test compares the two), checked by hand. As a regex its counted `.`s make an
/// automaton of thousands of states: the lazy DFA gave up on it and every footer, one or two
/// per WordPress item, went to the PikeVM at about 70,000 instructions.
fn is_wordpress_footer(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("The post") else {
        return false;
    };
    let title = rest.trim_start();
    let mut chars = title.chars();
    if title.len() == rest.len() || chars.next().is_none() {
        return false;
    }
    // After "The post", the whitespace and the title's first character.
    let start = s.len() - chars.as_str().len();
    ["appeared first", "first appeared"].iter().any(|phrase| {
        memchr::memmem::find_iter(&s.as_bytes()[start..], phrase)
            .any(|at| footer_around(s, start, start + at, start + at + phrase.len()))
    })
}

/// `is_wordpress_footer` for the phrase at `phrase..after`, the rest of the title starting
/// at `start`: whitespace before the phrase, at most 400 characters of title on one line
/// before that, then whitespace, "on", whitespace and at most 161 characters of site on one
/// line. The whitespace before the phrase is taken whole, as the shortest title is the one
/// most likely to fit.
fn footer_around(s: &str, start: usize, phrase: usize, after: usize) -> bool {
    let before = &s[start..phrase];
    let title = before.trim_end();
    let Some(on) = s[after..].trim_start().strip_prefix("on") else {
        return false;
    };
    let site = on.trim_start();
    let mut site_chars = site.chars();
    let one_line = |t: &str, max: usize| !t.contains('\n') && t.chars().count() <= max;
    title.len() < before.len()
        && one_line(title, 400)
        && s[after..].starts_with(char::is_whitespace)
        && site.len() < on.len()
        && site_chars.next().is_some()
        && one_line(site_chars.as_str(), 160)
}

static MEDIUM_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bwas originally published (?:in .{1,200}? )?on Medium,? where people are continuing the conversation by (?:highlighting and )?responding to this story\.?$",
    )
});

/// Where Medium's "<title> was originally published in <publication> on Medium, where people
/// are continuing the conversation…" starts: at the item's title when the text repeats it,
/// else at the start of a paragraph that is only the footer.
pub fn medium_footer(text: &str, title: &str) -> Option<usize> {
    // What the pattern needs, checked first: its Unicode `\b` makes the regex search slowly
    // whenever the text ends with a character that is not ASCII.
    let trimmed = text.trim_end();
    let bytes = trimmed.strip_suffix('.').unwrap_or(trimmed).as_bytes();
    let ends_with_story =
        bytes.len() >= 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b"tory");
    if !ends_with_story || !contains_ignore_ascii_case(bytes, b"on medium") {
        return None;
    }
    let found = MEDIUM_FOOTER.find(trimmed)?;
    let before = &text[..found.start()];
    let title = title.trim();
    if !title.is_empty()
        && let Some(at) = before.rfind(title)
    {
        return Some(at);
    }
    (before.chars().count() <= 300 && !before.contains(". ")).then_some(0)
}

static REPUBLISHED_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\bThis (?:article|story|piece) (?:is|was|has been) republished from .{1,200}? under a Creative Commons licen[cs]e\.?(?:\s*Read the original(?: article)?\.?)?$",
    )
});

/// Where "This article is republished from X under a Creative Commons license. Read the
/// original article." starts.
pub fn republished_footer(text: &str) -> Option<usize> {
    // As in `medium_footer`, what the pattern needs first.
    if !contains_ignore_ascii_case(text.as_bytes(), b"republi") {
        return None;
    }
    REPUBLISHED_FOOTER.find(text.trim_end()).map(|m| m.start())
}

static ORIGINALLY_PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:this (?:post|article|story|piece) (?:was|is) )?(?:originally|first) (?:published|posted|appeared) (?:at|on|in)\b",
    )
});

/// A short paragraph that only says where the piece was first published.
pub fn is_originally_published(text: &str) -> bool {
    text.chars().count() <= 250 && ORIGINALLY_PUBLISHED.is_match(text.trim())
}

static REDDIT_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:^|\s)submitted by.{1,120}?(?:\[link\]\s*)?\[(?:\d+\s+)?comments?\]$|(?:^|\s)submitted by\s+/?u/\S+(?:\s+to\s+/?r/\S+)?$",
    )
});

/// Where Reddit's "submitted by /u/x [link] [comments]" starts.
pub fn reddit_footer(text: &str) -> Option<usize> {
    // Both alternatives need the phrase: without it, the regex is not run at all.
    static SUBMITTED_BY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("submitted by"));
    SUBMITTED_BY.find(text.as_bytes())?;
    REDDIT_FOOTER
        .find(text.trim_end())
        .map(|m| m.start() + usize::from(m.as_str().starts_with(char::is_whitespace)))
}

/// Link texts that only point to the rest of the article.
static MORE_LINK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^[\s\[(]*(?:(?:continue reading|read more|read the rest|keep reading|read on|read the full (?:story|article|post|piece)|full story|(?:click here )?to read (?:this|the) (?:article|story|post|review) in full|weiterlesen|lire la suite|leer más|continua a leggere)\b.{0,120}|more\s*[»→›>….\])]*)$",
    )
});

/// "Continue reading"/"Read more" as the last words of flattened text.
static MORE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)\b(?:continue reading|read more|keep reading)\b[^.!?]{0,100}?\s*[»→›>]*$")
});

/// Where a truncation tail starts in the last paragraph, given where its last link starts
/// (when the paragraph ends with a link). A bare "…" glued to the last word stays: it tells
/// the reader the sentence was cut; "[…]" goes.
pub fn truncation_tail(text: &str, last_link: Option<usize>) -> Option<usize> {
    let text = text.trim_end();
    if let Some(start) = last_link {
        let before = text[..start].trim_end();
        if MORE_LINK.is_match(&text[start..]) || ends_with_ellipsis(before) {
            return Some(without_bracket_ellipsis(before).len());
        }
    }
    let stripped = without_bracket_ellipsis(text);
    if stripped.len() < text.len() {
        return Some(stripped.len());
    }
    if !may_end_with_more_text(text) {
        return None;
    }
    let found = MORE_TEXT.find(text)?;
    let before = text[..found.start()].trim_end();
    // "read more" inside a sentence ("you can read more about it") is not a tail.
    let at_boundary =
        before.is_empty() || before.ends_with(['…', '.', '!', '?', '"', '”', ')', ']']);
    at_boundary.then(|| without_bracket_ellipsis(before).len())
}

/// Characters [`MORE_TEXT`] allows between its words and the end: `[^.!?]{0,100}`, then
/// trailing spaces and arrows, which may run longer.
const MORE_TEXT_REACH: usize = 100;

/// Whether [`MORE_TEXT`]'s words appear close enough to the end for it to match, checked
/// without the regex: its Unicode `\b` makes the regex fall back to a slow search whenever
/// the end of the text is not ASCII, and most paragraphs end far from "read more".
/// The words must end within [`MORE_TEXT_REACH`] characters of the text without its trailing
/// spaces and arrows, and are at most 16 characters long.
fn may_end_with_more_text(text: &str) -> bool {
    let end =
        text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '»' | '→' | '›' | '>'));
    let start = end
        .char_indices()
        .rev()
        .nth(MORE_TEXT_REACH + 16)
        .map_or(0, |(i, _)| i);
    let window = &end.as_bytes()[start..];
    contains_ignore_ascii_case(window, b"reading")
        || contains_ignore_ascii_case(window, b"read more")
}

/// Whether `needle` occurs in `haystack`, ASCII letters compared without case: what
/// `to_ascii_lowercase` and `contains` find, without the copy.
///
/// For a needle of ASCII letters and spaces with neither `k` nor `s`, it is also where a
/// `(?i)` regex finds it: Unicode case folding maps no other character to an ASCII letter
/// except to `k` (the Kelvin sign) and `s` (long s).
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    // Candidates are where the needle's rarest letter is, found by memchr.
    let Some(anchor) = (0..needle.len()).min_by_key(|&i| letter_rank(needle[i])) else {
        return true;
    };
    let (lower, upper) = (
        needle[anchor].to_ascii_lowercase(),
        needle[anchor].to_ascii_uppercase(),
    );
    memchr::memchr2_iter(lower, upper, haystack).any(|at| {
        at >= anchor
            && haystack
                .get(at - anchor..at - anchor + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// How common a byte is in English text, ASCII letters compared without case: 0 for the
/// rarest letter, higher for more common ones, and other bytes after every letter.
fn letter_rank(b: u8) -> usize {
    const RAREST_FIRST: &[u8] = b"zqxjkvbpygfwmucldrhsnioate";
    RAREST_FIRST
        .iter()
        .position(|&l| l == b.to_ascii_lowercase())
        .unwrap_or(RAREST_FIRST.len())
}

fn ends_with_ellipsis(text: &str) -> bool {
    text.ends_with('…')
        || text.ends_with("...")
        || without_bracket_ellipsis(text).len() < text.len()
}

fn without_bracket_ellipsis(text: &str) -> &str {
    for tail in ["[…]", "[...]", "[&hellip;]"] {
        if let Some(rest) = text.strip_suffix(tail) {
            return rest.trim_end();
        }
    }
    text
}

static RELATED_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^(?:related|related (?:article|story|stories|content|posts?|reading)|see also|also read|read also|read more|more|recommended|you may also like|further reading)\s*[:»→]\s*$",
    )
});

/// A related-article card in text form: a label ("Related:", "See also:") followed by nothing
/// but a link.
pub fn is_related_link(text: &str, last_link: Option<usize>) -> bool {
    last_link.is_some_and(|start| start > 0 && RELATED_LABEL.is_match(&text[..start]))
}

/// Lowercase words of a text, punctuation dropped: for comparing lines with titles.
pub fn words(text: &str) -> Vec<String> {
    lower_words(text).map(Cow::into_owned).collect()
}

/// The words of [`words`], borrowed where they already are in lower case.
pub(super) fn lower_words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
                Cow::Borrowed(w)
            } else {
                Cow::Owned(w.to_lowercase())
            }
        })
}

/// True when a line only repeats the item's title.
pub fn is_title_repeat(text: &str, title: &str) -> bool {
    let title = words(title);
    !title.is_empty() && words(text) == title
}

/// Words a byline or dateline is made of besides the author's name and the date's numbers.
const BYLINE_WORDS: &[&str] = &[
    "by",
    "posted",
    "published",
    "updated",
    "written",
    "on",
    "at",
    "in",
    "and",
    "author",
    "am",
    "pm",
    "utc",
    "gmt",
    "est",
    "edt",
    "pst",
    "pdt",
    "cet",
    "cest",
    "bst",
    "st",
    "nd",
    "rd",
    "th",
    "the",
    "of",
    "last",
    "date",
];
/// Month names, full then short, so that index % 12 is the month (0 = January).
pub(super) const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
];
pub(super) const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// True when a short leading line says nothing but the item's author and/or its date
/// ("By Jane Doe | March 3, 2024", "Posted on 2024-03-03 by jane"), and names at least one
/// of them as the item's metadata gives it.
pub fn is_byline(text: &str, author: Option<&str>, published: Option<DateTime<Utc>>) -> bool {
    if text.chars().count() > 150 {
        return false;
    }
    let author_words = author.map(words).unwrap_or_default();
    let year = published.map(|p| p.year().to_string());
    let month = published.map(|p| p.month0() as usize);
    let mut repeats_metadata = false;
    for word in words(text) {
        let month_named = MONTHS
            .iter()
            .position(|m| *m == word || (word == "sept" && *m == "sep"))
            .map(|i| i % 12);
        if author_words.contains(&word)
            || year.as_deref() == Some(word.as_str())
            || (month_named.is_some() && month_named == month)
        {
            repeats_metadata = true;
        } else if !(word.chars().all(|c| c.is_ascii_digit())
            || BYLINE_WORDS.contains(&word.as_str())
            || WEEKDAYS.contains(&word.as_str()))
        {
            return false;
        }
    }
    repeats_metadata
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    /// The footer check was this regex; `is_wordpress_footer` must say what it says.
    static WORDPRESS_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
        regex(r"^The post\s+\S.{0,400}?\s+(?:appeared first|first appeared)\s+on\s+\S.{0,160}$")
    });

    #[test]
    fn the_wordpress_footer_check_agrees_with_its_regex() {
        // Footers built part by part, each part sometimes a variant the regex refuses
        // (missing or doubled whitespace, line breaks, look-alike words, lengths around
        // the 400 and 160 character limits), sometimes with noise put in.
        let spaces = [
            " ", " ", " ", "  ", "\u{a0}", "\t", "\u{2003}", "", "\n", " \n ",
        ];
        let texts = [
            "",
            "T",
            "x",
            "é",
            "Title: a — b",
            "on",
            "appeared first",
            "a\nb",
            " ",
        ];
        let phrases = [
            "appeared first",
            "first appeared",
            "appeared first",
            "first appeared",
            "appeared  first",
            "Appeared first",
        ];
        let ons = ["on", "on", "on", "On", "onward", "o n", ""];
        let noise = [
            "The post",
            "appeared first",
            "first appeared",
            " on ",
            "\n",
            "x",
            "é",
        ];
        let pick = |rng: &mut TestRng, options: &[&'static str]| options[rng.below(options.len())];
        let long = |rng: &mut TestRng| {
            let unit = ["x", "é", "a b"][rng.below(3)];
            unit.repeat([1, 53, 159, 160, 161, 162, 400, 401, 402][rng.below(9)])
        };
        let part = |rng: &mut TestRng| {
            if rng.below(3) == 0 {
                long(rng)
            } else {
                pick(rng, &texts).to_string()
            }
        };
        let mut rng = TestRng::new(7);
        let (mut footers, mut others) = (0, 0);
        for _ in 0..40_000 {
            let (title, site) = (part(&mut rng), part(&mut rng));
            let mut s = String::from("The post");
            s.push_str(pick(&mut rng, &spaces));
            s.push_str(&title);
            s.push_str(pick(&mut rng, &spaces));
            s.push_str(pick(&mut rng, &phrases));
            s.push_str(pick(&mut rng, &spaces));
            s.push_str(pick(&mut rng, &ons));
            s.push_str(pick(&mut rng, &spaces));
            s.push_str(&site);
            if rng.below(4) == 0 {
                let at = s.floor_char_boundary(rng.below(s.len() + 1));
                s.insert_str(at, pick(&mut rng, &noise));
            }
            let expected = WORDPRESS_FOOTER.is_match(&s);
            assert_eq!(is_wordpress_footer(&s), expected, "{s:?}");
            *if expected { &mut footers } else { &mut others } += 1;
        }
        assert!(
            footers > 2_000 && others > 2_000,
            "{footers} footers, {others} others"
        );
    }

    #[test]
    fn rust_and_the_regex_crate_agree_on_whitespace() {
        // `is_wordpress_footer` trims with `char::is_whitespace` where the regex has `\s`.
        let space = Regex::new(r"^\s$").expect("valid");
        let mut buf = [0; 4];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(
                c.is_whitespace(),
                space.is_match(c.encode_utf8(&mut buf)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn wordpress_footer_forms() {
        assert_eq!(
            wordpress_footer("The post ‘Last Take’ Review: X appeared first on TheWrap."),
            Some(0)
        );
        assert_eq!(
            wordpress_footer("The post \"Quoted\" first appeared on Example News"),
            Some(0)
        );
        assert_eq!(
            wordpress_footer("The post office appeared to be closed."),
            None
        );
        let flat = "on the set of \"Rust\" The post ‘Last Take’ Review appeared first on TheWrap.";
        assert_eq!(wordpress_footer(flat), flat.find("The post"));
        let earlier = "The post was late. Then more text The post Title appeared first on Site.";
        assert_eq!(wordpress_footer(earlier), earlier.rfind("The post"));
    }

    #[test]
    fn platform_footers() {
        let medium = "Screenshots in UI tests was originally published in Invironment on Medium, where people are continuing the conversation by highlighting and responding to this story.";
        assert_eq!(medium_footer(medium, "Screenshots in UI tests"), Some(0));
        let glued = format!("Last sentence. {medium}");
        assert_eq!(
            medium_footer(&glued, "Screenshots in UI tests"),
            glued.find("Screenshots")
        );
        let conv = "Body ends. This article is republished from The Conversation under a Creative Commons license. Read the original article.";
        assert_eq!(republished_footer(conv), conv.find("This article"));
        assert!(is_originally_published(
            "Originally published at example.com on May 3, 2021."
        ));
        assert!(is_originally_published(
            "This post was originally published on my blog."
        ));
        assert!(!is_originally_published(
            "Originally, the plan was different."
        ));
        let reddit = "Body. submitted by /u/kevincox_ca [link] [comments]";
        assert_eq!(reddit_footer(reddit), reddit.find("submitted"));
        assert_eq!(
            reddit_footer("submitted by /u/x to r/rust [link] [12 comments]"),
            Some(0)
        );
    }

    #[test]
    fn only_k_and_s_case_fold_from_beyond_ascii() {
        // `contains_ignore_ascii_case` relies on this for the needles it is given.
        let ascii_letter = Regex::new("(?i)^[a-z]$").expect("valid");
        let mut buf = [0; 4];
        let folded: Vec<char> = (0x80..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| ascii_letter.is_match(c.encode_utf8(&mut buf)))
            .collect();
        assert_eq!(folded, ['\u{17f}', '\u{212a}']);
        for needle in ["reading", "read more", "on medium", "republi"] {
            assert!(!needle.contains(['k', 's']), "{needle}");
        }
    }

    #[test]
    fn checks_before_the_footer_regexes_keep_every_match() {
        let filler = |n: usize| "x".repeat(n);
        for gap in [0, 50, 99, 100, 101, 120] {
            for words in ["Continue reading", "READ MORE", "keep Reading"] {
                for end in ["", " »", " → →  ", "…", " ”"] {
                    let text = format!("Intro. {words} {}{end}", filler(gap));
                    let text = text.trim_end();
                    assert!(
                        may_end_with_more_text(text) || !MORE_TEXT.is_match(text),
                        "{text:?}"
                    );
                }
            }
        }
        let medium = "Title was originally published in Pub on Medium, where people are continuing the conversation by highlighting and responding to this story.";
        for text in [
            medium.to_string(),
            medium.to_uppercase(),
            format!("{medium} "),
        ] {
            assert!(MEDIUM_FOOTER.is_match(text.trim_end()));
            assert!(medium_footer(&text, "Title").is_some(), "{text}");
        }
        let republished = "This article is republished from The Conversation under a Creative Commons license. Read the original article.";
        assert_eq!(republished_footer(republished), Some(0));
        assert_eq!(republished_footer(&republished.to_uppercase()), Some(0));
    }

    #[test]
    fn truncation_tails() {
        let t = "He said… Continue reading T →";
        assert_eq!(
            truncation_tail(t, t.find("Continue")),
            Some("He said…".len())
        );
        let t = "WordPress excerpt […]";
        assert_eq!(truncation_tail(t, None), Some("WordPress excerpt".len()));
        let t = "Text … Read more »";
        assert_eq!(truncation_tail(t, None), Some("Text …".len()));
        let t = "Fortunately, I stil… Permalink";
        assert_eq!(
            truncation_tail(t, t.find("Permalink")),
            Some("Fortunately, I stil…".len())
        );
        assert_eq!(truncation_tail("Read more", Some(0)), Some(0));
        let t = "Intro. To read this article in full, please click here";
        assert_eq!(truncation_tail(t, t.find("To read")), Some("Intro.".len()));
        assert_eq!(
            truncation_tail("You can read more about it in the docs", None),
            None
        );
        assert_eq!(truncation_tail("See the docs", Some(8)), None);
    }

    #[test]
    fn related_link_cards() {
        let t = "Related: Fact check: Donald Trump's State of the Union address analyzed";
        assert!(is_related_link(t, t.find("Fact")));
        let t = "Related work: see the paper";
        assert!(!is_related_link(t, t.find("see")));
        assert!(!is_related_link("Fact check", Some(0)));
    }

    #[test]
    fn title_and_byline_lines() {
        assert!(is_title_repeat("“Last Take” review:", "'Last Take' Review"));
        assert!(!is_title_repeat(
            "Last Take review and more",
            "Last Take Review"
        ));
        let date = DateTime::parse_from_rfc3339("2024-03-03T10:00:00Z")
            .unwrap()
            .to_utc();
        assert!(is_byline(
            "By Jane Doe | March 3, 2024",
            Some("Jane Doe"),
            Some(date)
        ));
        assert!(is_byline("Posted on 2024-03-03", None, Some(date)));
        assert!(!is_byline("By the way, March was cold.", None, Some(date)));
        assert!(!is_byline("3 things", None, None));
        assert!(
            !is_byline("May", None, None),
            "nothing to repeat without metadata"
        );
        assert!(!is_byline(
            "By Jane Doe | May 3, 2023",
            Some("Max Roe"),
            Some(date)
        ));
    }

    #[test]
    fn element_rules() {
        assert!(is_chrome_marker("related-article"));
        assert!(is_chrome_marker("entry sharedaddy sd-sharing-enabled"));
        assert!(is_chrome_marker("jp-relatedposts"));
        assert!(!is_chrome_marker("article-body"));
        assert!(!is_chrome_marker("threads shareholders"));
        assert!(is_tracking_pixel(
            Some("https://x/t.gif"),
            Some("1"),
            Some("1")
        ));
        assert!(!is_tracking_pixel(
            Some("https://x/photo.jpg"),
            Some("640"),
            Some("1")
        ));
        assert!(is_feedburner_url(
            "http://feeds.feedburner.com/~ff/RockPaperShotgun?a=Yz"
        ));
        assert!(is_feedburner_url(
            "https://feeds.feedburner.com/~r/Foo/~4/abc"
        ));
        assert!(!is_feedburner_url("https://example.com/~r/x"));
        assert!(is_hacker_news_comments(
            "https://news.ycombinator.com/item?id=1",
            || " Comments ".into()
        ));
        assert!(!is_hacker_news_comments(
            "https://news.ycombinator.com/item?id=1",
            || "Discuss".into()
        ));
        assert!(!is_hacker_news_comments("https://example.com/", || {
            unreachable!("the text is only read for a Hacker News link")
        }));
    }

    #[test]
    fn chrome_words_are_lowercase_and_short() {
        for word in CHROME_WORDS {
            assert!(word.len() <= CHROME_WORD_MAX, "{word}");
            assert_eq!(word.to_ascii_lowercase(), *word);
        }
    }

    #[test]
    fn element_rules_ignore_ascii_case() {
        assert!(is_chrome_marker("Related-Posts"));
        assert!(is_chrome_marker("entry SHAREDADDY"));
        assert!(!is_chrome_marker("Shareholders"));
        assert!(is_feedburner_url("HTTP://Feeds.FeedBurner.com/~FF/Foo?a=1"));
        assert!(is_feedburner_url("https://da.FEEDSPORTAL.com/r/1/x.gif"));
        assert!(!is_feedburner_url("https://feeds.feedburner.com/Foo"));
    }

    #[test]
    fn one_search_finds_both_wordings_of_appeared_first_on() {
        let pieces = [
            "appeared", " first", " on", "first ", "first", " ", "on", "x", "é",
        ];
        let mut rng = crate::test_rng::TestRng::new(11);
        for _ in 0..20_000 {
            let count = rng.below(8);
            let text = rng.pieces(&pieces, count).concat();
            let expected = text.contains("appeared first on") || text.contains("first appeared on");
            assert_eq!(says_appeared_first_on(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn contains_ignore_ascii_case_finds_what_lowercasing_finds() {
        let alphabet = ["a", "B", "b", "/", "~", "é", "É", "ß", "K", "k"];
        let needles = ["ab", "b/", "~k", "é", "bab", "abbbbbbbbbbbbb"];
        let mut rng = crate::test_rng::TestRng::new(7);
        for _ in 0..5_000 {
            let mut haystack = String::new();
            for _ in 0..rng.below(9) {
                haystack.push_str(alphabet[rng.below(alphabet.len())]);
            }
            for needle in needles {
                let expected = haystack.to_ascii_lowercase().contains(needle);
                assert_eq!(
                    contains_ignore_ascii_case(haystack.as_bytes(), needle.as_bytes()),
                    expected,
                    "{haystack:?} {needle:?}"
                );
            }
        }
    }
}
