//! Executing a plan through the API: one call per step, in the plan's order, each printed as
//! it is done. Applying is idempotent, so a run stopped halfway is finished by running it again.

use std::path::Path;

use anyhow::Context as _;
use lanyard_api::{
    AuthorizationRequest, CreateConnection, FieldInput, SetDefault, UpdateConnection, WireSecret,
};
use lanyard_manifest::{Action, Field, Kind, Op, Step};
use secrecy::SecretString;

use crate::cli::ApplyArgs;
use crate::context::Context;

/// `lanyard apply -f …`.
pub(crate) async fn apply(ctx: &Context, args: ApplyArgs) -> anyhow::Result<()> {
    let (plan, _) =
        super::plan_files(ctx, &args.files, args.runner_credentials_dir.is_some()).await?;
    let deletions: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Delete)
        .map(|s| s.key.to_string())
        .collect();
    if !deletions.is_empty() {
        crate::commands::impact::confirm(
            &format!(
                "{} object(s) the files do not name ({})",
                deletions.len(),
                deletions.join(", ")
            ),
            &[],
            args.yes,
        )?;
    }
    let mut done = Vec::new();
    for step in &plan.steps {
        if step.action.changes() {
            execute(ctx, step, args.runner_credentials_dir.as_deref())
                .await
                .with_context(|| {
                    format!(
                        "{} could not be {} after {} change(s) were applied; fix it and apply \
                         again (applying is idempotent)",
                        step.key,
                        step.action.as_str(),
                        done.len()
                    )
                })?;
        }
        done.push(step.clone());
        if ctx.output == crate::cli::Output::Table {
            println!("{} {}", step.key, step.action.as_str());
            for line in &step.changes {
                println!("  {line}");
            }
            if step.key.kind == Kind::Connection
                && matches!(step.action, Action::Create | Action::Update)
                && !args.no_verify
            {
                report_check(ctx, &step.key.name).await;
            }
        }
    }
    if ctx.output != crate::cli::Output::Table {
        super::print_plan(ctx, &plan, false)?;
    }
    Ok(())
}

async fn execute(ctx: &Context, step: &Step, credentials_dir: Option<&Path>) -> anyhow::Result<()> {
    let (c, org) = (&ctx.client, ctx.org.as_str());
    let name = step.key.name.as_str();
    let environment = step.key.environment.as_deref();
    match &step.op {
        Op::Nothing => {}
        Op::CreateEnvironment => {
            c.create_environment(org, name).await?;
        }
        Op::DeleteEnvironment => c.delete_environment(org, name).await?,
        Op::SetVariable(value) => {
            c.set_variable(org, name, value).await?;
        }
        Op::DeleteVariable => c.delete_variable(org, name).await?,
        Op::RegisterRunner { default } => {
            let dir =
                credentials_dir.context("registering a runner needs --runner-credentials-dir")?;
            let path = dir.join(format!("{name}.json"));
            crate::commands::runner::register_to_file(ctx, name, &path).await?;
            if *default {
                c.set_default_runner(org, Some(name)).await?;
            }
        }
        Op::SetDefaultRunner(true) => {
            c.set_default_runner(org, Some(name)).await?;
        }
        Op::SetDefaultRunner(false) => {
            c.set_default_runner(org, None).await?;
        }
        Op::DeleteRunner => c.delete_runner(org, name).await?,
        Op::CreateConnection(spec) => {
            let request = CreateConnection {
                name: name.to_owned(),
                provider: spec.provider.clone(),
                kind: spec.kind.clone(),
                auth_mode: Some(spec.auth_mode.clone()),
                fields: spec
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), input(v)))
                    .collect(),
            };
            c.create_connection(org, &request).await?;
        }
        Op::UpdateConnection(change) => {
            let request = UpdateConnection {
                kind: change.kind.clone(),
                auth_mode: change.auth_mode.clone(),
                fields: change
                    .set
                    .iter()
                    .map(|(k, v)| (k.clone(), input(v)))
                    .collect(),
                remove: change.remove.clone(),
            };
            c.update_connection(org, name, &request).await?;
        }
        Op::DeleteConnection => c.delete_connection(org, name).await?,
        Op::PutAuthorization {
            create,
            provider,
            spec,
        } => {
            let request = AuthorizationRequest {
                provider: provider.clone(),
                connection: name.to_owned(),
                scope: spec.scope.as_str().to_owned(),
                environments: spec.environments.clone(),
            };
            if *create {
                c.create_authorization(org, &request).await?;
            } else {
                c.update_authorization(org, &request).await?;
            }
        }
        Op::DeleteAuthorization { provider } => c.delete_authorization(org, provider, name).await?,
        Op::SetDefault { connection } => {
            let request = SetDefault {
                connection: connection.clone(),
                environment: environment.map(str::to_owned),
            };
            let saved = c.set_default(org, name, &request).await?;
            if let Some(warning) = saved.warning {
                eprintln!("  warning: {warning}");
            }
        }
        Op::UnsetDefault => c.unset_default(org, name, environment).await?,
    }
    Ok(())
}

fn input(field: &Field) -> FieldInput {
    match field {
        Field::Value(v) => FieldInput::Value(WireSecret::new(SecretString::from(v.clone()))),
        Field::Secret { secret } => FieldInput::Secret(secret.clone()),
        Field::Variable { variable } => FieldInput::Variable(variable.clone()),
    }
}

/// One line under the connection's: what its provider says of it now. A failing check is said,
/// not fatal: the connection is applied.
async fn report_check(ctx: &Context, name: &str) {
    match ctx.client.test_connection(&ctx.org, name).await {
        Ok(result) if result.ok => {
            println!("  check: {}", result.message.unwrap_or(result.verdict));
        }
        Ok(result) => eprintln!(
            "  check failed ({}): {}",
            result.verdict.replace('_', " "),
            result.message.unwrap_or_default()
        ),
        Err(e) => eprintln!("  not checked: {e}"),
    }
}
