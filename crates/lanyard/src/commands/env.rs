//! `lanyard env`: environments.

use crate::cli::EnvCommand;
use crate::context::Context;
use crate::output;

pub(crate) async fn run(ctx: &Context, command: EnvCommand) -> anyhow::Result<()> {
    match command {
        EnvCommand::Create { name } => {
            let env = ctx.client.create_environment(&ctx.org, &name).await?;
            output::confirm(
                ctx.output,
                &env,
                &format!("Created environment {} in {}", env.name, ctx.org),
            )
        }
        EnvCommand::List => {
            let envs = ctx.client.list_environments(&ctx.org).await?;
            output::print(ctx.output, &envs, |envs| {
                output::table(
                    &["NAME", "CREATED"],
                    envs.iter()
                        .map(|e| vec![e.name.clone(), e.created_at.clone()]),
                )
            })
        }
        EnvCommand::Get { name } => {
            let env = ctx.client.get_environment(&ctx.org, &name).await?;
            output::print(ctx.output, &env, |e| {
                output::table(
                    &["NAME", "CREATED"],
                    [vec![e.name.clone(), e.created_at.clone()]],
                )
            })
        }
        EnvCommand::Delete { name, yes } => {
            let goes = super::impact::of_environment(ctx, &name).await?;
            super::impact::confirm(&format!("environment `{name}`"), &goes, yes)?;
            ctx.client.delete_environment(&ctx.org, &name).await?;
            let done = serde_json::json!({ "deleted": name });
            output::confirm(ctx.output, &done, &format!("Deleted environment {name}"))
        }
    }
}
