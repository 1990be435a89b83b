//! `/connections/matrix`: connections × environments, each cell not authorized, authorized,
//! default or misconfigured, with the actions that change it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use lanyard_core::{Cell, CoreError, CoreResult, Scope};
use lanyard_domain::{Principal, Slug};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{Form, Posted, User};
use crate::pages::access::{default_outcome, put_authorization};
use crate::render::Layout;
use crate::views::provider_name;
use crate::Console;

struct MatrixCell {
    environment: String,
    state: &'static str,
    label: &'static str,
}

struct MatrixRow {
    connection: String,
    provider: String,
    provider_name: String,
    credentials: &'static str,
    cells: Vec<MatrixCell>,
}

struct ProviderOption {
    id: &'static str,
    name: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    layout: Layout,
    environments: Vec<String>,
    rows: Vec<MatrixRow>,
    providers: Vec<ProviderOption>,
    filter: String,
}

#[derive(Deserialize)]
pub(crate) struct Filter {
    provider: Option<String>,
}

fn label(cell: Cell) -> &'static str {
    match cell {
        Cell::NotAuthorized => "Not authorized",
        Cell::Authorized => "Authorized",
        Cell::Default => "Default",
        Cell::Misconfigured => "Misconfigured",
        Cell::Failing => "Failing check",
    }
}

/// The matrix, optionally for one provider.
pub(crate) async fn page(
    State(console): State<Console>,
    user: User,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let p = &user.principal;
    let provider = filter.provider.filter(|f| !f.is_empty());
    let matrix = console.app.matrix(p, &p.org, provider.as_deref()).await?;
    let environments: Vec<String> = matrix
        .environments
        .iter()
        .map(ToString::to_string)
        .collect();
    let rows = matrix
        .rows
        .into_iter()
        .map(|line| MatrixRow {
            connection: line.connection.to_string(),
            provider_name: provider_name(&line.provider),
            provider: line.provider,
            credentials: line.credentials,
            cells: line
                .cells
                .into_iter()
                .zip(&environments)
                .map(|(cell, env)| MatrixCell {
                    environment: env.clone(),
                    state: cell.as_str(),
                    label: label(cell),
                })
                .collect(),
        })
        .collect();
    let page = MatrixPage {
        layout: console.layout(&user, "matrix", "Provider matrix"),
        environments,
        rows,
        providers: lanyard_providers::catalog()
            .iter()
            .map(|s| ProviderOption {
                id: s.id,
                name: s.display_name,
                selected: provider.as_deref() == Some(s.id),
            })
            .collect(),
        filter: provider.unwrap_or_default(),
    };
    Ok(console.page(&page))
}

/// The cell a matrix form acts on.
struct Target {
    provider: String,
    connection: Slug,
    environment: Slug,
}

fn target(form: &Form) -> CoreResult<Target> {
    let slug = |what: &str| {
        form.get(what)
            .ok_or_else(|| CoreError::Invalid(format!("the form lacks `{what}`")))
            .and_then(|v| {
                Slug::parse(v).map_err(|e| CoreError::Invalid(format!("invalid {what}: {e}")))
            })
    };
    Ok(Target {
        provider: form
            .get("provider")
            .ok_or_else(|| CoreError::Invalid("the form lacks `provider`".to_owned()))?
            .to_owned(),
        connection: slug("connection")?,
        environment: slug("environment")?,
    })
}

fn back(form: &Form) -> String {
    match form.get("filter") {
        Some(p) if lanyard_providers::find(p).is_some() => {
            format!("/connections/matrix?provider={p}")
        }
        _ => "/connections/matrix".to_owned(),
    }
}

/// The environments a connection is authorized for after adding or removing one, and whether it
/// was authorized organization-wide before.
async fn rescope(
    console: &Console,
    p: &Principal,
    t: &Target,
    add: bool,
) -> CoreResult<(Scope, bool)> {
    let current = match console
        .app
        .get_authorization(p, &p.org, &t.provider, &t.connection)
        .await
    {
        Ok(a) => a.environments,
        Err(CoreError::NotFound(_)) => Some(Vec::new()),
        Err(other) => return Err(other),
    };
    let was_organization_wide = current.is_none();
    let mut listed = match current {
        // Organization-wide: adding changes nothing; removing one lists all the others.
        None if add => return Ok((Scope::Organization, true)),
        None => console
            .app
            .list_environments(p, &p.org)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect(),
        Some(listed) => listed,
    };
    listed.retain(|e| e != &t.environment);
    if add {
        listed.push(t.environment.clone());
    }
    Ok((Scope::Environments(listed), was_organization_wide))
}

/// "Set as default": the connection becomes the environment default for its provider.
pub(crate) async fn set_default(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let t = target(&form)?;
        let saved = console
            .app
            .set_default(p, &p.org, &t.provider, &t.connection, Some(&t.environment))
            .await?;
        Ok(default_outcome(saved, &t.connection, Some(&t.environment)))
    }
    .await;
    Ok(console.done(&user, &back(&form), outcome).await)
}

/// "Authorize": adds the environment to the connection's authorization.
pub(crate) async fn authorize(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let t = target(&form)?;
        let (scope, _) = rescope(&console, p, &t, true).await?;
        put_authorization(&console, p, &t.provider, &t.connection, scope).await?;
        Ok(format!(
            "{} is authorized in {}.",
            t.connection, t.environment
        ))
    }
    .await;
    Ok(console.done(&user, &back(&form), outcome).await)
}

/// "Remove authorization": takes the environment out of the connection's authorization.
pub(crate) async fn remove(
    State(console): State<Console>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = async {
        let t = target(&form)?;
        let (scope, was_organization_wide) = rescope(&console, p, &t, false).await?;
        put_authorization(&console, p, &t.provider, &t.connection, scope).await?;
        let mut message = format!(
            "{} is no longer authorized in {}.",
            t.connection, t.environment
        );
        if was_organization_wide {
            message.push_str(
                " It was authorized organization-wide; it now lists the other current \
                 environments, so environments created later are not included.",
            );
        }
        Ok(message)
    }
    .await;
    Ok(console.done(&user, &back(&form), outcome).await)
}
