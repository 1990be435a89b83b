//! Redaction throughput with 100 registered secrets, against a plain copy of the same stream.
//!
//! Run with `cargo bench -p lanyard-redact`; prints MB/s for both and their ratio.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lanyard_redact::{Redactor, StreamRedactor};

const CHUNK: usize = 64 * 1024;
const TOTAL: usize = 512 * 1024 * 1024;

/// Log-like text: words, numbers, hex ids and some base64, with a secret every ~1 MiB.
fn corpus(secrets: &[Vec<u8>]) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words = [
        "deploy",
        "terraform",
        "apply",
        "module.vpc",
        "aws_subnet",
        "created",
        "in",
        "2.31s",
        "INFO",
        "WARN",
        "Refreshing",
        "state...",
        "id=",
        "sha256:",
        "pulling",
        "layer",
        "done",
    ];
    let mut out = Vec::with_capacity(8 * 1024 * 1024);
    while out.len() < 8 * 1024 * 1024 {
        let r = next();
        match r % 11 {
            0 => out.extend_from_slice(format!("{:016x}", next()).as_bytes()),
            1 => out.extend_from_slice(b"\n2026-11-28T17:45:01Z "),
            _ => out.extend_from_slice(words[(r >> 8) as usize % words.len()].as_bytes()),
        }
        out.push(b' ');
        if r % 40_000 == 0 {
            out.extend_from_slice(&secrets[(r >> 20) as usize % secrets.len()]);
        }
    }
    out
}

fn measure(label: &str, data: &[u8], mut f: impl FnMut(&[u8], &mut Vec<u8>)) -> f64 {
    let mut out = Vec::with_capacity(CHUNK * 2);
    let start = Instant::now();
    let mut done = 0;
    while done < TOTAL {
        for chunk in data.chunks(CHUNK) {
            out.clear();
            f(chunk, &mut out);
            black_box(&out);
            done += chunk.len();
        }
    }
    let rate = done as f64 / start.elapsed().max(Duration::from_nanos(1)).as_secs_f64() / 1e6;
    println!("{label:<28} {rate:>8.0} MB/s");
    rate
}

fn main() {
    // Realistic lengths: passwords of 8-16 characters up to 64-character API keys; the
    // shortest value decides how sparsely the q-gram filter can sample.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let secrets: Vec<Vec<u8>> = (0..100u64)
        .map(|i| {
            let len = 8 + (i as usize * 7) % 57;
            (0..len)
                .map(|j| alphabet[((i * 131 + j as u64 * 17) ^ (i >> 1)) as usize % 64])
                .collect()
        })
        .collect();
    let data = corpus(&secrets);
    let redactor = Arc::new(Redactor::new(secrets.iter().map(Vec::as_slice)));
    println!(
        "{:?}, corpus {} MiB, chunks of {} KiB",
        redactor,
        data.len() >> 20,
        CHUNK >> 10
    );
    let copy = measure("plain copy", &data, |chunk, out| {
        out.extend_from_slice(chunk)
    });
    // Sanity: the corpus does contain secrets, and they come out masked.
    let mut check = Vec::new();
    let mut probe = StreamRedactor::new(redactor.clone());
    probe.push(&data, &mut check);
    probe.finish(&mut check);
    let masked = check
        .windows(10)
        .filter(|w| *w == lanyard_redact::MASK)
        .count();
    assert!(masked > 0, "the corpus should contain secrets");
    println!("secrets masked in the corpus: {masked}");
    let mut stream = StreamRedactor::new(redactor);
    let redacted = measure("redact (100 secrets)", &data, |chunk, out| {
        stream.push(chunk, out)
    });
    println!("ratio redact/copy: {:.3}", redacted / copy);
}
