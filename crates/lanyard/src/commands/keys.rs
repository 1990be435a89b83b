//! `lanyard keys status|rotate|generate`.

use std::io::IsTerminal;

use lanyard_crypto::{ExposeSecret, MasterKey};

use crate::cli::KeysCommand;
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
        KeysCommand::Status => {
            let status = ctx.client.key_status().await?;
            output::print(ctx.output, &status, |s| {
                output::table(
                    &["KEY ID", "STATE", "SEALED VERSIONS"],
                    s.keys
                        .iter()
                        .map(|k| vec![k.key_id.clone(), k.state.clone(), k.versions.to_string()]),
                )
            })
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
