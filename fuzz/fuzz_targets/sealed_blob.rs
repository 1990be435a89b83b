//! The encrypted blob format: any bytes from the database parse or are refused without a
//! panic, and never open (no forged blob authenticates); any plaintext seals and opens back.
#![no_main]

use std::sync::OnceLock;

use lanyard_crypto::{open, seal, Keyring, MasterKey, SealedBlob, SecretBytes, SecretContext};
use libfuzzer_sys::fuzz_target;

fn keyring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| Keyring::new(MasterKey::generate()))
}

fuzz_target!(|bytes: &[u8]| {
    let ring = keyring();
    let context = SecretContext::new("acme", "fuzzed", 1);
    if let Ok(blob) = SealedBlob::parse(bytes) {
        assert_eq!(blob.as_bytes(), bytes);
        assert!(open(ring, &context, &blob).is_err(), "a forged blob opened");
    }
    let sealed = seal(ring, &context, &SecretBytes::from_vec(bytes.to_vec())).expect("seals");
    let parsed = SealedBlob::parse(sealed.as_bytes()).expect("a sealed blob parses");
    let opened = open(ring, &context, &parsed).expect("opens under its own context");
    assert_eq!(&opened.expose_secret()[..], bytes);
    let elsewhere = SecretContext::new("acme", "another", 1);
    assert!(
        open(ring, &elsewhere, &parsed).is_err(),
        "opened under another context"
    );
});
