//! `/environments`, `/secrets` and `/variables`: the organization's objects. Secrets are
//! write-only here as everywhere: the page lists names and versions, and its form only sets.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use lanyard_core::{CoreError, CoreResult};
use lanyard_crypto::{SecretBytes, SecretString};
use lanyard_domain::Slug;

use crate::error::PageResult;
use crate::extract::{Posted, User};
use crate::render::{delete_question, when, Layout};
use crate::Console;

fn slug(what: &str, raw: Option<&str>) -> CoreResult<Slug> {
    let raw = raw.ok_or_else(|| CoreError::Invalid(format!("enter a {what} name")))?;
    Slug::parse(raw).map_err(|e| CoreError::Invalid(format!("invalid {what} name: {e}")))
}

fn path_slug(what: &str, raw: &str) -> CoreResult<Slug> {
    slug(what, Some(raw))
}

struct EnvRow {
    name: String,
    created: String,
    delete_question: String,
}

#[derive(Template)]
#[template(path = "environments.html")]
struct Environments {
    layout: Layout,
    rows: Vec<EnvRow>,
}

/// The environments.
pub(crate) async fn environments(
    State(console): State<Console>,
    user: User,
) -> PageResult<Response> {
    let p = &user.principal;
    let rows = console
        .app
        .environments_with_deletion_impact(p, &p.org)
        .await?
        .into_iter()
        .map(|(e, goes)| EnvRow {
            delete_question: delete_question(&format!("environment {}", e.name), &goes, ""),
            name: e.name.to_string(),
            created: when(e.created_at.millis()),
        })
        .collect();
    let layout = console.layout(&user, "environments", "Environments");
    Ok(console.page(&Environments { layout, rows }))
}

/// Creates an environment.
pub(crate) async fn create_environment(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = slug("environment", form.get("name"))?;
        let env = console.app.create_environment(p, &p.org, name).await?;
        Ok(format!("Environment {} created.", env.name))
    }
    .await;
    Ok(console.done(&user, "/environments", outcome).await)
}

/// Deletes an environment.
pub(crate) async fn delete_environment(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = path_slug("environment", &name)?;
        console.app.delete_environment(p, &p.org, &name).await?;
        Ok(format!("Environment {name} deleted."))
    }
    .await;
    Ok(console.done(&user, "/environments", outcome).await)
}

struct SecretRow {
    name: String,
    version: i64,
    updated: String,
    used_by: Vec<String>,
}

#[derive(Template)]
#[template(path = "secrets.html")]
struct Secrets {
    layout: Layout,
    rows: Vec<SecretRow>,
}

/// Secret names, versions and users; never values.
pub(crate) async fn secrets(State(console): State<Console>, user: User) -> PageResult<Response> {
    let p = &user.principal;
    let rows = console
        .app
        .list_secrets(p, &p.org)
        .await?
        .into_iter()
        .map(|s| SecretRow {
            name: s.record.name.to_string(),
            version: s.record.current_version,
            updated: when(s.record.updated_at.millis()),
            used_by: s.used_by.iter().map(ToString::to_string).collect(),
        })
        .collect();
    let layout = console.layout(&user, "secrets", "Secrets");
    Ok(console.page(&Secrets { layout, rows }))
}

/// Sets a secret: a new version whose value is never shown again.
pub(crate) async fn set_secret(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = slug("secret", form.get("name"))?;
        let value = form
            .raw("value")
            .ok_or_else(|| CoreError::Invalid("enter the secret's value".to_owned()))?;
        let bytes = SecretBytes::from_str_secret(&SecretString::from(value.to_owned()));
        let record = console.app.set_secret(p, &p.org, name, &bytes).await?;
        Ok(format!(
            "Secret {} saved as version {}.",
            record.name, record.current_version
        ))
    }
    .await;
    Ok(console.done(&user, "/secrets", outcome).await)
}

/// Deletes a secret that nothing uses.
pub(crate) async fn delete_secret(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = path_slug("secret", &name)?;
        console.app.delete_secret(p, &p.org, &name).await?;
        Ok(format!("Secret {name} deleted."))
    }
    .await;
    Ok(console.done(&user, "/secrets", outcome).await)
}

struct VariableRow {
    name: String,
    value: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "variables.html")]
struct Variables {
    layout: Layout,
    rows: Vec<VariableRow>,
}

/// Variables: plain values (a default region, a project id) that connections may reference.
pub(crate) async fn variables(State(console): State<Console>, user: User) -> PageResult<Response> {
    let p = &user.principal;
    let rows = console
        .app
        .list_variables(p, &p.org)
        .await?
        .into_iter()
        .map(|v| VariableRow {
            name: v.name.to_string(),
            value: v.value,
            updated: when(v.updated_at.millis()),
        })
        .collect();
    let layout = console.layout(&user, "variables", "Variables");
    Ok(console.page(&Variables { layout, rows }))
}

/// Sets a variable.
pub(crate) async fn set_variable(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = slug("variable", form.get("name"))?;
        let value = form
            .get("value")
            .ok_or_else(|| CoreError::Invalid("enter the variable's value".to_owned()))?;
        let record = console
            .app
            .set_variable(p, &p.org, name, value.to_owned())
            .await?;
        Ok(format!("Variable {} saved.", record.name))
    }
    .await;
    Ok(console.done(&user, "/variables", outcome).await)
}

/// Deletes a variable that nothing uses.
pub(crate) async fn delete_variable(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let name = path_slug("variable", &name)?;
        console.app.delete_variable(p, &p.org, &name).await?;
        Ok(format!("Variable {name} deleted."))
    }
    .await;
    Ok(console.done(&user, "/variables", outcome).await)
}
