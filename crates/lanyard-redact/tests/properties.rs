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
