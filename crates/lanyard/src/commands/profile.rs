//! `lanyard profile`: the saved connections in the CLI's profile file.

use anyhow::anyhow;

use crate::cli::{Global, ProfileCommand};
use crate::output;
use crate::profile::{self, Profiles};

pub(crate) fn run(global: &Global, command: ProfileCommand) -> anyhow::Result<()> {
    let path = profile::path()?;
    let mut profiles = Profiles::load(&path)?;
    match command {
        ProfileCommand::List => {
            // Tokens are never listed, only where each profile points.
            let rows: Vec<serde_json::Value> = profiles
                .profiles
                .iter()
                .map(|(name, p)| {
                    serde_json::json!({
                        "name": name,
                        "server": p.server,
                        "org": p.org,
                        "current": profiles.current.as_deref() == Some(name.as_str()),
                    })
                })
                .collect();
            output::print(global.output, &rows, |rows| {
                output::table(
                    &["", "NAME", "SERVER", "ORGANIZATION"],
                    rows.iter().map(|r| {
                        vec![
                            if r["current"] == true { "*" } else { "" }.to_owned(),
                            r["name"].as_str().unwrap_or_default().to_owned(),
                            r["server"].as_str().unwrap_or_default().to_owned(),
                            r["org"].as_str().unwrap_or_default().to_owned(),
                        ]
                    }),
                )
            })
        }
        ProfileCommand::Use { name } => {
            if !profiles.profiles.contains_key(&name) {
                let known: Vec<&str> = profiles.profiles.keys().map(String::as_str).collect();
                return Err(anyhow!(
                    "no profile named `{name}`; saved profiles: [{}]",
                    known.join(", ")
                ));
            }
            profiles.current = Some(name.clone());
            profiles.save(&path)?;
            output::confirm(
                global.output,
                &serde_json::json!({ "current": name }),
                &format!("Now using profile {name}"),
            )
        }
    }
}
