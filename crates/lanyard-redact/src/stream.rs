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
        let boundary = self.redactor.incomplete_tail(&self.held);
        let released = self.release(boundary, out);
        self.held.drain(..released);
    }

    /// Redacts and releases everything held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let released = self.release(self.held.len(), out);
        self.held.drain(..released);
    }

    /// Writes the redacted prefix of `held` that is safe to release and returns its length.
    ///
    /// `boundary` is where the incomplete tail starts: no pattern can start before it and
    /// end after the held bytes, so every match starting before it is complete inside `held`
    /// and the prefix up to it is safe, unless a merged span crosses it: then release stops at
    /// that span's start, and it is matched again, whole, on the next call. Output that cannot
    /// begin a secret is therefore released at once, not held back.
    fn release(&self, boundary: usize, out: &mut Vec<u8>) -> usize {
        let buf = &self.held;
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
    fn releases_what_cannot_begin_a_secret_without_waiting_for_more() {
        let redactor = Arc::new(Redactor::new([b"s3cr3t-value".as_slice()]));
        let mut stream = StreamRedactor::new(redactor);
        let mut out = Vec::new();
        stream.push(b"token=s3cr3t-value\nnext ", &mut out);
        assert_eq!(out, b"token=[REDACTED]\nnext ");
        // A tail that could begin the secret is held until it is decided.
        stream.push(b"s3cr", &mut out);
        assert_eq!(out, b"token=[REDACTED]\nnext ");
        stream.push(b"3t-value!", &mut out);
        assert_eq!(out, b"token=[REDACTED]\nnext [REDACTED]!");
    }

    #[test]
    fn passes_through_without_secrets() {
        assert_eq!(run(&[], &[b"a", b"b"]), b"ab");
    }
}
