//! `lanyard runner`: registering and managing runners, and `runner start`, the agent.

use lanyard_runner::settings::RawJobSettings;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use lanyard_api::RunnerCredentials;

use crate::cli::RunnerCommand;
use crate::context::Context;
use crate::output;

/// Registers runner `name` and returns its credentials document (JSON), pointing at the URL
/// this CLI reached the server at: the one the runner should use.
async fn credentials_document(ctx: &Context, name: &str) -> anyhow::Result<String> {
    let mut credentials = ctx.client.register_runner(&ctx.org, name).await?;
    credentials.server_url = ctx.client.server().trim_end_matches('/').to_owned();
    Ok(serde_json::to_string_pretty(&credentials)? + "\n")
}

/// The name and key the runner manifests in deploy/kubernetes mount the credentials from.
const KUBERNETES_SECRET: &str = "lanyard-runner-credentials";

/// A Kubernetes Secret holding a credentials document under `runner.json`.
fn kubernetes_secret(document: &str, namespace: Option<&str>) -> anyhow::Result<String> {
    let mut metadata = serde_json::json!({
        "name": KUBERNETES_SECRET,
        "labels": { "app.kubernetes.io/name": "lanyard-runner", "app.kubernetes.io/part-of": "lanyard" },
    });
    if let Some(namespace) = namespace {
        metadata["namespace"] = namespace.into();
    }
    let secret = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "stringData": { "runner.json": document },
    });
    Ok(serde_norway::to_string(&secret)?)
}

/// Registers runner `name`, writing its credentials to a new file `path` (mode 0600).
pub(crate) async fn register_to_file(ctx: &Context, name: &str, path: &Path) -> anyhow::Result<()> {
    // Checked first, so that a taken path registers nothing.
    if path.exists() {
        bail!(
            "{} already exists; the credentials of runner `{name}` would overwrite it",
            path.display()
        );
    }
    let document = credentials_document(ctx, name).await?;
    write_private(path, document.as_bytes())
}

pub(crate) async fn run(ctx: &Context, command: RunnerCommand) -> anyhow::Result<()> {
    match command {
        RunnerCommand::Register {
            name,
            kubernetes: true,
            namespace,
            ..
        } => {
            let why = "--kubernetes prints a Secret manifest (YAML)";
            output::only(ctx.requested_output, &[crate::cli::Output::Yaml], why)?;
            let document = credentials_document(ctx, &name).await?;
            std::io::stdout()
                .write_all(kubernetes_secret(&document, namespace.as_deref())?.as_bytes())?;
            eprintln!(
                "Registered runner {name}. The Secret above holds its credentials (shown once): \
                 apply it where deploy/kubernetes/runner runs, e.g. `| kubectl apply -f -`"
            );
            Ok(())
        }
        RunnerCommand::Register {
            name,
            credentials_file,
            ..
        } => {
            let why = "the credentials document is JSON";
            output::only(ctx.requested_output, &[crate::cli::Output::Json], why)?;
            match credentials_file {
                Some(path) => {
                    register_to_file(ctx, &name, &path).await?;
                    eprintln!(
                        "Registered runner {name}; its credentials are in {} (mode 0600). Start it \
                         with `lanyard runner start --credentials-file {}`",
                        path.display(),
                        path.display()
                    );
                }
                None => {
                    let document = credentials_document(ctx, &name).await?;
                    eprintln!(
                        "Registered runner {name}. Its credentials document is shown once: save it \
                         (e.g. as runner.json, mode 0600) and start the runner with \
                         `lanyard runner start --credentials-file runner.json`"
                    );
                    std::io::stdout().write_all(document.as_bytes())?;
                }
            }
            Ok(())
        }
        RunnerCommand::List => {
            let runners = ctx.client.list_runners(&ctx.org).await?;
            output::print(ctx.output, &runners, |runners| {
                output::table(
                    &[
                        "NAME",
                        "DEFAULT",
                        "ONLINE",
                        "LAST SEEN",
                        "IDENTITIES",
                        "CREATED",
                    ],
                    runners.iter().map(|r| {
                        // What its own identity checks found, e.g. `azure:ok kubernetes:failed`
                        // (`-o json` has the messages).
                        let identities = r
                            .identity_checks
                            .iter()
                            .map(|c| format!("{}:{}", c.provider, c.verdict))
                            .collect::<Vec<_>>()
                            .join(" ");
                        vec![
                            r.name.clone(),
                            if r.is_default { "yes" } else { "" }.to_owned(),
                            if r.online { "yes" } else { "no" }.to_owned(),
                            r.last_seen_at.clone().unwrap_or_else(|| "never".to_owned()),
                            identities,
                            r.created_at.clone(),
                        ]
                    }),
                )
            })
        }
        RunnerCommand::Delete { name, yes } => {
            let goes = super::impact::of_runner(ctx, &name).await?;
            super::impact::confirm(&format!("runner `{name}`"), &goes, yes)?;
            ctx.client.delete_runner(&ctx.org, &name).await?;
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": name }),
                &format!("Deleted runner {name}; its token no longer works"),
            )
        }
        RunnerCommand::SetDefault { name, builtin } => {
            let name = if builtin { None } else { name };
            ctx.client
                .set_default_runner(&ctx.org, name.as_deref())
                .await?;
            let line = match &name {
                Some(n) => format!("Jobs without --runner now go to runner {n}"),
                None => "Jobs without --runner now run on the server's built-in runner".to_owned(),
            };
            output::confirm(
                ctx.output,
                &serde_json::json!({ "default_runner": name }),
                &line,
            )
        }
        RunnerCommand::Start { .. } => unreachable!("dispatched before a context is built"),
    }
}

/// `lanyard runner start`.
pub(crate) async fn start(
    credentials_file: &Path,
    work_dir: Option<PathBuf>,
    concurrency: usize,
    flags: RawJobSettings,
    health_listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    let credentials = read_credentials(credentials_file)?;
    // Nothing of the runner's own is visible to its jobs: its credentials, its home, its CLI
    // profiles (the sandbox shows no home at all; these also cover a home under /opt or /etc).
    let mut hidden = vec![absolute(credentials_file)];
    hidden.extend(std::env::var_os("HOME").map(PathBuf::from));
    hidden.extend(
        crate::profile::path()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf)),
    );
    let mut settings = RawJobSettings::from_env(|name| std::env::var(name).ok())
        .map_err(|e| anyhow::anyhow!(e))?
        .merge(flags)
        .validate(hidden)
        .map_err(|e| anyhow::anyhow!(e))?;
    settings.sandbox.landlock_helper = std::env::current_exe()
        .ok()
        .map(|exe| lanyard_runner::sandbox::landlock::helper_beside(&exe));
    crate::agent::run(
        credentials,
        work_dir,
        concurrency.max(1),
        settings,
        health_listen,
    )
    .await
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn read_credentials(path: &Path) -> anyhow::Result<RunnerCredentials> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the runner credentials file {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "{} is readable by other users; it holds the runner's token. Run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the runner credentials file {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a runner credentials document (from `lanyard runner register`)",
            path.display()
        )
    })
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}
