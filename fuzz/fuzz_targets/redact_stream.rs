//! Job output against secrets: whatever the secrets and however the output is cut into reads,
//! no secret comes out, nothing panics, and the stream is masked as the whole text would be.
//!
//! Secrets are drawn from `[a-z0-9]`, which the mask `[REDACTED]` shares no byte with, so a
//! secret in the output can only be input that was let through.
#![no_main]

use std::sync::Arc;

use lanyard_redact::{Redactor, StreamRedactor, MIN_SECRET_LEN};
use libfuzzer_sys::fuzz_target;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fuzz_target!(|input: (Vec<Vec<u8>>, Vec<u8>, Vec<u16>)| {
    let (raw_secrets, output, cuts) = input;
    let secrets: Vec<Vec<u8>> = raw_secrets
        .iter()
        .take(16)
        .map(|s| {
            s.iter()
                .take(64)
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()])
                .collect::<Vec<u8>>()
        })
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .collect();
    let redactor = Arc::new(Redactor::new(secrets.iter().map(Vec::as_slice)));
    let whole = redactor.redact(&output).into_owned();
    let mut stream = StreamRedactor::new(Arc::clone(&redactor));
    let mut streamed = Vec::new();
    let mut rest = output.as_slice();
    for cut in cuts {
        if rest.is_empty() {
            break;
        }
        let (piece, after) = rest.split_at(usize::from(cut) % (rest.len() + 1));
        stream.push(piece, &mut streamed);
        rest = after;
    }
    stream.push(rest, &mut streamed);
    stream.finish(&mut streamed);
    for secret in &secrets {
        for masked in [&whole, &streamed] {
            assert!(
                !masked.windows(secret.len()).any(|w| w == secret.as_slice()),
                "a secret came out"
            );
        }
    }
    assert_eq!(
        whole, streamed,
        "cutting the stream changed what was masked"
    );
});
