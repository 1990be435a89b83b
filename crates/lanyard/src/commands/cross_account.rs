//! `lanyard connect aws --auth-mode cross-account-trust` (the CloudFormation flow) and
//! `lanyard connection test`.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use lanyard_api::{CrossAccountSetupRequest, FieldInput, UpdateConnection, WireSecret};
use secrecy::SecretString;

use crate::cli::ConnectArgs;
use crate::context::Context;
use crate::output;

/// Whether `--auth-mode` asks for cross-account trust (any spelling the server accepts).
pub(crate) fn is_cross_account(mode: Option<&str>) -> bool {
    mode.is_some_and(|m| m.trim().to_ascii_lowercase().replace('_', "-") == "cross-account-trust")
}

fn plain(fields: &std::collections::BTreeMap<String, FieldInput>, name: &str) -> Option<String> {
    match fields.get(name) {
        Some(FieldInput::Value(v)) => Some(v.expose_secret().to_owned()),
        _ => None,
    }
}

/// Creates the pending connection, writes the template, shows the console link (opening it
/// when there is a browser), then waits for the role ARN on a terminal.
pub(crate) async fn setup(
    ctx: &Context,
    args: ConnectArgs,
    fields: std::collections::BTreeMap<String, FieldInput>,
) -> anyhow::Result<()> {
    if args.provider != "aws" {
        anyhow::bail!(
            "cross-account trust is for AWS only; use `lanyard connect aws --auth-mode \
             cross-account-trust`"
        );
    }
    if let Some(extra) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "account_id" | "region" | "runner"))
    {
        anyhow::bail!(
            "field `{extra}` is not set by hand in the cross-account setup: give account_id \
             (and optionally region, runner); Lanyard generates the external id, and the role \
             ARN comes from the stack"
        );
    }
    let account_id = plain(&fields, "account_id").context(
        "the cross-account setup needs the account: add --field account_id=123456789012",
    )?;
    let name = args.name.clone().unwrap_or_else(|| args.provider.clone());
    let request = CrossAccountSetupRequest {
        account_id,
        region: plain(&fields, "region"),
        runner: plain(&fields, "runner"),
        capabilities: args.capabilities,
        trusted_principals: args.trust_principals,
        template_url: args.template_url,
    };
    let setup = ctx
        .client
        .cross_account_setup(&ctx.org, &name, &request)
        .await?;
    let path = args
        .template_file
        .unwrap_or_else(|| PathBuf::from(format!("lanyard-{name}-role.json")));
    write_private(&path, setup.template.expose_secret())?;
    let link = setup.console_link.expose_secret();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "Connection `{name}` is pending. The role template is in {} (trusting {}).\n\
         Create the stack in account {}:\n  {link}\n\
         or: aws cloudformation create-stack --stack-name {} --template-body file://{} \
         --capabilities CAPABILITY_NAMED_IAM",
        path.display(),
        setup.trusted_principals.join(", "),
        request.account_id,
        setup.role_name,
        path.display(),
    )?;
    drop(err);
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !terminal {
        eprintln!(
            "Then finish with: lanyard connection update {name} --field iam_role_arn=ARN \
             (the stack's RoleArn output)"
        );
        return output::confirm(
            ctx.output,
            &setup.connection,
            &format!("Connection `{name}` saved pending"),
        );
    }
    open_browser(link);
    let arn: String = dialoguer::Input::new()
        .with_prompt("Role ARN (the stack's RoleArn output)")
        .interact_text()
        .context("cannot read the role ARN from the terminal")?;
    complete(ctx, &name, arn.trim()).await
}

/// Gives the pending connection its role; the server checks it both ways first.
async fn complete(ctx: &Context, name: &str, arn: &str) -> anyhow::Result<()> {
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(
        "iam_role_arn".to_owned(),
        FieldInput::Value(WireSecret::new(SecretString::from(arn.to_owned()))),
    );
    let request = UpdateConnection {
        kind: None,
        auth_mode: None,
        fields,
        remove: Vec::new(),
    };
    let updated = ctx
        .client
        .update_connection(&ctx.org, name, &request)
        .await?;
    output::confirm(
        ctx.output,
        &updated,
        &format!("Connected aws as `{name}` (cross-account-trust): role {arn} is trusted"),
    )
}

fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write the template to {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("cannot write the template to {}", path.display()))
}

/// Opens the link when this session has a browser; silently does nothing otherwise.
fn open_browser(link: &str) {
    let has_display = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !has_display {
        return;
    }
    let opener = std::env::var("BROWSER").unwrap_or_else(|_| {
        if cfg!(target_os = "macos") {
            "open".to_owned()
        } else {
            "xdg-open".to_owned()
        }
    });
    let _ = std::process::Command::new(opener)
        .arg(link)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// `lanyard connection test NAME`.
pub(crate) async fn test(ctx: &Context, name: &str) -> anyhow::Result<()> {
    report_test(ctx, name, true).await
}

/// Tests a connection and prints the verdict; a failing verdict is an error only when
/// `failing_is_error` (`connection test`), a warning otherwise (`connect`: it is saved).
pub(crate) async fn report_test(
    ctx: &Context,
    name: &str,
    failing_is_error: bool,
) -> anyhow::Result<()> {
    let result = ctx.client.test_connection(&ctx.org, name).await?;
    let aws = result
        .identity
        .as_deref()
        .is_some_and(|i| i.starts_with("arn:"));
    let message = result.message.clone().unwrap_or_default();
    let line = match (result.ok, &result.identity) {
        (true, Some(identity)) if aws => {
            format!("Connection `{name}` works: AWS answers as {identity}")
        }
        (true, _) if result.verdict == "ok" => format!("Connection `{name}` works: {message}"),
        (true, _) => format!("Connection `{name}`: {message}"),
        (false, _) => format!(
            "Connection `{name}` failed its test ({}): {message}",
            result.verdict.replace('_', " ")
        ),
    };
    output::confirm(ctx.output, &result, &line)?;
    if !result.ok {
        if failing_is_error {
            anyhow::bail!("connection `{name}` did not pass its test; fix it, then run `lanyard connection test {name}` again");
        }
        eprintln!(
            "Warning: connection `{name}` is saved but did not pass its check; fix it (lanyard \
             connection update {name} --field …), then run `lanyard connection test {name}`"
        );
    }
    Ok(())
}
