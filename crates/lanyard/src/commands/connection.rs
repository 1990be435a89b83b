//! `lanyard connect`, `lanyard connection` and `lanyard provider`.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::{anyhow, Context as _};
use lanyard_api::{
    parse_field_arg, Connection, CreateConnection, FieldArg, FieldInput, FieldView, Provider,
    UpdateConnection, WireSecret,
};
use secrecy::SecretString;

use crate::cli::{ConnectArgs, ConnectionCommand, ProviderCommand, Verify};
use crate::context::Context;
use crate::output;

/// Parses `NAME=VALUE`, `NAME=@FILE`, `NAME=secret:SLUG` or `NAME=var:SLUG` (the syntax is
/// `lanyard_api::parse_field_arg`'s) and reads a `@FILE`. Errors never repeat the value: it may
/// be a secret.
fn parse_field(arg: &str) -> anyhow::Result<(String, FieldInput)> {
    let (name, source) = parse_field_arg(arg).map_err(|e| anyhow!("invalid --field: {e}"))?;
    let input = match source {
        FieldArg::Secret(slug) => FieldInput::Secret(slug.to_owned()),
        FieldArg::Variable(slug) => FieldInput::Variable(slug.to_owned()),
        FieldArg::File(path) => {
            let contents = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the file for field `{name}`: {path}"))?;
            FieldInput::Value(WireSecret::new(SecretString::from(contents)))
        }
        FieldArg::Value(value) => {
            FieldInput::Value(WireSecret::new(SecretString::from(value.to_owned())))
        }
    };
    Ok((name.to_owned(), input))
}

fn parse_fields(args: &[String]) -> anyhow::Result<BTreeMap<String, FieldInput>> {
    args.iter().map(|a| parse_field(a)).collect()
}

pub(crate) async fn connect(ctx: &Context, args: ConnectArgs) -> anyhow::Result<()> {
    let mut fields = parse_fields(&args.fields)?;
    if super::cross_account::is_cross_account(args.auth_mode.as_deref()) {
        return super::cross_account::setup(ctx, args, fields).await;
    }
    let mut kind = args.kind;
    if std::io::stdin().is_terminal() {
        let provider = ctx.client.get_provider(&args.provider).await?;
        kind = ask_missing(&provider, kind, args.auth_mode.as_deref(), &mut fields)?;
    }
    // Values given here become secrets named after the connection: `--verify required`
    // removes them again when the check fails.
    let given: Vec<String> = fields
        .iter()
        .filter(|(_, input)| matches!(input, FieldInput::Value(_)))
        .map(|(name, _)| name.clone())
        .collect();
    let request = CreateConnection {
        name: args.name.unwrap_or_else(|| args.provider.clone()),
        provider: args.provider,
        kind,
        auth_mode: args.auth_mode,
        fields,
    };
    let created = match ctx.client.create_connection(&ctx.org, &request).await {
        Ok(created) => created,
        Err(e) if e.status() == Some(409) => {
            return Err(anyhow!(
                "{e}; to change it: `lanyard connection update {0} --field NAME=VALUE`; to check \
                 it again: `lanyard connection test {0}`",
                request.name
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let line = format!(
        "Connected {} as `{}` ({})",
        created.provider, created.name, created.auth_mode
    );
    let verify = if args.no_verify {
        Verify::Off
    } else {
        args.verify
    };
    if verify == Verify::Required && created.auth_mode != "oidc" {
        // "Connected" is said only once the check passed.
        return require_check(ctx, &created, &given, &line).await;
    }
    output::confirm(ctx.output, &created, &line)?;
    if created.auth_mode == "oidc" {
        eprintln!(
            "Next: make {} trust this server's job tokens: `lanyard connection trust {}` prints \
             the {}.",
            created.provider,
            created.name,
            if created.provider == "aws" {
                "CloudFormation template"
            } else {
                "commands"
            }
        );
        return Ok(());
    }
    match verify {
        Verify::Off | Verify::Required => Ok(()),
        Verify::Warn if created.auth_mode == "runner" => {
            // The runner may not be started yet: a failed check is reported, not fatal.
            if let Err(e) = super::cross_account::test(ctx, &created.name).await {
                eprintln!("Note: saved, but not verified yet ({e})");
            }
            Ok(())
        }
        Verify::Warn => {
            // Saved either way: a check that could not run is a warning, like one that failed.
            if let Err(e) = super::cross_account::report_test(ctx, &created.name, false).await {
                eprintln!(
                    "Warning: connection `{0}` is saved but was not checked ({e}); run \
                     `lanyard connection test {0}` later",
                    created.name
                );
            }
            Ok(())
        }
    }
}

/// `--verify required`: the check must pass, else the connection and the secrets this command
/// made for it are deleted again and the command fails.
async fn require_check(
    ctx: &Context,
    created: &Connection,
    given: &[String],
    connected: &str,
) -> anyhow::Result<()> {
    let name = &created.name;
    let why = match ctx.client.test_connection(&ctx.org, name).await {
        Ok(result) if result.ok => {
            let line = format!(
                "{connected}; it works: {}",
                result.message.clone().unwrap_or(result.verdict.clone())
            );
            return output::confirm(ctx.output, created, &line);
        }
        Ok(result) => format!(
            "{}: {}",
            result.verdict.replace('_', " "),
            result.message.unwrap_or_default()
        ),
        Err(e) => format!("the check could not run: {e}"),
    };
    ctx.client
        .delete_connection(&ctx.org, name)
        .await
        .with_context(|| {
            format!("connection `{name}` failed its check and could not be removed")
        })?;
    for field in given {
        if let Some(FieldView::Secret { name: secret, .. }) = created.fields.get(field) {
            ctx.client.delete_secret(&ctx.org, secret).await?;
        }
    }
    Err(anyhow!(
        "connection `{name}` did not pass its check ({why}), so nothing was saved \
         (--verify required); fix the fields and connect again, or use --verify warn to keep it"
    ))
}

/// The wizard: asks for the kind and every required field not given, secret ones without echo.
fn ask_missing(
    provider: &Provider,
    mut kind: Option<String>,
    mode: Option<&str>,
    fields: &mut BTreeMap<String, FieldInput>,
) -> anyhow::Result<Option<String>> {
    if kind.is_none() && !provider.kinds.is_empty() {
        let labels: Vec<String> = provider
            .kinds
            .iter()
            .map(|k| format!("{} ({})", k.display_name, k.id))
            .collect();
        let choice = dialoguer::Select::new()
            .with_prompt(format!("{} kind", provider.display_name))
            .items(&labels)
            .default(0)
            .interact()
            .context("cannot read the kind from the terminal")?;
        kind = Some(provider.kinds[choice].id.clone());
    }
    let mode = mode.unwrap_or("inline");
    for field in &provider.fields {
        let applies = field
            .kinds
            .as_ref()
            .is_none_or(|k| kind.as_ref().is_some_and(|kind| k.contains(kind)))
            && field
                .modes
                .as_ref()
                .is_none_or(|m| m.iter().any(|m| m == mode));
        if !applies
            || fields.contains_key(&field.name)
            || !field.required_in.iter().any(|m| m == mode)
        {
            continue;
        }
        eprintln!("{}: {}", field.label, field.help);
        let value = if field.secret {
            crate::commands::secret::prompt_secret(&field.name)?
        } else {
            let text: String = dialoguer::Input::new()
                .with_prompt(&field.name)
                .interact_text()
                .context("cannot read the value from the terminal")?;
            SecretString::from(text)
        };
        fields.insert(
            field.name.clone(),
            FieldInput::Value(WireSecret::new(value)),
        );
    }
    Ok(kind)
}

fn field_text(view: &FieldView) -> String {
    match view {
        FieldView::Value(value) => value.clone(),
        FieldView::Secret { name, version } => format!("secret:{name} (v{version})"),
        FieldView::Variable { name, value } => format!("var:{name} (= {value})"),
    }
}

fn print_connection(ctx: &Context, connection: &Connection) -> anyhow::Result<()> {
    output::print(ctx.output, connection, |c| {
        let mut rows = vec![
            vec!["name".to_owned(), c.name.clone()],
            vec!["provider".to_owned(), c.provider.clone()],
            vec![
                "kind".to_owned(),
                c.kind.clone().unwrap_or_else(|| "-".to_owned()),
            ],
            vec!["auth mode".to_owned(), c.auth_mode.clone()],
            vec![
                "jobs get".to_owned(),
                format!("{} credentials", c.credentials),
            ],
        ];
        if c.pending {
            rows.push(vec![
                "state".to_owned(),
                format!(
                    "pending: finish with `lanyard connection update {} --field iam_role_arn=ARN`",
                    c.name
                ),
            ]);
        }
        rows.push(vec![
            "verified".to_owned(),
            match (&c.last_verified_at, &c.verdict) {
                (Some(at), Some(verdict)) => format!("{verdict} at {at}"),
                _ => "never (lanyard connection test NAME)".to_owned(),
            },
        ]);
        if let Some(message) = &c.verification_message {
            rows.push(vec!["check said".to_owned(), message.clone()]);
        }
        rows.extend(
            c.fields
                .iter()
                .map(|(name, view)| vec![format!("field {name}"), field_text(view)]),
        );
        output::table(&["", ""], rows)
    })
}

pub(crate) async fn run(ctx: &Context, command: ConnectionCommand) -> anyhow::Result<()> {
    match command {
        ConnectionCommand::List { provider, failing } => {
            let mut connections = ctx
                .client
                .list_connections(&ctx.org, provider.as_deref())
                .await?;
            if failing {
                connections.retain(|c| c.failing);
            }
            output::print(ctx.output, &connections, |connections| {
                output::table(
                    &[
                        "NAME",
                        "PROVIDER",
                        "KIND",
                        "AUTH MODE",
                        "CREDENTIALS",
                        "UPDATED",
                    ],
                    connections.iter().map(|c| {
                        vec![
                            c.name.clone(),
                            c.provider.clone(),
                            c.kind.clone().unwrap_or_else(|| "-".to_owned()),
                            c.auth_mode.clone(),
                            c.credentials.clone(),
                            c.updated_at.clone(),
                        ]
                    }),
                )
            })
        }
        ConnectionCommand::Get { name } => {
            print_connection(ctx, &ctx.client.get_connection(&ctx.org, &name).await?)
        }
        ConnectionCommand::Update {
            name,
            fields,
            remove,
            auth_mode,
            kind,
        } => {
            let request = UpdateConnection {
                kind,
                auth_mode,
                fields: parse_fields(&fields)?,
                remove,
            };
            print_connection(
                ctx,
                &ctx.client
                    .update_connection(&ctx.org, &name, &request)
                    .await?,
            )
        }
        ConnectionCommand::Authorization(command) => {
            super::access::authorization(ctx, command).await
        }
        ConnectionCommand::Default(command) => super::access::default(ctx, command).await,
        ConnectionCommand::Matrix { provider } => super::access::matrix(ctx, provider).await,
        ConnectionCommand::Usage { name, limit } => super::job::usage(ctx, &name, limit).await,
        ConnectionCommand::Test { name } => super::cross_account::test(ctx, &name).await,
        ConnectionCommand::Trust {
            name,
            capabilities,
            out,
        } => super::federation::trust(ctx, &name, &capabilities, out.as_deref()).await,
        ConnectionCommand::Delete { name, yes } => {
            let (connection, goes) = super::impact::of_connection(ctx, &name).await?;
            super::impact::confirm(&format!("connection `{name}`"), &goes, yes)?;
            ctx.client.delete_connection(&ctx.org, &name).await?;
            let left = super::impact::secrets_left(&connection);
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": name }),
                &match left {
                    Some(left) => format!("Deleted connection {name}; {left}"),
                    None => format!("Deleted connection {name}"),
                },
            )
        }
    }
}

pub(crate) async fn run_provider(ctx: &Context, command: ProviderCommand) -> anyhow::Result<()> {
    match command {
        ProviderCommand::List => {
            let providers = ctx.client.list_providers().await?;
            output::print(ctx.output, &providers, |providers| {
                output::table(
                    &["ID", "NAME", "CATEGORY", "AUTH MODES", "KINDS"],
                    providers.iter().map(|p| {
                        vec![
                            p.id.clone(),
                            p.display_name.clone(),
                            p.category_name.clone(),
                            p.auth_modes.join(", "),
                            p.kinds
                                .iter()
                                .map(|k| k.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    }),
                )
            })
        }
        ProviderCommand::Show { id } => {
            let provider = ctx.client.get_provider(&id).await?;
            output::print(ctx.output, &provider, |p| {
                output::table(
                    &["FIELD", "SECRET", "REQUIRED IN", "KINDS", "HELP"],
                    p.fields.iter().map(|f| {
                        vec![
                            f.name.clone(),
                            if f.secret { "yes" } else { "" }.to_owned(),
                            f.required_in.join(", "),
                            f.kinds
                                .as_ref()
                                .map_or_else(|| "all".to_owned(), |k| k.join(", ")),
                            f.help.clone(),
                        ]
                    }),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a `--field` argument holds, parsing it never panics, each form parses to
        /// its kind, and an error never repeats the value (it may be a secret pasted without
        /// its `NAME=`).
        #[test]
        fn field_syntax_never_panics_or_shows_a_value(
            name in "[a-z_]{0,12}",
            separator in prop_oneof![Just(""), Just("=")],
            kind in prop_oneof![Just(""), Just("secret:"), Just("var:")],
            value in "[^=:@]{4,40}",
        ) {
            let arg = format!("{name}{separator}{kind}{value}");
            match parse_field(&arg) {
                Ok((parsed, input)) => {
                    prop_assert!(separator == "=" && !name.is_empty(), "{arg} was accepted");
                    prop_assert_eq!(parsed, name);
                    let right_kind = match (kind, input) {
                        ("secret:", FieldInput::Secret(slug)) | ("var:", FieldInput::Variable(slug)) => slug == value,
                        ("", FieldInput::Value(_)) => true,
                        _ => false,
                    };
                    prop_assert!(right_kind, "{arg} parsed as the wrong kind");
                }
                Err(error) => {
                    prop_assert!(separator.is_empty() || name.is_empty(), "{arg} was refused: {error:#}");
                    let message = format!("{error:#}");
                    let shown = value.trim();
                    prop_assert!(shown.len() < 4 || !message.contains(shown), "{message} shows `{value}`");
                }
            }
        }
    }
}
