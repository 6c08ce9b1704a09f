//! Where a run of words may end: the bytes of a text that are not word bytes or single ASCII
//! spaces between words, found sixteen bytes at a time.
//!
//! Text nodes are split into runs of words ([`super::text::space_runs`]) by the segments,
//! the text conversion and nothing else, and most of their bytes are letters and single
//! spaces. Checking each byte against the space table cost more than the rest of the split;
//! this search skips the plain stretches and leaves the exact test to the caller at the few
//! places it stops.

/// The first index at or after `at` whose byte is a candidate (see [`is_candidate`]), or
/// `bytes.len()`.
pub(super) fn next_candidate(bytes: &[u8], at: usize) -> usize {
    // SAFETY: SSE2 is part of every x86_64 target.
    #[cfg(target_arch = "x86_64")]
    let at = unsafe { sse2::skip_plain_blocks(bytes, at) };
    (at..bytes.len())
        .find(|&i| is_candidate(bytes[i], bytes.get(i + 1).copied()))
        .unwrap_or(bytes.len())
}

/// Whether byte `a`, followed by `next` (`None` at the end), may end a run: an ASCII
/// control character, a space not followed by a printable ASCII byte, or a byte that may
/// start a space beyond ASCII (U+0085 and U+00A0 start with 0xC2, U+1680 with 0xE1, the
/// others between U+2000 and U+3000 with 0xE2 or 0xE3). Every byte that ends a run is a
/// candidate; not every candidate ends one.
pub(super) fn is_candidate(a: u8, next: Option<u8>) -> bool {
    let plain_next = next.is_some_and(|b| b > b' ' && b < 0x80);
    a < b' ' || (a == b' ' && !plain_next) || a == 0xC2 || (0xE1..=0xE3).contains(&a)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
    };

    /// Skips the blocks of sixteen bytes, from `at`, that hold no candidate; returns the
    /// start of the first block that may (or of the last bytes, read without the blocks).
    #[target_feature(enable = "sse2")]
    pub(super) fn skip_plain_blocks(bytes: &[u8], mut at: usize) -> usize {
        // Each block is read with the byte after it, so a block needs 17 bytes.
        while at + 17 <= bytes.len() {
            let block: &[u8; 17] = bytes[at..at + 17].try_into().expect("a slice of 17 bytes");
            match candidates(block) {
                0 => at += 16,
                mask => return at + mask.trailing_zeros() as usize,
            }
        }
        at
    }

    /// A bit for each of the first sixteen bytes of `block` that is a candidate.
    #[target_feature(enable = "sse2")]
    fn candidates(block: &[u8; 17]) -> u32 {
        // SAFETY: both loads read 16 bytes inside `block` (offsets 0 and 1 of 17 bytes).
        let (a, b) = unsafe {
            (
                _mm_loadu_si128(block.as_ptr().cast::<__m128i>()),
                _mm_loadu_si128(block.as_ptr().add(1).cast::<__m128i>()),
            )
        };
        let splat = |byte: u8| _mm_set1_epi8(byte as i8);
        // Unsigned a < 0x20: min(a, 0x1F) == a.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(a, splat(0x1F)), a);
        // Signed b > 0x20: the printable ASCII bytes and DEL, never a byte >= 0x80.
        let plain_next = _mm_cmpgt_epi8(b, splat(b' '));
        let space = _mm_andnot_si128(plain_next, _mm_cmpeq_epi8(a, splat(b' ')));
        // Unsigned a - 0xE1 <= 2.
        let from_e1 = _mm_sub_epi8(a, splat(0xE1));
        let lead_e = _mm_cmpeq_epi8(_mm_min_epu8(from_e1, splat(2)), from_e1);
        let lead = _mm_or_si128(_mm_cmpeq_epi8(a, splat(0xC2)), lead_e);
        let all = _mm_or_si128(_mm_or_si128(control, space), lead);
        _mm_movemask_epi8(all) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    /// The search against the byte-at-a-time definition, on texts made of the bytes that
    /// matter near each other.
    #[test]
    fn finds_the_first_candidate_as_the_definition_does() {
        let pieces: Vec<&[u8]> = vec![
            b"a",
            b"word",
            b" ",
            b"  ",
            b"\n",
            b"\t",
            b"\x01",
            b"\x7f",
            b"\xc2\xa0",
            b"\xc3\xa9",
            b"\xe2\x80\x99",
            b"\xe3\x80\x80",
            b"\xe1\x9a\x80",
            b"\xef\xbb\xbf",
            b"0123456789abcdef",
        ];
        let mut rng = TestRng::new(0x5ca9);
        for _ in 0..20_000 {
            let count = rng.below(24);
            let bytes: Vec<u8> = (0..count)
                .flat_map(|_| pieces[rng.below(pieces.len())].iter().copied())
                .collect();
            for at in 0..=bytes.len() {
                let expected = (at..bytes.len())
                    .find(|&i| is_candidate(bytes[i], bytes.get(i + 1).copied()))
                    .unwrap_or(bytes.len());
                assert_eq!(next_candidate(&bytes, at), expected, "{bytes:?} from {at}");
            }
        }
    }

    /// Every character that is a space beyond ASCII starts with a candidate byte.
    #[test]
    fn every_space_beyond_ascii_starts_with_a_candidate() {
        for c in (char::from(0x80)..=char::MAX).filter(|c| c.is_whitespace()) {
            let mut utf8 = [0; 4];
            let first = c.encode_utf8(&mut utf8).as_bytes()[0];
            assert!(is_candidate(first, Some(b'a')), "{c:?}");
        }
    }
}
