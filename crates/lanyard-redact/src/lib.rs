//! Masks secret values in bytes a job or the server emits, before they are stored, streamed or
//! logged.
//!
//! A [`Redactor`] is built once from the secret values in play. It knows each value and the forms
//! a program is likely to print it in ([`forms`]): the raw value, each line of a multi-line value,
//! base64 at the three byte alignments, URL-encoded, JSON-escaped and shell-quoted. One
//! Aho-Corasick automaton finds all of them in a single pass.
//!
//! A [`StreamRedactor`] applies it to a stream that arrives in arbitrary pieces: it holds back
//! just enough bytes that a secret split across two reads is still caught, and merges overlapping
//! matches so no fragment of one secret survives next to another.
//!
//! Architecture invariant: this crate never logs, formats or returns a secret value; the only
//! output is the input with secrets replaced by [`MASK`].

mod forms;
mod stream;

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use zeroize::Zeroizing;

pub use forms::forms;
pub use stream::StreamRedactor;

/// What replaces every masked span.
pub const MASK: &[u8] = b"[REDACTED]";

/// Values shorter than this are not masked: masking a 3-letter value would shred ordinary output
/// and still hide nothing (it is guessable). The caller is told through [`Redactor::too_short`].
pub const MIN_SECRET_LEN: usize = 6;

/// Derived forms shorter than this are not searched for (a 2-character base64 tail matches
/// everywhere).
const MIN_FORM_LEN: usize = 4;

/// A compiled set of secret values to mask.
#[derive(Clone)]
pub struct Redactor {
    automaton: Option<AhoCorasick>,
    longest: usize,
    too_short: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the patterns: they are the secrets.
        f.debug_struct("Redactor")
            .field("patterns", &self.automaton.as_ref().map_or(0, |a| a.patterns_len()))
            .field("too_short", &self.too_short)
            .finish()
    }
}

impl Redactor {
    /// Masks nothing.
    pub fn empty() -> Self {
        Self {
            automaton: None,
            longest: 0,
            too_short: 0,
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
            patterns.extend(forms(secret).into_iter().filter(|f| f.len() >= MIN_FORM_LEN));
        }
        patterns.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        patterns.dedup_by(|a, b| a.as_slice() == b.as_slice());
        let longest = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let automaton = if patterns.is_empty() {
            None
        } else {
            // The DFA is the fastest search for hundreds of patterns; overlapping search (which
            // merging needs) requires the standard match semantics.
            let built = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(patterns.iter().map(|p| p.as_slice()))
                .or_else(|_| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(patterns.iter().map(|p| p.as_slice()))
                });
            Some(built.expect("a non-empty set of literal patterns always compiles"))
        };
        Self {
            automaton,
            longest,
            too_short,
        }
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
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let mut found: Vec<(usize, usize)> = automaton
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        merge(&mut found);
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
