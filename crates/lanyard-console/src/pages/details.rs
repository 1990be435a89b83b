//! `/connections/NAME`: a connection's fields (secrets as "set", with version and a replace
//! button), its authorization, its defaults, a configuration test and its usage.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use lanyard_core::{ConnectionChanges, CoreError, FieldValue};
use lanyard_crypto::{SecretBytes, SecretString};
use lanyard_domain::{Principal, Slug};
use lanyard_store::{ConnectionRecord, FieldSource};

use crate::error::{message, PageError, PageResult};
use crate::extract::{Posted, User};
use crate::render::{when, Layout};
use crate::views::{provider_name, scope_text, verification_text};
use crate::Console;

struct FieldRow {
    name: String,
    label: String,
    /// A literal or a variable's value: never a secret.
    value: Option<String>,
    /// For a secret field: the secret's name and current version.
    secret: Option<(String, i64)>,
    /// Whether that secret is shared (referenced by name) rather than the connection's own.
    shared: bool,
}

struct EnvChoice {
    name: String,
    authorized: bool,
}

struct DefaultRow {
    environment: Option<String>,
}

struct Release {
    job: String,
    environment: String,
    runner: String,
    at: String,
}

/// What "Test connection" learned from the provider.
struct Verification {
    ok: bool,
    text: String,
}

struct TestRow {
    environment: String,
    ok: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "connection.html")]
struct Details {
    layout: Layout,
    name: String,
    provider: String,
    provider_name: String,
    kind: String,
    auth_mode: String,
    created: String,
    updated: String,
    verified: String,
    /// Cross-account trust waiting for its IAM role; the page offers the role step.
    pending: bool,
    arn: String,
    role_error: Option<String>,
    fields: Vec<FieldRow>,
    scope: String,
    organization_wide: bool,
    authorized: bool,
    environments: Vec<EnvChoice>,
    defaults: Vec<DefaultRow>,
    releases: Vec<Release>,
    tests: Option<Vec<TestRow>>,
    verification: Option<Verification>,
}

pub(crate) fn connection_slug(raw: &str) -> PageResult<Slug> {
    Slug::parse(raw).map_err(|_| PageError::not_found(format!("no connection `{raw}`")))
}

fn field_rows(record: &ConnectionRecord) -> Vec<FieldRow> {
    let spec = lanyard_providers::find(&record.provider);
    record
        .fields
        .iter()
        // A pending connection's role ARN is a placeholder until the role step.
        .filter(|(name, _)| !(record.pending && name.as_str() == "iam_role_arn"))
        .map(|(name, source)| {
            let label = spec
                .and_then(|s| s.field(name))
                .map_or_else(|| name.clone(), |f| f.label.to_owned());
            let (value, secret) = match source {
                FieldSource::Literal(v) => (Some(v.clone()), None),
                FieldSource::Variable { name, value, .. } => {
                    (Some(format!("{value} (variable {name})")), None)
                }
                FieldSource::Secret {
                    name,
                    current_version,
                    ..
                } => (None, Some((name.to_string(), *current_version))),
            };
            let shared = secret
                .as_ref()
                .is_some_and(|(s, _)| *s != own_secret(&record.name, name));
            FieldRow {
                name: name.clone(),
                label,
                value,
                secret,
                shared,
            }
        })
        .collect()
}

async fn details(
    console: &Console,
    user: &User,
    name: &Slug,
    tests: Option<Vec<TestRow>>,
) -> PageResult<Details> {
    let p: &Principal = &user.principal;
    let app = &console.app;
    let record = app.get_connection(p, &p.org, name).await?;
    let authorization = match app
        .get_authorization(p, &p.org, &record.provider, name)
        .await
    {
        Ok(a) => Some(a),
        Err(CoreError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let environments = app.list_environments(p, &p.org).await?;
    let defaults = app.list_defaults(p, &p.org, Some(&record.provider)).await?;
    let usage = app.connection_usage(p, &p.org, name, 20).await?;
    let listed = authorization.as_ref().and_then(|a| a.environments.clone());
    Ok(Details {
        layout: console.layout(user, "connections", record.name.to_string()),
        name: record.name.to_string(),
        provider: record.provider.clone(),
        provider_name: provider_name(&record.provider),
        kind: record.kind.clone().unwrap_or_default(),
        auth_mode: record.auth_mode.clone(),
        created: when(record.created_at.millis()),
        updated: when(record.updated_at.millis()),
        verified: verification_text(&record),
        pending: record.pending,
        arn: String::new(),
        role_error: None,
        fields: field_rows(&record),
        scope: scope_text(authorization.as_ref()),
        organization_wide: authorization.is_some() && listed.is_none(),
        authorized: authorization.is_some(),
        environments: environments
            .iter()
            .map(|e| EnvChoice {
                name: e.name.to_string(),
                authorized: listed.as_ref().is_some_and(|l| l.contains(&e.name)),
            })
            .collect(),
        defaults: defaults
            .iter()
            .filter(|d| d.connection_id == record.id)
            .map(|d| DefaultRow {
                environment: d.environment.as_ref().map(ToString::to_string),
            })
            .collect(),
        releases: usage
            .releases
            .iter()
            .map(|r| Release {
                job: r.job_id.clone(),
                environment: r.environment.to_string(),
                runner: r
                    .runner
                    .as_ref()
                    .map_or_else(|| "built-in".to_owned(), ToString::to_string),
                at: when(r.released_at.millis()),
            })
            .collect(),
        tests,
        verification: None,
    })
}

/// A connection's page.
pub(crate) async fn page(
    State(console): State<Console>,
    user: User,
    Path(name): Path<String>,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let page = details(&console, &user, &name, None).await?;
    Ok(console.page(&page))
}

/// Tests the connection: for AWS, against the provider (STS GetCallerIdentity with what it
/// would inject; the verdict and time are stored); for every provider, whether a deployment
/// in each environment may use it.
pub(crate) async fn test(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let record = console.app.get_connection(p, &p.org, &name).await?;
    let verification = if record.provider == "aws" {
        Some(match console.app.test_connection(p, &p.org, &name).await {
            Ok(t) if t.ok => Verification {
                ok: true,
                text: format!(
                    "AWS answers as {}.",
                    t.identity
                        .unwrap_or_else(|| "an unnamed identity".to_owned())
                ),
            },
            Ok(t) => Verification {
                ok: false,
                text: format!(
                    "AWS refused the connection's credentials: {}. Fix the credentials (replace \
                     the secret fields below, or the role) and test again.",
                    t.message.unwrap_or_else(|| "no reason given".to_owned())
                ),
            },
            Err(err @ (CoreError::Invalid(_) | CoreError::Conflict(_))) => Verification {
                ok: false,
                text: message(&err),
            },
            Err(other) => return Err(other.into()),
        })
    } else {
        Some(Verification {
            ok: false,
            text: format!(
                "Verification against the provider is not available for {} connections yet; \
                 the checks below cover configuration and access only.",
                provider_name(&record.provider)
            ),
        })
    };
    let mut rows = Vec::new();
    for env in console.app.list_environments(p, &p.org).await? {
        let resolution = console
            .app
            .resolve(p, &p.org, &record.provider, &env.name, Some(&name))
            .await?;
        rows.push(TestRow {
            environment: env.name.to_string(),
            ok: resolution.problem.is_none(),
            detail: resolution
                .problem
                .unwrap_or_else(|| "usable: authorized for this environment".to_owned()),
        });
    }
    let mut page = details(&console, &user, &name, Some(rows)).await?;
    page.verification = verification;
    Ok(console.page(&page))
}

/// Deletes the connection (its secrets stay, as organization secrets).
pub(crate) async fn delete(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let p = &user.principal;
    let outcome = console.app.delete_connection(p, &p.org, &name).await;
    let back = if outcome.is_ok() {
        "/connections?tab=connected".to_owned()
    } else {
        format!("/connections/{name}")
    };
    Ok(console.done(
        &user,
        &back,
        outcome.map(|()| {
            format!("Connection {name} deleted; its secrets stay until you delete them.")
        }),
    ))
}

/// Replaces a secret field's value. The connection's own secret (`<connection>-<field>`) gets a
/// new version checked against the field's format; a shared secret it references gets a new
/// version too, which every connection using it picks up (that is how rotation is done once).
pub(crate) async fn replace_secret(
    State(console): State<Console>,
    Path((name, field)): Path<(String, String)>,
    Posted { user, form }: Posted,
) -> PageResult<Response> {
    let name = connection_slug(&name)?;
    let back = format!("/connections/{name}");
    let outcome = async {
        let value = form
            .raw("value")
            .ok_or_else(|| CoreError::Invalid(format!("enter a new value for {field}")))?;
        let p = &user.principal;
        let record = console.app.get_connection(p, &p.org, &name).await?;
        let Some(FieldSource::Secret { name: secret, .. }) = record.fields.get(&field) else {
            return Err(CoreError::Invalid(format!(
                "connection {name} has no secret field {field}"
            )));
        };
        if secret.as_str() != own_secret(&name, &field) {
            let bytes = SecretBytes::from_str_secret(&SecretString::from(value.to_owned()));
            let saved = console
                .app
                .set_secret(p, &p.org, secret.clone(), &bytes)
                .await?;
            return Ok(format!(
                "Shared secret {secret} is now at version {}; every connection using it gets the \
                 new value.",
                saved.current_version
            ));
        }
        let mut changes = ConnectionChanges::default();
        changes.set.insert(
            field.clone(),
            FieldValue::Literal(SecretString::from(value.to_owned())),
        );
        let record = console
            .app
            .update_connection(p, &p.org, &name, changes)
            .await?;
        let version = match record.fields.get(&field) {
            Some(FieldSource::Secret {
                current_version, ..
            }) => format!(" (version {current_version})"),
            _ => String::new(),
        };
        Ok(format!(
            "{field} replaced{version}; jobs get the new value from now on."
        ))
    }
    .await;
    Ok(console.done(&user, &back, outcome))
}

/// The name of the secret a connection's literal secret field is stored as.
fn own_secret(connection: &Slug, field: &str) -> String {
    format!("{connection}-{}", field.replace('_', "-"))
}
