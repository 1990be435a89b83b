//! `lanyard secret` and `lanyard variable`.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context as _};
use secrecy::SecretString;

use crate::cli::{SecretCommand, VariableCommand};
use crate::context::Context;
use crate::output;

pub(crate) async fn run(ctx: &Context, command: SecretCommand) -> anyhow::Result<()> {
    match command {
        SecretCommand::Set {
            name,
            value,
            from_file,
            stdin,
        } => {
            let value = match (value, from_file, stdin) {
                (Some(value), _, _) => SecretString::from(value),
                (None, Some(path), _) => SecretString::from(
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                ),
                (None, None, true) => read_stdin()?,
                (None, None, false) if std::io::stdin().is_terminal() => prompt_secret(&name)?,
                (None, None, false) => {
                    bail!("no value for secret `{name}`: pass VALUE, --from-file FILE or --stdin")
                }
            };
            let secret = ctx.client.set_secret(&ctx.org, &name, value).await?;
            let line = format!("Set secret {} (version {})", secret.name, secret.version);
            output::confirm(ctx.output, &secret, &line)
        }
        SecretCommand::List => {
            let secrets = ctx.client.list_secrets(&ctx.org).await?;
            output::print(ctx.output, &secrets, |secrets| {
                output::table(
                    &["NAME", "VERSION", "USED BY", "UPDATED"],
                    secrets.iter().map(|s| {
                        vec![
                            s.name.clone(),
                            s.version.to_string(),
                            s.used_by.join(", "),
                            s.updated_at.clone(),
                        ]
                    }),
                )
            })
        }
        SecretCommand::Versions { name } => {
            let versions = ctx.client.secret_versions(&ctx.org, &name).await?;
            output::print(ctx.output, &versions, |versions| {
                output::table(
                    &["VERSION", "CREATED", "BY TOKEN", "KEY"],
                    versions.iter().map(|v| {
                        vec![
                            v.version.to_string(),
                            v.created_at.clone(),
                            v.created_by_label
                                .clone()
                                .unwrap_or_else(|| v.created_by.clone()),
                            v.key_id.clone(),
                        ]
                    }),
                )
            })
        }
        SecretCommand::Delete { name } => {
            ctx.client.delete_secret(&ctx.org, &name).await?;
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": name }),
                &format!("Deleted secret {name}"),
            )
        }
    }
}

/// Reads a whole value from stdin; one trailing newline (from `echo`) is not part of it.
fn read_stdin() -> anyhow::Result<SecretString> {
    let mut value = String::new();
    std::io::stdin()
        .read_to_string(&mut value)
        .context("cannot read the value from stdin")?;
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    Ok(SecretString::from(value))
}

/// Asks for a secret without echoing it.
pub(crate) fn prompt_secret(label: &str) -> anyhow::Result<SecretString> {
    let value = dialoguer::Password::new()
        .with_prompt(format!("{label} (hidden)"))
        .interact()
        .context("cannot read the value from the terminal")?;
    Ok(SecretString::from(value))
}

pub(crate) async fn run_variable(ctx: &Context, command: VariableCommand) -> anyhow::Result<()> {
    match command {
        VariableCommand::Set { name, value } => {
            let variable = ctx.client.set_variable(&ctx.org, &name, &value).await?;
            output::confirm(
                ctx.output,
                &variable,
                &format!("Set variable {}", variable.name),
            )
        }
        VariableCommand::List => {
            let variables = ctx.client.list_variables(&ctx.org).await?;
            output::print(ctx.output, &variables, |variables| {
                output::table(
                    &["NAME", "VALUE", "UPDATED"],
                    variables
                        .iter()
                        .map(|v| vec![v.name.clone(), v.value.clone(), v.updated_at.clone()]),
                )
            })
        }
        VariableCommand::Delete { name } => {
            ctx.client.delete_variable(&ctx.org, &name).await?;
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": name }),
                &format!("Deleted variable {name}"),
            )
        }
    }
}
