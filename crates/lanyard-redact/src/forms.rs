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

/// Values at least this long may be masked in fragments (see [`fragments`]).
pub const FRAGMENT_MIN_VALUE_LEN: usize = 20;

/// The shortest run of a value's characters masked on its own.
pub const FRAGMENT_LEN: usize = 12;

/// Bits per character (Shannon, over the value's own characters) a line of a value needs to be
/// masked in fragments: random tokens and keys have 3.7 (hex) to 5+; words and URLs less.
const FRAGMENT_MIN_ENTROPY: f64 = 3.5;

/// Lines longer than this are not fragmented: tokens, passwords, API keys and the 64-character
/// lines of PEM keys are shorter, and a value of long random lines would cost 12 pattern bytes per
/// value byte (a 64 KiB one: 40 times the build time of its other forms).
const FRAGMENT_MAX_LINE_LEN: usize = 256;

/// At most this many fragments per value (a 4096-bit PEM key needs about 2,800).
const FRAGMENT_MAX_PER_VALUE: usize = 4096;

/// Distinct bytes a fragment itself needs, so that a run like `AAAAAAAAAAAA` or `------------`
/// inside a key never masks ordinary output.
const FRAGMENT_MIN_DISTINCT: usize = 8;

/// Every [`FRAGMENT_LEN`]-byte window of each high-entropy line of the value (lines of up to
/// 256 bytes, at most 4,096 windows).
///
/// A program that prints part of a secret (`cut -c1-30`, a truncated table column, an error that
/// quotes the first 32 bytes) would otherwise print it in clear. Any run of at least
/// [`FRAGMENT_LEN`] consecutive characters of such a value contains one of these windows, and
/// the windows of one run overlap, so the merged mask covers the whole run. Lines of
/// [`FRAGMENT_MIN_VALUE_LEN`]+ characters qualify only when they look random (no whitespace,
/// a letter and a digit, [`FRAGMENT_MIN_ENTROPY`] bits per character), so that fragments of a
/// low-entropy value (a URL, a passphrase) never mask prose.
pub fn fragments(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let secret = without_trailing_newlines(secret);
    let mut out = Vec::new();
    for line in secret.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !looks_random(line) {
            continue;
        }
        for window in line.windows(FRAGMENT_LEN) {
            if out.len() == FRAGMENT_MAX_PER_VALUE {
                return out;
            }
            if distinct_bytes(window) >= FRAGMENT_MIN_DISTINCT {
                out.push(Zeroizing::new(window.to_vec()));
            }
        }
    }
    out
}

/// Whether a line is long, unbroken and varied enough to be a random token or key.
fn looks_random(line: &[u8]) -> bool {
    (FRAGMENT_MIN_VALUE_LEN..=FRAGMENT_MAX_LINE_LEN).contains(&line.len())
        && !line.iter().any(u8::is_ascii_whitespace)
        && line.iter().any(u8::is_ascii_alphabetic)
        && line.iter().any(u8::is_ascii_digit)
        && entropy_bits_per_byte(line) >= FRAGMENT_MIN_ENTROPY
}

fn entropy_bits_per_byte(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let total = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes
        .iter()
        .filter(|&&b| !std::mem::replace(&mut seen[usize::from(b)], true))
        .count()
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
    fn random_values_are_masked_in_every_run_of_twelve() {
        let secret = b"wJalrXUtnFEMI7K7MDENGbPxRfiCYEXAMPLEKEY9";
        let r = crate::Redactor::new([secret.as_slice()]);
        for (from, to) in [(0, 30), (0, 38), (5, 17), (28, 40), (2, 14)] {
            let text = [b"key=", &secret[from..to], b" done"].concat();
            assert_eq!(
                &*r.redact(&text),
                b"key=[REDACTED] done",
                "characters {from}..{to}"
            );
        }
        // Eleven characters are not enough to say anything about the value.
        let short = [b"key=", &secret[3..14]].concat();
        assert_eq!(&*r.redact(&short), short.as_slice());
    }

    #[test]
    fn low_entropy_values_are_not_masked_in_fragments() {
        for value in [
            b"https://internal.example.com/api".as_slice(),
            b"correct horse battery staple",
            b"aaaaaaaaaaaaaaaaaaaaaaaa1",
            b"short-token-123",
        ] {
            assert!(fragments(value).is_empty(), "{}", value.len());
        }
    }

    #[test]
    fn pem_lines_are_fragmented_but_not_their_armour() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
        let f = fragments(pem);
        assert!(!f.is_empty());
        assert!(f.iter().all(|w| !w.contains(&b'-') && !w.contains(&b' ')));
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
