//! The command-line grammar: global options and every subcommand, with their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version, the commit it was built from and the day (from `build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("LANYARD_BUILD_INFO"),
    ")"
);

/// Lanyard: one home for every deployment credential.
#[derive(Parser)]
#[command(name = "lanyard", version = VERSION, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The heading the options every command takes are listed under, apart from its own.
const GLOBAL: &str = "Global options";

/// Options every command takes.
#[derive(Args, Clone)]
pub(crate) struct Global {
    /// Server URL (default: from the active profile)
    #[arg(long, global = true, env = "LANYARD_SERVER", help_heading = GLOBAL)]
    pub server: Option<String>,
    /// API token (default: from the active profile)
    #[arg(long, global = true, env = "LANYARD_TOKEN", hide_env_values = true, help_heading = GLOBAL)]
    pub token: Option<String>,
    /// Organization (default: from the active profile; for `server`, the first organization)
    #[arg(long, global = true, env = "LANYARD_ORG", help_heading = GLOBAL)]
    pub org: Option<String>,
    /// Output format [default: table; yaml for `get`]
    #[arg(short, long, global = true, env = "LANYARD_OUTPUT", value_enum, help_heading = GLOBAL)]
    pub output: Option<Output>,
    /// Profile to use (default: the current one, see `lanyard profile list`)
    #[arg(long, global = true, env = "LANYARD_PROFILE", help_heading = GLOBAL)]
    pub profile: Option<String>,
}

impl Global {
    /// The output format asked for, else a table.
    pub fn output(&self) -> Output {
        self.output.unwrap_or(Output::Table)
    }
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
    /// Organization secrets: write-only, versioned, encrypted values
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Organization variables: plain values connections can reference
    #[command(subcommand, visible_alias = "var")]
    Variable(VariableCommand),
    /// The provider catalog: what each provider's connections need
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Connect a provider: create a connection (asks for missing fields on a terminal)
    Connect(ConnectArgs),
    /// Connections: list, show, change, delete
    #[command(subcommand)]
    Connection(ConnectionCommand),
    /// Master keys: status, online rotation, generating a new key
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The audit trail: every change, resolve and credential release
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export objects as manifests (YAML; -o json for JSON), never with a secret value
    #[command(
        after_help = "Kinds: all, environment, variable, runner, connection, authorization, default, token (plurals
work too). The format is documented in docs/manifests.md; its JSON Schema is
docs/manifest.schema.json (also served at /api/v1/manifests/schema)."
    )]
    Get {
        /// `all` or a kind
        kind: String,
        /// Only the object with this name (for a default: the provider id)
        name: Option<String>,
    },
    /// Create, change and (with --prune) delete objects to match manifest files; prints what
    /// changed. Everything is checked before anything is applied
    Apply(ApplyArgs),
    /// Show what `apply` would change, changing nothing; exits 1 when something would change
    Diff(DiffArgs),
    /// Save a profile for a server: asks for an API token (hidden), or reads it from stdin
    Login(LoginArgs),
    /// Saved CLI profiles (server, organization, token)
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Run a command with connections injected, on a runner; exits with the command's code
    Run(RunArgs),
    /// Jobs: list, show, logs, cancel
    #[command(subcommand)]
    Job(JobCommand),
    /// Runners: register, start (the agent), list, delete, set the default
    #[command(subcommand)]
    Runner(RunnerCommand),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory
    Man {
        /// Write lanyard.1 and a page per subcommand (lanyard-env-create.1, …) here
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
#[command(
    after_help = "Exit status: the command's own; 125 if it could not be run (resolution \
    refused, runner failure), 127 if the command was not found, 130 if canceled."
)]
pub(crate) struct RunArgs {
    /// The environment to deploy to
    #[arg(long = "env", short = 'e')]
    pub environment: String,
    /// Inject this provider's connection (explicit, else environment default, else organization default); repeatable
    #[arg(long = "provider", short = 'p', value_name = "PROVIDER")]
    pub providers: Vec<String>,
    /// Inject this connection (it settles its provider); repeatable
    #[arg(long = "connection", short = 'c', value_name = "NAME")]
    pub connections: Vec<String>,
    /// Run on this runner [default: the organization's default runner, else the built-in one]
    #[arg(long)]
    pub runner: Option<String>,
    /// Clone this repository (HTTPS URL) with the job's GitHub or GitLab connection, and run in it
    #[arg(long)]
    pub git: Option<String>,
    /// Branch or tag to clone
    #[arg(long = "ref", requires = "git")]
    pub reference: Option<String>,
    /// Upload this directory and run in it (honors .gitignore and .lanyardignore; .git is left out)
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Bring this file or directory of the job's work tree back when it ends; repeatable.
    /// Artifacts are not masked: name only what holds no secret. Download with `lanyard job artifacts`
    #[arg(long = "artifact", value_name = "PATH")]
    pub artifacts: Vec<String>,
    /// Print the job id and return at once instead of streaming its output
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Stop the job after this long, e.g. 90s, 15m, 2h [default: the runner's]
    #[arg(long, value_name = "DURATION", value_parser = lanyard_domain::parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Subcommand)]
pub(crate) enum JobCommand {
    /// Recent jobs, newest first
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show a job
    Get { id: String },
    /// Print a job's output (redacted); --follow streams it until the job ends
    Logs {
        id: String,
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// Cancel a job
    Cancel { id: String },
    /// Download what a job kept with --artifact (never overwrites a file)
    Artifacts {
        id: String,
        /// Unpack into this directory
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum RunnerCommand {
    /// Register a runner; prints its credentials document (shown once) or writes it to a file
    Register {
        name: String,
        /// Write the credentials document here (mode 0600) instead of printing it
        #[arg(long, conflicts_with = "kubernetes")]
        credentials_file: Option<PathBuf>,
        /// Print a Kubernetes Secret holding the credentials, for the runner manifests in
        /// deploy/kubernetes (`… --kubernetes | kubectl apply -f -`)
        #[arg(long)]
        kubernetes: bool,
        /// With --kubernetes: the Secret's namespace
        #[arg(long, requires = "kubernetes")]
        namespace: Option<String>,
    },
    /// Start a runner: connects out to the server, takes jobs, reconnects with backoff
    Start {
        /// The credentials document from `lanyard runner register`
        #[arg(long, env = "LANYARD_RUNNER_CREDENTIALS_FILE")]
        credentials_file: PathBuf,
        /// Where per-job directories are created [default: the temp directory]
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// How many jobs run at once
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// `sandbox` (refuse jobs where none works) or `unsandboxed`; more job settings come
        /// from LANYARD_JOB_* (user, shared dirs, timeout, limits)
        #[arg(long, env = "LANYARD_JOB_ISOLATION", value_name = "MODE")]
        isolation: Option<String>,
        /// The user jobs run as when the runner is root: a name or UID[:GID] [default: nobody]
        #[arg(long, env = "LANYARD_JOB_USER", value_name = "USER")]
        job_user: Option<String>,
        /// Serve GET /healthz here (200 while the server answers or every slot is busy, else
        /// 503), e.g. 0.0.0.0:8081 for a Kubernetes liveness probe
        #[arg(long, env = "LANYARD_RUNNER_HEALTH_LISTEN", value_name = "ADDR")]
        health_listen: Option<std::net::SocketAddr>,
    },
    /// List runners
    List,
    /// Delete a runner; its token stops working. Says what depends on it (connections pinned
    /// to it, the default runner) and asks
    Delete {
        name: String,
        /// Confirm without asking (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Send jobs without --runner to this runner (--builtin: back to the server's built-in runner)
    SetDefault {
        #[arg(required_unless_present = "builtin")]
        name: Option<String>,
        #[arg(long, conflicts_with = "name")]
        builtin: bool,
    },
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
    /// The https URL clouds reach this server at: the issuer of jobs' OIDC identity tokens
    #[arg(long, env = "LANYARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A proxy whose X-Forwarded-For/Forwarded headers are believed (address or CIDR; repeat,
    /// or comma-separate in LANYARD_TRUSTED_PROXIES) [default: none]
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<String>,
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
    /// Set how long the current organization's jobs may run when they set no --timeout
    JobTimeout {
        /// e.g. 30m, 2h, 1d
        #[arg(value_parser = lanyard_domain::parse_duration, required_unless_present = "clear")]
        duration: Option<std::time::Duration>,
        /// Remove the default (runners' own defaults apply)
        #[arg(long, conflicts_with = "duration")]
        clear: bool,
    },
    /// Set how often the current organization's connections are checked again (default daily)
    CheckInterval {
        /// e.g. 6h, 1d
        #[arg(value_parser = lanyard_domain::parse_duration, required_unless_present = "default")]
        interval: Option<std::time::Duration>,
        /// Back to daily
        #[arg(long, conflicts_with = "interval")]
        default: bool,
    },
    /// Set how much a directory uploaded for a job (`lanyard run --dir`) may hold
    UploadLimits {
        /// Megabytes (MiB) of file content
        #[arg(long, required_unless_present_any = ["max_files", "default"])]
        max_mib: Option<u64>,
        /// Files, directories and symlinks
        #[arg(long)]
        max_files: Option<u64>,
        /// Restore the server's defaults
        #[arg(long, conflicts_with_all = ["max_mib", "max_files"])]
        default: bool,
    },
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
    /// Delete an environment; says what goes with it (defaults, authorizations) and asks
    Delete {
        name: String,
        /// Confirm without asking (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
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

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Which keys wrap how many sealed secret versions
    Status,
    /// Re-wrap every data key under the active master key (online; run again to resume)
    Rotate {
        /// Versions per request
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
    /// Print a new random master key (base64) for LANYARD_MASTER_KEY_FILE; needs no server
    Generate,
    /// The OIDC issuer's signing keys (which signs, which are still published)
    Signing,
    /// Replace the OIDC signing key now; the old one stays published until its tokens expire
    RotateSigning,
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// List events, newest first
    List {
        /// Only events since this time: RFC 3339, or an age such as 30m, 12h, 7d
        #[arg(long)]
        since: Option<String>,
        /// Only events about this connection
        #[arg(long)]
        connection: Option<String>,
        /// At most this many events
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Recompute the keyed chain; exits non-zero if an event was edited or deleted
    Verify {
        /// Also check against a checkpoint from `lanyard audit checkpoint`: finds newest events
        /// deleted with the head re-pointed
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Verify only the events after the checkpoint (verified when it was taken): fast on a
        /// long trail
        #[arg(long, requires = "checkpoint")]
        since_checkpoint: bool,
    },
    /// Print (or write) a MAC-signed checkpoint of the chain's head, to keep outside Lanyard's
    /// database (a file, an object-locked bucket) for later `audit verify --checkpoint`
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also write it to S3 under object lock (compliance mode), e.g. s3://audit-bucket/lanyard,
        /// with this process's AWS identity (AWS_* variables, a profile, a role;
        /// AWS_ENDPOINT_URL for an S3-compatible store); the bucket needs object lock
        #[arg(long, value_name = "S3_URL")]
        s3: Option<String>,
        /// How long S3 must keep it, in days
        #[arg(long, value_name = "DAYS", default_value_t = 365, requires = "s3")]
        retain_days: u32,
    },
    /// Write the trail as JSON lines, oldest first, each event with its chain hash (admins)
    Export {
        /// Only events after this sequence number, e.g. the last one of a previous export
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Write to this file instead of standard output (appended to, for resuming)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Remove the oldest events, after exporting them; the rest still verifies (admins)
    Prune {
        /// The last event to remove: the last one `lanyard audit export` wrote
        #[arg(long, value_name = "SEQ")]
        through: i64,
        /// Confirm without asking (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
}

/// Which manifest files.
#[derive(Args)]
pub(crate) struct ManifestFiles {
    /// A file, a directory (its *.yaml, *.yml and *.json files) or - for stdin; repeatable
    #[arg(short, long = "file", required = true, value_name = "PATH")]
    pub files: Vec<String>,
    /// Also delete objects the files do not name (environments, variables, runners,
    /// connections, authorizations, defaults; never tokens or secrets)
    #[arg(long)]
    pub prune: bool,
}

#[derive(Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    pub files: ManifestFiles,
}

#[derive(Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub files: ManifestFiles,
    /// Confirm --prune's deletions without asking (required when not on a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Do not check each created or changed connection against its provider
    #[arg(long)]
    pub no_verify: bool,
    /// Register runners the files name that do not exist yet, writing each one's credentials
    /// to DIR/NAME.json (mode 0600)
    #[arg(long, value_name = "DIR")]
    pub runner_credentials_dir: Option<PathBuf>,
}

#[derive(Copy, Clone, ValueEnum)]
pub(crate) enum RoleArg {
    Admin,
    Deployer,
    Viewer,
}

#[derive(Subcommand)]
pub(crate) enum SecretCommand {
    /// Set a secret (a new version); the value comes from VALUE, --from-file, --stdin, or a prompt
    Set {
        name: String,
        /// The value (prefer --stdin or the prompt: arguments end up in shell history)
        value: Option<String>,
        /// Read the value from a file
        #[arg(long, conflicts_with_all = ["value", "stdin"])]
        from_file: Option<PathBuf>,
        /// Read the value from standard input
        #[arg(long, conflicts_with = "value")]
        stdin: bool,
    },
    /// List secrets (names, versions and users; never values)
    List,
    /// Show a secret's version history
    Versions { name: String },
    /// Delete a secret (refused while a connection uses it)
    Delete { name: String },
}

#[derive(Subcommand)]
pub(crate) enum VariableCommand {
    /// Create or overwrite a variable
    Set { name: String, value: String },
    /// List variables
    List,
    /// Delete a variable (refused while a connection uses it)
    Delete { name: String },
}

#[derive(Subcommand)]
pub(crate) enum ProviderCommand {
    /// List providers by category
    List,
    /// Show a provider's kinds, auth modes and fields
    Show { id: String },
}

#[derive(Args)]
pub(crate) struct ConnectArgs {
    /// Provider id, e.g. aws, gcp, container-registry (see `lanyard provider list`)
    pub provider: String,
    /// Connection name [default: the provider id]
    #[arg(long)]
    pub name: Option<String>,
    /// Auth mode: inline, runner or cross-account-trust [default: inline]
    #[arg(long)]
    pub auth_mode: Option<String>,
    /// Provider kind, e.g. ecr for container-registry
    #[arg(long)]
    pub kind: Option<String>,
    /// A field: NAME=VALUE, NAME=@FILE, NAME=secret:SLUG or NAME=var:SLUG (repeatable)
    #[arg(long = "field", short = 'f', value_name = "NAME=VALUE")]
    pub fields: Vec<String>,
    /// Do not check the credentials against the provider after saving (same as --verify off)
    #[arg(long, conflicts_with = "verify")]
    pub no_verify: bool,
    /// After saving, check against the provider: `warn` says a failing check and keeps the
    /// connection, `required` keeps nothing unless the check passes, `off` skips it
    #[arg(long, value_enum, default_value_t = Verify::Warn)]
    pub verify: Verify,
    /// Cross-account trust: what the role may do (comma-separated: eks, ecs, vpc-networking,
    /// s3-storage, rds-database, lambda-compute, route53-dns, cloudwatch-monitoring,
    /// ecr-registry, kms-encryption) [default: all]
    #[arg(long, value_delimiter = ',')]
    pub capabilities: Vec<String>,
    /// Cross-account trust: where to write the CloudFormation template [default:
    /// ./lanyard-NAME-role.json]
    #[arg(long)]
    pub template_file: Option<std::path::PathBuf>,
    /// Cross-account trust: the S3 URL you will publish the template at, for the console's
    /// Quick Create link
    #[arg(long)]
    pub template_url: Option<String>,
    /// Cross-account trust: another principal the role trusts (an external runner's role
    /// ARN); repeatable
    #[arg(long = "trust-principal", value_name = "ARN")]
    pub trust_principals: Vec<String>,
}

/// What `connect` does with the provider's verdict.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub(crate) enum Verify {
    Warn,
    Required,
    Off,
}

#[derive(Subcommand)]
pub(crate) enum ConnectionCommand {
    /// List connections
    List {
        /// Only connections whose last check failed
        #[arg(long)]
        failing: bool,
        /// Only this provider's connections
        #[arg(long)]
        provider: Option<String>,
    },
    /// Show a connection (secrets only as references)
    Get { name: String },
    /// Change a connection's fields, kind or auth mode
    Update {
        name: String,
        /// A field: NAME=VALUE, NAME=@FILE, NAME=secret:SLUG or NAME=var:SLUG (repeatable)
        #[arg(long = "field", short = 'f', value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// Remove a field (repeatable)
        #[arg(long = "remove-field", value_name = "NAME")]
        remove: Vec<String>,
        #[arg(long)]
        auth_mode: Option<String>,
        #[arg(long)]
        kind: Option<String>,
    },
    /// Verify a connection against its provider (AWS: STS GetCallerIdentity with what it would
    /// inject); stores the verdict and time; exits 1 when it fails
    Test { name: String },
    /// How to make the cloud trust an oidc connection's job tokens: an AWS CloudFormation
    /// template (to a file), or the gcloud / az commands
    Trust {
        name: String,
        /// AWS: what the role may do (repeatable: eks, ecs, vpc-networking, ...); default all
        #[arg(long = "capability")]
        capabilities: Vec<String>,
        /// AWS: write the template here instead of standard output
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Delete a connection; says what goes with it (defaults, authorizations, usage) and asks
    Delete {
        name: String,
        /// Confirm without asking (required when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Where a connection may be used: organization-wide or listed environments
    #[command(subcommand, visible_alias = "auth")]
    Authorization(AuthorizationCommand),
    /// Default connections per provider, and resolution
    #[command(subcommand)]
    Default(DefaultCommand),
    /// Connections x environments: not authorized / authorized / default / misconfigured
    Matrix {
        #[arg(long)]
        provider: Option<String>,
    },
    /// Where this connection's credentials were used: jobs, environments, secret versions
    Usage {
        name: String,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[derive(Args)]
pub(crate) struct ProviderConnection {
    /// Provider id, e.g. aws
    #[arg(long)]
    pub provider: String,
    /// Connection name
    #[arg(long)]
    pub connection: String,
}

#[derive(Args)]
pub(crate) struct ScopeArgs {
    /// organization (every environment, including future ones) or environment
    #[arg(long, value_parser = ["organization", "environment"])]
    pub scope: String,
    /// With --scope environment: the environments, comma-separated (none when empty)
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub environments: Vec<String>,
}

#[derive(Subcommand)]
pub(crate) enum AuthorizationCommand {
    /// Authorize a connection
    Create {
        #[command(flatten)]
        target: ProviderConnection,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// List authorizations
    List {
        #[arg(long)]
        provider: Option<String>,
    },
    /// Show a connection's authorization
    Get {
        #[command(flatten)]
        target: ProviderConnection,
    },
    /// Change a connection's authorization: add or remove environments, or replace it with
    /// --scope
    Update {
        #[command(flatten)]
        target: ProviderConnection,
        /// Replace the authorization: organization or environment (with --environments)
        #[arg(long, value_parser = ["organization", "environment"],
              required_unless_present_any = ["add_environments", "remove_environments"])]
        scope: Option<String>,
        /// With --scope environment: the whole list, comma-separated
        #[arg(long, value_delimiter = ',', num_args = 0.., requires = "scope")]
        environments: Vec<String>,
        /// Also authorize these environments, keeping the others (comma-separated)
        #[arg(long, value_delimiter = ',', conflicts_with = "scope")]
        add_environments: Vec<String>,
        /// No longer authorize these environments (comma-separated)
        #[arg(long, value_delimiter = ',', conflicts_with = "scope")]
        remove_environments: Vec<String>,
    },
    /// Remove a connection's authorization
    Delete {
        #[command(flatten)]
        target: ProviderConnection,
    },
}

#[derive(Subcommand)]
pub(crate) enum DefaultCommand {
    /// Set the default connection for a provider (organization-wide, or for --env)
    Set {
        #[command(flatten)]
        target: ProviderConnection,
        /// Only for this environment
        #[arg(long)]
        env: Option<String>,
    },
    /// List defaults
    List {
        #[arg(long)]
        provider: Option<String>,
    },
    /// Show the default for a provider (organization-wide, or for --env)
    Get {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        env: Option<String>,
    },
    /// Remove a default
    Unset {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        env: Option<String>,
    },
    /// Show which connection a deployment of PROVIDER in ENV gets, and why; exits non-zero when
    /// none resolves or it is not authorized
    Resolve {
        #[arg(long)]
        provider: String,
        #[arg(long)]
        env: String,
        /// An explicit connection, which wins over the defaults
        #[arg(long)]
        connection: Option<String>,
    },
}

#[derive(Args)]
#[command(
    after_help = "The profile is named after the organization unless --profile says; --token skips the prompt."
)]
pub(crate) struct LoginArgs {
    /// Save the profile without making it the current one
    #[arg(long)]
    pub no_use: bool,
}

#[derive(Subcommand)]
pub(crate) enum ProfileCommand {
    /// List saved profiles
    List,
    /// Make a profile the current one
    Use { name: String },
    /// Save a profile for --server without making it current: like `login --no-use`
    Add { name: String },
    /// Show where a profile points (default: the current one); never its token
    Show { name: Option<String> },
    /// Forget a saved profile (the token itself stays valid: `lanyard token revoke` ends it)
    Remove { name: String },
}

#[cfg(test)]
mod tests {
    #[test]
    fn grammar_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
