//! No secret-holding type prints its secret through `Debug`.

use lanyard_crypto::{
    ApiToken, ExposeSecret, Keyring, MasterKey, SecretBox, SecretBytes, SecretString, TokenKind,
};

#[test]
fn debug_output_never_contains_secrets() {
    let key = MasterKey::generate();
    let key_b64 = key.to_base64();
    let token = ApiToken::generate(TokenKind::User);
    let bytes = SecretBytes::from_vec(b"correct horse battery staple".to_vec());
    let string = SecretString::from("correct horse battery staple");
    let boxed = SecretBox::new(Box::new([42u8; 4]));

    let printed = [
        format!("{key:?}"),
        format!("{:?}", key_b64),
        format!("{token:?}"),
        format!("{bytes:?}"),
        format!("{string:?}"),
        format!("{boxed:?}"),
        format!("{:?}", Keyring::new(key)),
    ];
    let secrets = [
        key_b64.expose_secret().to_owned(),
        token.expose_secret().to_owned(),
        token.expose_secret()[4..].to_owned(),
        "correct horse".to_owned(),
        "42, 42".to_owned(),
    ];
    for line in &printed {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "{line} leaks a secret");
        }
        assert!(
            line.contains("REDACTED") || line.starts_with("Keyring"),
            "{line}"
        );
    }
}
