//! Client commands against a running server: roles, a second organization, help texts, and
//! secret hygiene in the server log and the profile listing.

use crate::support::{tokens_in, Backend, Sandbox};

lanyard_testkit::backend_tests!(
    a_viewer_token_reads_but_cannot_write,
    a_second_organization_is_invisible_to_the_first,
    only_the_instance_admin_creates_and_deletes_organizations,
    help_works_for_every_subcommand,
    tokens_stay_out_of_the_log_and_the_profile_listing,
    deletions_say_what_goes_with_them_and_need_a_yes,
    a_deleted_environment_default_is_an_error_not_a_fallback,
    the_suggested_authorization_command_works,
    typos_get_a_did_you_mean,
    output_formats_are_honored_or_refused,
    the_trail_names_tokens_by_description_and_role,
    the_trail_exports_as_json_lines_and_resumes,
    an_audit_checkpoint_is_kept_under_object_lock_in_s3,
);

async fn a_viewer_token_reads_but_cannot_write(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let created = sandbox
        .run(&["token", "create", "--role", "viewer", "-o", "json"])
        .json();
    assert_eq!(created["role"], "viewer", "{created}");
    let viewer = created["secret"].as_str().expect("a secret").to_owned();
    assert!(viewer.starts_with("lyd_"), "{created}");

    let me = sandbox
        .run(&["--token", &viewer, "whoami", "-o", "json"])
        .json();
    assert_eq!(me["role"], "viewer", "{me}");
    let envs = sandbox
        .run(&["--token", &viewer, "env", "list", "-o", "json"])
        .json();
    assert_eq!(envs[0]["name"], "dev", "{envs}");

    // Both ways of passing the token are refused the same way, naming the role needed.
    for denied in [
        sandbox.run(&["--token", &viewer, "env", "create", "x"]),
        sandbox.run_env(&["env", "create", "x"], &[("LANYARD_TOKEN", &viewer)]),
    ] {
        let line = denied.error_line();
        assert!(line.contains("role admin"), "{denied:?}");
        assert!(!line.contains(&viewer), "the token was echoed: {denied:?}");
    }
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    assert_eq!(envs.as_array().map(Vec::len), Some(1), "{envs}");
}

async fn a_second_organization_is_invisible_to_the_first(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let created = sandbox.run(&["org", "create", "beta", "-o", "json"]).json();
    assert_eq!(created["organization"]["name"], "beta", "{created}");
    assert_eq!(created["admin_token"]["role"], "admin", "{created}");
    let beta = created["admin_token"]["secret"]
        .as_str()
        .expect("an admin token")
        .to_owned();
    assert!(beta.starts_with("lyd_"), "{created}");

    let me = sandbox
        .run(&["--token", &beta, "whoami", "-o", "json"])
        .json();
    assert_eq!(me["organization"], "beta", "{me}");
    assert_eq!(me["role"], "admin", "{me}");
    let empty = sandbox
        .run(&[
            "--token", &beta, "--org", "beta", "env", "list", "-o", "json",
        ])
        .json();
    assert_eq!(
        empty,
        serde_json::json!([]),
        "beta sees default's environments"
    );

    // Each token sees only its own organization; the other one does not exist for it.
    let across = sandbox.run(&["--token", &beta, "--org", "default", "env", "list"]);
    assert!(across.error_line().contains("not found"), "{across:?}");
    let across = sandbox.run(&["env", "list", "--org", "beta"]);
    assert!(across.error_line().contains("not found"), "{across:?}");
    let across = sandbox.run(&["--token", &beta, "--org", "default", "env", "create", "x"]);
    assert!(across.error_line().contains("not found"), "{across:?}");
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    assert_eq!(envs.as_array().map(Vec::len), Some(1), "{envs}");
}

/// The subcommands a help page lists under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Tenancy: the first start's token administers the instance; another organization's admin
/// can neither create nor delete organizations nor learn their names.
async fn only_the_instance_admin_creates_and_deletes_organizations(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let created = sandbox.run(&["org", "create", "beta", "-o", "json"]).json();
    let beta = created["admin_token"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let as_beta = |args: &[&str]| {
        let mut all = vec!["--token", beta.as_str(), "--org", "beta"];
        all.extend_from_slice(args);
        sandbox.run(&all)
    };
    for args in [
        &["org", "create", "gamma"][..],
        &["org", "delete", "default", "--yes"],
    ] {
        let refused = as_beta(args);
        let line = refused.error_line();
        assert!(
            line.contains("only the instance administrator"),
            "{args:?}: {line}"
        );
        assert!(
            !line.contains("default"),
            "{args:?} named another tenant: {line}"
        );
    }
    let listed = as_beta(&["org", "list", "-o", "json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["name"], "beta", "{listed}");

    // The instance administrator cannot delete its own organization, and deletes another.
    let own = sandbox.run(&["org", "delete", "default", "--yes"]);
    assert!(
        own.error_line().contains("instance administrator"),
        "{own:?}"
    );
    // Off a terminal, without --yes: what goes with the organization, counted; nothing goes.
    let asked = sandbox.run(&["org", "delete", "beta"]);
    let line = asked.error_line();
    for says in [
        "organization `beta`",
        "1 API token",
        "its audit trail",
        "--yes",
    ] {
        assert!(line.contains(says), "{line}");
    }
    as_beta(&["whoami"]).ok();
    sandbox.run(&["org", "delete", "beta", "--yes"]).ok();
    let gone = as_beta(&["whoami"]);
    assert!(gone.error_line().contains("not valid"), "{gone:?}");
    let trail = sandbox.run(&["audit", "list", "-o", "json"]).json();
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "organization.delete"),
        "{trail}"
    );
}

async fn help_works_for_every_subcommand(backend: Backend) {
    // Help needs no server, no profile and no token.
    let sandbox = Sandbox::new(backend).await;
    let mut visited = Vec::new();
    let mut pending = vec![Vec::<String>::new()];
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = sandbox.run(&args).ok();
        assert!(out.stdout.contains("Usage: lanyard"), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
        let subs = subcommands(&out.stdout);
        if subs.is_empty() {
            // A command one runs: shown how, with the shared options apart from its own.
            assert!(out.stdout.contains("Examples:\n  "), "{args:?}: {out:?}");
            assert!(out.stdout.contains("Global options:"), "{args:?}: {out:?}");
        }
        for sub in subs {
            let mut next = path.clone();
            next.push(sub);
            pending.push(next);
        }
        visited.push(path.join(" "));
    }
    let version = sandbox.run(&["--version"]).ok();
    assert!(version.stdout.contains("commit "), "{version:?}");
    assert!(version.stdout.contains("built 20"), "{version:?}");
    for required in [
        "",
        "server",
        "org",
        "org create",
        "env",
        "env create",
        "token create",
        "profile",
        "whoami",
    ] {
        assert!(
            visited.iter().any(|v| v == required),
            "`lanyard {required} --help` was not reached; visited {visited:?}"
        );
    }
    assert!(!sandbox.profile_path().exists(), "--help wrote a profile");
}

async fn tokens_stay_out_of_the_log_and_the_profile_listing(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    // Debug logging, as an operator chasing a problem would turn on.
    let server = sandbox
        .try_start("127.0.0.1:0", &[], &[("LANYARD_LOG", "debug")])
        .unwrap_or_else(|out| panic!("the server did not start: {out:?}"));
    let admin = server.first_token();
    sandbox.run(&["env", "create", "dev"]).ok();
    let viewer = sandbox.issue_token(&["--role", "viewer"]);
    sandbox.run(&["--token", &viewer, "env", "list"]).ok();
    let created = sandbox
        .run(&[
            "org",
            "create",
            "beta",
            "--save-profile",
            "beta",
            "-o",
            "json",
        ])
        .json();
    let beta = created["admin_token"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = sandbox.run(&["whoami", "-o", "json"]).json();
    assert_eq!(
        me["organization"], "beta",
        "the saved profile is not current: {me}"
    );
    let bogus = format!("{}x", &admin[..admin.len() - 1]);
    let refused = sandbox.run(&["--token", &bogus, "env", "list"]);
    assert!(!refused.error_line().contains(&bogus), "{refused:?}");

    // The listing shows where each profile points, never a token.
    let tokens = [admin.as_str(), viewer.as_str(), beta.as_str()];
    let listed = sandbox.run(&["profile", "list", "-o", "json"]).json();
    let mut names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["beta", "default"], "{listed}");
    for format in ["json", "yaml", "table"] {
        let out = sandbox.run(&["profile", "list", "-o", format]).ok();
        assert!(
            !out.stdout.contains("lyd_"),
            "a token in -o {format}: {out:?}"
        );
        assert!(tokens.iter().all(|t| !out.stdout.contains(t)), "{out:?}");
    }
    sandbox.run(&["profile", "use", "default"]).ok();
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    assert_eq!(envs[0]["name"], "dev", "{envs}");

    let out = server.stop().ok();
    assert!(
        out.stderr.contains("DEBUG"),
        "debug logging is off: {out:?}"
    );
    for token in tokens.iter().chain([&bogus.as_str()]) {
        assert!(!out.stderr.contains(token), "a token in the log: {out:?}");
    }
    assert_eq!(tokens_in(&out.stdout), [admin], "{out:?}");
}

/// `env delete` and `connection delete` name the defaults, authorizations and usage that go
/// with them, and without a terminal to ask on they need `--yes`: nothing is deleted otherwise.
async fn deletions_say_what_goes_with_them_and_need_a_yes(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox.run(&["env", "create", "staging"]).ok();
    let token = format!("ghp_{}", crate::support::random_alnum(36));
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh",
            "-f",
            &format!("token={token}"),
        ])
        .ok();
    crate::jobs::authorize_in(&sandbox, "github", "gh", "dev");
    let default = [
        "connection",
        "default",
        "set",
        "--provider",
        "github",
        "--connection",
        "gh",
        "--env",
        "dev",
    ];
    sandbox.run(&default).ok();
    sandbox
        .run(&["run", "--env", "dev", "-p", "github", "--", "true"])
        .ok();

    let refused = sandbox.run(&["env", "delete", "dev"]);
    let line = refused.error_line();
    for says in [
        "its default github connection (`gh`)",
        "the only authorization of connection `gh`",
        "--yes",
    ] {
        assert!(line.contains(says), "{line}");
    }
    let refused = sandbox.run(&["connection", "delete", "gh"]);
    let line = refused.error_line();
    for says in [
        "the default github connection of environment dev",
        "its authorization for dev",
        "its use by 1 job(s) in dev",
    ] {
        assert!(line.contains(says), "{line}");
    }
    // Nothing went.
    sandbox.run(&["env", "get", "dev"]).ok();
    sandbox.run(&["connection", "get", "gh"]).ok();
    let plain = sandbox.run(&["env", "delete", "staging"]);
    assert!(plain.error_line().contains("cannot be undone"), "{plain:?}");

    sandbox.run(&["env", "delete", "dev", "--yes"]).ok();
    let deleted = sandbox.run(&["connection", "delete", "gh", "--yes"]).ok();
    assert!(
        deleted.stdout.contains("secret(s) gh-token stay"),
        "{deleted:?}"
    );

    // A runner that connections pin their jobs to, and the default runner.
    sandbox.register_runner("edge");
    sandbox.run(&["runner", "set-default", "edge"]).ok();
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "aws-edge",
            "--auth-mode",
            "runner",
            "-f",
            "runner=edge",
            "-f",
            "account_id=123456789012",
        ])
        .ok();
    let refused = sandbox.run(&["runner", "delete", "edge"]);
    let line = refused.error_line();
    for says in ["default runner", "connection(s) `aws-edge`", "--yes"] {
        assert!(line.contains(says), "{line}");
    }
    sandbox.run(&["runner", "delete", "edge", "--yes"]).ok();
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    assert_eq!(envs.as_array().map(Vec::len), Some(1), "{envs}");
}

/// Dev's default `gh-dev` is deleted while the organization default is `gh-org`: dev's
/// deployments fail naming `gh-dev` until someone sets another default or unsets dev's.
async fn a_deleted_environment_default_is_an_error_not_a_fallback(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    for (name, env) in [
        ("gh-org", None),
        ("gh-dev", Some("dev")),
        ("gh-new", Some("dev")),
    ] {
        let token = format!("ghp_{}", crate::support::random_alnum(36));
        let field = format!("token={token}");
        sandbox
            .run(&["connect", "github", "--name", name, "-f", &field])
            .ok();
        crate::jobs::authorize_in(&sandbox, "github", name, "dev");
        let mut set = vec!["connection", "default", "set", "--provider", "github"];
        set.extend(["--connection", name]);
        set.extend(env.map(|e| ["--env", e]).into_iter().flatten());
        if name != "gh-new" {
            sandbox.run(&set).ok();
        }
    }
    let resolve = [
        "connection",
        "default",
        "resolve",
        "--provider",
        "github",
        "--env",
        "dev",
    ];
    let resolved = |sandbox: &Sandbox| {
        let mut args = resolve.to_vec();
        args.extend(["-o", "json"]);
        sandbox.run(&args).json()["connection"].clone()
    };
    assert_eq!(resolved(&sandbox), "gh-dev");
    sandbox
        .run(&["connection", "delete", "gh-dev", "--yes"])
        .ok();

    // The table of layers checked, then the error.
    let refused = sandbox.run(&resolve);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    for says in ["`gh-dev`, was deleted", "default set", "default unset"] {
        assert!(refused.stderr.contains(says), "{refused:?}");
    }
    let run = sandbox.run(&["run", "--env", "dev", "-p", "github", "--", "echo", "RAN"]);
    assert!(!run.stdout.contains("RAN"), "{run:?}");
    assert_eq!(run.status.code(), Some(125), "{run:?}");
    assert!(run.stderr.contains("`gh-dev`, was deleted"), "{run:?}");

    // Setting another default ends it; so does unsetting dev's, on purpose.
    let set = ["connection", "default", "set", "--provider", "github"];
    sandbox
        .run(&[&set[..], &["--connection", "gh-new", "--env", "dev"]].concat())
        .ok();
    assert_eq!(resolved(&sandbox), "gh-new");
    sandbox
        .run(&["connection", "delete", "gh-new", "--yes"])
        .ok();
    assert!(!sandbox.run(&resolve).status.success());
    sandbox
        .run(&[
            "connection",
            "default",
            "unset",
            "--provider",
            "github",
            "--env",
            "dev",
        ])
        .ok();
    assert_eq!(resolved(&sandbox), "gh-org");
}

/// "Not authorized" suggests the command that works given what exists (an `update` adding the
/// environment once an authorization exists), and running it as printed fixes the resolve; the
/// organization-default warning names only environments really left out.
async fn the_suggested_authorization_command_works(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    for env in ["dev", "prod"] {
        sandbox.run(&["env", "create", env]).ok();
    }
    let field = format!("token=ghp_{}", crate::support::random_alnum(36));
    sandbox
        .run(&["connect", "github", "--name", "gh", "-f", &field])
        .ok();
    crate::jobs::authorize_in(&sandbox, "github", "gh", "dev");
    let set_default = [
        "connection",
        "default",
        "set",
        "--provider",
        "github",
        "--connection",
        "gh",
    ];
    let warned = sandbox.run(&set_default).ok();
    assert!(warned.stderr.contains("environment(s) prod"), "{warned:?}");
    assert!(!warned.stderr.contains("dev,"), "{warned:?}");

    let resolve = |env: &str| {
        sandbox.run(&[
            "connection",
            "default",
            "resolve",
            "--provider",
            "github",
            "--env",
            env,
        ])
    };
    let refused = resolve("prod");
    let fix = refused
        .stderr
        .split('`')
        .find(|part| part.starts_with("lanyard connection authorization"))
        .unwrap_or_else(|| panic!("no command in {refused:?}"))
        .to_owned();
    assert!(
        fix.contains("update") && fix.contains("--add-environments prod"),
        "{fix}"
    );
    let args: Vec<&str> = fix.split_whitespace().skip(1).collect();
    sandbox.run(&args).ok();
    resolve("prod").ok();
    // Every environment is authorized now: no warning.
    let quiet = sandbox.run(&set_default).ok();
    assert!(!quiet.stderr.contains("not authorized"), "{quiet:?}");

    let auth = [
        "connection",
        "auth",
        "update",
        "--provider",
        "github",
        "--connection",
        "gh",
    ];
    sandbox
        .run(&[&auth[..], &["--remove-environments", "dev"]].concat())
        .ok();
    let shown = sandbox
        .run(&[
            "connection",
            "auth",
            "get",
            "--provider",
            "github",
            "--connection",
            "gh",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(
        shown[0]["environments"],
        serde_json::json!(["prod"]),
        "{shown}"
    );
    let wrong = sandbox.run(&[&auth[..], &["--remove-environments", "qa"]].concat());
    assert!(
        wrong.error_line().contains("not authorized for `qa`"),
        "{wrong:?}"
    );
}

/// A mistyped provider, environment, connection or field is answered with the name meant, never
/// with advice to create a new one.
async fn typos_get_a_did_you_mean(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "prod"]).ok();
    let field = format!("token=ghp_{}", crate::support::random_alnum(36));
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh-main",
            "--no-verify",
            "-f",
            &field,
        ])
        .ok();
    let cases: &[(&[&str], &str)] = &[
        (
            &["connect", "githb", "-f", "token=x"],
            "did you mean `github`?",
        ),
        (
            &["connect", "github", "--name", "x", "-f", "tokn=abc"],
            "did you mean `token`?",
        ),
        (&["env", "get", "prd"], "did you mean `prod`?"),
        (&["connection", "get", "gh-mian"], "did you mean `gh-main`?"),
        (
            &[
                "connection",
                "default",
                "set",
                "--provider",
                "github",
                "--connection",
                "gh-main",
                "--env",
                "prdo",
            ],
            "did you mean `prod`?",
        ),
        (
            &["run", "--env", "prod", "-c", "gh-mai", "--", "true"],
            "did you mean `gh-main`?",
        ),
    ];
    for (args, says) in cases {
        let out = sandbox.run(args);
        assert!(!out.status.success(), "{args:?}: {out:?}");
        assert!(out.stderr.contains(says), "{args:?}: {out:?}");
        assert!(!out.stderr.contains("env create"), "{args:?}: {out:?}");
    }
    let far = sandbox.run(&["env", "get", "staging"]);
    assert!(
        far.error_line().contains("lanyard env create staging"),
        "{far:?}"
    );
}

/// `-o` is honored (`run --detach`, `apply`) or refused with what the command prints instead;
/// never silently ignored.
async fn output_formats_are_honored_or_refused(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let detached = sandbox
        .run(&[
            "run", "--env", "dev", "--detach", "-o", "json", "--", "true",
        ])
        .json();
    let id = detached["id"].as_str().expect("the job as JSON").to_owned();
    let file = sandbox.home().join("env.yaml");
    std::fs::write(
        &file,
        "apiVersion: lanyard.dev/v1\nkind: Environment\nmetadata: {name: qa}\n",
    )
    .unwrap();
    let applied = sandbox
        .run(&["apply", "-f", file.to_str().unwrap(), "-o", "json"])
        .json();
    assert_eq!(applied[0]["object"], "environment/qa", "{applied}");
    assert_eq!(applied[0]["action"], "created", "{applied}");
    // Tables fit COLUMNS; without it (and no terminal) they are not squeezed.
    let description = "the deployer token that the nightly staging pipeline uses to roll out";
    sandbox
        .run(&[
            "token",
            "create",
            "--role",
            "deployer",
            "--description",
            description,
        ])
        .ok();
    let narrow = sandbox
        .run_env(&["token", "list"], &[("COLUMNS", "60")])
        .ok();
    assert!(
        narrow.stdout.lines().all(|l| l.chars().count() <= 60),
        "{narrow:?}"
    );
    let piped = sandbox.run(&["token", "list"]).ok();
    assert!(piped.stdout.contains(description), "{piped:?}");
    let refused: &[(&[&str], &str)] = &[
        (
            &["run", "--env", "dev", "-o", "json", "--", "true"],
            "--detach",
        ),
        (&["job", "logs", &id, "-o", "json"], "job's own output"),
        (&["audit", "export", "-o", "yaml"], "JSON lines"),
        (&["keys", "generate", "-o", "json"], "the key alone"),
        (&["get", "all", "-o", "table"], "-o yaml"),
    ];
    for (args, says) in refused {
        let out = sandbox.run(args);
        assert!(out.error_line().contains(says), "{args:?}: {out:?}");
    }
}

/// The audit list and a secret's history name the token that acted by its description and
/// role, also once it is revoked.
async fn the_trail_names_tokens_by_description_and_role(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let bot = sandbox.issue_token(&["--role", "admin", "--description", "release bot"]);
    sandbox
        .run(&[
            "--token",
            &bot,
            "secret",
            "set",
            "deploy-key",
            "s3cret-value-123",
        ])
        .ok();
    let id = sandbox
        .run(&["whoami", "--token", &bot, "-o", "json"])
        .json()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    sandbox.run(&["token", "revoke", &id]).ok();
    let versions = sandbox.run(&["secret", "versions", "deploy-key"]).ok();
    assert!(
        versions.stdout.contains("release bot (admin), revoked"),
        "{versions:?}"
    );
    let trail = sandbox.run(&["audit", "list", "-o", "json"]).json();
    let set = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "secret.set")
        .expect("the secret.set event");
    assert_eq!(set["actor"], id.as_str(), "{set}");
    assert_eq!(set["actor_label"], "release bot (admin), revoked", "{set}");
}

/// `audit export` writes every event oldest first with its chain hash, resumes after a given
/// event, and is for admins only; `audit prune` then removes what was exported.
async fn the_trail_exports_as_json_lines_and_resumes(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    for env in ["dev", "qa", "prod"] {
        sandbox.run(&["env", "create", env]).ok();
    }
    let file = sandbox.home().join("audit.jsonl");
    let path = file.to_str().unwrap();
    sandbox.run(&["audit", "export", "--out", path]).ok();
    let lines = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let first = lines(&std::fs::read_to_string(&file).unwrap());
    let listed = sandbox.run(&["audit", "list", "-o", "json"]).json();
    assert_eq!(first.len(), listed.as_array().unwrap().len(), "{first:?}");
    let seqs: Vec<i64> = first.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // Keyed links (`k1:` and an HMAC) after the first start's own event.
    assert!(first.iter().all(|e| e["hash"]
        .as_str()
        .is_some_and(|h| h.trim_start_matches("k1:").len() == 64)));
    // Resuming appends only what came after.
    sandbox.run(&["env", "create", "staging"]).ok();
    let last = seqs.last().unwrap().to_string();
    let resumed = sandbox
        .run(&["audit", "export", "--after", &last, "--out", path])
        .ok();
    assert!(resumed.stderr.contains("Exported 1 events"), "{resumed:?}");
    let all = lines(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(all.len(), first.len() + 1);
    assert_eq!(all.last().unwrap()["action"], "environment.create");
    // A checkpoint kept outside the database verifies the trail up to it.
    let checkpoint = sandbox.home().join("checkpoint.json");
    let checkpoint = checkpoint.to_str().unwrap();
    sandbox
        .run(&["audit", "checkpoint", "--out", checkpoint])
        .ok();
    let verified = sandbox
        .run(&["audit", "verify", "--checkpoint", checkpoint])
        .ok();
    assert!(
        verified.stdout.contains("Audit trail intact"),
        "{verified:?}"
    );
    // Viewers read the trail but do not export it.
    let viewer = sandbox.issue_token(&["--role", "viewer"]);
    let refused = sandbox.run(&["--token", &viewer, "audit", "export"]);
    assert!(refused.error_line().contains("admin"), "{refused:?}");

    // What was exported can go from the database: only with --yes off a terminal, and the
    // rest of the trail (and the checkpoint taken before) still verifies.
    let through = last.as_str();
    let unconfirmed = sandbox.run(&["audit", "prune", "--through", through]);
    assert!(
        unconfirmed.error_line().contains("--yes"),
        "{unconfirmed:?}"
    );
    let pruned = sandbox
        .run(&["audit", "prune", "--through", through, "--yes"])
        .ok();
    assert!(
        pruned.stdout.contains(&format!("through #{through}")),
        "{pruned:?}"
    );
    let left = sandbox.run(&["audit", "list", "-o", "json"]).json();
    let oldest = left
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .min();
    assert_eq!(oldest, Some(seqs.last().unwrap() + 1), "{left}");
    let verified = sandbox
        .run(&["audit", "verify", "--checkpoint", checkpoint])
        .ok();
    assert!(
        verified.stdout.contains("Audit trail intact"),
        "{verified:?}"
    );
    // Or only what came after the checkpoint.
    let resumed = sandbox
        .run(&[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint,
            "--since-checkpoint",
        ])
        .ok();
    assert!(resumed.stdout.contains("Audit trail intact"), "{resumed:?}");
}

/// `audit checkpoint --s3` writes the checkpoint to an object-locked bucket (moto) with the
/// operator's own AWS identity: compliance mode, retained as asked, and a bucket without object
/// lock is refused with how to make one.
async fn an_audit_checkpoint_is_kept_under_object_lock_in_s3(backend: Backend) {
    let moto = lanyard_testkit::moto::Moto::start();
    moto.python(
        None,
        "s3 = client('s3')\n\
         s3.create_bucket(Bucket='acme-audit', ObjectLockEnabledForBucket=True)\n\
         s3.create_bucket(Bucket='plain-bucket')\n",
    );
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let endpoint = moto.endpoint();
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ];
    let checkpoint = |url: &str| {
        sandbox.run_env(
            &["audit", "checkpoint", "--s3", url, "--retain-days", "30"],
            &aws,
        )
    };
    let locked = checkpoint("s3://acme-audit/lanyard").ok();
    let printed: serde_json::Value = serde_json::from_str(&locked.stdout).unwrap();
    let seq = printed["seq"].as_i64().unwrap();
    let key = format!(
        "lanyard/{}/checkpoint-{seq:012}.json",
        printed["org"].as_str().unwrap()
    );
    assert!(locked.stderr.contains(&key), "{locked:?}");
    let stored = moto.python(
        None,
        &format!(
            "s3 = client('s3')\n\
             body = json.loads(s3.get_object(Bucket='acme-audit', Key='{key}')['Body'].read())\n\
             head = s3.head_object(Bucket='acme-audit', Key='{key}')\n\
             import datetime\n\
             until = head['ObjectLockRetainUntilDate']\n\
             days = (until - datetime.datetime.now(datetime.timezone.utc)).days\n\
             try:\n\
             \x20   s3.delete_object(Bucket='acme-audit', Key='{key}', VersionId=head['VersionId'])\n\
             \x20   deleted = 'deleted'\n\
             except Exception as e:\n\
             \x20   deleted = e.response['Error']['Code']\n\
             print(body['seq'], body['mac'] != '', head['ObjectLockMode'], days, deleted)\n"
        ),
    );
    // (moto's GetObjectRetention answers 500; HeadObject carries the same lock.)
    assert_eq!(
        stored,
        format!("{seq} True COMPLIANCE 29 AccessDenied"),
        "{stored}"
    );
    // The checkpoint read back from the bucket verifies the trail.
    let file = sandbox.home().join("cp.json");
    std::fs::write(&file, &locked.stdout).unwrap();
    let verified = sandbox
        .run(&["audit", "verify", "--checkpoint", file.to_str().unwrap()])
        .ok();
    assert!(
        verified.stdout.contains("Audit trail intact"),
        "{verified:?}"
    );
    let refused = checkpoint("s3://plain-bucket/lanyard");
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused.error_line().contains("has no object lock"),
        "{refused:?}"
    );
}
