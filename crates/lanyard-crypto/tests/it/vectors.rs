//! Known-answer tests against vectors produced by an independent implementation
//! (`tests/vectors/generate.py`).

use lanyard_crypto::{
    open, ApiToken, EnvelopeError, KeyCheckValue, KeyId, SealedBlob, TokenError, TokenHash,
    TokenKind,
};

use crate::fixtures::{self, key, unhex};

#[test]
fn key_ids_and_check_values_match() {
    let vectors: Vec<fixtures::KeyVector> =
        fixtures::load(&fixtures::vectors_dir().join("keys_v1.json"));
    assert!(vectors.len() >= 3);
    for v in vectors {
        let key = key(&v.key);
        assert_eq!(key.key_id(), KeyId::from_hex(&v.key_id).unwrap());
        assert_eq!(key.key_id().to_string(), v.key_id);
        assert_eq!(key.check_value().to_hex(), v.check_value);
        assert!(key.verify_check_value(&KeyCheckValue::from_hex(&v.check_value).unwrap()));
    }
}

#[test]
fn envelope_vectors_open() {
    let vectors = fixtures::envelope_vectors();
    assert!(vectors.len() >= 4);
    for v in vectors {
        let ring = lanyard_crypto::Keyring::new(key(&v.key));
        let blob = SealedBlob::parse(&unhex(&v.blob)).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        let opened =
            open(&ring, &v.context.to_ctx(), &blob).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            opened.expose_secret(),
            &unhex(&v.plaintext)[..],
            "{}",
            v.name
        );
    }
}

fn expected_error(v: &fixtures::FailVector) -> EnvelopeError {
    match v.error.as_str() {
        "truncated" => EnvelopeError::Truncated,
        "decryption_failed" => EnvelopeError::DecryptionFailed,
        "unsupported_version" => {
            EnvelopeError::UnsupportedVersion(v.error_version.expect("error_version"))
        }
        "unknown_key" => EnvelopeError::UnknownKey(
            KeyId::from_hex(v.error_key_id.as_deref().expect("error_key_id")).unwrap(),
        ),
        other => panic!("unknown error kind {other}"),
    }
}

#[test]
fn fail_vectors_are_rejected_with_the_right_kind() {
    let vectors = fixtures::fail_vectors();
    assert!(vectors.len() >= 20, "only {} fail vectors", vectors.len());
    for (name, v) in vectors {
        let ring = v.keyring.build();
        let result = SealedBlob::parse(&unhex(&v.blob))
            .and_then(|blob| open(&ring, &v.context.to_ctx(), &blob));
        match result {
            Ok(_) => panic!("{name} ({}) was accepted", v.description),
            Err(err) => assert_eq!(err, expected_error(&v), "{name} ({})", v.description),
        }
    }
}

#[test]
fn token_vectors() {
    let vectors: fixtures::TokenVectors =
        fixtures::load(&fixtures::vectors_dir().join("tokens_v1.json"));
    for v in &vectors.valid {
        let token = ApiToken::parse(&v.token).unwrap();
        let kind = match v.kind.as_str() {
            "user" => TokenKind::User,
            _ => TokenKind::Runner,
        };
        assert_eq!(token.kind(), kind);
        assert_eq!(token.hash().to_hex(), v.sha256);
        assert!(token.verify(&TokenHash::from_hex(&v.sha256).unwrap()));
    }
    for v in &vectors.invalid {
        let expected = match v.error.as_str() {
            "unknown_prefix" => TokenError::UnknownPrefix,
            _ => TokenError::Malformed,
        };
        assert_eq!(
            ApiToken::parse(&v.input).unwrap_err(),
            expected,
            "{:?}",
            v.input
        );
    }
}
