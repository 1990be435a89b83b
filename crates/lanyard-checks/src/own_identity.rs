//! A runner's check of its own identity, for its runner-mode connections: what the runner
//! found in its environment (`lanyard_aws::ambient`, as a materialization in the variables and
//! files a job gets) proves itself with the same grant an inline connection of the provider
//! gets. The runner reports the verdict; the server shows it on the connections that use the
//! runner.

use lanyard_providers::{EnvValue, Materialization, ResolvedFields};
use secrecy::ExposeSecret;

use crate::azure::Proof;
use crate::{Checker, Fields, Verdict};

/// Providers whose identity a runner finds in its own environment, and checks. (AWS is checked
/// with STS by the runner's own probe, and reported with its claims.)
pub const OWN_IDENTITY_PROVIDERS: &[&str] = &["gcp", "azure", "kubernetes"];

impl Checker {
    /// Checks the identity `m` holds for `provider`, as the runner's environment gave it.
    pub async fn check_own_identity(&self, provider: &str, m: &Materialization) -> Verdict {
        match provider {
            "gcp" => gcp(self, m).await,
            "azure" => azure(self, m).await,
            "kubernetes" => kubernetes(self, m).await,
            other => Verdict::unchecked_because(&format!(
                "a runner checks no {other} identity of its own"
            )),
        }
    }
}

/// A variable's value, secret or not.
fn var(m: &Materialization, name: &str) -> Option<String> {
    match m.env_var(name)? {
        EnvValue::Plain(value) => Some(value.clone()),
        EnvValue::Secret(value) => Some(value.expose_secret().to_owned()),
        _ => None,
    }
    .filter(|v| !v.trim().is_empty())
}

/// The contents of the file a variable points at.
fn file(m: &Materialization, name: &str) -> Option<String> {
    match m.env_var(name)? {
        EnvValue::FilePath(id) => m.file(id).map(|f| f.contents.expose_secret().to_owned()),
        _ => None,
    }
}

/// Application default credentials: a service account key gets the key's JWT grant; other
/// kinds (a user's login, workload identity federation, the metadata server) are the job's to
/// use, and said so.
async fn gcp(checker: &Checker, m: &Materialization) -> Verdict {
    let Some(adc) = file(m, "GOOGLE_APPLICATION_CREDENTIALS") else {
        return Verdict::unchecked_because(
            "the runner has no application default credentials file, so its jobs use the \
             metadata server (workload identity); a job is the test",
        );
    };
    let kind = serde_json::from_str::<serde_json::Value>(&adc)
        .ok()
        .and_then(|json| json["type"].as_str().map(str::to_owned));
    match kind.as_deref() {
        Some("service_account") => {
            let values = ResolvedFields::new().with("service_account_key", adc);
            checker.check("gcp", None, &values).await
        }
        Some(other) => Verdict::unchecked_because(&format!(
            "the runner's application default credentials are of type `{other}`; only service \
             account keys are checked before a job, a job is the test"
        )),
        None => Verdict {
            outcome: crate::Outcome::WrongCredentials,
            identity: None,
            message: "the runner's application default credentials file is not a credential \
                      JSON (no `type`); fix GOOGLE_APPLICATION_CREDENTIALS on the runner"
                .to_owned(),
        },
    }
}

/// The `AZURE_*` environment credential: a client secret, or a federated token (workload
/// identity), granted at `AZURE_AUTHORITY_HOST` when the runner names one. A managed identity
/// answers only on its host's metadata endpoint, which checks never contact.
async fn azure(checker: &Checker, m: &Materialization) -> Verdict {
    let (Some(tenant), Some(client)) = (var(m, "AZURE_TENANT_ID"), var(m, "AZURE_CLIENT_ID"))
    else {
        return Verdict::unchecked_because(
            "the runner has no AZURE_TENANT_ID and AZURE_CLIENT_ID, so its jobs use its host's \
             managed identity; a job is the test",
        );
    };
    let secret = var(m, "AZURE_CLIENT_SECRET");
    let token = file(m, "AZURE_FEDERATED_TOKEN_FILE");
    // Whose: `TENANT/CLIENT`, so that a connection for another tenant can be told so.
    let whose = format!("{tenant}/{client}");
    let mut values = ResolvedFields::new()
        .with("tenant_id", tenant)
        .with("client_id", client);
    let mut checker = checker.clone();
    if let Some(host) = var(m, "AZURE_AUTHORITY_HOST") {
        let host = host.trim().trim_end_matches('/').to_owned();
        let cloud = ["public", "usgovernment", "china"]
            .into_iter()
            .find(|cloud| {
                lanyard_providers::azure_authority(cloud)
                    .is_some_and(|known| known.trim_end_matches('/') == host)
            });
        match cloud {
            Some(cloud) => values.insert("cloud", cloud.to_owned().into()),
            // Another authority (Azure Stack Hub's, a private one) replaces the public one.
            None => {
                checker = checker.with_base("azure", host);
                None
            }
        };
    }
    let proof =
        match (&secret, &token) {
            (Some(secret), _) => Proof::Secret(secret),
            (None, Some(token)) => Proof::FederatedToken(token.trim()),
            (None, None) => return Verdict::unchecked_because(
                "the runner has no AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, so its jobs \
                 use its host's managed identity; a job is the test",
            ),
        };
    // Masked like a connection's own secret fields.
    for (name, value) in [("client_secret", &secret), ("federated_token", &token)] {
        if let Some(value) = value {
            values.insert(name, value.clone().into());
        }
    }
    let mut verdict = crate::azure::check_with(&checker, &Fields(&values), proof)
        .await
        .unwrap_or_else(|| Verdict::unchecked_because("the runner's Azure identity is incomplete"));
    verdict.identity = Some(whose);
    crate::masked(verdict, "azure", &values)
}

/// The in-cluster service account, as the kubeconfig a job gets.
async fn kubernetes(checker: &Checker, m: &Materialization) -> Verdict {
    let Some(kubeconfig) = file(m, "KUBECONFIG") else {
        return Verdict::unchecked_because("the runner wrote no kubeconfig for its jobs");
    };
    let values = ResolvedFields::new().with("kubeconfig", kubeconfig);
    checker.check("kubernetes", None, &values).await
}
