//! Masks secret values in bytes a job or the server emits, before they are stored, streamed or
//! logged.
//!
//! A [`Redactor`] is built once from the secret values in play. It knows each value and the forms
//! a program is likely to print it in ([`forms`]): the raw value, each line of a multi-line value,
//! base64 at the three byte alignments, URL-encoded, JSON-escaped and shell-quoted, and for values
//! that look random, every run of twelve of their characters ([`fragments`]). One
//! Aho-Corasick automaton finds all of them in a single pass.
//!
//! A [`StreamRedactor`] applies it to a stream that arrives in arbitrary pieces: it holds back
//! just enough bytes that a secret split across two reads is still caught, and merges overlapping
//! matches so no fragment of one secret survives next to another.
//!
//! Architecture invariant: this crate never logs, formats or returns a secret value; the only
//! output is the input with secrets replaced by [`MASK`].

mod forms;
mod prefilter;
mod registry;
mod stream;

use std::borrow::Cow;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use zeroize::Zeroizing;

pub use forms::{forms, fragments, FRAGMENT_LEN, FRAGMENT_MIN_VALUE_LEN};
pub use registry::{Masks, SecretRegistry, MAX_REGISTRY_BYTES};
pub use stream::StreamRedactor;

/// What replaces every masked span.
pub const MASK: &[u8] = b"[REDACTED]";

/// Values shorter than this are not masked: masking a 3-letter value would shred ordinary output
/// and still hide nothing (it is guessable). The caller is told through [`Redactor::too_short`].
pub const MIN_SECRET_LEN: usize = 6;

/// Derived forms shorter than this are not searched for (a 2-character base64 tail matches
/// everywhere).
const MIN_FORM_LEN: usize = 6;

/// Up to this many pattern bytes the automaton is a DFA (fastest to search); beyond it, a
/// contiguous NFA, whose size grows with the pattern bytes and not with them times the alphabet.
const DFA_MAX_PATTERN_BYTES: usize = 16 * 1024;

/// A compiled set of secret values to mask.
#[derive(Clone)]
pub struct Redactor {
    automaton: Option<AhoCorasick>,
    filter: Option<Arc<prefilter::QgramFilter>>,
    longest: usize,
    too_short: usize,
    /// Every pattern, sorted: a stream holds back only a tail that could begin one of them.
    patterns: Arc<Vec<Zeroizing<Vec<u8>>>>,
    /// Which bytes begin some pattern, to rule out most tail positions at once.
    first_bytes: Arc<[bool; 256]>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the patterns: they are the secrets.
        f.debug_struct("Redactor")
            .field(
                "patterns",
                &self.automaton.as_ref().map_or(0, |a| a.patterns_len()),
            )
            .field("too_short", &self.too_short)
            .finish()
    }
}

impl Redactor {
    /// Masks nothing.
    pub fn empty() -> Self {
        Self {
            automaton: None,
            filter: None,
            longest: 0,
            too_short: 0,
            patterns: Arc::new(Vec::new()),
            first_bytes: Arc::new([false; 256]),
        }
    }

    /// Compiles the masks for these secret values. Values shorter than [`MIN_SECRET_LEN`] bytes
    /// are left out and counted in [`Redactor::too_short`].
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut patterns: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut too_short = 0;
        for secret in secrets {
            if secret.is_empty() {
                continue;
            }
            if secret.len() < MIN_SECRET_LEN {
                too_short += 1;
                continue;
            }
            patterns.extend(
                forms(secret)
                    .into_iter()
                    .filter(|f| f.len() >= MIN_FORM_LEN),
            );
            patterns.extend(fragments(secret));
        }
        patterns.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        patterns.dedup_by(|a, b| a.as_slice() == b.as_slice());
        let longest = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let automaton = if patterns.is_empty() {
            None
        } else {
            // The DFA is the fastest search for hundreds of patterns; overlapping search (which
            // merging needs) requires the standard match semantics.
            let total: usize = patterns.iter().map(|p| p.len()).sum();
            let kind = if total <= DFA_MAX_PATTERN_BYTES {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            };
            let built = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                // Its own prefilter misfires on ordinary text with many patterns; ours is
                // the q-gram filter.
                .prefilter(false)
                .build(patterns.iter().map(|p| p.as_slice()))
                .or_else(|_| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .prefilter(false)
                        .build(patterns.iter().map(|p| p.as_slice()))
                });
            Some(built.expect("a non-empty set of literal patterns always compiles"))
        };
        let filter = automaton.as_ref().map(|_| {
            Arc::new(prefilter::QgramFilter::new(
                patterns.iter().map(|p| p.as_slice()),
            ))
        });
        let mut first_bytes = [false; 256];
        for pattern in &patterns {
            first_bytes[usize::from(pattern[0])] = true;
        }
        Self {
            automaton,
            filter,
            longest,
            too_short,
            patterns: Arc::new(patterns),
            first_bytes: Arc::new(first_bytes),
        }
    }

    /// Where the shortest suffix of `text` worth holding back starts: the earliest position
    /// from which the rest of `text` is a proper prefix of some pattern (so that more input
    /// could complete a secret there). `text.len()` when there is none.
    pub(crate) fn incomplete_tail(&self, text: &[u8]) -> usize {
        let from = text.len().saturating_sub(self.longest.saturating_sub(1));
        (from..text.len())
            .find(|&at| {
                self.first_bytes[usize::from(text[at])] && self.begins_some_pattern(&text[at..])
            })
            .unwrap_or(text.len())
    }

    fn begins_some_pattern(&self, head: &[u8]) -> bool {
        let first = self.patterns.partition_point(|p| p.as_slice() < head);
        self.patterns[first..]
            .iter()
            .take_while(|p| p.starts_with(head))
            .any(|p| p.len() > head.len())
    }

    /// How many values were too short to mask (see [`MIN_SECRET_LEN`]).
    pub fn too_short(&self) -> usize {
        self.too_short
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Masks every secret in a complete piece of text (a log line, an error message).
    pub fn redact<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        let spans = self.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = Vec::with_capacity(text.len());
        write_masked(text, &spans, &mut out);
        Cow::Owned(out)
    }

    /// [`Redactor::redact`] for UTF-8 text.
    pub fn redact_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.redact(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// Every match in `text`, merged into disjoint spans sorted by start.
    fn spans(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let mut found = self.matches(text);
        merge(&mut found);
        found
    }

    /// Every match in `text`, overlapping ones included, unsorted (possibly repeated).
    ///
    /// The q-gram filter names positions a match may cover; any match covering position `p`
    /// lies within `longest` bytes of it, so only those windows get the automaton's
    /// (overlapping, hence slower) search.
    pub(crate) fn matches(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let (Some(automaton), Some(filter)) = (&self.automaton, &self.filter) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut search = |range: std::ops::Range<usize>| {
            let input = aho_corasick::Input::new(text).range(range);
            found.extend(
                automaton
                    .find_overlapping_iter(input)
                    .map(|m| (m.start(), m.end())),
            );
        };
        // Windows around consecutive hits overlap; each merged range is searched once.
        let mut pending: Option<std::ops::Range<usize>> = None;
        filter.candidates(text, |at| {
            let window = (at + 4).saturating_sub(self.longest)..(at + self.longest).min(text.len());
            pending = match pending.take() {
                Some(range) if window.start <= range.end => Some(range.start..window.end),
                Some(range) => {
                    search(range);
                    Some(window)
                }
                None => Some(window),
            };
        });
        if let Some(range) = pending {
            search(range);
        }
        found
    }
}

/// Sorts spans by start and merges overlapping or touching ones in place.
fn merge(spans: &mut Vec<(usize, usize)>) {
    if spans.len() < 2 {
        return;
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for &(start, end) in spans.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *spans = merged;
}

/// Writes `text` with each span replaced by [`MASK`].
fn write_masked(text: &[u8], spans: &[(usize, usize)], out: &mut Vec<u8>) {
    let mut at = 0;
    for &(start, end) in spans {
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(MASK);
        at = end;
    }
    out.extend_from_slice(&text[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_overlapping_secrets_as_one_span() {
        let r = Redactor::new([b"abcdef".as_slice(), b"defghijk".as_slice()]);
        assert_eq!(&*r.redact(b"x abcdefghijk y"), b"x [REDACTED] y");
    }

    #[test]
    fn short_values_are_refused_and_counted() {
        let r = Redactor::new([b"pw".as_slice(), b"".as_slice()]);
        assert_eq!(r.too_short(), 1);
        assert!(r.is_empty());
        assert_eq!(&*r.redact(b"pw"), b"pw");
    }

    #[test]
    fn debug_never_shows_patterns() {
        let r = Redactor::new([b"hunter2-secret".as_slice()]);
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
