//! A sampling q-gram filter that lets the search skip text that cannot hold any pattern.
//!
//! Aho-Corasick inspects every byte; with hundreds of patterns its tables no longer fit the
//! fastest caches and it runs well under 1 GB/s. But every pattern is at least `shortest` bytes
//! long, so any occurrence fully covers a 4-byte window starting at a multiple of
//! `step = shortest - 3`. Checking only those windows against a bitmap of every 4-gram of every
//! pattern rules out almost all text at a few instructions per `step` bytes; only the
//! neighbourhood of a hit is searched with the automaton.

const Q: usize = 4;
const BITS_LOG2: u32 = 21;

pub(crate) struct QgramFilter {
    bits: Vec<u64>,
    step: usize,
}

fn slot(window: &[u8]) -> usize {
    let x = u32::from_le_bytes([window[0], window[1], window[2], window[3]]);
    (x.wrapping_mul(0x9E37_79B1) >> (32 - BITS_LOG2)) as usize
}

impl QgramFilter {
    /// A filter over these patterns, each at least `Q + 1` bytes long.
    pub(crate) fn new<'p>(patterns: impl Iterator<Item = &'p [u8]>) -> Self {
        let mut bits = vec![0u64; (1usize << BITS_LOG2) / 64];
        let mut shortest = usize::MAX;
        for pattern in patterns {
            shortest = shortest.min(pattern.len());
            for window in pattern.windows(Q) {
                let s = slot(window);
                bits[s / 64] |= 1 << (s % 64);
            }
        }
        Self {
            bits,
            step: shortest.saturating_sub(Q - 1).max(1),
        }
    }

    /// Calls `hit(position)` for each sampled position whose 4-gram may belong to a pattern.
    /// Every occurrence of every pattern contains at least one such position.
    pub(crate) fn candidates(&self, text: &[u8], mut hit: impl FnMut(usize)) {
        let mut at = 0;
        while at + Q <= text.len() {
            let s = slot(&text[at..at + Q]);
            if self.bits[s / 64] & (1 << (s % 64)) != 0 {
                hit(at);
            }
            at += self.step;
        }
    }
}
