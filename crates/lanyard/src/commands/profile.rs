//! `lanyard login` and `lanyard profile`: the saved servers, organizations and tokens.

use std::io::{IsTerminal, Read};

use anyhow::{anyhow, bail, Context as _};
use lanyard_client::Client;
use secrecy::{ExposeSecret, SecretString};

use crate::cli::{Global, LoginArgs, ProfileCommand};
use crate::output;
use crate::profile::{self, Profile, Profiles, StoredToken};

pub(crate) async fn run(global: &Global, command: ProfileCommand) -> anyhow::Result<()> {
    let path = profile::path()?;
    let mut profiles = Profiles::load(&path)?;
    match command {
        ProfileCommand::Add { name } => {
            let global = Global {
                profile: Some(name),
                ..global.clone()
            };
            login(&global, LoginArgs { no_use: true }).await
        }
        ProfileCommand::List => list(global, &profiles),
        ProfileCommand::Use { name } => {
            profiles.require(&name)?;
            profiles.current = Some(name.clone());
            profiles.save(&path)?;
            output::confirm(
                global.output(),
                &serde_json::json!({ "current": name }),
                &format!("Now using profile {name}"),
            )
        }
        ProfileCommand::Show { name } => {
            let name = match name.or_else(|| global.profile.clone()) {
                Some(name) => name,
                None => profiles.current.clone().ok_or_else(|| {
                    anyhow!("no current profile; `lanyard login --server URL` saves one")
                })?,
            };
            let row = describe(&profiles, &name)?;
            output::print(global.output(), &row, |row| {
                output::table(
                    &["", ""],
                    ["name", "server", "org", "token", "current"].map(|key| {
                        let value = &row[key];
                        vec![
                            key.to_owned(),
                            value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned),
                        ]
                    }),
                )
            })
        }
        ProfileCommand::Remove { name } => {
            profiles.require(&name)?;
            profiles.profiles.remove(&name);
            if profiles.current.as_deref() == Some(name.as_str()) {
                profiles.current = None;
            }
            profiles.save(&path)?;
            let hint = if profiles.current.is_none() && !profiles.profiles.is_empty() {
                "; no profile is current now: `lanyard profile use NAME`"
            } else {
                ""
            };
            output::confirm(
                global.output(),
                &serde_json::json!({ "removed": name }),
                &format!("Removed profile {name}{hint}"),
            )
        }
    }
}

fn list(global: &Global, profiles: &Profiles) -> anyhow::Result<()> {
    // Tokens are never listed, only where each profile points.
    let rows = profiles
        .profiles
        .keys()
        .map(|name| describe(profiles, name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    output::print(global.output(), &rows, |rows| {
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

/// A profile as shown: where it points, never its token.
fn describe(profiles: &Profiles, name: &str) -> anyhow::Result<serde_json::Value> {
    let p = profiles.require(name)?;
    Ok(serde_json::json!({
        "name": name,
        "server": p.server,
        "org": p.org,
        "token": "saved (hidden)",
        "current": profiles.current.as_deref() == Some(name),
    }))
}

/// `lanyard login --server URL`: asks for a token (hidden) or reads it from stdin, checks it
/// against the server, and saves it as a profile, made current unless `--no-use`.
pub(crate) async fn login(global: &Global, args: LoginArgs) -> anyhow::Result<()> {
    let server = global
        .server
        .as_deref()
        .ok_or_else(|| anyhow!("which server? `lanyard login --server URL`"))?
        .trim_end_matches('/')
        .to_owned();
    let token = match &global.token {
        Some(token) => SecretString::from(token.clone()),
        None => read_token(&server)?,
    };
    let client =
        Client::new(&server, Some(token.clone())).context("cannot create the API client")?;
    let me = client
        .whoami()
        .await
        .with_context(|| format!("the token was not accepted by {server}; nothing was saved"))?;
    let org = global
        .org
        .clone()
        .unwrap_or_else(|| me.organization.clone());
    let name = global.profile.clone().unwrap_or_else(|| org.clone());
    let path = profile::path()?;
    let mut profiles = Profiles::load(&path)?;
    let replaced = profiles.profiles.contains_key(&name);
    let saved = Profile {
        server: server.clone(),
        org: org.clone(),
        token: StoredToken(SecretString::from(token.expose_secret().to_owned())),
    };
    if args.no_use {
        profiles.profiles.insert(name.clone(), saved);
    } else {
        profiles.upsert_current(&name, saved);
    }
    profiles.save(&path)?;
    let role = serde_json::to_value(me.role)?;
    let role = role.as_str().unwrap_or_default();
    output::confirm(
        global.output(),
        &serde_json::json!({ "profile": name, "server": server, "org": org, "role": role,
            "current": !args.no_use }),
        &format!(
            "Logged in to {server} as {role} of `{org}`; {} profile `{name}`{}",
            if replaced { "replaced" } else { "saved" },
            if args.no_use {
                format!(" (use it with `lanyard profile use {name}` or --profile {name})")
            } else {
                " and made it current".to_owned()
            }
        ),
    )
}

/// The token from a hidden prompt on a terminal, else the whole of stdin.
fn read_token(server: &str) -> anyhow::Result<SecretString> {
    let value = if std::io::stdin().is_terminal() {
        eprintln!("An API token for {server} (`lanyard token create` prints one).");
        dialoguer::Password::new()
            .with_prompt("Token (hidden)")
            .interact()
            .context("cannot read the token from the terminal")?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the token from stdin")?;
        text
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        bail!("no token given: type it at the prompt, or pipe it on stdin (`lanyard login --server URL < token.txt`)");
    }
    Ok(SecretString::from(value))
}
