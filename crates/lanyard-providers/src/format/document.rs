//! Multi-line documents: base64 blobs, PEM blocks, Google service account keys and kubeconfigs.
//!
//! The decoders here are shared with materialization, so a value that passed validation is
//! decoded the same way when it is injected. Decoded plaintext lives in `Zeroizing` buffers so
//! that it is wiped when dropped.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use zeroize::Zeroizing;

use super::{ensure, fail};

type Check = Result<(), String>;

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decodes base64 in either alphabet, with or without padding, ignoring line breaks (as
/// `base64` wraps its output at 76 columns).
pub(crate) fn decode_base64(v: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> =
        Zeroizing::new(v.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    if compact.is_empty() {
        return None;
    }
    STANDARD_LENIENT
        .decode(compact.as_bytes())
        .or_else(|_| URL_SAFE_LENIENT.decode(compact.as_bytes()))
        .ok()
        .map(Zeroizing::new)
}

/// Decodes base64 that must hold UTF-8 text.
fn decode_base64_text(v: &str) -> Option<Zeroizing<String>> {
    let mut bytes = decode_base64(v)?;
    let text = String::from_utf8(std::mem::take(&mut *bytes)).ok()?;
    Some(Zeroizing::new(text))
}

pub(super) fn check_base64(v: &str) -> Check {
    ensure(decode_base64(v).is_some(), "must be base64-encoded data")
}

/// One or more `CERTIFICATE` PEM blocks (a CA bundle), each a valid PEM block.
pub(super) fn check_certificates(v: &str) -> Check {
    const MESSAGE: &str = "must be PEM certificates (-----BEGIN CERTIFICATE----- … -----END \
                           CERTIFICATE-----), one or more, e.g. the CA's ca.crt";
    let mut blocks = 0;
    let mut rest = v.trim();
    while !rest.is_empty() {
        let end = "-----END CERTIFICATE-----";
        let (block, after) = match rest.find(end) {
            Some(at) => rest.split_at(at + end.len()),
            None => return fail(MESSAGE),
        };
        if !block
            .trim_start()
            .starts_with("-----BEGIN CERTIFICATE-----")
            || check_pem(block).is_err()
        {
            return fail(MESSAGE);
        }
        blocks += 1;
        rest = after.trim();
    }
    if blocks == 0 {
        return fail(MESSAGE);
    }
    Ok(())
}

pub(super) fn check_pem(v: &str) -> Check {
    const MESSAGE: &str =
        "must be a PEM block, e.g. -----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----";
    let lines: Vec<&str> = v.trim().lines().map(str::trim).collect();
    // Armor line, at least one line of data, armor line.
    let [first, body @ .., last] = lines.as_slice() else {
        return fail(MESSAGE);
    };
    let label = |line: &str, word: &str| {
        line.strip_prefix("-----")
            .and_then(|l| l.strip_suffix("-----"))
            .and_then(|l| l.strip_prefix(word))
            .map(str::to_owned)
    };
    let body_ok = !body.is_empty()
        && body.iter().all(|line| {
            // Legacy encrypted keys carry `Proc-Type:`/`DEK-Info:` headers before the data.
            line.is_empty()
                || line.contains(':')
                || line
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        });
    match (label(first, "BEGIN "), label(last, "END ")) {
        (Some(begin), Some(end)) if begin == end && !begin.is_empty() && body_ok => Ok(()),
        _ => fail(MESSAGE),
    }
}

/// The parts of a Google service account key that materialization needs.
pub(crate) struct ServiceAccountKey {
    /// The key file as JSON text (decoded if it was given base64-encoded).
    pub json: Zeroizing<String>,
    /// The project the service account belongs to, when the key says.
    pub project_id: Option<String>,
    /// The PEM private key inside the JSON.
    pub private_key: Zeroizing<String>,
}

const SERVICE_ACCOUNT_MESSAGE: &str = "must be a Google service account JSON key (raw or base64) \
     with \"type\": \"service_account\", client_email and private_key";

/// Accepts the key file as written by `gcloud iam service-accounts keys create`, or its base64
/// encoding (which the reference product stored).
pub(crate) fn service_account_key(v: &str) -> Result<ServiceAccountKey, &'static str> {
    let trimmed = v.trim();
    let json = if trimmed.starts_with('{') {
        Zeroizing::new(trimmed.to_owned())
    } else {
        let decoded = decode_base64_text(trimmed).ok_or(SERVICE_ACCOUNT_MESSAGE)?;
        Zeroizing::new(decoded.trim().to_owned())
    };
    let parsed: serde_json::Value =
        serde_json::from_str(&json).map_err(|_| SERVICE_ACCOUNT_MESSAGE)?;
    let object = parsed.as_object().ok_or(SERVICE_ACCOUNT_MESSAGE)?;
    let text = |name: &str| {
        object
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
    };
    if text("type") != Some("service_account") || text("client_email").is_none() {
        return Err(SERVICE_ACCOUNT_MESSAGE);
    }
    let private_key = text("private_key")
        .filter(|k| k.contains("PRIVATE KEY"))
        .ok_or(SERVICE_ACCOUNT_MESSAGE)?;
    Ok(ServiceAccountKey {
        project_id: text("project_id").map(str::to_owned),
        private_key: Zeroizing::new(private_key.to_owned()),
        json,
    })
}

pub(super) fn check_service_account(v: &str) -> Check {
    service_account_key(v).map(drop).map_err(str::to_owned)
}

/// A kubeconfig, decoded, with the credential values found in its `users`.
pub(crate) struct Kubeconfig {
    /// The document as YAML (or JSON) text.
    pub text: Zeroizing<String>,
    /// Tokens, passwords and client keys, so the redactor can mask them one by one.
    pub user_secrets: Vec<Zeroizing<String>>,
}

const KUBECONFIG_MESSAGE: &str = "must be a kubeconfig (YAML, raw or base64) with at least one \
     cluster that has a server, and at least one context";

/// Accepts the file as `kubectl config view --raw` prints it, or its base64 encoding.
pub(crate) fn kubeconfig(v: &str) -> Result<Kubeconfig, &'static str> {
    let trimmed = v.trim();
    if let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(trimmed) {
        if doc.get("clusters").is_some() {
            return kubeconfig_from(Zeroizing::new(trimmed.to_owned()), &doc);
        }
    }
    let decoded = decode_base64_text(trimmed).ok_or(KUBECONFIG_MESSAGE)?;
    let text = Zeroizing::new(decoded.trim().to_owned());
    let doc: serde_norway::Value = serde_norway::from_str(&text).map_err(|_| KUBECONFIG_MESSAGE)?;
    kubeconfig_from(text, &doc)
}

fn kubeconfig_from(
    text: Zeroizing<String>,
    doc: &serde_norway::Value,
) -> Result<Kubeconfig, &'static str> {
    let list = |key: &str| {
        doc.get(key)
            .and_then(|v| v.as_sequence())
            .filter(|s| !s.is_empty())
    };
    let clusters = list("clusters").ok_or(KUBECONFIG_MESSAGE)?;
    let has_server = clusters.iter().any(|c| {
        c.get("cluster")
            .and_then(|c| c.get("server"))
            .and_then(|s| s.as_str())
            .is_some()
    });
    if !has_server || list("contexts").is_none() {
        return Err(KUBECONFIG_MESSAGE);
    }
    let mut user_secrets = Vec::new();
    for user in list("users").into_iter().flatten() {
        let Some(user) = user.get("user") else {
            continue;
        };
        for key in ["token", "password", "client-key-data"] {
            if let Some(value) = user.get(key).and_then(|v| v.as_str()) {
                user_secrets.push(Zeroizing::new(value.to_owned()));
            }
        }
    }
    Ok(Kubeconfig { text, user_secrets })
}

pub(super) fn check_kubeconfig(v: &str) -> Check {
    kubeconfig(v).map(drop).map_err(str::to_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ca_bundles_are_certificates_only() {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FCVU5ETEUwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        assert!(check_certificates(cert).is_ok());
        assert!(check_certificates(&format!("{cert}\n{cert}")).is_ok());
        for bad in [key, "", "not a certificate", &format!("{cert}{key}")] {
            assert!(check_certificates(bad).is_err(), "{bad:?}");
        }
    }

    use super::*;

    const KEY: &str = r#"{"type": "service_account", "project_id": "demo-project",
        "private_key_id": "abc123", "client_email": "ci@demo-project.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n"}"#;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    \
        server: https://10.0.0.1\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n\
        current-context: c\nusers:\n- name: u\n  user:\n    token: sekrit-token\n";

    #[test]
    fn service_account_raw_and_base64() {
        let raw = service_account_key(KEY).unwrap();
        assert_eq!(raw.project_id.as_deref(), Some("demo-project"));
        let encoded = STANDARD_LENIENT.encode(KEY);
        let decoded = service_account_key(&encoded).unwrap();
        assert_eq!(*decoded.json, KEY.trim());
        // Wrapped at 76 columns, as `base64` prints it.
        let wrapped: String = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(service_account_key(&wrapped).is_ok());
    }

    #[test]
    fn service_account_rejects_other_json() {
        assert!(service_account_key(r#"{"type": "authorized_user"}"#).is_err());
        assert!(service_account_key("not json at all").is_err());
        assert!(service_account_key("[1, 2]").is_err());
    }

    #[test]
    fn kubeconfig_raw_and_base64() {
        let raw = kubeconfig(KUBECONFIG).unwrap();
        assert_eq!(raw.user_secrets.len(), 1);
        assert_eq!(*raw.user_secrets[0], "sekrit-token");
        let encoded = STANDARD_LENIENT.encode(KUBECONFIG);
        assert_eq!(*kubeconfig(&encoded).unwrap().text, KUBECONFIG.trim());
        assert!(kubeconfig("clusters: []\n").is_err());
        assert!(kubeconfig("just words").is_err());
    }

    #[test]
    fn pem_blocks() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg+/=\n-----END PRIVATE KEY-----\n";
        assert!(check_pem(pem).is_ok());
        assert!(check_pem("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----").is_err());
        assert!(check_pem("-----BEGIN A-----\nAAAA\n-----END B-----").is_err());
        assert!(check_pem("MIIEvQIBADANBg").is_err());
    }

    #[test]
    fn base64_alphabets() {
        assert!(check_base64("aGVsbG8=").is_ok());
        assert!(check_base64("aGVsbG8").is_ok());
        assert!(check_base64("_-_-").is_ok());
        assert!(check_base64("not base64!").is_err());
        assert!(check_base64("").is_err());
    }
}
