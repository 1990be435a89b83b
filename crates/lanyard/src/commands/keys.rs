//! `lanyard keys status|rotate|generate|signing|rotate-signing`.

use std::io::IsTerminal;

use lanyard_api::{KeyStatus, SigningKeys};
use lanyard_crypto::{ExposeSecret, MasterKey};

use crate::cli::{KeysCommand, Output};
use crate::context::Context;
use crate::output;

/// The one command that prints a key, on purpose: its output goes into a 0600 file.
pub(crate) fn generate() -> anyhow::Result<()> {
    println!("{}", MasterKey::generate().to_base64().expose_secret());
    Ok(())
}

pub(crate) async fn run(ctx: &Context, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate => generate(),
        KeysCommand::Signing => {
            let keys = ctx.client.signing_keys().await?;
            output::print(ctx.output, &keys, signing_table)?;
            if ctx.output == Output::Table && keys.issuer.is_none() {
                eprintln!(
                    "This server has no public URL, so it issues no identity tokens: set \
                     LANYARD_PUBLIC_URL (public_url) to the https address clouds reach it at."
                );
            }
            Ok(())
        }
        KeysCommand::RotateSigning => {
            let keys = ctx.client.rotate_signing_key().await?;
            let active = keys
                .keys
                .iter()
                .find(|k| k.state == "active")
                .map_or("?", |k| k.kid.as_str());
            let line = format!(
                "New signing key {active}; the previous one stays in the JWKS until every token it \
                 signed has expired"
            );
            output::confirm(ctx.output, &keys, &line)
        }
        KeysCommand::Status => {
            let status = ctx.client.key_status().await?;
            output::print(ctx.output, &status, status_table)?;
            if ctx.output == Output::Table {
                if let Some(hint) = next_step(&status) {
                    eprintln!("{hint}");
                }
            }
            Ok(())
        }
        KeysCommand::Rotate { batch } => {
            let first = ctx.client.rotate_keys(batch).await?;
            let total = u64::try_from(first.rewrapped + first.remaining).unwrap_or(0);
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(total)
            } else {
                indicatif::ProgressBar::hidden()
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} versions re-wrapped ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let mut done = u64::try_from(first.rewrapped).unwrap_or(0);
            bar.set_position(done);
            let mut step = first;
            while !step.done {
                step = ctx.client.rotate_keys(batch).await?;
                done += u64::try_from(step.rewrapped).unwrap_or(0);
                bar.set_position(done);
            }
            bar.finish_and_clear();
            let summary = serde_json::json!({ "rewrapped": done, "done": true });
            let line = format!(
                "Re-wrapped {done} secret versions under the active key; the retired keys can be \
                 removed from LANYARD_RETIRED_MASTER_KEY_FILES"
            );
            output::confirm(ctx.output, &summary, &line)
        }
    }
}

fn signing_table(keys: &SigningKeys) -> comfy_table::Table {
    let rows: Vec<Vec<String>> = keys
        .keys
        .iter()
        .map(|k| {
            vec![
                k.kid.clone(),
                k.state.clone(),
                k.created_at.clone(),
                k.retired_at.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["KEY ID", "STATE", "CREATED", "RETIRED"], rows)
}

/// One row per key id; the active key always has one, so the table names it even before it
/// seals anything.
fn status_table(status: &KeyStatus) -> comfy_table::Table {
    let mut rows: Vec<Vec<String>> = status
        .keys
        .iter()
        .map(|k| vec![k.key_id.clone(), k.state.clone(), k.versions.to_string()])
        .collect();
    if !status.keys.iter().any(|k| k.key_id == status.active_key_id) {
        rows.insert(
            0,
            vec![
                status.active_key_id.clone(),
                "active".to_owned(),
                "0".to_owned(),
            ],
        );
    }
    output::table(&["KEY ID", "STATE", "SEALED VERSIONS"], rows)
}

/// What the operator should do next, if anything (on stderr, so the table stays parseable).
fn next_step(status: &KeyStatus) -> Option<&'static str> {
    if status.keys.iter().any(|k| k.state == "unknown") {
        Some(
            "Some versions are sealed under keys this server does not have: add their files to \
             LANYARD_RETIRED_MASTER_KEY_FILES and restart the server before rotating.",
        )
    } else if !status.check_value_is_active || status.keys.iter().any(|k| k.state != "active") {
        Some("A rotation is pending: run `lanyard keys rotate` (it resumes if interrupted).")
    } else {
        None
    }
}
