//! Every endpoint with every role: the outcome is exactly what the access rules say, and one
//! organization's token learns nothing about another's.

use lanyard_testkit::{backend_tests, Backend, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Deployer,
    Viewer,
    Anonymous,
    /// The admin of another organization.
    Stranger,
}

const EVERYONE: [Who; 5] = [
    Who::Admin,
    Who::Deployer,
    Who::Viewer,
    Who::Anonymous,
    Who::Stranger,
];

/// One route and the status each caller must get.
struct Case {
    method: Method,
    /// The route as the OpenAPI document names it.
    doc: &'static str,
    /// `{victim}` is replaced by a fresh environment name per call, `{token}` by a fresh token id.
    path: &'static str,
    body: Option<Value>,
    expect: fn(Who) -> StatusCode,
}

fn read(who: Who) -> StatusCode {
    match who {
        Who::Admin | Who::Deployer | Who::Viewer => StatusCode::OK,
        Who::Anonymous => StatusCode::UNAUTHORIZED,
        Who::Stranger => StatusCode::NOT_FOUND,
    }
}

fn manage(ok: StatusCode) -> impl Fn(Who) -> StatusCode {
    move |who| match who {
        Who::Admin => ok,
        Who::Deployer | Who::Viewer => StatusCode::FORBIDDEN,
        Who::Anonymous => StatusCode::UNAUTHORIZED,
        Who::Stranger => StatusCode::NOT_FOUND,
    }
}

/// Running jobs: admins and deployers of the organization.
fn deploy(ok: StatusCode) -> impl Fn(Who) -> StatusCode {
    move |who| match who {
        Who::Admin | Who::Deployer => ok,
        Who::Viewer => StatusCode::FORBIDDEN,
        Who::Anonymous => StatusCode::UNAUTHORIZED,
        Who::Stranger => StatusCode::NOT_FOUND,
    }
}

/// Installation-wide admin actions: the instance administrator (acme's first-start token) only;
/// another organization's admin is refused.
fn installation_admin(who: Who) -> StatusCode {
    match who {
        Who::Admin => StatusCode::OK,
        Who::Stranger => StatusCode::FORBIDDEN,
        Who::Anonymous => StatusCode::UNAUTHORIZED,
        Who::Deployer | Who::Viewer => StatusCode::FORBIDDEN,
    }
}

fn everyone_but_anonymous(ok: StatusCode) -> impl Fn(Who) -> StatusCode {
    move |who| {
        if who == Who::Anonymous {
            StatusCode::UNAUTHORIZED
        } else {
            ok
        }
    }
}

fn case(
    method: Method,
    doc: &'static str,
    path: &'static str,
    body: Option<Value>,
    expect: fn(Who) -> StatusCode,
) -> Case {
    Case {
        method,
        doc,
        path,
        body,
        expect,
    }
}

fn cases() -> Vec<Case> {
    use Method as M;
    let aws = json!({"name": "{victim}", "provider": "aws", "fields": {
        "account_id": {"value": "123456789012"},
        "access_key_id": {"value": "AKIAIOSFODNN7EXAMPLE"},
        "secret_access_key": {"secret": "db-password"}}});
    vec![
        case(M::GET, "/orgs", "/orgs", None, |w| {
            everyone_but_anonymous(StatusCode::OK)(w)
        }),
        case(
            M::POST,
            "/orgs",
            "/orgs",
            Some(json!({"name": "{victim}"})),
            // Only the instance administrator (acme's first-start token) creates
            // organizations; another organization's admin may not.
            |w| match w {
                Who::Admin => StatusCode::CREATED,
                Who::Anonymous => StatusCode::UNAUTHORIZED,
                _ => StatusCode::FORBIDDEN,
            },
        ),
        case(M::GET, "/orgs/{org}", "/orgs/acme", None, read),
        // Deleting is the instance administrator's too, and not of the organization holding
        // its own token; deleting another one runs last, see `every_endpoint_with_every_role`.
        case(M::DELETE, "/orgs/{org}", "/orgs/acme", None, |w| match w {
            Who::Admin => StatusCode::CONFLICT,
            Who::Anonymous => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        }),
        case(
            M::GET,
            "/orgs/{org}/environments",
            "/orgs/acme/environments",
            None,
            read,
        ),
        case(
            M::POST,
            "/orgs/{org}/environments",
            "/orgs/acme/environments",
            Some(json!({"name": "{victim}"})),
            |w| manage(StatusCode::CREATED)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/environments/{env}",
            "/orgs/acme/environments/dev",
            None,
            read,
        ),
        case(
            M::DELETE,
            "/orgs/{org}/environments/{env}",
            "/orgs/acme/environments/{victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/tokens",
            "/orgs/acme/tokens",
            None,
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::POST,
            "/orgs/{org}/tokens",
            "/orgs/acme/tokens",
            Some(json!({"role": "viewer"})),
            |w| manage(StatusCode::CREATED)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/tokens/{id}",
            "/orgs/acme/tokens/{token}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(M::GET, "/whoami", "/whoami", None, |w| {
            everyone_but_anonymous(StatusCode::OK)(w)
        }),
        case(
            M::GET,
            "/orgs/{org}/secrets",
            "/orgs/acme/secrets",
            None,
            read,
        ),
        case(
            M::PUT,
            "/orgs/{org}/secrets/{name}",
            "/orgs/acme/secrets/{victim}",
            Some(json!({"value": "s3cr3t-value"})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/secrets/{name}",
            "/orgs/acme/secrets/{victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/secrets/{name}/versions",
            "/orgs/acme/secrets/db-password/versions",
            None,
            read,
        ),
        case(
            M::GET,
            "/orgs/{org}/variables",
            "/orgs/acme/variables",
            None,
            read,
        ),
        case(
            M::PUT,
            "/orgs/{org}/variables/{name}",
            "/orgs/acme/variables/{victim}",
            Some(json!({"value": "eu-west-1"})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/variables/{name}",
            "/orgs/acme/variables/{victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/connections",
            "/orgs/acme/connections",
            None,
            read,
        ),
        case(
            M::POST,
            "/orgs/{org}/connections",
            "/orgs/acme/connections",
            Some(aws.clone()),
            |w| manage(StatusCode::CREATED)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/connections/{name}",
            "/orgs/acme/connections/aws-main",
            None,
            read,
        ),
        case(
            M::PATCH,
            "/orgs/{org}/connections/{name}",
            "/orgs/acme/connections/aws-main",
            Some(json!({"fields": {"region": {"value": "eu-west-1"}}})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/connections/{name}",
            "/orgs/acme/connections/{victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/authorizations",
            "/orgs/acme/authorizations",
            None,
            read,
        ),
        case(
            M::POST,
            "/orgs/{org}/authorizations",
            "/orgs/acme/authorizations",
            Some(json!({"provider": "aws", "connection": "{victim}", "scope": "organization"})),
            |w| manage(StatusCode::CREATED)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/authorizations/{connection}",
            "/orgs/acme/authorizations/aws-main?provider=aws",
            None,
            read,
        ),
        case(
            M::PUT,
            "/orgs/{org}/authorizations/{connection}",
            "/orgs/acme/authorizations/aws-main",
            Some(json!({"provider": "aws", "scope": "environment", "environments": ["dev"]})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/authorizations/{connection}",
            "/orgs/acme/authorizations/{victim}?provider=aws",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/defaults",
            "/orgs/acme/defaults",
            None,
            read,
        ),
        case(
            M::PUT,
            "/orgs/{org}/defaults/{provider}",
            "/orgs/acme/defaults/aws",
            Some(json!({"connection": "aws-main"})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/defaults/{provider}",
            "/orgs/acme/defaults/aws?env={victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/resolve",
            "/orgs/acme/resolve?provider=aws&env=dev",
            None,
            read,
        ),
        case(
            M::GET,
            "/orgs/{org}/matrix",
            "/orgs/acme/matrix",
            None,
            read,
        ),
        case(M::GET, "/orgs/{org}/audit", "/orgs/acme/audit", None, read),
        case(
            M::GET,
            "/orgs/{org}/audit/verify",
            "/orgs/acme/audit/verify",
            None,
            |w| manage(StatusCode::OK)(w),
        ),
        case(M::GET, "/keys", "/keys", None, installation_admin),
        case(
            M::POST,
            "/keys/rotate",
            "/keys/rotate",
            Some(json!({"batch": 10})),
            installation_admin,
        ),
        case(
            M::GET,
            "/orgs/{org}/connections/{name}/oidc-trust",
            "/orgs/acme/connections/aws-main/oidc-trust",
            None,
            // Past the access check, the inline connection is refused for what it is.
            |w| match read(w) {
                StatusCode::OK => StatusCode::BAD_REQUEST,
                other => other,
            },
        ),
        case(
            M::GET,
            "/keys/signing",
            "/keys/signing",
            None,
            installation_admin,
        ),
        case(
            M::POST,
            "/keys/signing/rotate",
            "/keys/signing/rotate",
            Some(json!({})),
            installation_admin,
        ),
        case(M::GET, "/orgs/{org}/jobs", "/orgs/acme/jobs", None, read),
        case(
            M::POST,
            "/orgs/{org}/jobs",
            "/orgs/acme/jobs",
            Some(json!({"environment": "dev", "command": ["true"]})),
            |w| deploy(StatusCode::CREATED)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/jobs/{id}",
            "/orgs/acme/jobs/{job}",
            None,
            read,
        ),
        case(
            M::POST,
            "/orgs/{org}/jobs/{id}/cancel",
            "/orgs/acme/jobs/{job}/cancel",
            Some(json!({})),
            |w| deploy(StatusCode::OK)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/jobs/{id}/output",
            "/orgs/acme/jobs/{job}/output",
            None,
            read,
        ),
        // Readers may download artifacts; this job kept none.
        case(
            M::GET,
            "/orgs/{org}/jobs/{id}/artifacts",
            "/orgs/acme/jobs/{job}/artifacts",
            None,
            |w| match read(w) {
                StatusCode::OK => StatusCode::NOT_FOUND,
                other => other,
            },
        ),
        // Deployers may upload; an empty body is no archive.
        case(
            M::POST,
            "/orgs/{org}/uploads",
            "/orgs/acme/uploads",
            None,
            |w| deploy(StatusCode::BAD_REQUEST)(w),
        ),
        case(
            M::PUT,
            "/orgs/{org}/upload-limits",
            "/orgs/acme/upload-limits",
            Some(json!({"max_bytes": 1_048_576, "max_files": 100})),
            |w| manage(StatusCode::OK)(w),
        ),
        // Both fail after the access check (an invalid account, an unknown connection), so
        // that the matrix makes no call to AWS.
        case(
            M::POST,
            "/orgs/{org}/connections/{name}/cross-account-setup",
            "/orgs/acme/connections/xacct/cross-account-setup",
            Some(json!({"account_id": "12"})),
            |w| manage(StatusCode::BAD_REQUEST)(w),
        ),
        case(
            M::POST,
            "/orgs/{org}/connections/{name}/test",
            "/orgs/acme/connections/no-such-connection/test",
            None,
            |w| manage(StatusCode::NOT_FOUND)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/connections/{name}/usage",
            "/orgs/acme/connections/aws-main/usage",
            None,
            read,
        ),
        case(
            M::GET,
            "/orgs/{org}/deletion-impact",
            "/orgs/acme/deletion-impact?connection=aws-main",
            None,
            read,
        ),
        case(
            M::GET,
            "/orgs/{org}/runners",
            "/orgs/acme/runners",
            None,
            read,
        ),
        case(
            M::POST,
            "/orgs/{org}/runners",
            "/orgs/acme/runners",
            Some(json!({"name": "{victim}"})),
            |w| manage(StatusCode::CREATED)(w),
        ),
        case(
            M::DELETE,
            "/orgs/{org}/runners/{name}",
            "/orgs/acme/runners/{victim}",
            None,
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/audit/checkpoint",
            "/orgs/acme/audit/checkpoint",
            None,
            |w| manage(StatusCode::OK)(w),
        ),
        // A checkpoint this installation did not sign is refused.
        case(
            M::POST,
            "/orgs/{org}/audit/verify",
            "/orgs/acme/audit/verify",
            Some(
                json!({"org": "acme", "seq": 1, "hash": "00", "taken_at": "2026-01-01T00:00:00Z", "mac": "00"}),
            ),
            |w| manage(StatusCode::BAD_REQUEST)(w),
        ),
        case(
            M::GET,
            "/orgs/{org}/audit/export",
            "/orgs/acme/audit/export",
            None,
            |w| manage(StatusCode::OK)(w),
        ),
        // Nothing before event 1: refused after authorization, so the trail stays whole.
        case(
            M::POST,
            "/orgs/{org}/audit/prune",
            "/orgs/acme/audit/prune",
            Some(json!({"through": 0})),
            |w| manage(StatusCode::BAD_REQUEST)(w),
        ),
        case(
            M::PUT,
            "/orgs/{org}/job-timeout",
            "/orgs/acme/job-timeout",
            Some(json!({"seconds": 3600})),
            |w| manage(StatusCode::OK)(w),
        ),
        case(
            M::PUT,
            "/orgs/{org}/check-interval",
            "/orgs/acme/check-interval",
            Some(json!({"seconds": 3600})),
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        case(
            M::PUT,
            "/orgs/{org}/default-runner",
            "/orgs/acme/default-runner",
            Some(json!({"runner": null})),
            |w| manage(StatusCode::NO_CONTENT)(w),
        ),
        // Runner endpoints take runner tokens only: every user token is refused.
        case(M::POST, "/runner/claim", "/runner/claim", None, |_| {
            StatusCode::UNAUTHORIZED
        }),
        case(
            M::PUT,
            "/runner/identity-checks",
            "/runner/identity-checks",
            Some(json!({"checks": []})),
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(
            M::POST,
            "/runner/jobs/{id}/credentials",
            "/runner/jobs/{job}/credentials",
            None,
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(
            M::POST,
            "/runner/jobs/{id}/report",
            "/runner/jobs/{job}/report",
            Some(json!({"chunks": []})),
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(
            M::GET,
            "/runner/jobs/{id}/upload",
            "/runner/jobs/{job}/upload",
            None,
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(
            M::PUT,
            "/runner/jobs/{id}/artifacts",
            "/runner/jobs/{job}/artifacts",
            None,
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(
            M::POST,
            "/runner/jobs/{id}/finish",
            "/runner/jobs/{job}/finish",
            Some(json!({"status": "succeeded"})),
            |_| StatusCode::UNAUTHORIZED,
        ),
        case(M::GET, "/providers", "/providers", None, |w| {
            everyone_but_anonymous(StatusCode::OK)(w)
        }),
        case(M::GET, "/providers/{id}", "/providers/aws", None, |w| {
            everyone_but_anonymous(StatusCode::OK)(w)
        }),
    ]
}

struct Tokens {
    /// A job of the organization, for the job routes.
    job: String,
    admin: String,
    deployer: String,
    viewer: String,
    stranger: String,
}

async fn tokens(server: &TestServer) -> Tokens {
    let admin = server.admin();
    let issue = |role| {
        let admin = admin.clone();
        async move {
            let req = lanyard_api::CreateToken {
                role,
                environments: vec![],
                description: String::new(),
            };
            admin
                .create_token("acme", &req)
                .await
                .unwrap()
                .secret
                .expose_secret()
                .to_owned()
        }
    };
    let stranger = admin.create_organization("globex").await.unwrap();
    let job = admin
        .create_job(
            "acme",
            &lanyard_api::CreateJob {
                environment: "dev".into(),
                providers: vec![],
                connections: vec![],
                runner: None,
                git: None,
                timeout_secs: None,
                command: vec!["true".into()],
                upload: None,
                artifacts: vec![],
            },
        )
        .await
        .map(|j| j.id)
        .unwrap_or_default();
    Tokens {
        job,
        admin: server.admin_token().to_owned(),
        deployer: issue(lanyard_api::RoleName::Deployer).await,
        viewer: issue(lanyard_api::RoleName::Viewer).await,
        stranger: stranger.admin_token.secret.expose_secret().to_owned(),
    }
}

async fn call(
    server: &TestServer,
    tokens: &Tokens,
    who: Who,
    case: &Case,
    n: usize,
) -> (StatusCode, String) {
    let admin = server.admin();
    let victim = format!("victim-{n}");
    if case.method == Method::POST && case.doc == "/orgs/{org}/authorizations" {
        let body = cases()
            .into_iter()
            .find(|c| c.method == Method::POST && c.doc.ends_with("/connections"))
            .unwrap()
            .body
            .unwrap();
        let body = body.to_string().replace("{victim}", &victim);
        let request: lanyard_api::CreateConnection = serde_json::from_str(&body).unwrap();
        admin.create_connection("acme", &request).await.unwrap();
    }
    if case.path.contains("{victim}") && case.method == Method::DELETE {
        if case.doc.contains("/environments/") {
            admin.create_environment("acme", &victim).await.unwrap();
        } else if case.doc.contains("/secrets/") {
            admin
                .set_secret("acme", &victim, "doomed-value".to_owned().into())
                .await
                .unwrap();
        } else if case.doc.contains("/runners/") {
            admin.register_runner("acme", &victim).await.unwrap();
        } else if case.doc.contains("/variables/") {
            admin.set_variable("acme", &victim, "doomed").await.unwrap();
        } else if case.doc.contains("/authorizations/") || case.doc.contains("/defaults/") {
            let body = cases()
                .into_iter()
                .find(|c| c.method == Method::POST && c.doc.ends_with("/connections"))
                .unwrap()
                .body
                .unwrap();
            let body = body.to_string().replace("{victim}", &victim);
            let request: lanyard_api::CreateConnection = serde_json::from_str(&body).unwrap();
            admin.create_connection("acme", &request).await.unwrap();
            let auth = lanyard_api::AuthorizationRequest {
                provider: "aws".into(),
                connection: victim.clone(),
                scope: "organization".into(),
                environments: vec![],
            };
            admin.create_authorization("acme", &auth).await.unwrap();
            admin.create_environment("acme", &victim).await.unwrap();
            let set = lanyard_api::SetDefault {
                connection: victim.clone(),
                environment: Some(victim.clone()),
            };
            admin.set_default("acme", "aws", &set).await.unwrap();
        } else if case.doc.contains("/connections/") {
            let body = cases()
                .into_iter()
                .find(|c| c.method == Method::POST && c.doc.ends_with("/connections"))
                .unwrap()
                .body
                .unwrap();
            let body = body.to_string().replace("{victim}", &victim);
            let request: lanyard_api::CreateConnection = serde_json::from_str(&body).unwrap();
            admin.create_connection("acme", &request).await.unwrap();
        }
    }
    let mut path = case
        .path
        .replace("{victim}", &victim)
        .replace("{job}", &tokens.job);
    if path.contains("{token}") {
        let req = lanyard_api::CreateToken {
            role: lanyard_api::RoleName::Viewer,
            environments: vec![],
            description: String::new(),
        };
        path = path.replace(
            "{token}",
            &admin.create_token("acme", &req).await.unwrap().token.id,
        );
    }
    let url = format!("{}/api/v1{path}", server.url);
    let mut request = reqwest::Client::new().request(case.method.clone(), url);
    let token = match who {
        Who::Admin => Some(&tokens.admin),
        Who::Deployer => Some(&tokens.deployer),
        Who::Viewer => Some(&tokens.viewer),
        Who::Stranger => Some(&tokens.stranger),
        Who::Anonymous => None,
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = &case.body {
        request = request.json(
            &serde_json::from_str::<Value>(&body.to_string().replace("{victim}", &victim)).unwrap(),
        );
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn every_endpoint_with_every_role(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let planted = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned();
    admin
        .set_secret("acme", "db-password", planted.into())
        .await
        .unwrap();
    let main = cases()
        .into_iter()
        .find(|c| c.method == Method::POST && c.doc == "/orgs/{org}/connections")
        .unwrap();
    let request = main
        .body
        .unwrap()
        .to_string()
        .replace("{victim}", "aws-main");
    admin
        .create_connection("acme", &serde_json::from_str(&request).unwrap())
        .await
        .unwrap();
    let main_auth = lanyard_api::AuthorizationRequest {
        provider: "aws".into(),
        connection: "aws-main".into(),
        scope: "organization".into(),
        environments: vec![],
    };
    admin
        .create_authorization("acme", &main_auth)
        .await
        .unwrap();
    let tokens = tokens(&server).await;
    let mut n = 0;
    for case in cases() {
        for who in EVERYONE {
            n += 1;
            let (status, body) = call(&server, &tokens, who, &case, n).await;
            assert_eq!(
                status,
                (case.expect)(who),
                "{} {} as {who:?}: {body}",
                case.method,
                case.path
            );
            if who == Who::Stranger && status == StatusCode::NOT_FOUND {
                assert!(
                    !body.contains("dev") && !body.contains("victim"),
                    "stranger learned: {body}"
                );
            }
        }
    }
    // The instance administrator deletes the stranger's organization; its tokens go with it.
    let delete_other = case(Method::DELETE, "/orgs/{org}", "/orgs/globex", None, |_| {
        StatusCode::NO_CONTENT
    });
    let (status, body) = call(&server, &tokens, Who::Admin, &delete_other, 0).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = call(&server, &tokens, Who::Stranger, &cases()[0], 0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The matrix must name every route the OpenAPI document declares, so a new endpoint cannot
/// slip in without its access outcome being written down and tested.
#[test]
fn matrix_covers_every_documented_route() {
    let doc: Value = serde_json::from_str(&lanyard_server::openapi_json()).unwrap();
    let covered: Vec<(String, String)> = cases()
        .iter()
        .map(|c| (c.method.as_str().to_lowercase(), c.doc.to_owned()))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                covered.contains(&(method.clone(), path.clone())),
                "{method} {path} is not in the access matrix"
            );
        }
    }
}

async fn viewer_cannot_create_anything(backend: Backend) {
    let server = TestServer::start(backend).await;
    let tokens = tokens(&server).await;
    let viewer = server.client(&tokens.viewer);
    let err = viewer.create_environment("acme", "prod").await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("role admin"), "{err}");
    assert!(viewer.create_organization("mine").await.is_err());
    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Admin,
        environments: vec![],
        description: String::new(),
    };
    assert!(viewer.create_token("acme", &req).await.is_err());
    assert!(server
        .admin()
        .list_environments("acme")
        .await
        .unwrap()
        .is_empty());
}

async fn organizations_are_isolated(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .admin()
        .create_environment("acme", "prod")
        .await
        .unwrap();
    let beta = server.admin().create_organization("beta").await.unwrap();
    let beta = server.client(beta.admin_token.secret.expose_secret());
    beta.create_environment("beta", "staging").await.unwrap();
    // Same answer whether the other organization exists or not.
    let existing = beta.list_environments("acme").await.unwrap_err();
    let missing = beta.list_environments("nobody").await.unwrap_err();
    assert_eq!(existing.status(), Some(404));
    assert_eq!(
        existing.to_string().replace("acme", "X"),
        missing.to_string().replace("nobody", "X")
    );
    assert_eq!(
        beta.get_environment("acme", "prod")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let orgs: Vec<String> = beta
        .list_organizations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(orgs, ["beta"]);
    let acme_envs = server.admin().list_environments("acme").await.unwrap();
    assert_eq!(
        acme_envs
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["prod"]
    );
    assert_eq!(
        server
            .admin()
            .list_environments("beta")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

async fn deployer_limits_name_known_environments(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let limited = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Deployer,
        environments: vec!["dev".into()],
        description: "ci".into(),
    };
    let created = admin.create_token("acme", &limited).await.unwrap();
    assert_eq!(created.token.environments, ["dev"]);
    let me = server
        .client(created.secret.expose_secret())
        .whoami()
        .await
        .unwrap();
    assert_eq!(me.environments, ["dev"]);
    let unknown = lanyard_api::CreateToken {
        environments: vec!["prod".into()],
        ..limited.clone()
    };
    let err = admin
        .create_token("acme", &unknown)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`prod`") && err.contains("known: [dev]"),
        "{err}"
    );
    let wrong_role = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Viewer,
        ..limited
    };
    let err = admin
        .create_token("acme", &wrong_role)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("only deployer tokens"), "{err}");
}

async fn revoked_tokens_stop_working(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let req = lanyard_api::CreateToken {
        role: lanyard_api::RoleName::Viewer,
        environments: vec![],
        description: String::new(),
    };
    let created = admin.create_token("acme", &req).await.unwrap();
    let viewer = server.client(created.secret.expose_secret());
    viewer.whoami().await.unwrap();
    admin.revoke_token("acme", &created.token.id).await.unwrap();
    let err = viewer.whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!admin
        .list_tokens("acme")
        .await
        .unwrap()
        .iter()
        .any(|t| t.id == created.token.id));
    assert_eq!(
        admin
            .revoke_token("acme", &created.token.id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let garbage = server.client("lyd_not-a-real-token");
    assert_eq!(garbage.whoami().await.unwrap_err().status(), Some(401));
}

backend_tests!(
    every_endpoint_with_every_role,
    viewer_cannot_create_anything,
    organizations_are_isolated,
    deployer_limits_name_known_environments,
    revoked_tokens_stop_working,
);
