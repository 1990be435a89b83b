//! The connection a command uses: flags and `LANYARD_*` variables first, then the saved profile.

use anyhow::{anyhow, Context as _};
use lanyard_client::Client;
use secrecy::{ExposeSecret, SecretString};

use crate::cli::{Global, Output};
use crate::profile::{self, Profiles};

/// Where the server usually listens when nothing else says.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8420";

/// What a client command needs: a client, the organization it works in, and the output format.
pub(crate) struct Context {
    pub client: Client,
    pub org: String,
    pub output: Output,
    /// The format `-o` (or `LANYARD_OUTPUT`) named, if any: commands whose output has no
    /// table form refuse `table` rather than ignore it.
    pub requested_output: Option<Output>,
}

impl Context {
    /// Builds the context from the global options and the profile file.
    pub fn from_global(global: &Global) -> anyhow::Result<Self> {
        let profiles = Profiles::load(&profile::path()?)?;
        let selected = profiles.select(global.profile.as_deref())?;
        let server = global
            .server
            .clone()
            .or_else(|| selected.map(|p| p.server.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let token = match (&global.token, selected) {
            (Some(token), _) => SecretString::from(token.clone()),
            (None, Some(profile)) => SecretString::from(profile.token.0.expose_secret().to_owned()),
            (None, None) => {
                return Err(anyhow!(
                    "no API token: start `lanyard server` on this machine once (it saves a \
                     profile), or pass --token / set LANYARD_TOKEN"
                ))
            }
        };
        let org = global
            .org
            .clone()
            .or_else(|| selected.map(|p| p.org.clone()))
            .unwrap_or_else(|| "default".to_owned());
        let client = Client::new(&server, Some(token)).context("cannot create the API client")?;
        Ok(Self {
            client,
            org,
            output: global.output(),
            requested_output: global.output,
        })
    }
}
