//! `lanyard server`: layer the configuration, start, announce a first start, serve until SIGTERM.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use lanyard_server::{FirstStart, RawServerConfig, KNOWN_ENV_VARS};
use secrecy::SecretString;

use crate::cli::{Global, ServerArgs};
use crate::profile::{self, Profile, Profiles, StoredToken};

pub(crate) async fn run(global: &Global, args: ServerArgs) -> anyhow::Result<()> {
    init_logging();
    warn_unknown_env_vars();
    let file = match &args.config {
        Some(path) => RawServerConfig::from_file(path)?,
        None => RawServerConfig::default(),
    };
    let env = RawServerConfig::from_env(|name| std::env::var(name).ok())?;
    let flags = RawServerConfig {
        listen: args.listen,
        database_url: args.database,
        data_dir: args.data_dir,
        org: global.org.clone(),
        ..RawServerConfig::default()
    };
    let config = file.merge(env).merge(flags).validate()?;
    // Handlers first: a supervisor may send SIGTERM as soon as it sees the listening line, and a
    // signal that arrives before a handler exists would kill the process without a clean stop.
    let shutdown = shutdown_signal()?;
    let prepared = lanyard_server::prepare(config).await?;
    if let Some(first) = &prepared.first_start {
        announce_first_start(first, prepared.local_addr, args.no_profile)?;
    }
    eprintln!(
        "Lanyard is listening on http://{} ({})",
        prepared.local_addr, prepared.database
    );
    prepared.serve(shutdown).await?;
    eprintln!("Lanyard stopped.");
    Ok(())
}

/// Prints the admin token once and saves the CLI profile so the next command just works.
fn announce_first_start(
    first: &FirstStart,
    addr: SocketAddr,
    no_profile: bool,
) -> anyhow::Result<()> {
    let token = first.admin_token.expose_secret();
    println!(
        "Created organization `{}` and its admin token (shown once, store it safely):",
        first.org
    );
    println!();
    println!("    {token}");
    println!();
    if no_profile {
        println!("No CLI profile saved (--no-profile); pass --token or set LANYARD_TOKEN.");
        return Ok(());
    }
    let path = profile::path()?;
    let mut profiles = Profiles::load(&path)?;
    let name = first.org.to_string();
    profiles.upsert_current(
        &name,
        Profile {
            server: format!("http://{}", reachable(addr)),
            org: first.org.to_string(),
            token: StoredToken(SecretString::from(token.to_owned())),
        },
    );
    profiles
        .save(&path)
        .context("cannot save the CLI profile (use --no-profile to skip)")?;
    println!(
        "Saved CLI profile `{name}` in {}; try `lanyard env create dev`.",
        path.display()
    );
    Ok(())
}

/// A wildcard listen address is reached through loopback from this machine.
fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LANYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A typo in a variable name should not silently mean "use the default".
fn warn_unknown_env_vars() {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("LANYARD_")
            && !KNOWN_ENV_VARS.contains(&name)
            && !name.starts_with("LANYARD_TEST_")
        {
            tracing::warn!(variable = name, "unknown LANYARD_ variable ignored");
        }
    }
}

/// Registers the SIGTERM and SIGINT handlers now and returns the future that completes on
/// either.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down: finishing in-flight requests");
    })
}
