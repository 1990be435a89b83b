//! The command-line grammar: global options and every subcommand, with their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lanyard: one home for every deployment credential.
#[derive(Parser)]
#[command(name = "lanyard", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Clone)]
pub(crate) struct Global {
    /// Server URL (default: from the active profile)
    #[arg(long, global = true, env = "LANYARD_SERVER")]
    pub server: Option<String>,
    /// API token (default: from the active profile)
    #[arg(long, global = true, env = "LANYARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Organization (default: from the active profile; for `server`, the first organization)
    #[arg(long, global = true, env = "LANYARD_ORG")]
    pub org: Option<String>,
    /// Output format
    #[arg(short, long, global = true, env = "LANYARD_OUTPUT", value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Profile to use (default: the current one, see `lanyard profile list`)
    #[arg(long, global = true, env = "LANYARD_PROFILE")]
    pub profile: Option<String>,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    Table,
    Json,
    Yaml,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the Lanyard server (embedded SQLite in the data dir unless --database is given)
    Server(ServerArgs),
    /// Organizations
    #[command(subcommand)]
    Org(OrgCommand),
    /// Environments (dev, staging, production, ...)
    #[command(subcommand, visible_alias = "environment")]
    Env(EnvCommand),
    /// API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Show the token in use: organization, role and limits
    Whoami,
    /// Saved CLI profiles (server, organization, token)
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Args)]
pub(crate) struct ServerArgs {
    /// Address to listen on [default: 127.0.0.1:8420]
    #[arg(long, env = "LANYARD_LISTEN")]
    pub listen: Option<String>,
    /// Database URL: postgres://USER@HOST/DB or sqlite:///PATH [default: SQLite in the data dir]
    #[arg(long, env = "LANYARD_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Data directory for the embedded database and generated key [default: ~/.local/share/lanyard]
    #[arg(long, env = "LANYARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A TOML config file (listen, database_url, data_dir, org, master_key_file)
    #[arg(long, env = "LANYARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// On a first start, do not save a CLI profile for the new admin token
    #[arg(long)]
    pub no_profile: bool,
}

#[derive(Subcommand)]
pub(crate) enum OrgCommand {
    /// Create an organization; prints its first admin token once
    Create {
        /// Name: lowercase letters, digits and hyphens
        name: String,
        /// Save a CLI profile with this name for the new organization's admin token
        #[arg(long)]
        save_profile: Option<String>,
    },
    /// List the organizations this token can see
    List,
    /// Show an organization (default: the current one)
    Get { name: Option<String> },
    /// Delete an organization and everything in it
    Delete {
        name: String,
        /// Confirm the deletion
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum EnvCommand {
    /// Create an environment
    Create {
        /// Name: lowercase letters, digits and hyphens, e.g. dev
        name: String,
    },
    /// List environments
    List,
    /// Show one environment
    Get { name: String },
    /// Delete an environment
    Delete { name: String },
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a token; it is printed once
    Create {
        /// What the token may do
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Limit a deployer token to an environment (repeatable)
        #[arg(long = "env", value_name = "ENV")]
        environments: Vec<String>,
        /// A note saying what the token is for
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List live tokens (metadata only)
    List,
    /// Revoke a token by id
    Revoke { id: String },
}

#[derive(Copy, Clone, ValueEnum)]
pub(crate) enum RoleArg {
    Admin,
    Deployer,
    Viewer,
}

#[derive(Subcommand)]
pub(crate) enum ProfileCommand {
    /// List saved profiles
    List,
    /// Make a profile the current one
    Use { name: String },
}

#[cfg(test)]
mod tests {
    #[test]
    fn grammar_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
