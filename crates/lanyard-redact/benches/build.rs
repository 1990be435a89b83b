//! What building masks costs: time and memory to compile a [`Redactor`] for 10, 100 and 1,000
//! secrets (40-byte tokens) and for 1, 10 and 100 of the largest values (64 KiB), against the
//! same run's baseline of only deriving every printed form of those values (which any masker
//! must do).
//!
//! Run with `cargo bench -p lanyard-redact --bench build`.

use std::hint::black_box;
use std::time::Instant;

use lanyard_redact::{forms, Redactor};

fn secret(n: usize, len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|i| ALPHABET[(i * 7919 + n * 104_729 + i / 3) % ALPHABET.len()])
        .collect()
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    println!(
        "{:<26} {:>12} {:>12} {:>8} {:>12}",
        "secrets", "forms only", "build", "ratio", "memory"
    );
    for (count, len) in [
        (10, 40),
        (100, 40),
        (1000, 40),
        (1, 65_536),
        (10, 65_536),
        (100, 65_536),
    ] {
        let values: Vec<Vec<u8>> = (0..count).map(|n| secret(n, len)).collect();
        let started = Instant::now();
        for v in &values {
            black_box(forms(v));
        }
        let baseline = started.elapsed();
        let before = rss_kib();
        let started = Instant::now();
        let redactor = Redactor::new(values.iter().map(Vec::as_slice));
        let built = started.elapsed();
        let grown = rss_kib().saturating_sub(before);
        black_box(&redactor);
        drop(redactor);
        println!(
            "{:<26} {:>12.2?} {:>12.2?} {:>8.1} {:>9} KiB",
            format!("{count} x {len} B"),
            baseline,
            built,
            built.as_secs_f64() / baseline.as_secs_f64().max(1e-9),
            grown
        );
    }
}
