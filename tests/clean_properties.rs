//! Property: for generated HTML, the words of the clean text are exactly the words of the
//! input's text nodes, in order, where only block boundaries, `<br>` and whitespace separate
//! words. No word is glued to its neighbour, none is split, none is lost or invented.

use feedsift::clean::clean_text;
use proptest::prelude::*;

/// A generated fragment: its HTML, and its text as the words should come out.
#[derive(Debug, Clone)]
struct Fragment {
    html: String,
    text: String,
}

/// Words that could make a boilerplate rule fire are left out, so nothing is removed.
const RULE_WORDS: &[&str] = &[
    "the",
    "post",
    "appeared",
    "first",
    "on",
    "continue",
    "reading",
    "read",
    "more",
    "keep",
    "submitted",
    "by",
    "originally",
    "published",
    "comments",
    "related",
    "full",
    "story",
    "article",
    "republished",
    "medium",
    "this",
    "rest",
];

fn word() -> impl Strategy<Value = String> {
    ("[a-zA-Z]{1,9}", prop::option::of("[,.;!?”’)]"))
        .prop_filter("not a rule word", |(w, _)| {
            !RULE_WORDS.contains(&w.to_lowercase().as_str())
        })
        .prop_map(|(w, p)| format!("{w}{}", p.unwrap_or_default()))
}

fn leaf() -> impl Strategy<Value = Fragment> {
    prop_oneof![
        4 => word().prop_map(|w| Fragment { html: w.clone(), text: w }),
        1 => Just(Fragment { html: " ".into(), text: " ".into() }),
        1 => Just(Fragment { html: "\n  ".into(), text: " ".into() }),
        1 => Just(Fragment { html: "&nbsp;".into(), text: " ".into() }),
        1 => Just(Fragment { html: "<br>".into(), text: " ".into() }),
        1 => Just(Fragment { html: "&amp;amp;".into(), text: "&".into() }),
    ]
}

/// Inline elements that may nest in each other (links may not, so they only wrap words).
const INLINE: &[&str] = &["em", "strong", "b", "i", "span", "code", "sup"];
/// Blocks that hold only inline content, and blocks that may hold other blocks. The HTML
/// parser rewrites invalid nesting (a heading in a heading, a block in a `<p>`), so the
/// generator only nests what the parser keeps as written.
const TEXT_BLOCKS: &[&str] = &["p", "h2", "li", "figcaption"];
const CONTAINERS: &[&str] = &["div", "section", "blockquote"];

fn wrap(tag: &str, children: &[Fragment], block: bool) -> Fragment {
    let html: String = children.iter().map(|c| c.html.as_str()).collect();
    let text: String = children.iter().map(|c| c.text.as_str()).collect();
    Fragment {
        html: format!("<{tag}>{html}</{tag}>"),
        text: if block { format!(" {text} ") } else { text },
    }
}

fn inline() -> impl Strategy<Value = Fragment> {
    let link = word().prop_map(|w| Fragment {
        html: format!("<a href=\"https://e.com/x\">{w}</a>"),
        text: w,
    });
    prop_oneof![4 => leaf(), 1 => link].prop_recursive(3, 24, 5, |inner| {
        (prop::collection::vec(inner, 1..5), 0..INLINE.len())
            .prop_map(|(children, pick)| wrap(INLINE[pick], &children, false))
    })
}

fn text_block() -> impl Strategy<Value = Fragment> {
    (prop::collection::vec(inline(), 1..6), 0..TEXT_BLOCKS.len())
        .prop_map(|(children, pick)| wrap(TEXT_BLOCKS[pick], &children, true))
}

fn fragment() -> impl Strategy<Value = Fragment> {
    let unit = prop_oneof![2 => text_block(), 1 => inline()];
    unit.prop_recursive(3, 32, 5, |inner| {
        (prop::collection::vec(inner, 1..5), 0..CONTAINERS.len())
            .prop_map(|(children, pick)| wrap(CONTAINERS[pick], &children, true))
    })
}

/// Output words, without the list markers the text adds for `<li>`.
fn output_words(text: &str) -> Vec<&str> {
    text.split_whitespace().filter(|w| *w != "-").collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn words_survive_exactly(fragment in fragment()) {
        let out = clean_text(&fragment.html);
        let expected: Vec<&str> = fragment.text.split_whitespace().collect();
        prop_assert_eq!(output_words(&out), expected, "html: {}\nout: {}", fragment.html, out);
    }

    #[test]
    fn never_panics_and_stays_bounded(html in "\\PC{0,300}") {
        let out = clean_text(&html);
        prop_assert!(out.len() <= html.len() * 3 + 16);
    }
}
