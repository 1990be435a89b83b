//! The secret values one process has handled, for masking its own logs and error messages.
//!
//! Adding a value must never make a request wait for an automaton to be built: the server adds
//! every value it seals or opens on the request path, and building masks for large values takes
//! milliseconds to seconds. So [`SecretRegistry::add`] only records the value; a background
//! thread rebuilds the redactor without holding the lock, and until it is done the values it
//! does not cover yet are masked by a plain substring search of their raw bytes.
//!
//! The registry is bounded ([`MAX_REGISTRY_BYTES`]): past it the oldest values are dropped from
//! log masking (never from job output, which each job's own redactor masks).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::Redactor;

/// The most secret bytes a registry keeps for masking logs: 512 KiB (eight of the largest
/// values, or thousands of tokens and passwords). Masks for every printed form cost about 20
/// bytes of automaton per value byte per form, so this bounds a registry's masks near 100 MiB.
pub const MAX_REGISTRY_BYTES: usize = 512 * 1024;

/// How long an idle rebuild thread waits before it checks whether its registry is gone.
const IDLE_CHECK: Duration = Duration::from_secs(10);

type Value = Arc<Zeroizing<Vec<u8>>>;

/// Secret values seen by this process (written through the API, or released to a job), and a
/// [`Masks`] over them. Cheap to clone; clones share the same set.
#[derive(Clone, Default)]
pub struct SecretRegistry {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Every value kept, oldest first.
    values: VecDeque<Value>,
    bytes: usize,
    /// The redactor over the values as of the last finished build.
    built: Arc<Redactor>,
    /// Values added since the build that `built` came from started.
    pending: Vec<Value>,
    rebuilding: bool,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::empty()
    }
}

impl std::fmt::Debug for SecretRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretRegistry")
    }
}

impl SecretRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a value. Returns at once: the masks are rebuilt in the background.
    pub fn add(&self, value: &[u8]) {
        if value.len() < crate::MIN_SECRET_LEN {
            return;
        }
        let mut state = self.lock();
        if state.values.iter().any(|v| v.as_slice() == value) {
            return;
        }
        let value: Value = Arc::new(Zeroizing::new(value.to_vec()));
        state.bytes += value.len();
        state.values.push_back(value.clone());
        while state.bytes > MAX_REGISTRY_BYTES && state.values.len() > 1 {
            if let Some(oldest) = state.values.pop_front() {
                state.bytes -= oldest.len();
            }
        }
        state.pending.push(value);
        if !state.rebuilding {
            state.rebuilding = true;
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("lanyard-masks".to_owned())
                .spawn(move || rebuild(&shared));
            if spawned.is_err() {
                // No thread: the pending values stay masked by substring search.
                state.rebuilding = false;
            }
        }
        self.shared.changed.notify_one();
    }

    /// The current masks.
    pub fn redactor(&self) -> Masks {
        let state = self.lock();
        Masks {
            built: state.built.clone(),
            pending: state.pending.clone(),
        }
    }

    /// Waits until the background build covers every value added so far (for tests and
    /// benchmarks); false if it did not within `timeout`.
    pub fn settle(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.lock().pending.is_empty() {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The background builder: rebuilds whenever values are pending, holding the lock only to take
/// a snapshot and to swap the result in; ends when its registry is gone.
fn rebuild(shared: &Arc<Shared>) {
    loop {
        let (snapshot, covered) = {
            let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
            while state.pending.is_empty() {
                if Arc::strong_count(shared) == 1 {
                    state.rebuilding = false;
                    return;
                }
                state = shared
                    .changed
                    .wait_timeout(state, IDLE_CHECK)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            let snapshot: Vec<Value> = state.values.iter().cloned().collect();
            (snapshot, state.pending.len())
        };
        let built = Arc::new(Redactor::new(snapshot.iter().map(|v| v.as_slice())));
        drop(snapshot);
        let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.built = built;
        state.pending.drain(..covered);
    }
}

/// A registry's masks at one moment: the built redactor, and the values added since its build
/// started, searched for raw.
#[derive(Clone)]
pub struct Masks {
    built: Arc<Redactor>,
    pending: Vec<Value>,
}

impl std::fmt::Debug for Masks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masks")
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Masks {
    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.built.is_empty() && self.pending.is_empty()
    }

    /// Masks every known secret in a complete piece of text.
    pub fn redact<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        let mut out = self.built.redact(text);
        for value in &self.pending {
            if let Some(replaced) = replace_raw(&out, value) {
                out = Cow::Owned(replaced);
            }
        }
        out
    }

    /// [`Masks::redact`] for UTF-8 text.
    pub fn redact_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.redact(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }
}

/// `text` with every occurrence of `value` replaced by the mask; `None` when there is none.
fn replace_raw(text: &[u8], value: &[u8]) -> Option<Vec<u8>> {
    let first = find(text, value, 0)?;
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    let mut next = Some(first);
    while let Some(start) = next {
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(crate::MASK);
        at = start + value.len();
        next = find(text, value, at);
    }
    out.extend_from_slice(&text[at..]);
    Some(out)
}

fn find(text: &[u8], value: &[u8], from: usize) -> Option<usize> {
    text.get(from..)?
        .windows(value.len())
        .position(|w| w == value)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_what_was_added_at_once_and_after_the_build() {
        let registry = SecretRegistry::new();
        registry.add(b"registry-secret-1");
        registry.add(b"registry-secret-1");
        let clone = registry.clone();
        clone.add(b"another-secret");
        let text = "a registry-secret-1 b another-secret";
        // Before the background build is known to be done: masked all the same.
        assert_eq!(
            registry.redactor().redact_str(text),
            "a [REDACTED] b [REDACTED]"
        );
        assert!(registry.settle(Duration::from_secs(10)));
        let masks = registry.redactor();
        assert!(masks.pending.is_empty());
        assert_eq!(masks.redact_str(text), "a [REDACTED] b [REDACTED]");
        // Derived forms come with the build.
        let encoded = base64_of(b"registry-secret-1");
        assert!(masks.redact_str(&encoded).contains("[REDACTED]"));
    }

    #[test]
    fn a_large_value_does_not_hold_up_adding_or_reading() {
        let registry = SecretRegistry::new();
        let large: Vec<u8> = (0..64 * 1024).map(|i| b'A' + (i * 7 % 26) as u8).collect();
        registry.add(&large);
        registry.add(b"small-secret-value");
        let masks = registry.redactor();
        assert_eq!(masks.redact_str("x small-secret-value"), "x [REDACTED]");
        assert!(registry.settle(Duration::from_secs(30)));
    }

    #[test]
    fn the_registry_is_bounded() {
        let registry = SecretRegistry::new();
        let chunk: Vec<u8> = (0..64 * 1024).map(|i| b'A' + (i * 7 % 26) as u8).collect();
        for n in 0..10u8 {
            let mut value = chunk.clone();
            value[0] = b'a' + n;
            registry.add(&value);
        }
        assert!(registry.lock().bytes <= MAX_REGISTRY_BYTES);
        assert!(registry.settle(Duration::from_secs(60)));
    }

    fn base64_of(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}
