//! `lanyard audit list|verify`.

use anyhow::{anyhow, bail, Context as _};

use crate::cli::{AuditCommand, Output};
use crate::context::Context;
use crate::output;

/// Turns `30m`, `12h`, `7d` into an RFC 3339 time that long ago; passes RFC 3339 through.
fn since(text: &str) -> anyhow::Result<String> {
    let units = [
        ('s', 1),
        ('m', 60),
        ('h', 3600),
        ('d', 86_400),
        ('w', 604_800),
    ];
    if let Some((unit, seconds)) = units.iter().find(|(u, _)| text.ends_with(*u)) {
        if let Ok(count) = text.trim_end_matches(*unit).parse::<i64>() {
            let at = time::OffsetDateTime::now_utc() - time::Duration::seconds(count * seconds);
            return Ok(at.format(&time::format_description::well_known::Rfc3339)?);
        }
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|_| text.to_owned())
        .map_err(|_| {
            anyhow!(
                "invalid --since `{text}`: use an age such as 30m, 12h, 7d, or an RFC 3339 time"
            )
        })
}

pub(crate) async fn run(ctx: &Context, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::List {
            since: since_text,
            connection,
            limit,
        } => {
            let since = since_text.as_deref().map(since).transpose()?;
            let events = ctx
                .client
                .audit_events(
                    &ctx.org,
                    since.as_deref(),
                    connection.as_deref(),
                    Some(limit),
                )
                .await?;
            output::print(ctx.output, &events, |events| {
                output::table(
                    &["#", "TIME", "ACTION", "TARGET", "ACTOR", "FROM"],
                    events.iter().map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.at.clone(),
                            e.action.clone(),
                            e.target.clone(),
                            e.actor_label.clone().unwrap_or_else(|| e.actor.clone()),
                            e.source.clone(),
                        ]
                    }),
                )
            })
        }
        AuditCommand::Checkpoint {
            out,
            s3,
            retain_days,
        } => {
            let why = "a checkpoint is a JSON document";
            crate::output::only(ctx.requested_output, &[Output::Json], why)?;
            let checkpoint = ctx.client.audit_checkpoint(&ctx.org).await?;
            let text = serde_json::to_string_pretty(&checkpoint)? + "\n";
            if let Some(url) = s3 {
                lock_in_s3(&url, &checkpoint, &text, retain_days).await?;
            }
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "Checkpoint of event {} written to {}; keep it outside Lanyard's database",
                        checkpoint.seq,
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        AuditCommand::Verify {
            checkpoint,
            since_checkpoint,
        } => {
            let verdict = match checkpoint {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let checkpoint: lanyard_api::AuditCheckpoint = serde_json::from_str(&text)
                        .with_context(|| {
                            format!(
                                "{} is not a checkpoint from `lanyard audit checkpoint`",
                                path.display()
                            )
                        })?;
                    if since_checkpoint {
                        ctx.client
                            .verify_audit_since_checkpoint(&ctx.org, &checkpoint)
                            .await?
                    } else {
                        ctx.client
                            .verify_audit_checkpoint(&ctx.org, &checkpoint)
                            .await?
                    }
                }
                None => ctx.client.verify_audit(&ctx.org).await?,
            };
            if verdict.intact {
                let line = format!(
                    "Audit trail intact: {} events, every hash checks out",
                    verdict.events
                );
                return output::confirm(ctx.output, &verdict, &line);
            }
            if ctx.output != crate::cli::Output::Table {
                output::print(ctx.output, &verdict, |_| comfy_table::Table::new())?;
            }
            bail!(
                "the audit trail is broken at event {}: {}",
                verdict.broken_at.unwrap_or_default(),
                verdict.reason.unwrap_or_default()
            )
        }
        AuditCommand::Export { after, out } => {
            let why = "the export is JSON lines";
            crate::output::only(ctx.requested_output, &[Output::Json], why)?;
            export(ctx, after, out.as_deref()).await
        }
        AuditCommand::Prune { through, yes } => {
            let what = format!(
                "audit events up to #{through} of `{}` (export them first with \
                 `lanyard audit export`)",
                ctx.org
            );
            crate::commands::impact::confirm(&what, &[], yes)?;
            let pruned = ctx.client.prune_audit(&ctx.org, through).await?;
            let line = format!(
                "Removed {} audit events through #{}; the trail verifies from #{} on \
                 (an audit.prune event records the cut)",
                pruned.removed,
                pruned.through,
                pruned.through + 1
            );
            output::confirm(ctx.output, &pruned, &line)
        }
    }
}

/// Writes the checkpoint to S3 under object lock, named by organization and event, so that a
/// periodic run (cron, a systemd timer) keeps a row of them no one can remove in time.
async fn lock_in_s3(
    url: &str,
    checkpoint: &lanyard_api::AuditCheckpoint,
    text: &str,
    retain_days: u32,
) -> anyhow::Result<()> {
    use lanyard_aws::locked::{put_locked, S3Object};
    use lanyard_aws::session::{self, Identity};
    let name = format!("{}/checkpoint-{:012}.json", checkpoint.org, checkpoint.seq);
    let target = S3Object::under(url, &name).map_err(|e| anyhow::anyhow!(e))?;
    let config = session::config(Identity::Ambient, None).await;
    let path_style = std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let retain_until = std::time::SystemTime::now()
        + std::time::Duration::from_secs(u64::from(retain_days) * 86_400);
    let version = put_locked(
        &config,
        &target,
        text.as_bytes().to_vec(),
        retain_until,
        path_style,
    )
    .await?;
    eprintln!(
        "Checkpoint of event {} locked in s3://{}/{} for {retain_days} days{}",
        checkpoint.seq,
        target.bucket,
        target.key,
        version.map_or(String::new(), |v| format!(" (version {v})"))
    );
    Ok(())
}

/// Events per request while exporting.
const EXPORT_PAGE: i64 = 1000;

/// Streams the trail page by page as JSON lines, so that the database need not keep years of
/// events: each line is an event with its chain hash, and `--after` resumes where a previous
/// export ended.
async fn export(
    ctx: &Context,
    mut after: i64,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = 0u64;
    loop {
        let page = ctx
            .client
            .export_audit(&ctx.org, after, EXPORT_PAGE)
            .await?;
        for event in &page {
            serde_json::to_writer(&mut sink, event)?;
            sink.write_all(b"\n")?;
            after = event.seq;
            written += 1;
        }
        if page.len() < usize::try_from(EXPORT_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    sink.flush()?;
    eprintln!("Exported {written} events; the last is #{after} (resume with --after {after})");
    Ok(())
}
