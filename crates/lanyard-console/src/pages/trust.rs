//! `/connections/NAME/trust` and `/connections/NAME/trust.json`: how to make a cloud trust an
//! `oidc` connection's job tokens. Nothing here is secret: the issuer, the audience and the
//! subjects are what the cloud is told, and the commands name the (sealed) Azure client id by
//! a shell variable.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::PageResult;
use crate::extract::User;
use crate::pages::details::connection_slug;
use crate::render::Layout;
use crate::Console;

#[derive(Template)]
#[template(path = "trust.html")]
struct TrustPage {
    layout: Layout,
    name: String,
    issuer: String,
    audience: String,
    subjects: Vec<String>,
    /// AWS: the template is offered as a download.
    has_template: bool,
    commands: String,
}

async fn setup_of(
    console: &Console,
    user: &User,
    name: &str,
) -> PageResult<(lanyard_domain::Slug, lanyard_core::TrustSetup)> {
    let name = connection_slug(name)?;
    let p = &user.principal;
    let setup = console.app.oidc_trust_setup(p, &p.org, &name, &[]).await?;
    Ok((name, setup))
}

/// The trust set-up page.
pub(crate) async fn page(
    State(console): State<Console>,
    user: User,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let (name, setup) = setup_of(&console, &user, &name).await?;
    let page = TrustPage {
        layout: console.layout(&user, "connections", format!("Trust for {name}")),
        name: name.to_string(),
        issuer: setup.issuer,
        audience: setup.audience,
        subjects: setup.subjects,
        has_template: setup.template.is_some(),
        commands: setup.commands.unwrap_or_default(),
    };
    Ok(console.page(&page))
}

/// The AWS CloudFormation template, as a download.
pub(crate) async fn template(
    State(console): State<Console>,
    user: User,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let (name, setup) = setup_of(&console, &user, &name).await?;
    let body =
        serde_json::to_string_pretty(&setup.template.unwrap_or_default()).unwrap_or_default();
    let disposition = format!("attachment; filename=\"lanyard-{name}-oidc.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
