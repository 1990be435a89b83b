//! Source control: GitHub (and Enterprise Server) and GitLab (and self-managed).

use crate::http::{Auth, Probe};
use crate::{origin, Checker, Fields, Verdict};

/// `GET /user` (docs.github.com/en/rest/users/users#get-the-authenticated-user): the login,
/// and for classic tokens the `X-OAuth-Scopes` header; `GitHub-Authentication-Token-Expiration`
/// when the token expires.
pub(crate) async fn github(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let token = fields.get("token")?;
    let api = match fields.get("host") {
        Some(host) => format!("{}/api/v3", origin(host)),
        None => checker.base("github", "https://api.github.com"),
    };
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let answer = Probe {
        method: reqwest::Method::GET,
        url: format!("{api}/user"),
        auth: Auth::Bearer(token),
        thing: "the authenticated user".to_owned(),
        fix: "create a new token and update the connection's token secret",
        form: Vec::new(),
    }
    .send(&http)
    .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(verdict) => return Some(verdict),
    };
    let login = answer.body["login"].as_str().map(str::to_owned);
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut message = format!(
        "GitHub accepted the token of {}",
        login.as_deref().unwrap_or("an unnamed account")
    );
    if let Some(scopes) = header("x-oauth-scopes").filter(|s| !s.trim().is_empty()) {
        message.push_str(&format!("; scopes: {scopes}"));
    }
    if let Some(expiry) = header("github-authentication-token-expiration") {
        message.push_str(&format!("; it expires {expiry}"));
    }
    Some(Verdict::ok(login, message))
}

/// `GET /api/v4/user` (docs.gitlab.com/api/users/#retrieve-the-current-user), then the
/// connection's group when it names one (`GET /api/v4/groups/:id`).
pub(crate) async fn gitlab(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let token = fields.get("access_token")?;
    let base = fields
        .get("host")
        .map_or_else(|| "https://gitlab.com".to_owned(), origin);
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let user = Probe {
        method: reqwest::Method::GET,
        url: format!("{base}/api/v4/user"),
        auth: Auth::Bearer(token),
        thing: "the token's user".to_owned(),
        fix: "create a new access token (read_api) and update the connection's secret",
        form: Vec::new(),
    }
    .send(&http)
    .await;
    let user = match user {
        Ok(answer) => answer,
        Err(verdict) => return Some(verdict),
    };
    let username = user.body["username"].as_str().map(str::to_owned);
    if let Some(group) = fields.get("group_id") {
        let encoded: String = group
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let checked = Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/api/v4/groups/{encoded}"),
            auth: Auth::Bearer(token),
            thing: format!("group {group}"),
            fix: "create a new access token (read_api) and update the connection's secret",
            form: Vec::new(),
        }
        .send(&http)
        .await;
        if let Err(verdict) = checked {
            return Some(verdict);
        }
    }
    let who = username.as_deref().unwrap_or("an unnamed user");
    Some(Verdict::ok(
        username.clone(),
        format!("GitLab accepted the token of {who}"),
    ))
}
