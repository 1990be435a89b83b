//! A connection's authorization and defaults, as forms on its page.

use axum::extract::{Path, State};
use axum::response::Response;
use lanyard_core::{CoreError, CoreResult, SavedDefault, Scope};
use lanyard_domain::{Principal, Slug};

use crate::error::PageResult;
use crate::extract::Posted;
use crate::pages::details::connection_slug;
use crate::Console;

/// Creates the connection's authorization, or replaces the one it has.
pub(crate) async fn put_authorization(
    console: &Console,
    p: &Principal,
    provider: &str,
    name: &Slug,
    scope: Scope,
) -> CoreResult<()> {
    let app = &console.app;
    match app.get_authorization(p, &p.org, provider, name).await {
        Ok(_) => app
            .update_authorization(p, &p.org, provider, name, scope)
            .await
            .map(drop),
        Err(CoreError::NotFound(_)) => app
            .create_authorization(p, &p.org, provider, name, scope)
            .await
            .map(drop),
        Err(other) => Err(other),
    }
}

/// What to tell a person about a saved default.
pub(crate) fn default_outcome(saved: SavedDefault, name: &Slug, env: Option<&Slug>) -> String {
    let place = env.map_or_else(
        || "for the organization".to_owned(),
        |e| format!("in environment {e}"),
    );
    match saved.warning {
        None => format!("{name} is now the default {place}."),
        Some(warning) => format!("{name} is now the default {place}, but: {warning}"),
    }
}

fn env_slug(raw: &str) -> CoreResult<Slug> {
    Slug::parse(raw).map_err(|e| CoreError::Invalid(format!("invalid environment name: {e}")))
}

/// Sets the authorization: organization-wide, or the ticked environments.
pub(crate) async fn authorize(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let outcome = async {
        let record = console.app.get_connection(p, &p.org, &name).await?;
        let scope = match form.get("scope") {
            Some("organization") => Scope::Organization,
            _ => Scope::Environments(
                form.all("environments")
                    .into_iter()
                    .map(env_slug)
                    .collect::<CoreResult<_>>()?,
            ),
        };
        let text = match &scope {
            Scope::Organization => "every environment".to_owned(),
            Scope::Environments(e) if e.is_empty() => "no environment".to_owned(),
            Scope::Environments(e) => e.iter().map(Slug::as_str).collect::<Vec<_>>().join(", "),
        };
        put_authorization(&console, p, &record.provider, &name, scope).await?;
        Ok(format!("{name} is authorized for {text}."))
    }
    .await;
    Ok(console
        .done(&user, &format!("/connections/{name}"), outcome)
        .await)
}

/// Removes the authorization: the connection can no longer be used anywhere.
pub(crate) async fn unauthorize(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let outcome = async {
        let record = console.app.get_connection(p, &p.org, &name).await?;
        console
            .app
            .delete_authorization(p, &p.org, &record.provider, &name)
            .await?;
        Ok(format!("{name} is no longer authorized anywhere."))
    }
    .await;
    Ok(console
        .done(&user, &format!("/connections/{name}"), outcome)
        .await)
}

/// Makes the connection the default for its provider, in the organization or one environment.
pub(crate) async fn set_default(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let outcome = async {
        let record = console.app.get_connection(p, &p.org, &name).await?;
        let env = form.get("environment").map(env_slug).transpose()?;
        let saved = console
            .app
            .set_default(p, &p.org, &record.provider, &name, env.as_ref())
            .await?;
        Ok(default_outcome(saved, &name, env.as_ref()))
    }
    .await;
    Ok(console
        .done(&user, &format!("/connections/{name}"), outcome)
        .await)
}

/// Removes one of the connection's defaults.
pub(crate) async fn unset_default(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let outcome = async {
        let record = console.app.get_connection(p, &p.org, &name).await?;
        let env = form.get("environment").map(env_slug).transpose()?;
        console
            .app
            .unset_default(p, &p.org, &record.provider, env.as_ref())
            .await?;
        Ok(match env {
            Some(e) => format!("The {} default in {e} is unset.", record.provider),
            None => format!("The organization's {} default is unset.", record.provider),
        })
    }
    .await;
    Ok(console
        .done(&user, &format!("/connections/{name}"), outcome)
        .await)
}
