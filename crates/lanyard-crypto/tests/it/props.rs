//! Property tests: round trips hold, tampering is always caught, parsers never panic.

use std::sync::OnceLock;

use lanyard_crypto::envelope::MIN_BLOB_LEN;
use lanyard_crypto::{
    open, rewrap, seal, ApiToken, EnvelopeError, Keyring, MasterKey, SealedBlob, SecretBytes,
    SecretContext, SecretString, TokenHash,
};
use proptest::prelude::*;

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| Keyring::new(MasterKey::generate()))
}

fn context() -> impl Strategy<Value = SecretContext> {
    ("[a-z0-9_-]{0,12}", "\\PC{0,12}", any::<u32>())
        .prop_map(|(org, secret, version)| SecretContext::new(org, secret, version))
}

fn plaintext() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..1024)
}

proptest! {
    #[test]
    fn seal_open_round_trip(ctx in context(), data in plaintext()) {
        let blob = seal(ring(), &ctx, &SecretBytes::from_vec(data.clone())).unwrap();
        prop_assert_eq!(blob.len(), MIN_BLOB_LEN + data.len());
        let reparsed = SealedBlob::parse(blob.as_bytes()).unwrap();
        let opened = open(ring(), &ctx, &reparsed).unwrap();
        prop_assert_eq!(opened.expose_secret(), &data[..]);
    }

    #[test]
    fn other_context_is_rejected(a in context(), b in context(), data in plaintext()) {
        prop_assume!(a != b);
        let blob = seal(ring(), &a, &SecretBytes::from_vec(data)).unwrap();
        prop_assert_eq!(open(ring(), &b, &blob).unwrap_err(), EnvelopeError::DecryptionFailed);
    }

    #[test]
    fn any_bit_flip_is_rejected(ctx in context(), data in plaintext(), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let blob = seal(ring(), &ctx, &SecretBytes::from_vec(data)).unwrap();
        let mut bytes = blob.to_vec();
        let at = pos.index(bytes.len());
        bytes[at] ^= 1 << bit;
        let result = SealedBlob::parse(&bytes).and_then(|b| open(ring(), &ctx, &b));
        prop_assert!(result.is_err());
    }

    #[test]
    fn any_truncation_is_rejected(ctx in context(), data in plaintext(), cut in any::<prop::sample::Index>()) {
        let bytes = seal(ring(), &ctx, &SecretBytes::from_vec(data)).unwrap().to_vec();
        let short = &bytes[..cut.index(bytes.len())];
        let result = SealedBlob::parse(short).and_then(|b| open(ring(), &ctx, &b));
        prop_assert!(result.is_err());
    }

    #[test]
    fn rewrap_keeps_the_plaintext(ctx in context(), data in plaintext()) {
        let old = MasterKey::generate();
        let old_copy = MasterKey::from_base64(&old.to_base64()).unwrap();
        let blob = seal(&Keyring::new(old), &ctx, &SecretBytes::from_vec(data.clone())).unwrap();
        let ring = Keyring::new(MasterKey::generate()).with_retired(old_copy);
        let moved = rewrap(&ring, &ctx, &blob).unwrap();
        prop_assert_eq!(moved.key_id(), ring.active().key_id());
        prop_assert_eq!(&moved.as_bytes()[69..], &blob.as_bytes()[69..]);
        let opened = open(&ring, &ctx, &moved).unwrap();
        prop_assert_eq!(opened.expose_secret(), &data[..]);
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let ctx = SecretContext::new("o", "s", 1);
        if let Ok(blob) = SealedBlob::parse(&bytes) {
            prop_assert_eq!(blob.as_bytes(), &bytes[..]);
            prop_assert!(open(ring(), &ctx, &blob).is_err());
            prop_assert!(rewrap(ring(), &ctx, &blob).is_err());
        }
    }

    #[test]
    fn forged_blobs_under_a_known_key_id_are_rejected(tail in prop::collection::vec(any::<u8>(), 88..300)) {
        // Version byte and a real key id, so parsing succeeds and AES-GCM must do the rejecting.
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(ring().active().key_id().as_bytes());
        bytes.extend_from_slice(&tail);
        let blob = SealedBlob::parse(&bytes).unwrap();
        let ctx = SecretContext::new("o", "s", 1);
        prop_assert_eq!(open(ring(), &ctx, &blob).unwrap_err(), EnvelopeError::DecryptionFailed);
    }

    #[test]
    fn text_parsers_never_panic(text in "\\PC{0,64}|lyd_[A-Za-z0-9_=+/-]{40,46}") {
        let _ = ApiToken::parse(&text);
        let _ = TokenHash::from_hex(&text);
        let _ = lanyard_crypto::KeyId::from_hex(&text);
        let _ = lanyard_crypto::KeyCheckValue::from_hex(&text);
        let _ = MasterKey::from_base64(&SecretString::from(text.as_str()));
    }

    #[test]
    fn parsed_tokens_hash_consistently(raw in prop::array::uniform32(any::<u8>())) {
        use base64::Engine as _;
        let text = format!("lyr_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
        let token = ApiToken::parse(&text).unwrap();
        prop_assert_eq!(token.expose_secret(), text.as_str());
        prop_assert!(token.verify(&ApiToken::parse(&text).unwrap().hash()));
    }
}
