use std::collections::HashSet;

use super::*;

/// A deterministic text of `n` words drawn from a small vocabulary, different per `seed`.
fn prose(seed: u64, n: usize) -> String {
    const VOCAB: &[&str] = &[
        "the",
        "council",
        "voted",
        "on",
        "budget",
        "for",
        "new",
        "river",
        "bridge",
        "after",
        "months",
        "of",
        "debate",
        "residents",
        "said",
        "traffic",
        "would",
        "ease",
        "mayor",
        "promised",
        "funding",
        "from",
        "state",
        "engineers",
        "warned",
        "costs",
        "could",
        "rise",
        "next",
        "year",
        "while",
        "opponents",
        "asked",
        "a",
        "review",
        "and",
        "delay",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut words = Vec::with_capacity(n);
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        words.push(VOCAB[(x % VOCAB.len() as u64) as usize]);
        if i % 12 == 11 {
            words.push("\n\n");
        }
    }
    words.join(" ")
}

#[test]
fn tracking_parameters_case_fragment_and_port_are_normalised() {
    let a = canonical_url(
        "https://Collider.com:443/last-take/?utm_source=rss&utm_medium=feed#comments",
    );
    let b = canonical_url("https://collider.com/last-take/?fbclid=abc&ref=rss");
    assert_eq!(a.as_deref(), Some("https://collider.com/last-take/"));
    assert_eq!(a, b);
    assert_eq!(
        canonical_url("http://e.com/a?b=2&a=1&gclid=x").as_deref(),
        Some("http://e.com/a?a=1&b=2")
    );
    assert_eq!(canonical_url("mailto:x@e.com"), None);
}

#[test]
fn variants_cover_scheme_www_and_trailing_slash() {
    let v = same_page_variants("http://www.e.com/post/");
    assert_eq!(v[0], "http://www.e.com/post/");
    for expected in [
        "https://e.com/post",
        "https://www.e.com/post/",
        "http://e.com/post",
    ] {
        assert!(
            v.contains(&expected.to_string()),
            "{expected} missing from {v:?}"
        );
    }
    assert_eq!(same_page_variants("https://e.com/a?id=1").len(), 4);
}

#[test]
fn a_front_page_does_not_name_a_story() {
    assert!(!names_a_story("https://e.com/"));
    assert!(names_a_story("https://e.com/?p=12"));
    assert!(names_a_story("https://e.com/2024/story"));
}

#[test]
fn fingerprints_ignore_case_and_punctuation_but_need_length() {
    let long = "word ".repeat(text::MIN_FINGERPRINT_WORDS);
    assert!(fingerprint(&long).is_some());
    assert_eq!(
        fingerprint(&long.to_uppercase().replace(' ', ", ")),
        fingerprint(&long)
    );
    assert_eq!(fingerprint("Comments"), None);
}

#[test]
fn cjk_characters_are_words() {
    assert_eq!(
        text::words("東京で雨 Rain-fall"),
        ["東", "京", "で", "雨", "rain", "fall"]
    );
}

#[test]
fn a_copy_with_one_sentence_edited_is_a_near_copy() {
    let original = prose(1, 300);
    let sentence = original
        .split("\n\n")
        .nth(10)
        .unwrap_or_default()
        .to_string();
    let edited = original.replacen(
        &sentence,
        " the editor rewrote this sentence entirely today ",
        1,
    );
    let (a, b) = (Profile::new(&original), Profile::new(&edited));
    assert!(
        matches!(a.likeness(&b), Some(Likeness::Near(s)) if s > 0.8),
        "{:?}",
        a.similarity(&b)
    );
    let shared = a
        .index_keys()
        .iter()
        .filter(|k| b.index_keys().contains(k))
        .count();
    assert!(shared >= 2, "near copies share LSH keys: {shared}");
}

#[test]
fn a_copy_with_another_footer_is_a_near_copy() {
    let body = prose(2, 250);
    let a = Profile::new(&format!(
        "{body}\n\nRead more stories like this at the Daily Planet, your source for city news."
    ));
    let b = Profile::new(&format!(
        "{body}\n\nThis story was syndicated by the Metro Wire service; all rights reserved."
    ));
    assert!(matches!(a.likeness(&b), Some(Likeness::Near(_))));
}

#[test]
fn different_texts_on_the_same_topic_are_not_copies() {
    let (a, b) = (Profile::new(&prose(3, 400)), Profile::new(&prose(4, 400)));
    assert!(a.similarity(&b) < 0.2, "{}", a.similarity(&b));
    assert_eq!(a.likeness(&b), None);
}

#[test]
fn a_teaser_is_the_start_of_the_full_text() {
    let full = prose(5, 600);
    let words: Vec<&str> = full.split_whitespace().collect();
    let teaser = format!("{} documen…", words[..55].join(" "));
    let (t, f) = (Profile::new(&teaser), Profile::new(&full));
    assert_eq!(
        t.likeness(&f),
        Some(Likeness::Teaser { words: 56, of: 600 })
    );
    assert!(t.index_keys().iter().any(|k| f.index_keys().contains(k)));
    let short = Profile::new(&words[..20].join(" "));
    assert_eq!(short.likeness(&f), None, "20 words are too few to be sure");
    assert!(short.index_keys().is_empty());
}

fn in_feed(items: &[(&str, &str)]) -> Vec<FeedItem> {
    items
        .iter()
        .map(|(guid, url)| FeedItem {
            guid: guid.to_string(),
            url: Some(url.to_string()),
        })
        .collect()
}

fn similar(article: i64, content: &str, items: &[(&str, &str)]) -> SimilarArticle {
    SimilarArticle {
        article,
        content: content.to_string(),
        in_feed: in_feed(items),
    }
}

#[test]
fn policy_order() {
    let profile = Profile::new(&prose(6, 200));
    let incoming = Incoming {
        fetched: &HashSet::new(),
        url: None,
        title: "Roundup",
        profile: &profile,
    };
    let c = Candidates {
        same_url: Some(2),
        same_text: Some(TextMatch {
            article: 3,
            in_feed: Vec::new(),
        }),
        ..Candidates::default()
    };
    assert_eq!(
        resolve(&incoming, &c),
        Resolution::Copy {
            article: 2,
            rule: Rule::SameUrl,
            score: None
        }
    );
    let known = KnownItem {
        item: 7,
        article: 9,
    };
    let link = |title: &str, content: &str| SameLink {
        known,
        title: title.to_string(),
        content: content.to_string(),
    };
    let c = Candidates {
        same_link: vec![link("Roundup", "")],
        ..c
    };
    assert_eq!(
        resolve(&incoming, &c),
        Resolution::Known(known, Rule::SameLink)
    );
    let c = Candidates {
        same_link: vec![link("Other post", &prose(6, 200))],
        ..c
    };
    assert_eq!(
        resolve(&incoming, &c),
        Resolution::Known(known, Rule::SameLink)
    );
    let daily = Candidates {
        same_link: vec![link("Yesterday's page", &prose(8, 200))],
        ..Candidates::default()
    };
    assert_eq!(
        resolve(&incoming, &daily),
        Resolution::New,
        "a reused link with a new title and text is not the same item"
    );
    assert_eq!(resolve(&incoming, &Candidates::default()), Resolution::New);
}

#[test]
fn near_copies_merge_across_feeds_but_not_posts_the_feed_gave_their_own_url() {
    let text = prose(7, 300);
    let profile = Profile::new(&format!("{text} An extra closing line."));
    let url = Some("https://blog.example/2024/05/weekly-roundup-19");
    let incoming = Incoming {
        fetched: &HashSet::new(),
        url,
        title: "Weekly roundup",
        profile: &profile,
    };
    let other_feed = Candidates {
        similar: vec![similar(4, &text, &[])],
        ..Candidates::default()
    };
    assert!(matches!(
        resolve(&incoming, &other_feed),
        Resolution::Copy {
            article: 4,
            rule: Rule::NearText,
            score: Some(_)
        }
    ));
    let own_post = Candidates {
        similar: vec![similar(
            4,
            &text,
            &[("w18", "https://blog.example/2024/05/weekly-roundup-18")],
        )],
        ..Candidates::default()
    };
    assert_eq!(resolve(&incoming, &own_post), Resolution::New);
    let same_text_own_post = Candidates {
        same_text: Some(TextMatch {
            article: 4,
            in_feed: in_feed(&[("w18", "https://blog.example/2024/05/weekly-roundup-18")]),
        }),
        ..Candidates::default()
    };
    assert_eq!(resolve(&incoming, &same_text_own_post), Resolution::New);
    let fetched: HashSet<String> = ["status-2".to_string(), "status-1".to_string()].into();
    let no_links = Incoming {
        url: None,
        title: "Support System - Down",
        fetched: &fetched,
        profile: &profile,
    };
    let served_together = Candidates {
        same_text: Some(TextMatch {
            article: 5,
            in_feed: vec![FeedItem {
                guid: "status-1".to_string(),
                url: None,
            }],
        }),
        ..Candidates::default()
    };
    assert_eq!(
        resolve(&no_links, &served_together),
        Resolution::New,
        "one fetch, two posts"
    );
}

#[test]
fn only_a_clearly_longer_text_replaces_the_story() {
    assert!(prefer_text(300, 3000));
    assert!(!prefer_text(3000, 3100));
}

/// The keys are stored in databases: these values were computed by the first version of
/// the hashing code, and a faster version must give exactly the same.
#[test]
fn stored_keys_never_change() {
    let text = format!(
        "{} Ünïcode Straße, ÉCOLE 東京で雨 rain-fall, 3.14 co-op!",
        prose(7, 120)
    );
    let profile = Profile::new(&text);
    let keys: Vec<i64> = profile.index_keys();
    let sum = keys
        .iter()
        .fold(0i64, |h, &k| h.wrapping_mul(31).wrapping_add(k));
    assert_eq!(
        text::fingerprint(&text).as_deref(),
        Some("b6fee02d9487f913707eca82f78b089b")
    );
    assert_eq!((keys.len(), sum), (21, -1146343732386373968));
}
