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

use std::collections::{HashMap, HashSet};

use super::boilerplate::{MONTHS, WEEKDAYS, words};

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

/// The words of a paragraph with what changes from item to item replaced by placeholders.
pub fn mask(paragraph: &str, title: &str) -> Vec<String> {
    let without_urls: String = paragraph
        .split_whitespace()
        .map(|w| {
            if w.contains("://") || w.starts_with("www.") {
                " <url> "
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Vec::new();
    for word in without_urls.split_whitespace() {
        if word == "<url>" {
            out.push(word.to_string());
            continue;
        }
        for w in words(word) {
            out.push(mask_word(w));
        }
    }
    let title = words(title);
    if !title.is_empty() {
        out = replace_run(out, &title.into_iter().map(mask_word).collect::<Vec<_>>());
    }
    out
}

fn mask_word(word: String) -> String {
    if word.chars().any(|c| c.is_numeric()) {
        "<n>".into()
    } else if MONTHS.contains(&word.as_str()) || WEEKDAYS.contains(&word.as_str()) || word == "sept"
    {
        "<d>".into()
    } else {
        word
    }
}

/// Replaces every occurrence of the word run `needle` in `words` with `<title>`.
fn replace_run(words: Vec<String>, needle: &[String]) -> Vec<String> {
    if needle.is_empty() || needle.len() > words.len() {
        return words;
    }
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if words[i..].starts_with(needle) {
            out.push("<title>".to_string());
            i += needle.len();
        } else {
            out.push(words[i].clone());
            i += 1;
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
