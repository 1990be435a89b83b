//! An organization as documents: exported from one server with `get all`, applied to a fresh
//! one (secrets set separately) it gives the same matrix and the same resolutions; `diff` then
//! shows nothing; `--prune` removes what a document no longer names.

use crate::support::{random_alnum, Backend, Sandbox};

lanyard_testkit::backend_tests!(
    an_organization_round_trips_through_manifests,
    get_refuses_what_it_cannot_do,
);

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYMANIFEST01";

/// The source organization: environments, a variable, a runner, two connections with
/// authorizations and defaults at both levels.
fn populate(sandbox: &Sandbox, github_token: &str) {
    for env in ["dev", "staging", "prod"] {
        sandbox.run(&["env", "create", env]).ok();
    }
    sandbox
        .run(&["variable", "set", "region", "eu-west-1"])
        .ok();
    sandbox.register_runner("edge");
    sandbox.run(&["runner", "set-default", "edge"]).ok();
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "aws-prod",
            "--no-verify",
            "-f",
            "account_id=123456789012",
            "-f",
            "access_key_id=AKIAIOSFODNN7EXAMPLE",
            "-f",
            &format!("secret_access_key={SECRET_KEY}"),
            "-f",
            "region=var:region",
        ])
        .ok();
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh",
            "--no-verify",
            "-f",
            &format!("token={github_token}"),
        ])
        .ok();
    let auth = |connection: &str, provider: &str, scope: &[&str]| {
        let mut args = vec![
            "connection",
            "auth",
            "create",
            "--provider",
            provider,
            "--connection",
            connection,
        ];
        args.extend_from_slice(scope);
        sandbox.run(&args).ok();
    };
    auth(
        "aws-prod",
        "aws",
        &["--scope", "environment", "--environments", "staging,prod"],
    );
    auth("gh", "github", &["--scope", "organization"]);
    let default = |provider: &str, connection: &str, env: Option<&str>| {
        let mut args = vec![
            "connection",
            "default",
            "set",
            "--provider",
            provider,
            "--connection",
            connection,
        ];
        args.extend(env.map(|e| ["--env", e]).into_iter().flatten());
        sandbox.run(&args).ok();
    };
    default("aws", "aws-prod", None);
    default("aws", "aws-prod", Some("prod"));
    default("github", "gh", None);
}

/// Every (provider, environment) resolution, as `resolve -o json` says it (errors included).
fn resolutions(sandbox: &Sandbox) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for provider in ["aws", "github"] {
        for env in ["dev", "staging", "prod"] {
            let run = sandbox.run(&[
                "connection",
                "default",
                "resolve",
                "--provider",
                provider,
                "--env",
                env,
                "-o",
                "json",
            ]);
            let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
            out.push((provider.to_owned(), env.to_owned(), answer));
        }
    }
    out
}

fn matrix(sandbox: &Sandbox) -> serde_json::Value {
    let mut matrix = sandbox.run(&["connection", "matrix", "-o", "json"]).json();
    // When each side was last checked is its own business.
    for row in matrix["rows"].as_array_mut().into_iter().flatten() {
        row.as_object_mut().map(|r| r.remove("checked_at"));
    }
    matrix
}

async fn an_organization_round_trips_through_manifests(backend: Backend) {
    let github_token = format!("ghp_{}", random_alnum(36));
    let source = Sandbox::new(backend).await;
    let _a = source.start(&[]);
    populate(&source, &github_token);
    let exported = source.run(&["get", "all"]).ok().stdout;
    for secret in [SECRET_KEY, github_token.as_str()] {
        assert!(
            !exported.contains(secret),
            "a secret value was exported:\n{exported}"
        );
    }
    for names in [
        "kind: Runner",
        "default: true",
        "secret: aws-prod-secret-access-key",
        "variable: region",
        "environment: prod",
    ] {
        assert!(exported.contains(names), "{names}:\n{exported}");
    }

    let target = Sandbox::new(backend).await;
    let _b = target.start(&[]);
    let file = target.home().join("org.yaml");
    std::fs::write(&file, &exported).unwrap();
    let file = file.to_str().unwrap();
    // Before its secrets exist, the whole file is refused and nothing is applied.
    let refused = target.run(&["apply", "-f", file, "--no-verify"]);
    assert!(
        refused
            .stderr
            .contains("lanyard secret set aws-prod-secret-access-key --stdin"),
        "{refused:?}"
    );
    assert!(
        refused.stderr.contains("--runner-credentials-dir"),
        "{refused:?}"
    );
    assert_eq!(
        target.run(&["env", "list", "-o", "json"]).json(),
        serde_json::json!([])
    );

    target
        .run(&["secret", "set", "aws-prod-secret-access-key", SECRET_KEY])
        .ok();
    target
        .run(&["secret", "set", "gh-token", &github_token])
        .ok();
    target
        .run(&[
            "secret",
            "set",
            "aws-prod-access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
        ])
        .ok();
    let credentials = target.home().join("runners");
    std::fs::create_dir(&credentials).unwrap();
    let applied = target
        .run(&[
            "apply",
            "-f",
            file,
            "--no-verify",
            "--runner-credentials-dir",
            credentials.to_str().unwrap(),
        ])
        .ok();
    assert!(
        applied.stdout.contains("connection/aws-prod created"),
        "{applied:?}"
    );
    assert!(credentials.join("edge.json").exists(), "{applied:?}");

    assert_eq!(matrix(&target), matrix(&source));
    assert_eq!(resolutions(&target), resolutions(&source));
    let same = target.run(&["diff", "-f", file]);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    assert!(same.stdout.contains("No changes"), "{same:?}");

    // One document fewer: diff says what --prune would delete, apply --prune deletes it.
    let fewer: Vec<&str> = exported
        .split("---\n")
        .filter(|doc| !(doc.contains("kind: Default") && doc.contains("environment: prod")))
        .collect();
    std::fs::write(target.home().join("org.yaml"), fewer.join("---\n")).unwrap();
    let pending = target.run(&["diff", "-f", file, "--prune"]);
    assert_eq!(pending.status.code(), Some(1), "{pending:?}");
    assert!(
        pending.stdout.contains("default/aws@prod would be deleted"),
        "{pending:?}"
    );
    let unconfirmed = target.run(&["apply", "-f", file, "--prune"]);
    assert!(
        unconfirmed.error_line().contains("--yes"),
        "{unconfirmed:?}"
    );
    target
        .run(&["apply", "-f", file, "--prune", "--yes", "--no-verify"])
        .ok();
    let defaults = target
        .run(&["connection", "default", "list", "-o", "json"])
        .json();
    assert!(
        !defaults
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["environment"] == "prod"),
        "{defaults}"
    );
    let quiet = target.run(&["diff", "-f", file, "--prune"]);
    assert_eq!(quiet.status.code(), Some(0), "{quiet:?}");
}

async fn get_refuses_what_it_cannot_do(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "staging"]).ok();
    let cases: &[(&[&str], &str)] = &[
        (&["get", "all", "-o", "table"], "use -o yaml"),
        (&["get", "conection"], "did you mean `connection`?"),
        (&["get", "environment", "stagin"], "did you mean `staging`?"),
    ];
    for (args, says) in cases {
        let out = sandbox.run(args);
        assert!(out.error_line().contains(says), "{args:?}: {out:?}");
    }
    let one = sandbox.run(&["get", "env", "staging", "-o", "json"]).json();
    assert_eq!(one["kind"], "Environment", "{one}");
}
