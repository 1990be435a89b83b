//! One authenticated request, and how its answer becomes a verdict.

use crate::{Outcome, Verdict};

/// How the request proves who it is.
pub(crate) enum Auth<'a> {
    Bearer(&'a str),
    Basic(&'a str, &'a str),
    /// None in headers (an OAuth grant carries its client credentials in the form).
    None,
    /// A header of the provider's own (`X-Auth-Key`…), with its value.
    Headers(Vec<(&'static str, &'a str)>),
}

/// What a check asks: the method, the URL and what "not found" means there.
pub(crate) struct Probe<'a> {
    pub(crate) method: reqwest::Method,
    pub(crate) url: String,
    pub(crate) auth: Auth<'a>,
    /// Names what a 404 means, e.g. "repository acme/libs-release".
    pub(crate) thing: String,
    /// What to do when the credential is refused, e.g. "create a new token with read:user".
    pub(crate) fix: &'static str,
    /// A form body (an OAuth grant), if any.
    pub(crate) form: Vec<(&'static str, String)>,
}

/// A successful answer: its headers and body, for the identity.
pub(crate) struct Answer {
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: serde_json::Value,
}

impl Probe<'_> {
    /// Sends the probe; a success becomes `on_ok`'s verdict, anything else the probe's own.
    pub(crate) async fn verdict(
        self,
        http: &reqwest::Client,
        on_ok: impl FnOnce(Answer) -> Verdict,
    ) -> Verdict {
        match self.send(http).await {
            Ok(answer) => on_ok(answer),
            Err(verdict) => verdict,
        }
    }

    pub(crate) async fn send(self, http: &reqwest::Client) -> Result<Answer, Verdict> {
        let mut request = http.request(self.method.clone(), &self.url);
        if !self.form.is_empty() {
            request = request.form(&self.form);
        }
        request = match &self.auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
            Auth::None => request,
            Auth::Headers(headers) => headers
                .iter()
                .fold(request, |r, (name, value)| r.header(*name, *value)),
        };
        let url = reqwest::Url::parse(&self.url).ok();
        let host = url
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        // An address in the URL is never resolved: the resolver's guard would not see it.
        if crate::guard::forbidden_literal(&host) {
            return Err(Verdict {
                outcome: Outcome::Unreachable,
                identity: None,
                message: crate::guard::refusal(&host),
            });
        }
        let response = request.send().await.map_err(|e| unreachable(&host, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        if status.is_success() {
            return Ok(Answer { headers, body });
        }
        let reason = reason(&body);
        let (outcome, message) = match status.as_u16() {
            // OAuth token endpoints answer a wrong client secret or key with 400
            // invalid_client or invalid_grant (RFC 6749, section 5.2).
            400 if matches!(
                body.get("error").and_then(|e| e.as_str()),
                Some("invalid_client" | "invalid_grant" | "unauthorized_client")
            ) =>
            {
                (
                    Outcome::WrongCredentials,
                    format!(
                        "{host} refused the client credentials ({reason}); {}",
                        self.fix
                    ),
                )
            }
            401 if mentions_expiry(&reason) => (
                Outcome::Expired,
                format!(
                    "{host} says the credential expired ({reason}); {}",
                    self.fix
                ),
            ),
            401 => (
                Outcome::WrongCredentials,
                format!(
                    "{host} refused the credential (HTTP 401: {reason}); {}",
                    self.fix
                ),
            ),
            403 => (
                Outcome::MissingPermission,
                format!(
                    "{host} accepted the credential but refused {} (HTTP 403: {reason}); grant \
                     it read access there",
                    self.thing
                ),
            ),
            404 => (
                Outcome::NotFound,
                format!(
                    "{host} has no {} (HTTP 404); check the connection's fields",
                    self.thing
                ),
            ),
            300..=399 => (
                Outcome::Unreachable,
                format!(
                    "{host} answered with a redirect (HTTP {status}), which a check never \
                     follows with credentials; point the connection at the final URL"
                ),
            ),
            _ => (
                Outcome::Unreachable,
                format!("{host} answered HTTP {status} ({reason}); try again later"),
            ),
        };
        Err(Verdict {
            outcome,
            identity: None,
            message,
        })
    }
}

fn unreachable(host: &str, error: &reqwest::Error) -> Verdict {
    unreachable_with(
        host,
        error,
        "check the host field and this server's network, proxy and CA certificates",
    )
}

/// A request that got no answer from `host`: why (timeout, or the connection's DNS, refusal
/// or TLS cause), and `fix`.
pub(crate) fn unreachable_with(host: &str, error: &reqwest::Error, fix: &str) -> Verdict {
    let why = if error.is_timeout() {
        "it did not answer in time".to_owned()
    } else if error.is_connect() {
        // The chain says DNS, refused or TLS; its first line is enough.
        let mut source: Option<&dyn std::error::Error> = Some(error);
        let mut last = String::new();
        while let Some(e) = source {
            last = e.to_string();
            source = e.source();
        }
        format!("cannot connect ({last})")
    } else {
        error.to_string()
    };
    Verdict {
        outcome: Outcome::Unreachable,
        identity: None,
        message: format!("cannot reach {host}: {why}; {fix}"),
    }
}

/// The provider's own words: a JSON `message`, `error_description`, `error`, Google's
/// `error.message` or Cloudflare's `errors[0].message`, cut to 160 characters. Never a body that
/// is not a provider's JSON error: a host field pointed somewhere else (an internal service, a
/// metadata endpoint) must not become a way to read it.
fn reason(body: &serde_json::Value) -> String {
    let from_json = ["message", "error_description", "error", "detail", "reason"]
        .iter()
        .find_map(|k| body.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
        // Google APIs: {"error": {"code": 403, "message": "…", "status": "PERMISSION_DENIED"}}.
        .or_else(|| {
            body.get("error")
                .and_then(|e| e.get("message"))
                .and_then(|m| m.as_str().map(str::to_owned))
        })
        .or_else(|| {
            body.get("errors")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("message").or(Some(e)))
                .and_then(|m| m.as_str().map(str::to_owned))
        });
    let reason = from_json.unwrap_or_default();
    let reason = reason.trim();
    if reason.is_empty() {
        return "no reason given".to_owned();
    }
    reason.chars().take(160).collect()
}

fn mentions_expiry(reason: &str) -> bool {
    let lower = reason.to_ascii_lowercase();
    lower.contains("expired") || lower.contains("expiry") || lower.contains("expiration")
}
