//! `/connections/NAME/role` and `/connections/NAME/template`: the second step of the AWS
//! cross-account setup. The wizard saved the connection as pending; here a person downloads the
//! role's CloudFormation template, creates the role, and gives its ARN, which the core checks
//! from both sides (assumable with the external id, refused without) before the connection is
//! ready.
//!
//! The external id is a sealed secret field: no page shows it. The template carries it as its
//! trust condition, so it is served only as a download, to the session that started the setup.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_core::{ConnectionChanges, CoreError, FieldValue};
use lanyard_crypto::{ExposeSecret, SecretString};
use lanyard_store::ConnectionRecord;

use crate::error::{message, PageError, PageResult};
use crate::extract::{Posted, User};
use crate::pages::details::connection_slug;
use crate::render::Layout;
use crate::session::Flash;
use crate::Console;

#[derive(Template)]
#[template(path = "role.html")]
struct Step {
    layout: Layout,
    name: String,
    account_id: String,
    pending: bool,
    /// Whether this session still holds the template (it started the setup).
    has_template: bool,
    role_name: String,
    console_link: String,
    /// What was typed into the role-ARN form, and why it was refused.
    arn: String,
    role_error: Option<String>,
}

/// The connection, if it is an AWS cross-account one.
async fn cross_account(console: &Console, user: &User, raw: &str) -> PageResult<ConnectionRecord> {
    let name = connection_slug(raw)?;
    let p = &user.principal;
    let record = console.app.get_connection(p, &p.org, &name).await?;
    if record.provider != "aws" || record.auth_mode != "cross-account-trust" {
        return Err(PageError::invalid(format!(
            "connection {name} is not an AWS cross-account connection (it is {} with auth mode \
             {}); only those are completed with a role ARN",
            record.provider, record.auth_mode
        )));
    }
    Ok(record)
}

async fn step(console: &Console, user: &User, record: &ConnectionRecord) -> Step {
    let name = record.name.to_string();
    let setup = console.setup(user, &name).await;
    let account_id = match record.fields.get("account_id") {
        Some(lanyard_store::FieldSource::Literal(v)) => v.clone(),
        Some(lanyard_store::FieldSource::Variable { value, .. }) => value.clone(),
        _ => String::new(),
    };
    Step {
        layout: console.layout(user, "connections", format!("{name}: IAM role")),
        account_id,
        pending: record.pending,
        has_template: setup.is_some(),
        role_name: setup
            .as_ref()
            .map_or_else(|| format!("lanyard-{name}"), |s| s.role_name.clone()),
        console_link: setup
            .as_ref()
            .map(|s| s.console_link.expose_secret().to_owned())
            .unwrap_or_default(),
        name,
        arn: String::new(),
        role_error: None,
    }
}

/// The step page: the template download, the AWS console link and the role-ARN form.
pub(crate) async fn page(
    State(console): State<Console>,
    user: User,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let record = cross_account(&console, &user, &name).await?;
    Ok(console.page(&step(&console, &user, &record).await))
}

/// The role's CloudFormation template, as a file. Only the session that started the setup has
/// it, kept sealed beside the session (it embeds the external id).
pub(crate) async fn template(
    State(console): State<Console>,
    user: User,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let record = cross_account(&console, &user, &name).await?;
    let Some(setup) = console.setup(&user, record.name.as_str()).await else {
        return Err(PageError::not_found(format!(
            "the template of connection {} is offered only in the session that started its \
             setup, until the connection is complete; to get a new one, run the setup again from \
             the wizard with the same name (that gives the connection a new external id, and a \
             role made from an older template stops working)",
            record.name
        )));
    };
    let disposition = format!("attachment; filename=\"lanyard-{}.json\"", record.name);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        setup.template.expose_secret().to_owned(),
    )
        .into_response())
}

/// Completes the connection with the role's ARN; the two-sided check's refusal (the role cannot
/// be assumed, or can be without the external id) is shown on the step page.
pub(crate) async fn complete(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let record = cross_account(&console, &user, &name).await?;
    let mut page = step(&console, &user, &record).await;
    let Some(arn) = form.get("iam_role_arn") else {
        page.role_error = Some(
            "enter the ARN of the role the stack created (its RoleArn output), e.g. \
             arn:aws:iam::123456789012:role/lanyard-NAME"
                .to_owned(),
        );
        return Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page));
    };
    page.arn = arn.to_owned();
    let mut changes = ConnectionChanges::default();
    changes.set.insert(
        "iam_role_arn".to_owned(),
        FieldValue::Literal(SecretString::from(arn.to_owned())),
    );
    let p = &user.principal;
    match console
        .app
        .update_connection(p, &p.org, &record.name, changes)
        .await
    {
        Ok(done) => {
            console.drop_setup(&user, done.name.as_str()).await;
            console
                .flash(
                    &user,
                    Flash::ok(format!(
                        "Connection {} is ready: Lanyard assumed {arn} with its external id, \
                         and was refused without it. Authorize it for the environments that may \
                         use it.",
                        done.name
                    )),
                )
                .await;
            Ok(Redirect::to(&format!("/connections/{}", done.name)).into_response())
        }
        Err(err @ (CoreError::Invalid(_) | CoreError::Conflict(_))) => {
            page.role_error = Some(message(&err));
            Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(other) => Err(other.into()),
    }
}
