//! Snowflake with key-pair authentication: `SELECT CURRENT_USER()` through the SQL API with a
//! JWT signed by the user's private key (docs.snowflake.com/en/developer-guide/sql-api/
//! authenticating#using-key-pair-authentication), with an unencrypted key or one encrypted with
//! its passphrase (PKCS#8 PBES2, as `openssl pkcs8 -topk8 -v2 des3` makes it). Password
//! connections have no documented REST login (only the drivers' own protocol, whose logins
//! would also prompt a multi-factor user on every scheduled check), so they stay unchecked.

use base64::Engine as _;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
use sha2::{Digest as _, Sha256};

use crate::http::unreachable_with;
use crate::{Checker, Fields, Outcome, Verdict};

/// The JWT's claims, as the SQL API documentation lists them.
#[derive(serde::Serialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: u64,
    exp: u64,
}

/// `SHA256:` and the base64 SHA-256 of the public key's SubjectPublicKeyInfo, as Snowflake
/// shows it in `DESC USER` (RSA_PUBLIC_KEY_FP).
pub(crate) fn fingerprint(key: &rsa::RsaPrivateKey) -> Option<String> {
    let public = rsa::RsaPublicKey::from(key).to_public_key_der().ok()?;
    let digest = Sha256::digest(public.as_bytes());
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// The account part of the JWT's names: uppercase, and for `org.account`-style identifiers
/// with dots replaced by hyphens; a legacy locator keeps only its first part.
fn jwt_account(account: &str) -> String {
    let account = account.trim().to_ascii_uppercase();
    match account.split_once('.') {
        // A legacy locator (xy12345.us-east-2.aws): the locator alone.
        Some((locator, rest)) if rest.contains('-') || rest.contains('.') => locator.to_owned(),
        _ => account.replace('.', "-"),
    }
}

/// The private key, decrypted with `passphrase` when one is given.
fn private_key(pem: &str, passphrase: Option<&str>) -> Result<rsa::RsaPrivateKey, String> {
    match passphrase {
        None => rsa::RsaPrivateKey::from_pkcs8_pem(pem.trim()).map_err(|_| {
            "the private key is not an unencrypted PKCS#8 RSA key in PEM (an encrypted one needs \
             private_key_passphrase)"
                .to_owned()
        }),
        Some(passphrase) => {
            rsa::RsaPrivateKey::from_pkcs8_encrypted_pem(pem.trim(), passphrase.as_bytes()).map_err(
                |_| {
                    "the passphrase does not decrypt the private key (an encrypted PKCS#8 RSA key \
                     in PEM)"
                        .to_owned()
                },
            )
        }
    }
}

/// A signed JWT for `account` and `user`, valid for a minute.
pub(crate) fn token(
    account: &str,
    user: &str,
    pem: &str,
    passphrase: Option<&str>,
    now: u64,
) -> Result<String, String> {
    let key = private_key(pem, passphrase)?;
    let fingerprint = fingerprint(&key).ok_or("the private key has no public part")?;
    let qualified = format!("{}.{}", jwt_account(account), user.to_ascii_uppercase());
    let claims = Claims {
        iss: format!("{qualified}.{fingerprint}"),
        sub: qualified,
        iat: now,
        exp: now + 60,
    };
    let der = key
        .to_pkcs1_der()
        .map_err(|_| "the private key cannot sign".to_owned())?;
    let signing = jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes());
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &signing,
    )
    .map_err(|_| "the private key cannot sign".to_owned())
}

pub(crate) async fn check(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let account = fields.get("account")?;
    let user = fields.get("username")?;
    let Some(pem) = fields.get("private_key") else {
        return Some(Verdict::unchecked_because(
            "password connections are not checked: Snowflake documents no REST login for \
             passwords; key-pair connections are",
        ));
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let passphrase = fields.get("private_key_passphrase");
    let jwt = match token(account, user, pem, passphrase, now) {
        Ok(jwt) => jwt,
        Err(why) => {
            return Some(Verdict {
                outcome: Outcome::WrongCredentials,
                identity: None,
                message: format!("{why}; fix the connection's private_key or its passphrase"),
            })
        }
    };
    let host = format!(
        "https://{}.snowflakecomputing.com",
        account.trim().to_ascii_lowercase()
    );
    let base = checker.base("snowflake", &host);
    let mut body = serde_json::json!({ "statement": "SELECT CURRENT_USER()", "timeout": 10 });
    if let Some(role) = fields.get("role") {
        body["role"] = role.into();
    }
    let answer = checker
        .http
        .post(format!("{base}/api/v2/statements"))
        .bearer_auth(&jwt)
        .header("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT")
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await;
    let response = match answer {
        Ok(response) => response,
        Err(e) => {
            return Some(unreachable_with(
                &host,
                &e,
                "check the account identifier and this server's network",
            ))
        }
    };
    let status = response.status().as_u16();
    let said: serde_json::Value = response.json().await.unwrap_or_default();
    let message: String = said["message"]
        .as_str()
        .unwrap_or("no message")
        .chars()
        .take(160)
        .collect();
    Some(match status {
        200 | 202 => Verdict::ok(
            Some(user.to_owned()),
            format!("Snowflake accepted the key pair of {user}"),
        ),
        401 => Verdict {
            outcome: Outcome::WrongCredentials,
            identity: None,
            message: format!(
                "Snowflake refused the key pair of {user} ({message}); set the user's \
                 RSA_PUBLIC_KEY to this key's public half (ALTER USER … SET RSA_PUBLIC_KEY)"
            ),
        },
        403 => Verdict {
            outcome: Outcome::MissingPermission,
            identity: None,
            message: format!(
                "Snowflake accepted {user} but refused the statement ({message}); grant the role \
                 it uses"
            ),
        },
        _ => Verdict {
            outcome: Outcome::Unreachable,
            identity: None,
            message: format!("Snowflake answered HTTP {status} ({message}); try again later"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh 2048-bit RSA key in PKCS#8 PEM at `path`, made by openssl as Snowflake's
    /// documentation makes one.
    fn generate_key(path: &std::path::Path) {
        let made = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ])
            .arg("-out")
            .arg(path)
            .output()
            .expect("openssl (scripts/test-deps installs it)");
        assert!(made.status.success(), "{made:?}");
    }

    /// A JWT's claims (not verified: these tests check what was signed, not who signed it).
    fn claims(jwt: &str) -> serde_json::Value {
        let claims = jwt.split('.').nth(1).unwrap();
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap();
        serde_json::from_slice(&claims).unwrap()
    }

    #[test]
    fn account_names_follow_the_documentation() {
        assert_eq!(jwt_account("myorg-myaccount"), "MYORG-MYACCOUNT");
        assert_eq!(jwt_account("myorg.myaccount"), "MYORG-MYACCOUNT");
        assert_eq!(jwt_account("xy12345.us-east-2.aws"), "XY12345");
    }

    /// The fingerprint is the one Snowflake's documentation computes with openssl
    /// (`openssl rsa -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`).
    #[test]
    fn the_fingerprint_matches_openssl() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.p8");
        generate_key(&key);
        let pem = std::fs::read_to_string(&key).unwrap();
        let script = format!(
            "openssl pkey -in {} -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64",
            key.display()
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let expected = format!("SHA256:{}", String::from_utf8_lossy(&out.stdout).trim());
        let parsed = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(fingerprint(&parsed).unwrap(), expected);
        let jwt = token("myorg-myaccount", "deployer", &pem, None, 1_700_000_000).unwrap();
        let claims = claims(&jwt);
        assert_eq!(claims["sub"], "MYORG-MYACCOUNT.DEPLOYER");
        assert_eq!(
            claims["iss"],
            format!("MYORG-MYACCOUNT.DEPLOYER.{expected}")
        );
        assert_eq!(claims["exp"], 1_700_000_060);
        assert!(token(
            "a",
            "b",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            None,
            0
        )
        .is_err());
    }

    /// Keys encrypted as Snowflake's documentation makes them (`openssl pkcs8 -topk8 -v2 des3`)
    /// and as openssl makes them by default (AES-256-CBC): the passphrase opens them, and the
    /// JWT names the same fingerprint as the key itself; a wrong passphrase is said to be wrong.
    #[test]
    fn encrypted_keys_open_with_their_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("key.pem");
        generate_key(&plain);
        let expected = fingerprint(
            &rsa::RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(&plain).unwrap()).unwrap(),
        )
        .unwrap();
        for cipher in ["des3", "aes-256-cbc"] {
            let encrypted = dir.path().join(format!("{cipher}.p8"));
            let made = std::process::Command::new("openssl")
                .args([
                    "pkcs8",
                    "-topk8",
                    "-v2",
                    cipher,
                    "-passout",
                    "pass:PLANTED-phrase",
                    "-in",
                ])
                .arg(&plain)
                .arg("-out")
                .arg(&encrypted)
                .output()
                .unwrap();
            assert!(made.status.success(), "{cipher}: {made:?}");
            let pem = std::fs::read_to_string(&encrypted).unwrap();
            assert!(pem.contains("ENCRYPTED PRIVATE KEY"), "{pem}");
            let jwt = token("acme", "deployer", &pem, Some("PLANTED-phrase"), 0).unwrap();
            let claims = claims(&jwt);
            assert_eq!(
                claims["iss"],
                format!("ACME.DEPLOYER.{expected}"),
                "{cipher}"
            );
            let wrong = token("acme", "deployer", &pem, Some("other"), 0).unwrap_err();
            assert!(
                wrong.contains("passphrase does not decrypt"),
                "{cipher}: {wrong}"
            );
            let unopened = token("acme", "deployer", &pem, None, 0).unwrap_err();
            assert!(
                unopened.contains("needs private_key_passphrase"),
                "{unopened}"
            );
        }
    }
}
