//! `lanyard run --dir` and `--artifact` end to end: the engineer's files reach the job (and
//! only those not ignored), the job cannot touch the local copy, results come back, and a
//! directory over the limits is refused before anything is sent.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(
    a_directory_runs_on_the_builtin_runner_and_its_artifacts_come_back,
    a_directory_runs_on_a_registered_runner,
    an_oversized_directory_is_refused_before_upload,
    a_directory_and_a_repository_together_are_refused,
);

/// The files of a small Terraform project, with what must not travel: ignored by .gitignore,
/// by .lanyardignore, and the .git directory.
const PROJECT: &[(&str, &str)] = &[
    ("main.tf", "module \"vpc\" { source = \"./modules/vpc\" }\n"),
    ("modules/vpc/main.tf", "variable \"cidr\" {}\n"),
    ("keep.txt", "the local copy\n"),
    (".gitignore", "*.tfstate\n.terraform/\n"),
    ("terraform.tfstate", "{\"local\": \"state\"}\n"),
    (".terraform/providers/cache.bin", "cache"),
    (".lanyardignore", "notes/\n"),
    ("notes/todo.md", "private\n"),
    (".git/HEAD", "ref: refs/heads/main\n"),
];

/// What the job sees of [`PROJECT`], as `find . | sort` prints it.
const ARRIVED: &str = ".\n./.gitignore\n./.lanyardignore\n./keep.txt\n./main.tf\n./modules\n\
                       ./modules/vpc\n./modules/vpc/main.tf\n";

/// Lists the tree, changes and deletes files (in the job's copy), and leaves a result.
const JOB: &str = "find . | sort; cat modules/vpc/main.tf; echo changed > main.tf; \
                   rm keep.txt; mkdir -p out/deep; echo result > out/deep/r.txt";

fn project(sandbox: &Sandbox) -> PathBuf {
    let root = sandbox.home().join("proj");
    for (path, body) in PROJECT {
        let at = root.join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, body).unwrap();
    }
    root
}

#[track_caller]
fn assert_untouched(root: &Path) {
    for (path, body) in PROJECT {
        assert_eq!(
            std::fs::read_to_string(root.join(path)).unwrap(),
            *body,
            "the job changed the local {path}"
        );
    }
}

fn newest_job(sandbox: &Sandbox) -> serde_json::Value {
    sandbox.run(&["job", "list", "-o", "json"]).json()[0].clone()
}

async fn a_directory_runs_on_the_builtin_runner_and_its_artifacts_come_back(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let root = project(&sandbox);
    let dir = root.to_str().unwrap();
    let ran = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--dir",
        dir,
        "--artifact",
        "out",
        "--artifact",
        "missing",
        "--",
        "sh",
        "-c",
        JOB,
    ]);
    assert_eq!(ran.status.code(), Some(0), "{ran:?}");
    assert!(ran.stdout.starts_with(ARRIVED), "{ran:?}");
    assert!(ran.stdout.contains("variable \"cidr\" {}"), "{ran:?}");
    assert!(ran.stderr.contains("uploading"), "{ran:?}");
    assert!(
        ran.stderr.contains("(their contents are not masked)"),
        "{ran:?}"
    );
    assert!(ran.stderr.contains("not found: `missing`"), "{ran:?}");
    assert_untouched(&root);

    let job = newest_job(&sandbox);
    let id = job["id"].as_str().unwrap();
    let digest = job["upload"]["digest"].as_str().unwrap().to_owned();
    assert!(digest.starts_with("sha256:"), "{job}");
    assert_eq!(job["upload"]["files"], 7, "{job}");
    assert_eq!(
        job["artifacts"],
        serde_json::json!(["out", "missing"]),
        "{job}"
    );

    // The upload's size and digest are in the audit trail; the upload is gone with its job.
    let audit = sandbox.run(&["audit", "list", "-o", "json"]).json();
    let recorded = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "upload.create")
        .unwrap_or_else(|| panic!("no upload event: {audit}"));
    let details = recorded["details"].to_string();
    assert!(
        details.contains(&digest) && details.contains("size"),
        "{recorded}"
    );

    let out = sandbox.home().join("results");
    let fetched = sandbox.run(&["job", "artifacts", id, "--out", out.to_str().unwrap()]);
    assert!(fetched.status.success(), "{fetched:?}");
    assert_eq!(
        std::fs::read_to_string(out.join("out/deep/r.txt")).unwrap(),
        "result\n"
    );
    // A second download never overwrites what is there.
    let again = sandbox.run(&["job", "artifacts", id, "--out", out.to_str().unwrap()]);
    assert!(again.error_line().contains("r.txt"), "{again:?}");
}

async fn a_directory_runs_on_a_registered_runner(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let runner = sandbox.start_runner("edge", &[]);
    let root = project(&sandbox);
    let ran = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--runner",
        "edge",
        "--dir",
        root.to_str().unwrap(),
        "--artifact",
        "out",
        "--",
        "sh",
        "-c",
        JOB,
    ]);
    assert_eq!(ran.status.code(), Some(0), "{ran:?}\n{}", runner.output());
    assert!(ran.stdout.starts_with(ARRIVED), "{ran:?}");
    assert_untouched(&root);
    let id = newest_job(&sandbox)["id"].as_str().unwrap().to_owned();
    let out = sandbox.home().join("results");
    sandbox
        .run(&["job", "artifacts", &id, "--out", out.to_str().unwrap()])
        .ok();
    assert_eq!(
        std::fs::read_to_string(out.join("out/deep/r.txt")).unwrap(),
        "result\n"
    );
}

async fn an_oversized_directory_is_refused_before_upload(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let root = project(&sandbox);
    // A sparse 8 GiB disk image: refusing it must not read (or send) it.
    let image = std::fs::File::create(root.join("disk.img")).unwrap();
    image.set_len(8 << 30).unwrap();
    let started = Instant::now();
    let refused = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--dir",
        root.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert!(
        started.elapsed().as_secs() < 10,
        "the check took {:?}",
        started.elapsed()
    );
    assert_eq!(refused.status.code(), Some(125), "{refused:?}");
    for needed in [
        "more than the limit of 256 MiB",
        "disk.img (8 GiB)",
        ".lanyardignore",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "`{needed}` missing: {refused:?}"
        );
    }
    std::fs::remove_file(root.join("disk.img")).unwrap();

    // The organization's own limit applies, and an admin can change it.
    sandbox
        .run(&["org", "upload-limits", "--max-files", "5"])
        .ok();
    let refused = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--dir",
        root.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert!(
        refused.stderr.contains("more than the limit of 5"),
        "{refused:?}"
    );
    let audit = sandbox.run(&["audit", "list", "-o", "json"]).json();
    assert!(
        !audit.to_string().contains("upload.create"),
        "a refused directory was uploaded: {audit}"
    );
    sandbox.run(&["org", "upload-limits", "--default"]).ok();
    let org = sandbox.run(&["org", "get", "-o", "json"]).json();
    assert_eq!(org["upload_limits"]["max_files"], 50_000, "{org}");
}

async fn a_directory_and_a_repository_together_are_refused(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let refused = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--dir",
        ".",
        "--git",
        "https://github.com/acme/infra.git",
        "--",
        "true",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("--dir and --git both give the job its files; choose one"),
        "{refused:?}"
    );
}
