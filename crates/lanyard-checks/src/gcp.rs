//! Google Cloud: a service account key proves itself with the OAuth 2.0 JWT bearer grant at its
//! own `token_uri` (developers.google.com/identity/protocols/oauth2/service-account#httprest);
//! a Cloud Storage state backend then lists one object of its bucket with that token.

use base64::Engine as _;

use crate::http::{Auth, Probe};
use crate::{Checker, Fields, Outcome, Verdict};

const FIX: &str = "create a new key for the service account and update the connection's secret";

/// The key's parts a grant needs. The JSON may be given raw or base64-encoded.
struct Key {
    email: String,
    key_id: Option<String>,
    private_key: String,
    token_uri: String,
}

/// The key's JSON text, from the field as given (raw or base64-encoded).
pub(crate) fn key_json(value: &str) -> Option<String> {
    if value.trim_start().starts_with('{') {
        return Some(value.to_owned());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The password Artifact Registry takes for the user `_json_key_base64`: the key's JSON,
/// base64-encoded (cloud.google.com/artifact-registry/docs/docker/authentication#json-key).
pub(crate) fn json_key_base64(value: &str) -> Option<String> {
    Some(base64::engine::general_purpose::STANDARD.encode(key_json(value)?.trim()))
}

fn key(value: &str) -> Option<Key> {
    let json: serde_json::Value = serde_json::from_str(&key_json(value)?).ok()?;
    Some(Key {
        email: json["client_email"].as_str()?.to_owned(),
        key_id: json["private_key_id"].as_str().map(str::to_owned),
        private_key: json["private_key"].as_str()?.to_owned(),
        token_uri: json["token_uri"]
            .as_str()
            .unwrap_or("https://oauth2.googleapis.com/token")
            .to_owned(),
    })
}

/// A token for the key, or the verdict that says why there is none.
async fn grant(checker: &Checker, key: &Key) -> Result<String, Verdict> {
    let signing =
        jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes()).map_err(|_| {
            Verdict {
                outcome: Outcome::WrongCredentials,
                identity: None,
                message: format!(
                    "the private key of {} cannot be read; download the key again",
                    key.email
                ),
            }
        })?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = serde_json::json!({
        "iss": key.email,
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": key.token_uri,
        "iat": now,
        "exp": now + 600,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = key.key_id.clone();
    let assertion = jsonwebtoken::encode(&header, &claims, &signing).map_err(|e| Verdict {
        outcome: Outcome::WrongCredentials,
        identity: None,
        message: format!(
            "the key of {} cannot sign ({e}); download the key again",
            key.email
        ),
    })?;
    let answer = Probe {
        method: reqwest::Method::POST,
        url: key.token_uri.clone(),
        auth: Auth::None,
        thing: format!("a token for {}", key.email),
        fix: FIX,
        form: vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned(),
            ),
            ("assertion", assertion),
        ],
    }
    .send(&checker.http)
    .await?;
    answer.body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Verdict {
            outcome: Outcome::Unreachable,
            identity: None,
            message: format!(
                "{} answered without a token; try again later",
                key.token_uri
            ),
        })
}

/// A service account key (inline `gcp`), and for a Cloud Storage state backend its bucket.
pub(crate) async fn check(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let key = key(fields.get("service_account_key")?)?;
    let token = match grant(checker, &key).await {
        Ok(token) => token,
        Err(verdict) => return Some(verdict),
    };
    let Some(bucket) = fields.get("gcs_bucket") else {
        return Some(Verdict::ok(
            Some(key.email.clone()),
            format!("Google granted {} a token", key.email),
        ));
    };
    let storage = checker.base("gcs", "https://storage.googleapis.com");
    let listed = Probe {
        method: reqwest::Method::GET,
        url: format!("{storage}/storage/v1/b/{bucket}/o?maxResults=1"),
        auth: Auth::Bearer(&token),
        thing: format!("bucket {bucket}"),
        fix: FIX,
        form: Vec::new(),
    }
    .send(&checker.http)
    .await;
    Some(match listed {
        Ok(_) => Verdict::ok(
            Some(key.email.clone()),
            format!("{} may read bucket {bucket}", key.email),
        ),
        Err(verdict) => verdict,
    })
}

/// npm on Artifact Registry: the key's token, then the repository through Artifact Registry's
/// API (cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/get),
/// which tells a missing repository from a missing permission. (The npm registry itself offers
/// no documented authenticated read that does not name a package.)
pub(crate) async fn artifact_repository(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let key = key(fields.get("service_account_key")?)?;
    let project = fields.get("gcp_project_id")?;
    let region = fields.get("gcp_region")?;
    let repository = fields.get("gcp_artifact_registry_repo_name")?;
    let token = match grant(checker, &key).await {
        Ok(token) => token,
        Err(verdict) => return Some(verdict),
    };
    let api = checker.base(
        "artifactregistry",
        "https://artifactregistry.googleapis.com",
    );
    let read = Probe {
        method: reqwest::Method::GET,
        url: format!("{api}/v1/projects/{project}/locations/{region}/repositories/{repository}"),
        auth: Auth::Bearer(&token),
        thing: format!("repository {repository} in project {project} ({region})"),
        fix: "grant the service account roles/artifactregistry.reader on the repository \
              (writer to publish), or fix the repository fields",
        form: Vec::new(),
    }
    .send(&checker.http)
    .await;
    Some(match read {
        Ok(answer) => {
            let format = answer.body["format"].as_str().unwrap_or("?").to_owned();
            Verdict::ok(
                Some(key.email.clone()),
                format!(
                    "{} may read Artifact Registry repository {repository} ({format})",
                    key.email
                ),
            )
        }
        Err(verdict) => verdict,
    })
}
