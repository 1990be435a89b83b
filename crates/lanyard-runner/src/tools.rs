//! Set-up some tools need beyond variables and files: Maven 3.8's settings in the job's home,
//! a Java truststore for a private CA, and the Azure CLI's login before the command. Each is
//! asked for by a `LANYARD_*` variable a connection's materialization sets.

use std::collections::BTreeMap;
use std::path::Path;

use crate::java_trust;
use crate::workspace::Workspace;

/// The Maven settings file a connection wrote.
const MAVEN_SETTINGS: &str = "LANYARD_MAVEN_SETTINGS";
/// The login script an Azure connection with `az_login` wrote.
const AZ_LOGIN: &str = "LANYARD_AZ_LOGIN";

/// What the job's output says before the login step runs.
pub(crate) const LOGIN_SAYS: &str =
    "logging the Azure CLI in before the command (the connection's az_login)";

/// Places what tools read from fixed places, before the job's directory is handed over.
pub(crate) fn place(
    workspace: &Workspace,
    env: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    // Maven 3.8 (Debian's, Ubuntu's) ignores MAVEN_ARGS: the settings also go where every
    // Maven reads them without a flag, the job's own ~/.m2/settings.xml.
    if let Some(settings) = env.get(MAVEN_SETTINGS) {
        workspace
            .link_into_home(".m2/settings.xml", Path::new(settings))
            .map_err(|e| format!("cannot place the Maven settings in the job's home: {e}"))?;
    }
    // Java reads no PEM file: a connection's private CA reaches the JVM as a truststore.
    if let Some(ca) = env.get(java_trust::CA_VARIABLE) {
        let options = std::fs::read_to_string(ca)
            .and_then(|pem| java_trust::write_store(&workspace.path().join("java"), &pem))
            .map_err(|e| format!("cannot write the Java truststore: {e}"))?;
        let java = env.entry("JAVA_TOOL_OPTIONS".to_owned()).or_default();
        *java = format!("{java} {options}").trim_start().to_owned();
    }
    Ok(())
}

/// The command to run, in the sandbox with the job's environment, before the job's own.
pub(crate) fn login_step(env: &BTreeMap<String, String>) -> Option<Vec<String>> {
    env.get(AZ_LOGIN)
        .map(|script| vec!["sh".to_owned(), script.clone()])
}

/// Why the job stops when the login step fails.
pub(crate) fn login_failed(code: i64) -> String {
    let hint = if code == 127 {
        "az is not on the runner's PATH: install the Azure CLI there, or set az_login=false"
    } else {
        "its output above says why; `lanyard connection test NAME` checks the credential"
    };
    format!("az login failed (exit {code}), so the command did not run; {hint}")
}
