//! What a deletion takes with it, said before it happens: defaults that point at the thing,
//! authorizations that name it, jobs its credentials went to (the server's list, as the console
//! shows it). On a terminal the user is asked; elsewhere `--yes` must say it, so that no script
//! deletes more than it meant to by accident.

use std::io::IsTerminal;

use anyhow::bail;
use lanyard_api::{Connection, FieldView};

use crate::context::Context;

/// What deleting environment `name` removes besides it (the server says: the console and the
/// API show the same list).
pub(crate) async fn of_environment(ctx: &Context, name: &str) -> anyhow::Result<Vec<String>> {
    Ok(ctx
        .client
        .deletion_impact(&ctx.org, Some(("environment", name)))
        .await?)
}

/// The connection, and what deleting it removes besides it and where it was used.
pub(crate) async fn of_connection(
    ctx: &Context,
    name: &str,
) -> anyhow::Result<(Connection, Vec<String>)> {
    let connection = ctx.client.get_connection(&ctx.org, name).await?;
    let goes = ctx
        .client
        .deletion_impact(&ctx.org, Some(("connection", name)))
        .await?;
    Ok((connection, goes))
}

/// What deleting runner `name` leaves behind: connections that pin their jobs to it (and so
/// cannot run until they name another), and the organization's default runner.
pub(crate) async fn of_runner(ctx: &Context, name: &str) -> anyhow::Result<Vec<String>> {
    Ok(ctx
        .client
        .deletion_impact(&ctx.org, Some(("runner", name)))
        .await?)
}

/// Everything in organization `name`, counted.
pub(crate) async fn of_organization(ctx: &Context, name: &str) -> anyhow::Result<Vec<String>> {
    Ok(ctx.client.deletion_impact(name, None).await?)
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
