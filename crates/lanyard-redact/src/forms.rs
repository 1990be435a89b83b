//! The forms a secret is likely to be printed in, each of which must be masked.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const URL_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The raw value and its likely printed forms (duplicates possible; the caller dedups).
///
/// Line terminators at the end of the value (a key read from a file ends in one) are not part
/// of any form: they carry nothing secret, and masking them would glue the next line of output
/// to the mask.
pub fn forms(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let secret = without_trailing_newlines(secret);
    let mut out: Vec<Zeroizing<Vec<u8>>> = vec![Zeroizing::new(secret.to_vec())];
    // A PEM key or a multi-line token printed line by line.
    if secret.contains(&b'\n') {
        for line in secret.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() >= crate::MIN_SECRET_LEN {
                out.push(Zeroizing::new(line.to_vec()));
            }
        }
    }
    // base64 (standard and URL-safe alphabets) at the three alignments the value can start at
    // inside a longer encoded stream.
    for offset in 0..3.min(secret.len()) {
        let tail = &secret[offset..];
        for encoded in [STANDARD_NO_PAD.encode(tail), URL_SAFE_NO_PAD.encode(tail)] {
            let encoded = Zeroizing::new(encoded.into_bytes());
            // Only the characters fixed by the value's own bytes: full groups, plus one
            // character per trailing byte (the next depends on what follows in the stream).
            let keep = tail.len() / 3 * 4 + tail.len() % 3;
            out.push(Zeroizing::new(encoded[..keep].to_vec()));
        }
    }
    if let Ok(text) = std::str::from_utf8(secret) {
        out.push(Zeroizing::new(
            utf8_percent_encode(text, URL_RESERVED)
                .to_string()
                .into_bytes(),
        ));
        let json = Zeroizing::new(serde_json::Value::from(text).to_string());
        out.push(Zeroizing::new(json.as_bytes()[1..json.len() - 1].to_vec()));
        // Inside single quotes, as `sh`, `set -x` and `printf %q` print it.
        out.push(Zeroizing::new(text.replace('\'', r"'\''").into_bytes()));
        out.push(Zeroizing::new(backslash_quoted(text).into_bytes()));
    }
    out
}

fn without_trailing_newlines(mut value: &[u8]) -> &[u8] {
    while let Some(rest) = value
        .strip_suffix(b"\n")
        .or_else(|| value.strip_suffix(b"\r"))
    {
        value = rest;
    }
    value
}

/// The value with shell metacharacters backslash-escaped, as bash's `printf %q` prints it.
fn backslash_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if " \t'\"\\$`!&|;<>()*?[]{}#~,=".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(forms: &[Zeroizing<Vec<u8>>], want: &str) -> bool {
        forms.iter().any(|f| f.as_slice() == want.as_bytes())
    }

    #[test]
    fn a_trailing_newline_is_not_part_of_any_form() {
        for f in forms(b"token-from-a-file\r\n") {
            assert!(!f.ends_with(b"\n") && !f.ends_with(b"\\n"), "{:?}", f.len());
        }
        let r = crate::Redactor::new([b"token-from-a-file\n".as_slice()]);
        assert_eq!(
            &*r.redact(b"a token-from-a-file\nNEXT LINE\n"),
            b"a [REDACTED]\nNEXT LINE\n"
        );
    }

    #[test]
    fn includes_each_encoding() {
        let f = forms(b"p@ss w\"rd'/x");
        assert!(has(&f, "p%40ss%20w%22rd%27%2Fx"));
        assert!(has(&f, r#"p@ss w\"rd'/x"#));
        assert!(has(&f, r#"p@ss w"rd'\''/x"#));
        assert!(has(&f, r#"p@ss\ w\"rd\'/x"#));
    }

    #[test]
    fn base64_forms_are_substrings_of_any_aligned_encoding() {
        let secret = b"correct horse battery";
        let f = forms(secret);
        for prefix in 0..6 {
            for suffix in 0..4 {
                let mut text = vec![b'#'; prefix];
                text.extend_from_slice(secret);
                text.extend(std::iter::repeat_n(b'!', suffix));
                let encoded = STANDARD_NO_PAD.encode(&text);
                assert!(
                    f.iter().any(|form| encoded
                        .as_bytes()
                        .windows(form.len())
                        .any(|w| w == form.as_slice())),
                    "prefix {prefix} suffix {suffix}"
                );
            }
        }
    }
}
