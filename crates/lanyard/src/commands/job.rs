//! `lanyard job` and `lanyard connection usage`.

use crate::cli::JobCommand;
use crate::context::Context;
use crate::output;

pub(crate) async fn run(ctx: &Context, command: JobCommand) -> anyhow::Result<()> {
    match command {
        JobCommand::List { limit } => {
            let jobs = ctx.client.list_jobs(&ctx.org, Some(limit)).await?;
            output::print(ctx.output, &jobs, |jobs| {
                output::table(
                    &[
                        "ID",
                        "STATUS",
                        "EXIT",
                        "ENVIRONMENT",
                        "RUNNER",
                        "COMMAND",
                        "CREATED",
                    ],
                    jobs.iter().map(|j| {
                        vec![
                            j.id.clone(),
                            j.status.clone(),
                            j.exit_code.map(|c| c.to_string()).unwrap_or_default(),
                            j.environment.clone(),
                            j.runner.clone().unwrap_or_else(|| "built-in".to_owned()),
                            j.command.join(" "),
                            j.created_at.clone(),
                        ]
                    }),
                )
            })
        }
        JobCommand::Get { id } => {
            let job = ctx.client.get_job(&ctx.org, &id).await?;
            output::print(ctx.output, &job, |j| {
                let connections = j
                    .connections
                    .iter()
                    .map(|c| format!("{} ({}, {})", c.connection, c.provider, c.source))
                    .collect::<Vec<_>>()
                    .join(", ");
                output::table(
                    &["FIELD", "VALUE"],
                    [
                        vec!["id".to_owned(), j.id.clone()],
                        vec!["status".to_owned(), j.status.clone()],
                        vec![
                            "exit code".to_owned(),
                            j.exit_code.map(|c| c.to_string()).unwrap_or_default(),
                        ],
                        vec!["error".to_owned(), j.error.clone().unwrap_or_default()],
                        vec!["environment".to_owned(), j.environment.clone()],
                        vec![
                            "runner".to_owned(),
                            j.runner.clone().unwrap_or_else(|| "built-in".to_owned()),
                        ],
                        vec!["command".to_owned(), j.command.join(" ")],
                        vec!["connections".to_owned(), connections],
                        vec![
                            "git".to_owned(),
                            j.git.as_ref().map(|g| g.url.clone()).unwrap_or_default(),
                        ],
                        vec![
                            "upload".to_owned(),
                            j.upload.as_ref().map_or_else(String::new, |u| {
                                format!(
                                    "{} files, {} ({})",
                                    u.files,
                                    lanyard_bundle::human_bytes(u.bytes),
                                    u.digest
                                )
                            }),
                        ],
                        vec!["artifacts".to_owned(), j.artifacts.join(", ")],
                        vec!["created".to_owned(), j.created_at.clone()],
                        vec![
                            "finished".to_owned(),
                            j.finished_at.clone().unwrap_or_default(),
                        ],
                    ],
                )
            })
        }
        JobCommand::Artifacts { id, out } => {
            super::bundle::download_artifacts(ctx, &id, &out).await
        }
        JobCommand::Logs { id, follow } => {
            let why = "logs are the job's own output; `lanyard job get ID -o json` shows the job";
            output::only(ctx.requested_output, &[], why)?;
            super::run::follow(&ctx.client, &ctx.org, &id, follow).await?;
            Ok(())
        }
        JobCommand::Cancel { id } => {
            let job = ctx.client.cancel_job(&ctx.org, &id).await?;
            output::confirm(
                ctx.output,
                &job,
                &format!(
                    "Job {id}: {}",
                    if job.status == "canceled" {
                        "canceled"
                    } else {
                        "cancel requested"
                    }
                ),
            )
        }
    }
}

pub(crate) async fn usage(ctx: &Context, name: &str, limit: i64) -> anyhow::Result<()> {
    let usage = ctx
        .client
        .connection_usage(&ctx.org, name, Some(limit))
        .await?;
    if ctx.output == crate::cli::Output::Table {
        println!(
            "Connection {} ({}) was released to {} job(s) in: {}",
            usage.connection,
            usage.provider,
            usage.releases.len(),
            if usage.environments.is_empty() {
                "no environment yet".to_owned()
            } else {
                usage.environments.join(", ")
            }
        );
    }
    output::print(ctx.output, &usage, |u| {
        output::table(
            &[
                "RELEASED",
                "JOB",
                "ENVIRONMENT",
                "RUNNER",
                "SECRET VERSIONS",
            ],
            u.releases.iter().map(|r| {
                vec![
                    r.released_at.clone(),
                    r.job.clone(),
                    r.environment.clone(),
                    r.runner.clone().unwrap_or_else(|| "built-in".to_owned()),
                    r.secrets
                        .iter()
                        .map(|s| format!("{} v{}", s.secret, s.version))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            }),
        )
    })
}
