//! Fuzzes the sealed-blob parser and, for inputs it accepts, the decryption path.
//!
//! Run with `cargo +nightly fuzz run blob_parse` from `crates/lanyard-crypto`.

#![no_main]

use std::sync::OnceLock;

use lanyard_crypto::{open, rewrap, Keyring, MasterKey, SealedBlob, SecretContext, SecretString};
use libfuzzer_sys::fuzz_target;

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    // A fixed key so that inputs whose key id matches it reach AES-GCM.
    RING.get_or_init(|| {
        let key = SecretString::from("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        Keyring::new(MasterKey::from_base64(&key).expect("fixed key"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(blob) = SealedBlob::parse(data) else {
        return;
    };
    assert_eq!(blob.as_bytes(), data);
    let _ = blob.key_id();
    let ctx = SecretContext::new("org_01", "aws-prod", 1);
    // Seeds may include the committed test vectors (sealed under this very key and context),
    // so success is possible here; the target checks that no input makes these panic.
    let _ = open(ring(), &ctx, &blob);
    let _ = rewrap(ring(), &ctx, &blob);
});
