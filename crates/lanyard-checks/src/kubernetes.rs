//! Kubernetes: `GET /version` on the kubeconfig's current cluster, then a
//! SelfSubjectAccessReview (kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access)
//! asking whether the credential may list pods in its context's namespace.

use base64::Engine as _;

use crate::http::{Auth, Probe};
use crate::{Checker, Fields, Outcome, Verdict};

const FIX: &str = "update the kubeconfig secret with a working token or client certificate";

/// What a check needs from a kubeconfig's current context.
struct Target {
    server: String,
    namespace: String,
    ca: Option<Vec<u8>>,
    token: Option<String>,
    /// PEM certificate and key, for client-certificate users.
    identity: Option<Vec<u8>>,
    /// The credential plugin's command, for an exec user.
    exec: Option<String>,
}

fn decode(value: &serde_norway::Value) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str()?.trim())
        .ok()
}

fn target(kubeconfig: &str) -> Option<Target> {
    let doc: serde_norway::Value = serde_norway::from_str(kubeconfig).ok()?;
    let named = |list: &str, name: &str| -> Option<serde_norway::Value> {
        doc.get(list)?
            .as_sequence()?
            .iter()
            .find(|item| item.get("name").and_then(|n| n.as_str()) == Some(name))
            .cloned()
    };
    let current = doc.get("current-context")?.as_str()?;
    let context = named("contexts", current)?.get("context")?.clone();
    let cluster = named("clusters", context.get("cluster")?.as_str()?)?
        .get("cluster")?
        .clone();
    let user = context
        .get("user")
        .and_then(|u| u.as_str())
        .and_then(|u| named("users", u))
        .and_then(|u| u.get("user").cloned())
        .unwrap_or(serde_norway::Value::Null);
    let identity = match (
        user.get("client-certificate-data").and_then(decode),
        user.get("client-key-data").and_then(decode),
    ) {
        (Some(mut cert), Some(key)) => {
            cert.push(b'\n');
            cert.extend(key);
            Some(cert)
        }
        _ => None,
    };
    Some(Target {
        server: cluster
            .get("server")?
            .as_str()?
            .trim_end_matches('/')
            .to_owned(),
        namespace: context
            .get("namespace")
            .and_then(|n| n.as_str())
            .unwrap_or("default")
            .to_owned(),
        ca: cluster.get("certificate-authority-data").and_then(decode),
        token: user
            .get("token")
            .and_then(|t| t.as_str())
            .map(str::to_owned),
        identity,
        exec: user.get("exec").map(|exec| {
            let command = exec.get("command").and_then(|c| c.as_str()).unwrap_or("?");
            // The program's name only: its arguments and environment are the job's business.
            command.rsplit('/').next().unwrap_or(command).to_owned()
        }),
    })
}

pub(crate) async fn check(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let Some(target) = target(fields.get("kubeconfig")?) else {
        return Some(Verdict {
            outcome: Outcome::WrongCredentials,
            identity: None,
            message: "the kubeconfig names no current context with a cluster and server; fix \
                      the kubeconfig"
                .to_owned(),
        });
    };
    if let (Some(plugin), None, None) = (&target.exec, &target.token, &target.identity) {
        return Some(exec_user(checker, &target, plugin).await);
    }
    let http = match checker.client_for(target.ca.as_deref(), target.identity.as_deref()) {
        Ok(http) => http,
        Err(message) => {
            return Some(Verdict {
                outcome: Outcome::WrongCredentials,
                identity: None,
                message,
            })
        }
    };
    let auth = || match &target.token {
        Some(token) => Auth::Bearer(token),
        None => Auth::None,
    };
    let version = Probe {
        method: reqwest::Method::GET,
        url: format!("{}/version", target.server),
        auth: auth(),
        thing: "the API server's version".to_owned(),
        fix: FIX,
        form: Vec::new(),
    }
    .send(&http)
    .await;
    let version = match version {
        Ok(answer) => answer.body["gitVersion"].as_str().unwrap_or("?").to_owned(),
        Err(verdict) => return Some(verdict),
    };
    let review = serde_json::json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {
            "namespace": target.namespace, "verb": "list", "resource": "pods"}}
    });
    let mut request = http
        .post(format!(
            "{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            target.server
        ))
        .json(&review);
    if let Some(token) = &target.token {
        request = request.bearer_auth(token);
    }
    let allowed = match request.send().await {
        Ok(response) if response.status().is_success() => response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|b| b["status"]["allowed"].as_bool()),
        _ => None,
    };
    let namespace = &target.namespace;
    Some(match allowed {
        Some(true) => Verdict::ok(
            None,
            format!("the cluster ({version}) lets the credential list pods in {namespace}"),
        ),
        Some(false) => Verdict {
            outcome: Outcome::MissingPermission,
            identity: None,
            message: format!(
                "the cluster ({version}) accepted the credential but it may not list pods in \
                 namespace {namespace}; bind it a role there"
            ),
        },
        None => Verdict::ok(
            None,
            format!("the cluster ({version}) accepted the credential"),
        ),
    })
}

/// A user whose credential comes from a plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`,
/// `kubelogin`): the server never runs a kubeconfig's command, so the credential stays
/// unchecked; what it can check is that the cluster answers at its server with its CA, asking
/// `/version` without a credential (the `system:public-info-viewer` role allows it by default).
async fn exec_user(checker: &Checker, target: &Target, plugin: &str) -> Verdict {
    let unchecked = format!(
        "the kubeconfig's user gets its credential from `{plugin}` (an exec plugin), which the \
         server never runs; a job is the test"
    );
    let http = match checker.client_for(target.ca.as_deref(), None) {
        Ok(http) => http,
        Err(message) => {
            return Verdict {
                outcome: Outcome::WrongCredentials,
                identity: None,
                message,
            }
        }
    };
    let version = Probe {
        method: reqwest::Method::GET,
        url: format!("{}/version", target.server),
        auth: Auth::None,
        thing: "the API server's version".to_owned(),
        fix: FIX,
        form: Vec::new(),
    }
    .send(&http)
    .await;
    match version {
        Ok(answer) => {
            let version = answer.body["gitVersion"].as_str().unwrap_or("?");
            Verdict::unchecked_because(&format!("the cluster ({version}) answers; {unchecked}"))
        }
        Err(verdict) if verdict.outcome == Outcome::Unreachable => verdict,
        // Anonymous requests refused: the cluster answered, with its CA.
        Err(_) => Verdict::unchecked_because(&format!(
            "the cluster answers (it refuses anonymous requests); {unchecked}"
        )),
    }
}
