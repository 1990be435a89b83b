//! What a deletion takes with it, said before it happens: defaults that point at the thing,
//! authorizations that name it, jobs its credentials went to. On a terminal the user is asked;
//! elsewhere `--yes` must say it, so that no script deletes more than it meant to by accident.

use std::io::IsTerminal;

use anyhow::bail;
use lanyard_api::{Connection, FieldView};

use crate::context::Context;

/// What deleting environment `name` removes besides it.
pub(crate) async fn of_environment(ctx: &Context, name: &str) -> anyhow::Result<Vec<String>> {
    ctx.client.get_environment(&ctx.org, name).await?;
    let mut goes = Vec::new();
    for default in ctx.client.list_defaults(&ctx.org, None).await? {
        if default.environment.as_deref() == Some(name) {
            goes.push(format!(
                "its default {} connection (`{}`)",
                default.provider, default.connection
            ));
        }
    }
    for auth in ctx.client.list_authorizations(&ctx.org, None).await? {
        if auth.scope == "environment" && auth.environments.iter().any(|e| e == name) {
            goes.push(if auth.environments.len() == 1 {
                format!(
                    "the only authorization of connection `{}`, which becomes unusable until \
                     authorized again",
                    auth.connection
                )
            } else {
                format!(
                    "connection `{}`'s authorization for {name}",
                    auth.connection
                )
            });
        }
    }
    Ok(goes)
}

/// The connection, and what deleting it removes besides it and where it was used.
pub(crate) async fn of_connection(
    ctx: &Context,
    name: &str,
) -> anyhow::Result<(Connection, Vec<String>)> {
    let connection = ctx.client.get_connection(&ctx.org, name).await?;
    let mut goes = Vec::new();
    for default in ctx
        .client
        .list_defaults(&ctx.org, Some(&connection.provider))
        .await?
    {
        if default.connection == name {
            let scope = default
                .environment
                .map_or("the organization".to_owned(), |e| {
                    format!("environment {e}")
                });
            goes.push(format!(
                "the default {} connection of {scope}: jobs there fail until another is set",
                default.provider
            ));
        }
    }
    for auth in ctx
        .client
        .list_authorizations(&ctx.org, Some(&connection.provider))
        .await?
    {
        if auth.connection == name {
            let scope = match auth.scope.as_str() {
                "organization" => "every environment".to_owned(),
                _ => auth.environments.join(", "),
            };
            goes.push(format!("its authorization for {scope}"));
        }
    }
    let usage = ctx
        .client
        .connection_usage(&ctx.org, name, Some(1000))
        .await?;
    if !usage.releases.is_empty() {
        goes.push(format!(
            "its use by {} job(s) in {} (the audit trail keeps the record)",
            usage.releases.len(),
            usage.environments.join(", ")
        ));
    }
    Ok((connection, goes))
}

/// What deleting runner `name` leaves behind: connections that pin their jobs to it (and so
/// cannot run until they name another), and the organization's default runner.
pub(crate) async fn of_runner(ctx: &Context, name: &str) -> anyhow::Result<Vec<String>> {
    let runners = ctx.client.list_runners(&ctx.org).await?;
    let Some(runner) = runners.iter().find(|r| r.name == name) else {
        bail!("runner `{name}` not found; see `lanyard runner list`");
    };
    let mut goes = Vec::new();
    if runner.is_default {
        goes.push(
            "its place as the default runner: jobs without --runner go to the built-in runner"
                .to_owned(),
        );
    }
    let pinned: Vec<String> = ctx
        .client
        .list_connections(&ctx.org, None)
        .await?
        .into_iter()
        .filter(|c| {
            matches!(c.fields.get("runner"), Some(FieldView::Value(r) | FieldView::Variable { value: r, .. }) if r == name)
        })
        .map(|c| format!("`{}`", c.name))
        .collect();
    if !pinned.is_empty() {
        goes.push(format!(
            "the runner of connection(s) {}, whose jobs are refused until they name another \
             (`lanyard connection update NAME --field runner=OTHER`)",
            pinned.join(", ")
        ));
    }
    Ok(goes)
}

/// The secrets a connection references, which stay when it is deleted (they are organization
/// secrets): said after the deletion so that none is forgotten.
pub(crate) fn secrets_left(connection: &Connection) -> Option<String> {
    let names: Vec<&str> = connection
        .fields
        .values()
        .filter_map(|f| match f {
            FieldView::Secret { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "its secret(s) {} stay; delete each with `lanyard secret delete NAME` once nothing \
             else uses it",
            names.join(", ")
        )
    })
}

/// Goes ahead only with `--yes`, or when a person at a terminal says yes to the list.
pub(crate) fn confirm(what: &str, goes: &[String], yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let also = if goes.is_empty() {
        String::new()
    } else {
        format!(" also removes {}", goes.join("; "))
    };
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!(
            "deleting {what}{}; add --yes to confirm",
            if also.is_empty() {
                " cannot be undone"
            } else {
                &also
            }
        );
    }
    if !goes.is_empty() {
        eprintln!("Deleting {what}{also}.");
    }
    let sure = dialoguer::Confirm::new()
        .with_prompt(format!("Delete {what}?"))
        .default(false)
        .interact()?;
    if !sure {
        bail!("{what} was not deleted");
    }
    Ok(())
}
