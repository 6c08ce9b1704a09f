//! A seeded pseudo-random sequence for unit tests that generate their inputs: the same
//! numbers on every run and machine, without a crate for it (Knuth's 64-bit LCG).

pub(crate) struct TestRng(u64);

impl TestRng {
    pub(crate) fn new(seed: u64) -> TestRng {
        TestRng(seed)
    }

    /// The next number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize % n
    }

    /// `count` pieces drawn from `from`, for a generated input made of them.
    pub(crate) fn pieces<'a>(&mut self, from: &[&'a str], count: usize) -> Vec<&'a str> {
        (0..count).map(|_| from[self.below(from.len())]).collect()
    }
}
