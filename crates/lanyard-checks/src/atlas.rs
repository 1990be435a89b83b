//! MongoDB Atlas: `GET /api/atlas/v2/orgs?itemsPerPage=1` with the programmatic API key over
//! HTTP Digest (mongodb.com/docs/atlas/configure-api-access/#make-an-api-request), the
//! cheapest authenticated read of the Administration API.

use crate::digest::{cnonce, Challenge};
use crate::http::unreachable_with;
use crate::{Checker, Fields, Outcome, Verdict};

const PATH: &str = "/api/atlas/v2/orgs?itemsPerPage=1";
/// The versioned media type every v2 request names.
const ACCEPT: &str = "application/vnd.atlas.2023-01-01+json";
const FIX: &str = "create a new API key (Organization Access Manager > API Keys) and update the \
                   connection's private key";

pub(crate) async fn check(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let public = fields.get("public_key")?;
    let private = fields.get("private_key")?;
    let base = checker.base("mongodb-atlas", "https://cloud.mongodb.com");
    let url = format!("{base}{PATH}");
    let host = reqwest::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let unreachable =
        |e: reqwest::Error| unreachable_with(&host, &e, "check this server's network and proxy");
    // The first request has no credential: Atlas answers with the challenge to sign.
    let first = match checker.http.get(&url).header("accept", ACCEPT).send().await {
        Ok(response) => response,
        Err(e) => return Some(unreachable(e)),
    };
    let challenge = first
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .and_then(Challenge::parse);
    let Some(challenge) = challenge else {
        return Some(Verdict {
            outcome: Outcome::Unreachable,
            identity: None,
            message: format!(
                "{host} asked for no Digest authentication (HTTP {}); it does not answer as \
                 MongoDB Atlas does",
                first.status().as_u16()
            ),
        });
    };
    let authorization = challenge.answer(public, private, "GET", PATH, &cnonce());
    let answer = match checker
        .http
        .get(&url)
        .header("accept", ACCEPT)
        .header("authorization", authorization)
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => return Some(unreachable(e)),
    };
    let status = answer.status().as_u16();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    // Atlas's errors carry an errorCode and a detail (mongodb.com/docs/atlas/reference/
    // api-errors/).
    let code = body["errorCode"].as_str().unwrap_or("").to_owned();
    let detail: String = body["detail"]
        .as_str()
        .unwrap_or("no detail")
        .chars()
        .take(160)
        .collect();
    Some(match (status, code.as_str()) {
        (200, _) => {
            let orgs = body["results"].as_array().map_or(0, Vec::len);
            Verdict::ok(
                Some(public.to_owned()),
                format!("MongoDB Atlas accepted API key {public} (it sees {orgs} organization(s))"),
            )
        }
        (_, "IP_ADDRESS_NOT_ON_ACCESS_LIST") => Verdict {
            outcome: Outcome::MissingPermission,
            identity: None,
            message: format!(
                "MongoDB Atlas refused this server's address for API key {public} ({detail}); add \
                 it to the key's IP access list"
            ),
        },
        (401, _) => Verdict {
            outcome: Outcome::WrongCredentials,
            identity: None,
            message: format!("MongoDB Atlas refused API key {public} ({detail}); {FIX}"),
        },
        (403, _) => Verdict {
            outcome: Outcome::MissingPermission,
            identity: None,
            message: format!(
                "MongoDB Atlas accepted API key {public} but refused to list organizations \
                 ({code}: {detail}); give the key a role in the organization"
            ),
        },
        _ => Verdict {
            outcome: Outcome::Unreachable,
            identity: None,
            message: format!("MongoDB Atlas answered HTTP {status} ({code}); try again later"),
        },
    })
}
