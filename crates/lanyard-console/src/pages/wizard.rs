//! `/connections/new/PROVIDER`: the connection wizard, generated from the provider catalog.
//!
//! Choosing the auth mode and kind is a GET (so the fields shown always match the catalog);
//! saving is a POST. Secret fields are password inputs that are never filled back in: after a
//! failed save a person types them again, and the page never carries the value.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_core::{ConnectionSpec, FieldValue};
use lanyard_crypto::SecretString;
use lanyard_domain::Slug;
use lanyard_providers::{aws_template, AuthMode, FieldInput, FieldInputs, ProviderSpec};
use serde::Deserialize;

use crate::error::{message, PageError, PageResult};
use crate::extract::{Form, Posted, User};
use crate::render::Layout;
use crate::session::Flash;
use crate::Console;
use lanyard_core::KeptSetup;

struct Choice {
    id: String,
    label: String,
    selected: bool,
}

/// An AWS capability (an inline policy of the cross-account role), as a checkbox.
struct Capability {
    name: &'static str,
    actions: String,
    checked: bool,
}

struct Field {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    secret: bool,
    required: bool,
    multiline: bool,
    /// What was typed, for non-secret fields after a failed save; always empty for secrets.
    value: String,
    error: Option<String>,
    /// For the `runner` field: the registered runners to choose from.
    options: Vec<String>,
}

#[derive(Template)]
#[template(path = "wizard.html")]
struct Wizard {
    layout: Layout,
    provider: &'static str,
    provider_name: &'static str,
    description: &'static str,
    modes: Vec<Choice>,
    kinds: Vec<Choice>,
    mode: &'static str,
    kind: String,
    cross_account: bool,
    capabilities: Vec<Capability>,
    name: String,
    name_error: Option<String>,
    errors: Vec<String>,
    fields: Vec<Field>,
}

#[derive(Deserialize)]
pub(crate) struct Chosen {
    mode: Option<String>,
    kind: Option<String>,
}

fn provider(id: &str) -> PageResult<&'static ProviderSpec> {
    lanyard_core::find_provider(id).map_err(|e| PageError::not_found(message(&e)))
}

/// The mode asked for if the provider allows it, else its first.
fn mode_of(spec: &ProviderSpec, asked: Option<&str>) -> AuthMode {
    asked
        .and_then(|m| m.parse().ok())
        .filter(|m| spec.allows(*m))
        .or_else(|| spec.auth_modes.first().copied())
        .unwrap_or(AuthMode::Inline)
}

/// The kind asked for if the provider has it, else its first (or none).
fn kind_of(spec: &ProviderSpec, asked: Option<&str>) -> Option<&'static str> {
    match asked.and_then(|k| spec.kind(k)) {
        Some(kind) => Some(kind.id),
        None => spec.kinds.first().map(|k| k.id),
    }
}

fn wizard(
    console: &Console,
    user: &User,
    spec: &'static ProviderSpec,
    mode: AuthMode,
    kind: Option<&'static str>,
    runners: &[String],
) -> Wizard {
    Wizard {
        layout: console.layout(
            user,
            "connections",
            format!("Connect {}", spec.display_name),
        ),
        provider: spec.id,
        provider_name: spec.display_name,
        description: spec.description,
        modes: spec
            .auth_modes
            .iter()
            .map(|m| Choice {
                id: m.slug().to_owned(),
                label: m.slug().to_owned(),
                selected: *m == mode,
            })
            .collect(),
        kinds: spec
            .kinds
            .iter()
            .map(|k| Choice {
                id: k.id.to_owned(),
                label: k.display_name.to_owned(),
                selected: Some(k.id) == kind,
            })
            .collect(),
        mode: mode.slug(),
        kind: kind.unwrap_or_default().to_owned(),
        cross_account: mode == AuthMode::CrossAccountTrust,
        capabilities: aws_template::CAPABILITIES
            .iter()
            .map(|(name, actions)| Capability {
                name,
                actions: actions.join(", "),
                checked: true,
            })
            .collect(),
        name: String::new(),
        name_error: None,
        errors: Vec::new(),
        fields: spec
            .fields_for(kind, mode)
            // The cross-account setup generates the external id; the role ARN is its next step.
            .filter(|f| {
                mode != AuthMode::CrossAccountTrust
                    || !matches!(f.name, "iam_role_arn" | "external_id")
            })
            .map(|f| Field {
                name: f.name,
                label: f.label,
                help: f.help,
                secret: f.secret,
                required: f.is_required(mode),
                multiline: f.multiline,
                value: String::new(),
                error: None,
                options: if f.name == "runner" {
                    runners.to_vec()
                } else {
                    Vec::new()
                },
            })
            .collect(),
    }
}

/// The registered runners, for the `runner` field.
async fn runner_names(console: &Console, user: &User) -> PageResult<Vec<String>> {
    let p = &user.principal;
    let runners = console.app.list_runners(p, &p.org).await?;
    Ok(runners.into_iter().map(|r| r.name.to_string()).collect())
}

/// The wizard for one provider.
pub(crate) async fn form(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
    Query(chosen): Query<Chosen>,
) -> PageResult<Response> {
    let spec = provider(&id)?;
    let mode = mode_of(spec, chosen.mode.as_deref());
    let kind = kind_of(spec, chosen.kind.as_deref());
    let runners = runner_names(&console, &user).await?;
    Ok(console.page(&wizard(&console, &user, spec, mode, kind, &runners)))
}

/// A field's input: `secret:NAME` and `var:NAME` reference what exists; anything else is a
/// literal (a secret field's literal becomes the secret `<connection>-<field>`).
fn field_value(raw: &str) -> Result<FieldValue, String> {
    let reference = |what: &str, name: &str| {
        Slug::parse(name).map_err(|e| format!("invalid {what} name `{name}`: {e}"))
    };
    if let Some(name) = raw.strip_prefix("secret:") {
        return reference("secret", name).map(FieldValue::Secret);
    }
    if let Some(name) = raw.strip_prefix("var:") {
        return reference("variable", name).map(FieldValue::Variable);
    }
    Ok(FieldValue::Literal(SecretString::from(raw.to_owned())))
}

fn typed<'a>(form: &'a Form, field: &Field) -> Option<&'a str> {
    let key = format!("field.{}", field.name);
    if field.multiline {
        form.raw(&key)
    } else {
        form.get(&key)
    }
}

/// Saves a new connection, or shows the wizard again with every problem next to its field.
pub(crate) async fn submit(
    State(console): State<Console>,
    Path(id): Path<String>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let spec = provider(&id)?;
    let mode = mode_of(spec, form.get("mode"));
    let kind = kind_of(spec, form.get("kind"));
    let runners = runner_names(&console, &user).await?;
    let mut page = wizard(&console, &user, spec, mode, kind, &runners);
    page.name = form.get("name").unwrap_or_default().to_owned();
    let name = Slug::parse(&page.name).map_err(|e| format!("invalid connection name: {e}"));
    if let Err(e) = &name {
        page.name_error = Some(e.clone());
    }
    if mode == AuthMode::CrossAccountTrust {
        return begin_cross_account(&console, &user, page, &form, name).await;
    }

    let mut values = BTreeMap::new();
    let mut inputs = FieldInputs::new();
    for field in &mut page.fields {
        let Some(raw) = typed(&form, field) else {
            continue;
        };
        if !field.secret {
            field.value = raw.to_owned();
        }
        match field_value(raw) {
            Ok(value) => {
                let input = match &value {
                    FieldValue::Literal(v) => FieldInput::Literal(v.clone()),
                    FieldValue::Secret(_) | FieldValue::Variable(_) => FieldInput::Reference,
                };
                inputs.insert(field.name, input);
                values.insert(field.name.to_owned(), value);
            }
            Err(e) => field.error = Some(e),
        }
    }
    if let Err(problems) = lanyard_providers::validate(spec, kind, mode, &inputs) {
        for problem in problems.iter() {
            match problem
                .field()
                .and_then(|f| page.fields.iter_mut().find(|x| x.name == f))
            {
                Some(field) if field.error.is_none() => field.error = Some(problem.to_string()),
                Some(_) => {}
                None => page.errors.push(problem.to_string()),
            }
        }
    }
    let invalid = page.name_error.is_some()
        || !page.errors.is_empty()
        || page.fields.iter().any(|f| f.error.is_some());
    let (false, Ok(name)) = (invalid, name) else {
        return Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page));
    };

    let request = ConnectionSpec {
        provider: spec.id.to_owned(),
        kind: kind.map(str::to_owned),
        auth_mode: Some(mode.slug().to_owned()),
        fields: values,
    };
    let p = &user.principal;
    match console
        .app
        .create_connection(p, &p.org, name, request)
        .await
    {
        Ok(record) => {
            // Checked against its provider on save, as `lanyard connect` does; a failing check
            // is said, and the connection stays saved.
            let checked = match mode {
                AuthMode::Inline | AuthMode::CrossAccountTrust => console
                    .app
                    .test_connection(p, &p.org, &record.name)
                    .await
                    .ok(),
                AuthMode::Runner | AuthMode::Oidc => None,
            };
            let created = format!("Connection {} created.", record.name);
            let flash = match checked {
                // Not the input's fault: said, not flagged.
                Some(t) if t.verdict == "unreachable" => Flash::ok(format!(
                    "{created} It could not be checked now: {}",
                    t.message.unwrap_or_default()
                )),
                Some(t) if !t.ok => Flash::error(format!(
                    "{created} Its check failed ({}): {} Fix it, then use Test connection.",
                    t.verdict.replace('_', " "),
                    t.message.unwrap_or_default()
                )),
                Some(t) if t.verdict == "ok" => Flash::ok(format!(
                    "{created} Its check passed: {} Authorize it for the environments that may \
                     use it.",
                    t.message.unwrap_or_default()
                )),
                _ => Flash::ok(format!(
                    "{created} Authorize it for the environments that may use it."
                )),
            };
            console.flash(&user, flash).await;
            Ok(Redirect::to(&format!("/connections/{}", record.name)).into_response())
        }
        Err(err) => {
            page.errors.push(message(&err));
            Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page))
        }
    }
}

/// The cross-account setup's first step: saves the connection as pending with a generated
/// external id, keeps the role's template in the session, and leads to the role step.
async fn begin_cross_account(
    console: &Console,
    user: &User,
    mut page: Wizard,
    form: &Form,
    name: Result<Slug, String>,
) -> PageResult<Response> {
    let mut value = |field: &str| {
        let typed = form.get(&format!("field.{field}")).map(str::to_owned);
        if let Some(f) = page.fields.iter_mut().find(|f| f.name == field) {
            f.value = typed.clone().unwrap_or_default();
        }
        typed
    };
    let account_id = value("account_id");
    let region = value("region");
    let runner = value("runner");
    let chosen = form.all("capabilities");
    for capability in &mut page.capabilities {
        capability.checked = chosen.contains(&capability.name);
    }
    if chosen.is_empty() {
        page.errors.push(
            "choose at least one capability: the role gets one IAM policy per capability"
                .to_owned(),
        );
    }
    let Some(account_id) = account_id else {
        if let Some(f) = page.fields.iter_mut().find(|f| f.name == "account_id") {
            f.error = Some("enter the 12-digit id of the account the role is in".to_owned());
        }
        return Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page));
    };
    let (true, Ok(name)) = (page.errors.is_empty(), name) else {
        return Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page));
    };
    let setup = lanyard_core::CrossAccountSetup {
        name,
        account_id,
        region,
        runner,
        capabilities: chosen.iter().map(|c| (*c).to_owned()).collect(),
        trusted_principals: Vec::new(),
        template_url: None,
    };
    let p = &user.principal;
    match console.app.begin_cross_account(p, &p.org, setup).await {
        Ok(started) => {
            let name = started.connection.name.to_string();
            let setup = KeptSetup {
                template: started.template,
                console_link: started.console_link,
                role_name: started.role_name,
            };
            console.keep_setup(user, &name, &setup).await;
            console
                .flash(
                    user,
                    Flash::ok(format!(
                        "Connection {name} is pending: create its IAM role from the template, \
                         then give the role's ARN."
                    )),
                )
                .await;
            Ok(Redirect::to(&format!("/connections/{name}/role")).into_response())
        }
        Err(err) => {
            page.errors.push(message(&err));
            Ok(console.page_with_status(StatusCode::BAD_REQUEST, &page))
        }
    }
}
