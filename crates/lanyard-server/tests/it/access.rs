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

fn cases() -> Vec<Case> {
    vec![
        Case {
            method: Method::GET,
            path: "/orgs",
            body: None,
            expect: |w| match w {
                Who::Anonymous => StatusCode::UNAUTHORIZED,
                _ => StatusCode::OK,
            },
        },
        Case {
            method: Method::POST,
            path: "/orgs",
            body: Some(json!({"name": "{victim}"})),
            expect: |w| match w {
                Who::Admin | Who::Stranger => StatusCode::CREATED,
                Who::Anonymous => StatusCode::UNAUTHORIZED,
                _ => StatusCode::FORBIDDEN,
            },
        },
        Case {
            method: Method::GET,
            path: "/orgs/acme",
            body: None,
            expect: read,
        },
        Case {
            method: Method::DELETE,
            path: "/orgs/acme",
            body: None,
            expect: |w| match w {
                // The admin case runs last on its own server; see `walk`.
                Who::Admin => StatusCode::NO_CONTENT,
                other => manage(StatusCode::NO_CONTENT)(other),
            },
        },
        Case {
            method: Method::GET,
            path: "/orgs/acme/environments",
            body: None,
            expect: read,
        },
        Case {
            method: Method::POST,
            path: "/orgs/acme/environments",
            body: Some(json!({"name": "{victim}"})),
            expect: |w| manage(StatusCode::CREATED)(w),
        },
        Case {
            method: Method::GET,
            path: "/orgs/acme/environments/dev",
            body: None,
            expect: read,
        },
        Case {
            method: Method::DELETE,
            path: "/orgs/acme/environments/{victim}",
            body: None,
            expect: |w| manage(StatusCode::NO_CONTENT)(w),
        },
        Case {
            method: Method::GET,
            path: "/orgs/acme/tokens",
            body: None,
            expect: |w| manage(StatusCode::OK)(w),
        },
        Case {
            method: Method::POST,
            path: "/orgs/acme/tokens",
            body: Some(json!({"role": "viewer"})),
            expect: |w| manage(StatusCode::CREATED)(w),
        },
        Case {
            method: Method::DELETE,
            path: "/orgs/acme/tokens/{token}",
            body: None,
            expect: |w| manage(StatusCode::NO_CONTENT)(w),
        },
        Case {
            method: Method::GET,
            path: "/whoami",
            body: None,
            expect: |w| match w {
                Who::Anonymous => StatusCode::UNAUTHORIZED,
                _ => StatusCode::OK,
            },
        },
    ]
}

struct Tokens {
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
    Tokens {
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
    if case.path.contains("{victim}") && case.method == Method::DELETE {
        admin.create_environment("acme", &victim).await.unwrap();
    }
    let mut path = case.path.replace("{victim}", &victim);
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
    server
        .admin()
        .create_environment("acme", "dev")
        .await
        .unwrap();
    let tokens = tokens(&server).await;
    let mut n = 0;
    for case in cases() {
        for who in EVERYONE {
            if who == Who::Admin && case.method == Method::DELETE && case.path == "/orgs/acme" {
                continue; // would delete the organization the rest of the walk needs; run below
            }
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
    let delete_org = cases()
        .into_iter()
        .find(|c| c.method == Method::DELETE && c.path == "/orgs/acme")
        .unwrap();
    let (status, _) = call(&server, &tokens, Who::Admin, &delete_org, 0).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The organization's tokens went with it.
    let (status, _) = call(&server, &tokens, Who::Viewer, &cases()[0], 0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The matrix must name every route the OpenAPI document declares, so a new endpoint cannot
/// slip in without its access outcome being written down and tested.
#[test]
fn matrix_covers_every_documented_route() {
    let doc: Value = serde_json::from_str(&lanyard_server::openapi_json()).unwrap();
    let covered: Vec<(String, String)> = cases()
        .iter()
        .map(|c| {
            (
                c.method.as_str().to_lowercase(),
                c.path
                    .replace("acme", "{org}")
                    .replace("/dev", "/{env}")
                    .replace("{victim}", "{env}")
                    .replace("{token}", "{id}"),
            )
        })
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
