//! Keys and tokens: what a cloud checks (signature, issuer, audience, lifetime) and what must
//! never leak (the private key through `Debug`).

use std::sync::OnceLock;

use lanyard_crypto::ExposeSecret as _;
use lanyard_oidc::{subject, JobIdentity, OidcError, SigningKey, MAX_TOKEN_LIFETIME_SECS};

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().unwrap())
}

const NOW: i64 = 1_900_000_000;

fn identity(lifetime_secs: i64, deadline: Option<i64>) -> JobIdentity<'static> {
    JobIdentity {
        issuer: "https://lanyard.example.com",
        audience: "sts.amazonaws.com",
        org: "acme",
        environment: "prod",
        connection: "aws-prod",
        runner: "built-in",
        job_id: "0190-job",
        now: NOW,
        deadline,
        lifetime_secs,
    }
}

#[test]
fn the_subject_names_organization_environment_and_connection() {
    assert_eq!(
        subject("acme", "prod", "aws-prod"),
        "org:acme:env:prod:connection:aws-prod"
    );
    // The trust set-up (in the catalog crate) writes the same subjects the tokens carry.
    for (org, env, connection) in [("acme", "prod", "aws-prod"), ("a-b", "*", "c-d")] {
        assert_eq!(
            subject(org, env, connection),
            lanyard_providers::federation::subject(org, env, connection)
        );
    }
}

#[test]
fn lifetimes_are_the_shortest_of_setting_deadline_and_one_hour() {
    let cases = [
        (900, None, NOW + 900),
        (7200, None, NOW + MAX_TOKEN_LIFETIME_SECS),
        (3600, Some(NOW + 60), NOW + 60),
        (60, Some(NOW + 3000), NOW + 60),
    ];
    for (lifetime, deadline, exp) in cases {
        let claims = identity(lifetime, deadline).claims().unwrap();
        assert_eq!(
            claims.exp, exp,
            "lifetime {lifetime}, deadline {deadline:?}"
        );
        assert_eq!((claims.iat, claims.nbf), (NOW, NOW));
    }
    assert!(matches!(
        identity(600, Some(NOW)).claims(),
        Err(OidcError::Expired)
    ));
}

#[test]
fn a_signed_token_verifies_with_the_public_key_only_for_its_issuer_and_audience() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = JobIdentity {
        now,
        ..identity(600, None)
    }
    .claims()
    .unwrap();
    let token = key().sign(&claims).unwrap();
    let public = key().public_jwk();
    let verified = public
        .verify(
            token.expose_secret(),
            "https://lanyard.example.com",
            "sts.amazonaws.com",
        )
        .unwrap();
    assert_eq!(verified, claims);
    for (issuer, audience) in [
        ("https://other.example.com", "sts.amazonaws.com"),
        ("https://lanyard.example.com", "api://AzureADTokenExchange"),
    ] {
        assert!(public
            .verify(token.expose_secret(), issuer, audience)
            .is_err());
    }
}

#[test]
fn a_key_survives_its_stored_form_with_the_same_id_and_another_key_does_not_verify() {
    let again = SigningKey::from_pkcs1_der(key().pkcs1_der().expose_secret()).unwrap();
    assert_eq!(again.kid(), key().kid());
    assert_eq!(again.public_jwk(), key().public_jwk());

    let other = SigningKey::generate().unwrap();
    assert_ne!(other.kid(), key().kid());
    let claims = identity(600, None).claims().unwrap();
    let token = other.sign(&claims).unwrap();
    let error = key()
        .public_jwk()
        .verify(
            token.expose_secret(),
            "https://lanyard.example.com",
            "sts.amazonaws.com",
        )
        .unwrap_err();
    assert!(error.to_string().contains("another key"), "{error}");
}

#[test]
fn damaged_key_bytes_are_refused_without_echoing_them() {
    let mut der = key().pkcs1_der().expose_secret().to_vec();
    der.truncate(der.len() / 2);
    let error = SigningKey::from_pkcs1_der(&der).unwrap_err();
    assert!(matches!(error, OidcError::Damaged(_)));
    assert!(!error.to_string().contains(&hex_of(&der[..16])));
}

#[test]
fn debug_shows_the_key_id_and_nothing_of_the_private_key() {
    let shown = format!("{:?}", key());
    assert!(shown.contains(key().kid()));
    let der = key().pkcs1_der().expose_secret();
    assert!(!shown.contains(&hex_of(&der[..16])));
    assert!(shown.len() < 200, "{shown}");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
