//! What identifies a story by its clean text: the exact fingerprint, and the near-copy
//! profile (word 3-shingles, their MinHash signature cut into LSH bands, the lead words a
//! teaser shares with its full article).
//!
//! The hashes here are stored in the database (`article_keys`), so they must never change
//! between versions: they are written out (FNV-1a and splitmix64), not taken from `std`,
//! whose hasher may change with the compiler. Changing any constant below means a new
//! schema migration that re-indexes every article.

use std::cmp::Ordering;

/// Texts shorter than this never match by fingerprint: short texts ("Comments", "Read more",
/// a paywall notice) repeat across unrelated items.
pub const MIN_FINGERPRINT_WORDS: usize = 40;

/// Both texts need this many words before they can match as near copies: below it, one
/// changed sentence is a different text, and short notices look alike.
pub const MIN_NEAR_WORDS: usize = 50;

/// Share of word 3-shingles two texts must have in common (Jaccard) to be near copies.
/// A copy with one sentence edited or another footer scores 0.8 and more; two articles on
/// the same event, written separately, score below 0.1 (docs/dedup.md has the figures).
pub const NEAR_SIMILARITY: f64 = 0.6;

/// A teaser is the first words of the full article; it needs this many (a WordPress excerpt
/// has 55), and its lead key is made of this many.
pub const TEASER_WORDS: usize = 40;

const SHINGLE_WORDS: usize = 3;
/// LSH: the MinHash signature has `BANDS * ROWS` values; two texts become candidates when
/// one band is equal. With 20 bands of 3, a pair at similarity 0.6 is found with
/// probability 0.992, at 0.8 with 1 - 1e-11; a pair at 0.1, 0.02.
const BANDS: usize = 20;
const ROWS: usize = 3;

/// A text's words: lowercase letters and digits; each CJK character is a word of its own
/// (those scripts do not separate words with spaces).
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for_each_word(text, |w| words.push(w.to_string()));
    words
}

/// Calls `f` with each of [`words`] in order, without allocating a string per word.
/// A word of lowercase ASCII letters and digits is passed as a slice of `text`; others are
/// lowered into a buffer first.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut current = String::with_capacity(32);
    let mut cjk = [0u8; 4];
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii_alphanumeric() {
            let end = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(bytes.len(), |n| i + n);
            let run = &text[i..end];
            // A non-ASCII letter after the run would continue the word.
            let whole_word = current.is_empty() && bytes.get(end).is_none_or(u8::is_ascii);
            if whole_word && !run.bytes().any(|b| b.is_ascii_uppercase()) {
                f(run);
            } else {
                let from = current.len();
                current.push_str(run);
                current[from..].make_ascii_lowercase();
            }
            i = end;
        } else if b.is_ascii() {
            flush(&mut current, &mut f);
            i += 1;
        } else {
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            if is_cjk(c) {
                flush(&mut current, &mut f);
                f(c.encode_utf8(&mut cjk));
            } else if c.is_alphanumeric() {
                current.extend(c.to_lowercase());
            } else {
                flush(&mut current, &mut f);
            }
            i += c.len_utf8();
        }
    }
    flush(&mut current, &mut f);
}

fn flush(current: &mut String, f: &mut impl FnMut(&str)) {
    if !current.is_empty() {
        f(current);
        current.clear();
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF) // CJK Extensions B and later
}

/// Fingerprint of clean text: a hash of its words, lowercased, punctuation and spacing
/// ignored. `None` when the text is too short to identify a story.
pub fn fingerprint(text: &str) -> Option<String> {
    let (joined, count) = join_words(text, |_| {});
    fingerprint_of(&joined, count)
}

/// [`fingerprint`] and [`Profile::new`] of one text, from one pass over its words, with the
/// profile's index keys already computed: the pipeline calls this on the processing
/// threads, so that the store's single writer does not spend its time on MinHash (5% of a
/// cold ingest's CPU when it did).
pub fn identify(text: &str) -> (Option<String>, Profile) {
    let mut words = Vec::with_capacity(text.len() / 6);
    let (joined, count) = join_words(text, |w| words.push(fnv1a(w.as_bytes())));
    let profile = Profile::from_word_hashes(words);
    let _ = profile.keys.set(profile.compute_keys());
    (fingerprint_of(&joined, count), profile)
}

/// The text's [`words`] joined by single spaces, and how many there are; `each` sees every
/// word on the way.
fn join_words(text: &str, mut each: impl FnMut(&str)) -> (String, usize) {
    let (mut joined, mut count) = (String::with_capacity(text.len()), 0);
    for_each_word(text, |w| {
        if count > 0 {
            joined.push(' ');
        }
        joined.push_str(w);
        count += 1;
        each(w);
    });
    (joined, count)
}

fn fingerprint_of(joined: &str, words: usize) -> Option<String> {
    (words >= MIN_FINGERPRINT_WORDS)
        .then(|| blake3::hash(joined.as_bytes()).to_hex()[..32].to_string())
}

/// A text prepared for near-copy comparison.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Hash of each word, in order.
    words: Vec<u64>,
    /// Hashes of its word 3-shingles, sorted, without repeats.
    shingles: Vec<u64>,
    /// [`Profile::index_keys`], computed once: ingest needs them to look up and to store.
    keys: std::cell::OnceCell<Vec<i64>>,
}

/// How two texts are alike, when they are copies of one story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Likeness {
    /// Near copies: this share of their shingles is common.
    Near(f64),
    /// One text (`words` long) is the start of the other, a teaser of the full article.
    Teaser { words: usize, of: usize },
}

impl Profile {
    pub fn new(text: &str) -> Profile {
        let mut words = Vec::with_capacity(text.len() / 6);
        for_each_word(text, |w| words.push(fnv1a(w.as_bytes())));
        Profile::from_word_hashes(words)
    }

    fn from_word_hashes(words: Vec<u64>) -> Profile {
        let mut shingles: Vec<u64> = words
            .windows(SHINGLE_WORDS)
            .map(|w| w.iter().fold(0x5348_494e_474c_4553, |h, &x| mix(h ^ x)))
            .collect();
        shingles.sort_unstable();
        shingles.dedup();
        Profile {
            words,
            shingles,
            keys: std::cell::OnceCell::new(),
        }
    }

    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The keys under which the store indexes this text, and looks for its copies: one per
    /// LSH band when the text is long enough for near matching, and its lead key when it is
    /// long enough to be a teaser.
    pub fn index_keys(&self) -> Vec<i64> {
        self.keys.get_or_init(|| self.compute_keys()).clone()
    }

    fn compute_keys(&self) -> Vec<i64> {
        let mut keys = Vec::with_capacity(BANDS + 1);
        if self.words.len() >= MIN_NEAR_WORDS {
            let signature = self.minhash();
            for (band, rows) in signature.chunks(ROWS).enumerate() {
                let key = rows.iter().fold(mix(band as u64 + 1), |h, &x| mix(h ^ x));
                keys.push(key as i64);
            }
        }
        if self.words.len() >= TEASER_WORDS {
            let lead = self.words[..TEASER_WORDS]
                .iter()
                .fold(mix(BANDS as u64 + 1), |h, &x| mix(h ^ x));
            keys.push(lead as i64);
        }
        keys
    }

    fn minhash(&self) -> [u64; BANDS * ROWS] {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU has AVX-512 F and DQ (DQ implies F), checked just above.
            return unsafe { minhash_avx512(&self.shingles) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { minhash_avx2(&self.shingles) };
        }
        minhash(&self.shingles)
    }

    /// Whether `self` and `other` are copies of one story, and how alike they are.
    /// Near copies first: a copy with a longer footer also starts like the other, but it
    /// is not a teaser.
    pub fn likeness(&self, other: &Profile) -> Option<Likeness> {
        if self.words.len() >= MIN_NEAR_WORDS && other.words.len() >= MIN_NEAR_WORDS {
            let similarity = self.similarity(other);
            if similarity >= NEAR_SIMILARITY {
                return Some(Likeness::Near(similarity));
            }
        }
        self.teaser_of(other).or_else(|| other.teaser_of(self))
    }

    /// Jaccard similarity of the two shingle sets.
    pub fn similarity(&self, other: &Profile) -> f64 {
        let common = sorted_intersection(&self.shingles, &other.shingles);
        let union = self.shingles.len() + other.shingles.len() - common;
        if union == 0 {
            0.0
        } else {
            common as f64 / union as f64
        }
    }

    /// `self` is the start of `other`; its last word may be cut ("documen…").
    fn teaser_of(&self, other: &Profile) -> Option<Likeness> {
        let n = self.words.len();
        let compared = n.checked_sub(1)?;
        (n >= TEASER_WORDS
            && other.words.len() > n
            && self.words[..compared] == other.words[..compared])
            .then_some(Likeness::Teaser {
                words: n,
                of: other.words.len(),
            })
    }
}

fn sorted_intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One pass over the shingles with every seed at once: the same minimums as one pass per
/// seed, with the work for the seeds independent of each other (the CPU overlaps it, and the
/// compiler turns it into vector code).
#[inline(always)]
fn minhash(shingles: &[u64]) -> [u64; BANDS * ROWS] {
    let seeds: [u64; BANDS * ROWS] = std::array::from_fn(|i| mix(0x4d49_4e48_4153_4800 + i as u64));
    let mut mins = [u64::MAX; BANDS * ROWS];
    for &s in shingles {
        for (min, seed) in mins.iter_mut().zip(&seeds) {
            *min = (*min).min(mix(s ^ seed));
        }
    }
    mins
}

/// [`minhash`] compiled for AVX2: four lanes instead of SSE2's two, and 64-bit compares in
/// one instruction; 1.7 times as fast, with the same result (a test compares them).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn minhash_avx2(shingles: &[u64]) -> [u64; BANDS * ROWS] {
    minhash(shingles)
}

/// [`minhash`] compiled for AVX-512: eight lanes, and the 64-bit multiplies of [`mix`] in
/// one instruction each (AVX2 builds them from 32-bit ones); same result (a test compares).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn minhash_avx512(shingles: &[u64]) -> [u64; BANDS * ROWS] {
    minhash(shingles)
}

/// The splitmix64 finalizer: a cheap, well-mixed permutation of 64-bit values.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word splitter before it passed ASCII words as slices: a character at a time.
    fn words_a_char_at_a_time(text: &str) -> Vec<String> {
        let (mut out, mut current) = (Vec::new(), String::new());
        let end_word = |current: &mut String, out: &mut Vec<String>| {
            if !current.is_empty() {
                out.push(std::mem::take(current));
            }
        };
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                current.push(c.to_ascii_lowercase());
            } else if c.is_ascii() {
                end_word(&mut current, &mut out);
            } else if is_cjk(c) {
                end_word(&mut current, &mut out);
                out.push(c.to_string());
            } else if c.is_alphanumeric() {
                current.extend(c.to_lowercase());
            } else {
                end_word(&mut current, &mut out);
            }
        }
        end_word(&mut current, &mut out);
        out
    }

    #[test]
    fn words_are_split_as_a_character_at_a_time() {
        let pieces = [
            "a", "Z", "q", "7", " ", "-", "'", "\n", "é", "É", "ß", "İ", "K", "東", "ア",
            "\u{301}", "’", "…", "\u{a0}", "Ω", "x9", "AB",
        ];
        let mut seed = 11u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..seed % 12 {
                seed = mix(seed);
                text.push_str(pieces[(seed >> 40) as usize % pieces.len()]);
            }
            seed = mix(seed);
            assert_eq!(words(&text), words_a_char_at_a_time(&text), "{text:?}");
        }
    }

    #[test]
    fn identify_gives_the_fingerprint_and_profile_of_separate_passes() {
        let text = "The Quick brown fox — jumps over the lazy dog, café 東京 ".repeat(12);
        let (fingerprint, profile) = identify(&text);
        let joined = words_a_char_at_a_time(&text).join(" ");
        assert_eq!(
            fingerprint,
            Some(blake3::hash(joined.as_bytes()).to_hex()[..32].to_string())
        );
        assert_eq!(profile.index_keys(), Profile::new(&text).index_keys());
        assert_eq!(identify("Too short").0, None);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_vector_minhashes_give_the_portable_result() {
        type Minhash = unsafe fn(&[u64]) -> [u64; BANDS * ROWS];
        let variants: [(&str, bool, Minhash); 2] = [
            ("AVX2", std::is_x86_feature_detected!("avx2"), minhash_avx2),
            (
                "AVX-512 DQ",
                std::is_x86_feature_detected!("avx512dq"),
                minhash_avx512,
            ),
        ];
        for (name, available, vector) in variants {
            if !available {
                eprintln!("skipped: this CPU has no {name}");
                continue;
            }
            for n in [0, 1, 3, 4, 5, 8, 9, 17, 800] {
                let shingles: Vec<u64> = (0..n).map(|i| mix(i * 7919 + n)).collect();
                // SAFETY: the CPU has the variant's features, checked above.
                assert_eq!(
                    unsafe { vector(&shingles) },
                    minhash(&shingles),
                    "{name}, {n} shingles"
                );
            }
        }
    }
}
