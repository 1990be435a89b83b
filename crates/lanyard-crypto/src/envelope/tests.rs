//! Unit tests for sealing, opening and re-wrapping.

use super::*;

fn ctx() -> SecretContext {
    SecretContext::new("org-1", "aws-prod", 1)
}

fn secret(text: &str) -> SecretBytes {
    SecretBytes::copy_from_slice(text.as_bytes())
}

#[test]
fn seal_then_open() {
    let ring = Keyring::new(MasterKey::generate());
    let blob = seal(&ring, &ctx(), &secret("AKIA...")).unwrap();
    assert_eq!(blob.len(), MIN_BLOB_LEN + 7);
    assert_eq!(blob.key_id(), ring.active().key_id());
    assert_eq!(
        open(&ring, &ctx(), &blob).unwrap().expose_secret(),
        b"AKIA..."
    );
}

#[test]
fn empty_plaintext_round_trips() {
    let ring = Keyring::new(MasterKey::generate());
    let blob = seal(&ring, &ctx(), &secret("")).unwrap();
    assert_eq!(blob.len(), MIN_BLOB_LEN);
    assert!(open(&ring, &ctx(), &blob).unwrap().is_empty());
}

#[test]
fn seals_are_randomised() {
    let ring = Keyring::new(MasterKey::generate());
    let a = seal(&ring, &ctx(), &secret("same")).unwrap();
    let b = seal(&ring, &ctx(), &secret("same")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn blob_moved_to_another_row_fails() {
    let ring = Keyring::new(MasterKey::generate());
    let blob = seal(&ring, &ctx(), &secret("value")).unwrap();
    for other in [
        SecretContext::new("org-2", "aws-prod", 1),
        SecretContext::new("org-1", "aws-dev", 1),
        SecretContext::new("org-1", "aws-prod", 2),
    ] {
        assert_eq!(
            open(&ring, &other, &blob).unwrap_err(),
            EnvelopeError::DecryptionFailed
        );
        assert_eq!(
            rewrap(&ring, &other, &blob).unwrap_err(),
            EnvelopeError::DecryptionFailed
        );
    }
}

#[test]
fn unknown_key_is_reported_by_id() {
    let old = Keyring::new(MasterKey::generate());
    let blob = seal(&old, &ctx(), &secret("value")).unwrap();
    let new = Keyring::new(MasterKey::generate());
    assert_eq!(
        open(&new, &ctx(), &blob).unwrap_err(),
        EnvelopeError::UnknownKey(old.active().key_id())
    );
}

#[test]
fn rewrap_moves_blob_to_active_key_and_keeps_data() {
    let old_key = MasterKey::generate();
    let (old_id, old_b64) = (old_key.key_id(), old_key.to_base64());
    let blob = seal(&Keyring::new(old_key), &ctx(), &secret("value")).unwrap();

    let new_key = MasterKey::generate();
    let new_b64 = new_key.to_base64();
    let ring = Keyring::new(new_key).with_retired(MasterKey::from_base64(&old_b64).unwrap());
    let moved = rewrap(&ring, &ctx(), &blob).unwrap();

    assert_eq!(moved.key_id(), ring.active().key_id());
    assert_eq!(moved.len(), blob.len());
    assert_eq!(
        &moved.as_bytes()[DATA_NONCE.start..],
        &blob.as_bytes()[DATA_NONCE.start..]
    );
    assert_eq!(
        open(&ring, &ctx(), &moved).unwrap().expose_secret(),
        b"value"
    );

    // Once the old key is dropped, only the re-wrapped blob still opens.
    let new_only = Keyring::new(MasterKey::from_base64(&new_b64).unwrap());
    assert_eq!(
        open(&new_only, &ctx(), &moved).unwrap().expose_secret(),
        b"value"
    );
    assert_eq!(
        open(&new_only, &ctx(), &blob).unwrap_err(),
        EnvelopeError::UnknownKey(old_id)
    );
}

#[test]
fn seal_with_nonces_is_deterministic() {
    let key_b64 = secrecy::SecretString::from("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
    let ring = Keyring::new(MasterKey::from_base64(&key_b64).unwrap());
    let seal_fixed =
        || seal_with_nonces(&ring, &ctx(), &secret("v"), &[7; 32], [1; 12], [2; 12]).unwrap();
    assert_eq!(seal_fixed(), seal_fixed());
    assert_eq!(&seal_fixed().as_bytes()[DEK_NONCE], &[1; 12]);
    assert_eq!(&seal_fixed().as_bytes()[DATA_NONCE], &[2; 12]);
}
