//! One module per command group; each turns parsed arguments into client calls and output.

mod access;
mod audit;
mod bundle;
mod connection;
mod cross_account;
mod docs;
mod env;
mod federation;
pub(crate) mod impact;
mod job;
mod keys;
mod manifest;
mod org;
mod profile;
mod run;
pub(crate) mod runner;
mod secret;
mod server;
mod token;

use crate::cli::{Cli, Command};
use crate::context::Context;
use lanyard_runner::settings::RawJobSettings;

/// Runs the parsed command.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            crate::output::only(cli.global.output, &[], "the server logs to stderr")?;
            server::run(&cli.global, args).await
        }
        Command::Profile(command) => profile::run(&cli.global, command).await,
        Command::Completion { shell } => {
            crate::output::only(cli.global.output, &[], "it prints a shell script")?;
            docs::completion(shell)
        }
        Command::Man { out } => {
            crate::output::only(cli.global.output, &[], "it prints a man page")?;
            docs::man(out.as_deref())
        }
        Command::Login(args) => profile::login(&cli.global, args).await,
        Command::Org(command) => org::run(&Context::from_global(&cli.global)?, command).await,
        Command::Env(command) => env::run(&Context::from_global(&cli.global)?, command).await,
        Command::Token(command) => token::run(&Context::from_global(&cli.global)?, command).await,
        Command::Whoami => token::whoami(&Context::from_global(&cli.global)?).await,
        Command::Secret(command) => secret::run(&Context::from_global(&cli.global)?, command).await,
        Command::Variable(command) => {
            secret::run_variable(&Context::from_global(&cli.global)?, command).await
        }
        Command::Provider(command) => {
            connection::run_provider(&Context::from_global(&cli.global)?, command).await
        }
        Command::Connect(args) => {
            connection::connect(&Context::from_global(&cli.global)?, args).await
        }
        Command::Get { kind, name } => {
            manifest::get(&Context::from_global(&cli.global)?, &kind, name.as_deref()).await
        }
        Command::Diff(args) => manifest::diff(&Context::from_global(&cli.global)?, args).await,
        Command::Keys(crate::cli::KeysCommand::Generate) => {
            let why = "it prints the key alone, to redirect into a file";
            crate::output::only(cli.global.output, &[], why)?;
            keys::generate()
        }
        Command::Keys(command) => keys::run(&Context::from_global(&cli.global)?, command).await,
        Command::Audit(command) => audit::run(&Context::from_global(&cli.global)?, command).await,
        Command::Apply(args) => manifest::apply(&Context::from_global(&cli.global)?, args).await,
        Command::Run(args) => run::run(&Context::from_global(&cli.global)?, args).await,
        Command::Job(command) => job::run(&Context::from_global(&cli.global)?, command).await,
        Command::Runner(crate::cli::RunnerCommand::Start { .. }) if cli.global.output.is_some() => {
            crate::output::only(cli.global.output, &[], "the runner logs to stderr")
        }
        Command::Runner(crate::cli::RunnerCommand::Start {
            credentials_file,
            work_dir,
            concurrency,
            isolation,
            job_user,
            health_listen,
        }) => {
            let settings = RawJobSettings {
                isolation,
                user: job_user,
                ..RawJobSettings::default()
            };
            runner::start(
                &credentials_file,
                work_dir,
                concurrency,
                settings,
                health_listen,
            )
            .await
        }
        Command::Runner(command) => runner::run(&Context::from_global(&cli.global)?, command).await,
        Command::Connection(command) => {
            connection::run(&Context::from_global(&cli.global)?, command).await
        }
    }
}
