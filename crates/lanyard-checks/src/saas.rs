//! Hosted APIs with fixed endpoints: Cloudflare, DigitalOcean, Civo, Auth0, OpenFGA, Confluent.

use crate::http::{Auth, Probe};
use crate::{Checker, Fields, Verdict};

const FIX: &str = "create a new API token and update the connection's secret";

/// A token: `GET /client/v4/user/tokens/verify`
/// (developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/); a global
/// key with its email: `GET /client/v4/user`.
pub(crate) async fn cloudflare(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let base = checker.base("cloudflare", "https://api.cloudflare.com");
    let probe = match (
        fields.get("api_token"),
        fields.get("api_key"),
        fields.get("email"),
    ) {
        (Some(token), _, _) => Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/client/v4/user/tokens/verify"),
            auth: Auth::Bearer(token),
            thing: "the token".to_owned(),
            fix: FIX,
            form: Vec::new(),
        },
        (None, Some(key), Some(email)) => Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/client/v4/user"),
            auth: Auth::Headers(vec![("X-Auth-Key", key), ("X-Auth-Email", email)]),
            thing: "the account".to_owned(),
            fix: "check the email and update the connection's global API key",
            form: Vec::new(),
        },
        _ => return None,
    };
    Some(match probe.send(&checker.http).await {
        Ok(answer) => {
            let status = answer.body["result"]["status"].as_str().unwrap_or("active");
            if status != "active" {
                return Some(Verdict {
                    outcome: crate::Outcome::Expired,
                    identity: None,
                    message: format!("Cloudflare says the token is {status}; {FIX}"),
                });
            }
            Verdict::ok(None, "Cloudflare accepted the credential")
        }
        Err(verdict) => verdict,
    })
}

/// `GET /v2/account` (docs.digitalocean.com/reference/api/digitalocean/#tag/Account).
pub(crate) async fn digitalocean(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let token = fields.get("api_token")?;
    let base = checker.base("digitalocean", "https://api.digitalocean.com");
    Some(
        match (Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/v2/account"),
            auth: Auth::Bearer(token),
            thing: "the account".to_owned(),
            fix: FIX,
            form: Vec::new(),
        })
        .send(&checker.http)
        .await
        {
            Ok(answer) => {
                let email = answer.body["account"]["email"].as_str().map(str::to_owned);
                let who = email.as_deref().unwrap_or("an account");
                Verdict::ok(
                    email.clone(),
                    format!("DigitalOcean accepted the token of {who}"),
                )
            }
            Err(verdict) => verdict,
        },
    )
}

/// `GET /v2/quota` (civo.com/api/quota), the smallest authenticated read.
pub(crate) async fn civo(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let token = fields.get("api_token")?;
    let base = checker.base("civo", "https://api.civo.com");
    Some(
        Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/v2/quota"),
            auth: Auth::Bearer(token),
            thing: "the account's quota".to_owned(),
            fix: FIX,
            form: Vec::new(),
        }
        .verdict(&checker.http, |_answer| {
            Verdict::ok(None, "Civo accepted the API key")
        })
        .await,
    )
}

/// A client-credentials grant for the Management API
/// (auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens).
pub(crate) async fn auth0(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let domain = fields.get("domain")?;
    let id = fields.get("client_id")?;
    let secret = fields.get("client_secret")?;
    let base = checker.base("auth0", &crate::origin(domain));
    let grant = Probe {
        method: reqwest::Method::POST,
        url: format!("{base}/oauth/token"),
        auth: Auth::None,
        thing: "a Management API token for this client".to_owned(),
        fix: "check the client id and update the client secret",
        form: vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", id.to_owned()),
            ("client_secret", secret.to_owned()),
            ("audience", format!("{}/api/v2/", crate::origin(domain))),
        ],
    };
    Some(match grant.send(&checker.http).await {
        Ok(_) => Verdict::ok(
            Some(id.to_owned()),
            "Auth0 granted the client a Management API token",
        ),
        Err(verdict) => verdict,
    })
}

/// `GET /stores/{store_id}` (openfga.dev/api/service#/Stores/GetStore), or `GET /stores` when
/// the connection names no store, with the API token.
pub(crate) async fn openfga(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let base = crate::origin(fields.get("api_url")?);
    let token = fields.get("api_token")?;
    // A self-hosted server may have a private CA (its `ca_bundle`).
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let (url, thing) = match fields.get("store_id") {
        Some(store) => (format!("{base}/stores/{store}"), format!("store {store}")),
        None => (format!("{base}/stores"), "the stores".to_owned()),
    };
    Some(
        Probe {
            method: reqwest::Method::GET,
            url,
            auth: Auth::Bearer(token),
            thing,
            fix: FIX,
            form: Vec::new(),
        }
        .verdict(&http, |_answer| {
            Verdict::ok(None, format!("OpenFGA at {base} accepted the token"))
        })
        .await,
    )
}

/// `GET /org/v2/environments?page_size=1` (docs.confluent.io/cloud/current/api.html, Cloud API
/// keys as HTTP Basic).
pub(crate) async fn confluent(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let key = fields.get("api_key")?;
    let secret = fields.get("api_secret")?;
    let base = checker.base("confluent", "https://api.confluent.cloud");
    Some(
        Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/org/v2/environments?page_size=1"),
            auth: Auth::Basic(key, secret),
            thing: "the organization's environments".to_owned(),
            fix: "create a new Cloud API key and update the connection's secret",
            form: Vec::new(),
        }
        .verdict(&checker.http, |_answer| {
            Verdict::ok(Some(key.to_owned()), "Confluent Cloud accepted the API key")
        })
        .await,
    )
}
