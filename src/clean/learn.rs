//! Learned boilerplate: paragraphs at the head or tail of a feed's items that repeat across
//! several items are the publisher's wrapper, whatever language or wording it uses.
//!
//! Each item contributes the keys of its edge paragraphs (the first [`HEAD`] and the last
//! [`TAIL`]). A key is a hash of the paragraph with the item's own title, URLs, numbers and
//! date words masked, so "The post <title> appeared first on Site." has one key across all
//! items. A key becomes boilerplate when at least [`MIN_ITEMS`] items, and at least one in
//! [`MIN_SHARE`] of the sampled items, carry it at an edge. Paragraphs in the middle of an
//! item are never keyed, so a sentence items share inside their bodies is never learned, and a
//! feed with fewer than [`MIN_ITEMS`] items learns nothing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::boilerplate::{MONTHS, WEEKDAYS, lower_words};

/// Paragraphs keyed at the start of an item.
pub const HEAD: usize = 2;
/// Paragraphs keyed at the end of an item.
pub const TAIL: usize = 2;
/// Paragraphs longer than this are article text, never keyed.
pub const MAX_CHARS: usize = 600;
/// Fewest distinct items that must share an edge paragraph.
pub const MIN_ITEMS: usize = 3;
/// Smallest share of the sampled items (1 in N) that must carry it.
pub const MIN_SHARE: usize = 5;

/// The key of an edge paragraph, or `None` when masking leaves nothing to recognise it by.
pub fn key(paragraph: &str, title: &str) -> Option<u64> {
    if paragraph.chars().count() > MAX_CHARS {
        return None;
    }
    let masked = mask(paragraph, title);
    if !masked.iter().any(|w| !w.starts_with('<')) {
        return None;
    }
    let hash = blake3::hash(masked.join(" ").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    Some(u64::from_le_bytes(bytes) >> 1)
}

/// The words of a paragraph (lower case) with what changes from item to item replaced by
/// placeholders: `<url>`, `<n>` (numbers), `<d>` (month and day names), `<title>` (the
/// item's title).
pub fn mask<'a>(paragraph: &'a str, title: &str) -> Vec<Cow<'a, str>> {
    let mut out = Vec::new();
    for word in paragraph.split_whitespace() {
        if word == "<url>" || word.contains("://") || word.starts_with("www.") {
            out.push(Cow::Borrowed("<url>"));
        } else {
            out.extend(lower_words(word).map(mask_word));
        }
    }
    let title: Vec<Cow<'_, str>> = lower_words(title).map(mask_word).collect();
    if !title.is_empty() {
        out = replace_run(out, &title);
    }
    out
}

fn mask_word(word: Cow<'_, str>) -> Cow<'_, str> {
    if word.chars().any(|c| c.is_numeric()) {
        Cow::Borrowed("<n>")
    } else if MONTHS.contains(&&*word) || WEEKDAYS.contains(&&*word) || word == "sept" {
        Cow::Borrowed("<d>")
    } else {
        word
    }
}

/// Replaces every occurrence of the word run `needle` in `words` with `<title>`.
fn replace_run<'a>(words: Vec<Cow<'a, str>>, needle: &[Cow<'_, str>]) -> Vec<Cow<'a, str>> {
    let mut starts = Vec::new();
    let mut i = 0;
    while !needle.is_empty() && i + needle.len() <= words.len() {
        if words[i..].starts_with(needle) {
            starts.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    if starts.is_empty() {
        return words;
    }
    let mut starts = starts.into_iter().peekable();
    let mut skip_until = 0;
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.into_iter().enumerate() {
        if starts.next_if_eq(&i).is_some() {
            out.push(Cow::Borrowed("<title>"));
            skip_until = i + needle.len();
        } else if i >= skip_until {
            out.push(word);
        }
    }
    out
}

/// The edge keys of one item, as stored with it and sampled by [`learn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    /// Identifies the item within its feed, so that one item counts once.
    pub guid: String,
    pub keys: Vec<u64>,
}

/// The keys that count as boilerplate in this sample of one feed's items.
pub fn learn(sample: &[ItemKeys]) -> HashMap<u64, usize> {
    let mut items_per_key: HashMap<u64, HashSet<&str>> = HashMap::new();
    let mut items: HashSet<&str> = HashSet::new();
    for item in sample {
        items.insert(&item.guid);
        for &key in &item.keys {
            items_per_key.entry(key).or_default().insert(&item.guid);
        }
    }
    let needed = MIN_ITEMS.max(items.len().div_ceil(MIN_SHARE));
    items_per_key
        .into_iter()
        .filter(|(_, guids)| guids.len() >= needed)
        .map(|(key, guids)| (key, guids.len()))
        .collect()
}

/// Keys as stored in the database: hex, space-separated.
pub fn encode_keys(keys: &[u64]) -> String {
    keys.iter()
        .map(|k| format!("{k:016x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inverse of [`encode_keys`]; malformed entries are skipped.
pub fn decode_keys(text: &str) -> Vec<u64> {
    text.split_whitespace()
        .filter_map(|k| u64::from_str_radix(k, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(guid: &str, keys: &[u64]) -> ItemKeys {
        ItemKeys {
            guid: guid.into(),
            keys: keys.to_vec(),
        }
    }

    #[test]
    fn masking_makes_footers_with_different_titles_equal() {
        let a = key("The post Alpha beta appeared first on Site.", "Alpha beta");
        let b = key("The post Gamma appeared first on Site.", "Gamma");
        assert_eq!(a, b);
        assert!(a.is_some());
        assert_eq!(
            key("Posted March 3, 2024 at https://x.example/a", ""),
            key("Posted May 21, 2025 at https://y.example/b", "")
        );
        assert_ne!(key("Subscribe now", ""), key("Unsubscribe now", ""));
        assert_eq!(key("12 May 2024", ""), None);
    }

    #[test]
    fn keys_are_those_stored_by_earlier_versions() {
        // Keys are stored with items and learned per feed: a change here would forget what
        // every feed has learned. Values computed by the version that built words as Strings.
        let footer = "The post Ünïcode Title 3 appeared first on Site Name on March 3, 2024 (https://e.com/x?a=1).";
        assert_eq!(
            mask(footer, "Ünïcode Title 3").join(" "),
            "the post <title> appeared first on site name on <d> <n> <n> <url>"
        );
        assert_eq!(
            key(footer, "Ünïcode Title 3"),
            Some(2_104_679_752_296_752_592)
        );
    }

    #[test]
    fn needs_three_items_and_a_fifth_of_the_sample() {
        let few = [item("a", &[1]), item("b", &[1])];
        assert!(learn(&few).is_empty());
        let three = [item("a", &[1, 2]), item("b", &[1]), item("c", &[1, 3])];
        assert_eq!(learn(&three), HashMap::from([(1, 3)]));
        let mut many: Vec<ItemKeys> = (0..20).map(|i| item(&i.to_string(), &[i + 100])).collect();
        many.extend((0..3).map(|i| item(&format!("x{i}"), &[7])));
        assert!(learn(&many).is_empty(), "3 of 23 is too rare");
        let same_item_twice = [item("a", &[1]), item("a", &[1]), item("b", &[1])];
        assert!(learn(&same_item_twice).is_empty());
    }

    #[test]
    fn keys_round_trip_as_text() {
        let keys = vec![0, 1, u64::MAX >> 1];
        assert_eq!(decode_keys(&encode_keys(&keys)), keys);
    }
}
