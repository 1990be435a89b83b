//! `lanyard server`: layer the configuration, start, announce a first start, serve until SIGTERM.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use lanyard_server::{FirstStart, RawServerConfig, KNOWN_ENV_VARS};
use secrecy::SecretString;

use crate::cli::{Global, ServerArgs};
use crate::profile::{self, Profile, Profiles, StoredToken};

pub(crate) async fn run(global: &Global, args: ServerArgs) -> anyhow::Result<()> {
    // Everything the server creates (the database, its WAL and shared-memory files, the key,
    // job directories) is its own alone, whatever umask it was started with.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let registry = lanyard_redact::SecretRegistry::new();
    init_logging(registry.clone());
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
        public_url: args.public_url,
        trusted_proxies: (!args.trusted_proxies.is_empty()).then_some(args.trusted_proxies),
        org: global.org.clone(),
        ..RawServerConfig::default()
    };
    let mut config = file.merge(env).merge(flags).validate()?;
    // Jobs never see the server's config file, its user's home or CLI profiles, even where one
    // lies inside a directory jobs do see (e.g. /etc or /opt).
    config.jobs.sandbox.landlock_helper = std::env::current_exe()
        .ok()
        .map(|exe| lanyard_runner::sandbox::landlock::helper_beside(&exe));
    let hidden = &mut config.jobs.sandbox.hidden;
    hidden.extend(
        args.config
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or(p.clone())),
    );
    hidden.extend(std::env::var_os("HOME").map(std::path::PathBuf::from));
    hidden.extend(
        profile::path()
            .ok()
            .and_then(|p| p.parent().map(|d| d.to_path_buf())),
    );
    // Handlers first: a supervisor may send SIGTERM as soon as it sees the listening line, and a
    // signal that arrives before a handler exists would kill the process without a clean stop.
    let shutdown = shutdown_signal()?;
    let prepared = lanyard_server::prepare_with(config, registry).await?;
    if let Some(first) = &prepared.first_start {
        announce_first_start(first, prepared.local_addr, args.no_profile)?;
    }
    eprintln!(
        "Lanyard is listening on http://{} ({})",
        prepared.local_addr, prepared.database
    );
    eprintln!(
        "Console: http://{}/ (log in with an API token)",
        reachable(prepared.local_addr)
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
    let name = profiles.free_name(first.org.as_str());
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
    if name == first.org.as_str() {
        println!(
            "Saved CLI profile `{name}` in {}; try `lanyard env create dev`.",
            path.display()
        );
    } else {
        // Another server's profile already had that name: it is kept, not overwritten.
        println!(
            "A profile `{}` already exists (another server), so this one is saved as `{name}` in              {} and made current; `lanyard profile use {}` switches back.",
            first.org,
            path.display(),
            first.org
        );
    }
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

/// Logs go to stderr through the redactor of every secret value the server has handled.
fn init_logging(registry: lanyard_redact::SecretRegistry) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LANYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(RedactedStderr(registry))
        .try_init();
}

/// A log writer that masks secret values before they reach stderr.
struct RedactedStderr(lanyard_redact::SecretRegistry);

/// One log event: buffered, redacted and written whole when dropped.
struct RedactedLine {
    registry: lanyard_redact::SecretRegistry,
    buffer: Vec<u8>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactedStderr {
    type Writer = RedactedLine;

    fn make_writer(&'a self) -> RedactedLine {
        RedactedLine {
            registry: self.0.clone(),
            buffer: Vec::with_capacity(256),
        }
    }
}

impl std::io::Write for RedactedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        let redactor = self.registry.redactor();
        let clean = redactor.redact(&self.buffer);
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), &clean);
    }
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
