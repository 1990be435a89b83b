//! Property: however a stream is cut into pieces, no secret (or its base64) survives, and text
//! without secrets passes through unchanged.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lanyard_redact::{Redactor, StreamRedactor};
use proptest::prelude::*;

fn redact_in_pieces(redactor: &Arc<Redactor>, text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut stream = StreamRedactor::new(redactor.clone());
    let mut out = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts {
        stream.push(&text[at..cut.max(at)], &mut out);
        at = cut.max(at);
    }
    stream.push(&text[at..], &mut out);
    stream.finish(&mut out);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

proptest! {
    #[test]
    fn no_secret_survives_any_cut(
        secret in "[a-zA-Z0-9+/=_-]{6,40}",
        before in "[ -~]{0,50}",
        after in "[ -~]{0,50}",
        cuts in prop::collection::vec(0usize..200, 0..8),
    ) {
        let redactor = Arc::new(Redactor::new([secret.as_bytes()]));
        let text = format!("{before}{secret}{after} b64:{}", STANDARD.encode(format!("{before}{secret}")));
        let out = redact_in_pieces(&redactor, text.as_bytes(), &cuts);
        prop_assert!(!contains(&out, secret.as_bytes()));
        // Every form long enough not to arise by chance next to a mask is gone too.
        for form in lanyard_redact::forms(secret.as_bytes()) {
            if form.len() >= 14 {
                prop_assert!(!contains(&out, &form));
            }
        }
    }

    #[test]
    fn text_without_secrets_is_unchanged(
        text in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(0usize..300, 0..8),
    ) {
        let redactor = Arc::new(Redactor::new([b"\xff\xfe\xfd-never-in-ascii".as_slice()]));
        prop_assume!(!contains(&text, b"never-in"));
        let out = redact_in_pieces(&redactor, &text, &cuts);
        prop_assert_eq!(out, text);
    }
}

/// The obvious (slow) redaction: every occurrence of every form, merged, masked.
fn reference(secrets: &[String], text: &[u8]) -> Vec<u8> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for secret in secrets
        .iter()
        .filter(|s| s.len() >= lanyard_redact::MIN_SECRET_LEN)
    {
        for form in lanyard_redact::forms(secret.as_bytes()) {
            if form.len() < 6 {
                continue;
            }
            for i in 0..text.len().saturating_sub(form.len() - 1) {
                if &text[i..i + form.len()] == form.as_slice() {
                    spans.push((i, i + form.len()));
                }
            }
        }
    }
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    let mut current: Option<(usize, usize)> = None;
    for (s, e) in spans {
        match current {
            Some((cs, ce)) if s <= ce => current = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                out.extend_from_slice(&text[at..cs]);
                out.extend_from_slice(lanyard_redact::MASK);
                at = ce;
                current = Some((s, e));
            }
            None => current = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = current {
        out.extend_from_slice(&text[at..cs]);
        out.extend_from_slice(lanyard_redact::MASK);
        at = ce;
    }
    out.extend_from_slice(&text[at..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn streaming_equals_the_obvious_redaction(
        secrets in prop::collection::vec("[a-f0-9'\" /+]{3,30}", 1..5),
        pieces in prop::collection::vec((0usize..5, "[a-f0-9 \n]{0,12}"), 1..12),
        cuts in prop::collection::vec(0usize..400, 0..10),
    ) {
        // Text built from secrets (raw and encoded) and noise from the same alphabet, so that
        // matches overlap and straddle cuts.
        let mut text = Vec::new();
        for (pick, noise) in &pieces {
            text.extend_from_slice(noise.as_bytes());
            if let Some(secret) = secrets.get(*pick) {
                let forms = lanyard_redact::forms(secret.as_bytes());
                text.extend_from_slice(&forms[pick % forms.len()]);
            }
        }
        let redactor = Arc::new(Redactor::new(secrets.iter().map(|s| s.as_bytes())));
        let out = redact_in_pieces(&redactor, &text, &cuts);
        let expected = reference(&secrets, &text);
        // Two masks side by side (spans that touch across a release point) say the same as one.
        let collapse = |bytes: &[u8]| {
            let mut text = String::from_utf8_lossy(bytes).into_owned();
            while text.contains("[REDACTED][REDACTED]") {
                text = text.replace("[REDACTED][REDACTED]", "[REDACTED]");
            }
            text
        };
        prop_assert_eq!(collapse(&out), collapse(&expected));
    }
}

proptest! {
    /// Any run of twelve or more characters of a random-looking value is masked, however the
    /// stream is cut.
    #[test]
    fn no_run_of_twelve_survives(
        secret in "[a-zA-Z]{8}[0-9]{4}[a-zA-Z0-9]{20,40}",
        from in 0usize..40,
        len in 12usize..40,
        cuts in prop::collection::vec(0usize..100, 0..6),
    ) {
        let redactor = Arc::new(Redactor::new([secret.as_bytes()]));
        prop_assume!(!lanyard_redact::fragments(secret.as_bytes()).is_empty());
        let from = from % (secret.len() - 11);
        let to = (from + len).min(secret.len());
        prop_assume!(to - from >= 12);
        let part = &secret[from..to];
        // Only runs made of fragments varied enough to be masked on their own.
        prop_assume!(part.as_bytes().windows(12).all(|w| {
            let mut seen = std::collections::BTreeSet::new();
            w.iter().filter(|b| seen.insert(**b)).count() >= 8
        }));
        let text = format!("cut: {part} end");
        let out = redact_in_pieces(&redactor, text.as_bytes(), &cuts);
        prop_assert_eq!(out, b"cut: [REDACTED] end".to_vec());
    }
}
