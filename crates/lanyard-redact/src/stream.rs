//! Redaction of a stream that arrives in arbitrary pieces.

use std::sync::Arc;

use crate::{merge, write_masked, Redactor};

/// Past this many held-back bytes a chain of overlapping matches is masked and released even
/// though it may continue, so that a pathological stream cannot grow the buffer without bound.
const MAX_HELD: usize = 1 << 20;

/// Redacts one output stream (stdout or stderr of a job). Feed it with [`StreamRedactor::push`]
/// and call [`StreamRedactor::finish`] when the stream ends.
#[derive(Debug)]
pub struct StreamRedactor {
    redactor: Arc<Redactor>,
    held: Vec<u8>,
}

impl StreamRedactor {
    /// A redactor for one stream.
    pub fn new(redactor: Arc<Redactor>) -> Self {
        Self {
            redactor,
            held: Vec::new(),
        }
    }

    /// Redacts what it can of `input` into `out`, holding back a tail that might be the start
    /// of a secret completed by the next piece.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if self.redactor.is_empty() {
            out.extend_from_slice(input);
            return;
        }
        self.held.extend_from_slice(input);
        let hold = self.redactor.longest - 1;
        let released = self.release(hold, out);
        self.held.drain(..released);
    }

    /// Redacts and releases everything held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let released = self.release(0, out);
        self.held.drain(..released);
    }

    /// Writes the redacted prefix of `held` that is safe to release and returns its length.
    ///
    /// Every match that starts before `held.len() - hold` is complete inside `held` (no
    /// pattern is longer than `hold + 1`), so the prefix up to there is safe, unless a merged
    /// span crosses it: then release stops at that span's start and it is matched again, whole,
    /// on the next call.
    fn release(&self, hold: usize, out: &mut Vec<u8>) -> usize {
        let buf = &self.held;
        let boundary = buf.len().saturating_sub(hold);
        if boundary == 0 {
            return 0;
        }
        let mut spans = self.redactor.matches(buf);
        merge(&mut spans);
        let mut end = boundary;
        let mut masked = 0;
        for &(start, stop) in &spans {
            if start >= end {
                break;
            }
            if stop > end {
                end = if start == 0 && buf.len() > MAX_HELD {
                    stop
                } else {
                    start
                };
                if end == stop {
                    masked += 1;
                }
                break;
            }
            masked += 1;
        }
        write_masked(&buf[..end], &spans[..masked], out);
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&[u8]], pieces: &[&[u8]]) -> Vec<u8> {
        let redactor = Arc::new(Redactor::new(secrets.iter().copied()));
        let mut stream = StreamRedactor::new(redactor);
        let mut out = Vec::new();
        for piece in pieces {
            stream.push(piece, &mut out);
        }
        stream.finish(&mut out);
        out
    }

    #[test]
    fn catches_a_secret_split_across_pieces() {
        let out = run(&[b"s3cr3t-value"], &[b"key=s3c", b"r3t-va", b"lue\n"]);
        assert_eq!(out, b"key=[REDACTED]\n");
    }

    #[test]
    fn a_chain_crossing_the_boundary_is_masked_whole() {
        let out = run(
            &[b"abcdefgh", b"efghijklmnopqrstuvwxyz"],
            &[b"0123456789abcdefgh", b"ijklmnopqrstuvwxyz!"],
        );
        assert_eq!(out, b"0123456789[REDACTED]!");
    }

    #[test]
    fn passes_through_without_secrets() {
        assert_eq!(run(&[], &[b"a", b"b"]), b"ab");
    }
}
