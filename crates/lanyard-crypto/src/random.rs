//! Operating-system randomness: the only source of keys, tokens and nonces in this crate.
//!
//! A userspace generator is deliberately avoided so there is no seed to mishandle and no
//! state to duplicate across `fork`.

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn try_fill(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::fill(buf)
}

/// Fills `buf` from the operating system's CSPRNG, panicking if it is unavailable.
///
/// Used by infallible constructors (`generate`): on the platforms Lanyard targets the OS
/// generator cannot fail once the system has booted, and continuing without randomness
/// would be far worse than stopping.
pub(crate) fn fill(buf: &mut [u8]) {
    if let Err(err) = try_fill(buf) {
        panic!("operating system random number generator failed: {err}");
    }
}

/// Fills `buf` with random bytes from the operating system, e.g. a new key.
pub fn bytes(buf: &mut [u8]) {
    fill(buf);
}

/// `len` random characters from `[A-Za-z0-9]` (about 5.95 bits each), e.g. the random part of
/// an AWS external id.
pub fn alphanumeric(len: usize) -> crate::SecretString {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        fill(&mut byte);
        // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
        if byte[0] < 248 {
            out.push(char::from(ALPHABET[usize::from(byte[0] % 62)]));
        }
    }
    crate::SecretString::from(out)
}
