//! `lanyard connection authorization|default|matrix`: where connections may be used, which is
//! the default, and what a deployment would get.

use anyhow::bail;
use lanyard_api::{Authorization, AuthorizationRequest, SetDefault};

use crate::cli::{AuthorizationCommand, DefaultCommand, ProviderConnection, ScopeArgs};
use crate::context::Context;
use crate::output;

fn request(target: ProviderConnection, scope: ScopeArgs) -> AuthorizationRequest {
    AuthorizationRequest {
        provider: target.provider,
        connection: target.connection,
        scope: scope.scope,
        environments: scope.environments,
    }
}

/// The authorization as it is, with environments added and removed.
async fn edited_scope(
    ctx: &Context,
    target: &ProviderConnection,
    add: &[String],
    remove: &[String],
) -> anyhow::Result<ScopeArgs> {
    let current = ctx
        .client
        .get_authorization(&ctx.org, &target.provider, &target.connection)
        .await?;
    let connection = &target.connection;
    if current.scope == "organization" {
        if !remove.is_empty() {
            bail!(
                "connection `{connection}` is authorized organization-wide, so there is no list to \
                 remove from; limit it with `--scope environment --environments ENV[,ENV]`"
            );
        }
        bail!("connection `{connection}` is already authorized in every environment (organization-wide)");
    }
    let mut environments = current.environments;
    for env in remove {
        if !environments.contains(env) {
            bail!(
                "connection `{connection}` is not authorized for `{env}`; it is for: {}",
                if environments.is_empty() {
                    "none".to_owned()
                } else {
                    environments.join(", ")
                }
            );
        }
    }
    environments.retain(|e| !remove.contains(e));
    for env in add {
        if !environments.contains(env) {
            environments.push(env.clone());
        }
    }
    Ok(ScopeArgs {
        scope: "environment".to_owned(),
        environments,
    })
}

fn print_authorizations(ctx: &Context, items: &[Authorization]) -> anyhow::Result<()> {
    output::print(ctx.output, &items, |items| {
        output::table(
            &["PROVIDER", "CONNECTION", "SCOPE", "ENVIRONMENTS"],
            items.iter().map(|a| {
                let envs = match a.scope.as_str() {
                    "organization" => "all, including future ones".to_owned(),
                    _ if a.environments.is_empty() => "none".to_owned(),
                    _ => a.environments.join(", "),
                };
                vec![
                    a.provider.clone(),
                    a.connection.clone(),
                    a.scope.clone(),
                    envs,
                ]
            }),
        )
    })
}

pub(crate) async fn authorization(
    ctx: &Context,
    command: AuthorizationCommand,
) -> anyhow::Result<()> {
    match command {
        AuthorizationCommand::Create { target, scope } => {
            let created = ctx
                .client
                .create_authorization(&ctx.org, &request(target, scope))
                .await?;
            print_authorizations(ctx, &[created])
        }
        AuthorizationCommand::Update {
            target,
            scope,
            environments,
            add_environments,
            remove_environments,
        } => {
            let scope = match scope {
                Some(scope) => ScopeArgs {
                    scope,
                    environments,
                },
                None => edited_scope(ctx, &target, &add_environments, &remove_environments).await?,
            };
            let updated = ctx
                .client
                .update_authorization(&ctx.org, &request(target, scope))
                .await?;
            print_authorizations(ctx, &[updated])
        }
        AuthorizationCommand::List { provider } => {
            let items = ctx
                .client
                .list_authorizations(&ctx.org, provider.as_deref())
                .await?;
            print_authorizations(ctx, &items)
        }
        AuthorizationCommand::Get { target } => {
            let found = ctx
                .client
                .get_authorization(&ctx.org, &target.provider, &target.connection)
                .await?;
            print_authorizations(ctx, &[found])
        }
        AuthorizationCommand::Delete { target } => {
            ctx.client
                .delete_authorization(&ctx.org, &target.provider, &target.connection)
                .await?;
            let line = format!(
                "Removed the authorization of {}; it can no longer be used anywhere",
                target.connection
            );
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": target.connection }),
                &line,
            )
        }
    }
}

pub(crate) async fn default(ctx: &Context, command: DefaultCommand) -> anyhow::Result<()> {
    match command {
        DefaultCommand::Set { target, env } => {
            let body = SetDefault {
                connection: target.connection,
                environment: env,
            };
            let saved = ctx
                .client
                .set_default(&ctx.org, &target.provider, &body)
                .await?;
            if let Some(warning) = &saved.warning {
                eprintln!("warning: {warning}");
            }
            let place = saved.default.environment.as_deref().map_or_else(
                || "the organization".to_owned(),
                |e| format!("environment {e}"),
            );
            let line = format!(
                "Default {} connection for {place}: {}",
                saved.default.provider, saved.default.connection
            );
            output::confirm(ctx.output, &saved, &line)
        }
        DefaultCommand::List { provider } => {
            let items = ctx
                .client
                .list_defaults(&ctx.org, provider.as_deref())
                .await?;
            print_defaults(ctx, &items)
        }
        DefaultCommand::Get { provider, env } => {
            let items = ctx.client.list_defaults(&ctx.org, Some(&provider)).await?;
            let found: Vec<_> = items.into_iter().filter(|d| d.environment == env).collect();
            if found.is_empty() {
                match env {
                    Some(env) => bail!("no default {provider} connection for environment `{env}`; see `lanyard connection default list`"),
                    None => bail!("no organization default {provider} connection; see `lanyard connection default list`"),
                }
            }
            print_defaults(ctx, &found)
        }
        DefaultCommand::Unset { provider, env } => {
            ctx.client
                .unset_default(&ctx.org, &provider, env.as_deref())
                .await?;
            let line = format!(
                "Removed the default {provider} connection{}",
                env.as_deref()
                    .map(|e| format!(" for {e}"))
                    .unwrap_or_default()
            );
            output::confirm(
                ctx.output,
                &serde_json::json!({ "unset": provider, "environment": env }),
                &line,
            )
        }
        DefaultCommand::Resolve {
            provider,
            env,
            connection,
        } => {
            let resolution = ctx
                .client
                .resolve(&ctx.org, &provider, &env, connection.as_deref())
                .await?;
            output::print(ctx.output, &resolution, |r| {
                let mut rows = vec![
                    vec!["provider".to_owned(), r.provider.clone()],
                    vec!["environment".to_owned(), r.environment.clone()],
                    vec![
                        "connection".to_owned(),
                        r.connection.clone().unwrap_or_else(|| "-".to_owned()),
                    ],
                    vec![
                        "source".to_owned(),
                        r.source.clone().unwrap_or_else(|| "-".to_owned()),
                    ],
                    vec![
                        "authorized".to_owned(),
                        if r.authorized { "yes" } else { "no" }.to_owned(),
                    ],
                ];
                rows.extend(r.checked.iter().map(|c| {
                    vec![
                        format!("checked {}", c.layer),
                        c.connection.clone().unwrap_or_else(|| "(none)".to_owned()),
                    ]
                }));
                output::table(&["", ""], rows)
            })?;
            match resolution.error {
                Some(error) => bail!(error),
                None => Ok(()),
            }
        }
    }
}

fn print_defaults(ctx: &Context, items: &[lanyard_api::DefaultConnection]) -> anyhow::Result<()> {
    output::print(ctx.output, &items, |items| {
        output::table(
            &["PROVIDER", "SCOPE", "CONNECTION"],
            items.iter().map(|d| {
                let scope = d
                    .environment
                    .clone()
                    .map_or_else(|| "organization".to_owned(), |e| format!("environment {e}"));
                vec![d.provider.clone(), scope, d.connection.clone()]
            }),
        )
    })
}

pub(crate) async fn matrix(ctx: &Context, provider: Option<String>) -> anyhow::Result<()> {
    let matrix = ctx.client.matrix(&ctx.org, provider.as_deref()).await?;
    output::print(ctx.output, &matrix, |m| {
        let mut headers = vec!["CONNECTION", "PROVIDER", "CREDENTIALS"];
        headers.extend(m.environments.iter().map(String::as_str));
        let rows = m.rows.iter().map(|row| {
            let mut cells = vec![
                row.connection.clone(),
                row.provider.clone(),
                row.credentials.clone(),
            ];
            cells.extend(row.cells.iter().map(|c| match c.as_str() {
                "default" => "★ default".to_owned(),
                "authorized" => "✓ authorized".to_owned(),
                "misconfigured" => "⚠ default, not authorized".to_owned(),
                "failing" => "✗ failing check".to_owned(),
                _ => "· not authorized".to_owned(),
            }));
            cells
        });
        output::table(&headers, rows)
    })
}
