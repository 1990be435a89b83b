//! The secret values one process has handled, for masking its own logs and error messages.

use std::sync::{Arc, RwLock};

use zeroize::Zeroizing;

use crate::Redactor;

/// Secret values seen by this process (written through the API, or released to a job), and a
/// [`Redactor`] over them. Cheap to clone; clones share the same set.
#[derive(Clone, Default)]
pub struct SecretRegistry {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Default)]
struct Inner {
    values: Vec<Zeroizing<Vec<u8>>>,
    redactor: Arc<Redactor>,
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

    /// Adds a value; the redactor is rebuilt only when the value is new.
    pub fn add(&self, value: &[u8]) {
        if value.len() < crate::MIN_SECRET_LEN {
            return;
        }
        let known = |inner: &Inner| inner.values.iter().any(|v| v.as_slice() == value);
        if known(&self.inner.read().unwrap_or_else(|p| p.into_inner())) {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if known(&inner) {
            return;
        }
        inner.values.push(Zeroizing::new(value.to_vec()));
        inner.redactor = Arc::new(Redactor::new(inner.values.iter().map(|v| v.as_slice())));
    }

    /// The current redactor.
    pub fn redactor(&self) -> Arc<Redactor> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .redactor
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_what_was_added() {
        let registry = SecretRegistry::new();
        registry.add(b"registry-secret-1");
        registry.add(b"registry-secret-1");
        let clone = registry.clone();
        clone.add(b"another-secret");
        let r = registry.redactor();
        assert_eq!(
            r.redact_str("a registry-secret-1 b another-secret"),
            "a [REDACTED] b [REDACTED]"
        );
    }
}
