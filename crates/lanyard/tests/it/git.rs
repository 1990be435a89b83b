//! `lanyard run --git`: cloning through a real git server (git-http-backend behind lighttpd
//! with TLS and basic auth) with the job's GitHub connection token as the password, and never
//! anywhere else: a URL on another host, or over plain http, is refused before anything runs.
//! The job's own git (push, a private submodule) authenticates through a helper scoped to the
//! same host.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::jobs::authorize_and_default;
use crate::support::{random_alnum, Backend, Sandbox};

/// The username GitHub expects with a token; the peer's password file has it.
const GIT_USER: &str = "x-access-token";

/// lighttpd serving `<root>/repos` through git-http-backend at `/git/` over TLS (a
/// self-signed certificate for 127.0.0.1), basic auth required.
struct GitServer {
    child: Child,
    port: u16,
    root: tempfile::TempDir,
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git_exec_path() -> PathBuf {
    let out = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git is installed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn run_ok(command: &mut Command) {
    let out = command.output().expect("spawn");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl GitServer {
    /// A server holding `demo.git` with one commit (a file `hello.txt`), whose one user
    /// authenticates with `password`.
    fn start(password: &str) -> Self {
        let root = tempfile::tempdir().unwrap();
        lanyard_testkit::tls::self_signed_for_loopback(root.path());
        let repos = root.path().join("repos");
        std::fs::create_dir_all(&repos).unwrap();
        let work = root.path().join("work");
        run_ok(
            Command::new("git")
                .args(["init", "-q", "-b", "main"])
                .arg(&work),
        );
        std::fs::write(work.join("hello.txt"), "hello from the git peer\n").unwrap();
        run_ok(
            Command::new("git")
                .current_dir(&work)
                .args(["add", "hello.txt"]),
        );
        run_ok(Command::new("git").current_dir(&work).args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "first",
        ]));
        run_ok(
            Command::new("git")
                .args(["clone", "-q", "--bare"])
                .arg(&work)
                .arg(repos.join("demo.git")),
        );
        let users = root.path().join("users");
        std::fs::write(&users, format!("{GIT_USER}:{password}\n")).unwrap();
        let port = lanyard_testkit::free_port();
        let config = root.path().join("lighttpd.conf");
        std::fs::write(&config, lighttpd_config(root.path(), &repos, &users, port)).unwrap();
        let child = Command::new(lighttpd())
            .args(["-D", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lighttpd starts (apt-get install lighttpd; .ci/run installs it)");
        lanyard_testkit::wait_for_listener(port, Duration::from_secs(10), || {
            format!("lighttpd did not listen on {port}")
        });
        Self { child, port, root }
    }

    fn url(&self) -> String {
        format!("{}/git/demo.git", self.origin())
    }

    fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Adds a second private repository, `lib.git`, as the submodule `lib` of `demo.git`
    /// (pointing at its https URL on this server), as a new commit on `main`.
    fn add_private_submodule(&self) {
        let root = self.root.path();
        let lib = root.join("lib-work");
        let git = |dir: &Path, args: &[&str]| {
            run_ok(Command::new("git").current_dir(dir).args(args));
        };
        let identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
        std::fs::create_dir_all(&lib).unwrap();
        git(&lib, &["init", "-q", "-b", "main"]);
        std::fs::write(lib.join("lib.txt"), "hello from the private submodule\n").unwrap();
        git(&lib, &["add", "lib.txt"]);
        git(
            &lib,
            &[&identity[..], &["commit", "-q", "-m", "lib"]].concat(),
        );
        let bare = root.join("repos").join("lib.git");
        git(
            root,
            &[
                "clone",
                "-q",
                "--bare",
                lib.to_str().unwrap(),
                bare.to_str().unwrap(),
            ],
        );
        let head = Command::new("git")
            .current_dir(&lib)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap();
        let head = String::from_utf8(head.stdout).unwrap().trim().to_owned();
        // The gitlink and .gitmodules by hand: `git submodule add` would fetch over https.
        let work = root.join("work");
        git(
            &work,
            &[
                "pull",
                "-q",
                root.join("repos/demo.git").to_str().unwrap(),
                "main",
            ],
        );
        std::fs::write(
            work.join(".gitmodules"),
            format!(
                "[submodule \"lib\"]\n\tpath = lib\n\turl = {}/git/lib.git\n",
                self.origin()
            ),
        )
        .unwrap();
        git(&work, &["add", ".gitmodules"]);
        git(
            &work,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{head},lib"),
            ],
        );
        git(
            &work,
            &[&identity[..], &["commit", "-q", "-m", "add lib"]].concat(),
        );
        git(
            &work,
            &[
                "push",
                "-q",
                root.join("repos/demo.git").to_str().unwrap(),
                "main",
            ],
        );
    }

    /// Copies the server's certificate where jobs can read it; returns its path.
    fn share_certificate(&self, dir: &Path) -> PathBuf {
        let path = dir.join("git-ca.pem");
        std::fs::copy(self.root.path().join("cert.pem"), &path).unwrap();
        path
    }
}

fn lighttpd() -> &'static str {
    ["/usr/sbin/lighttpd", "/usr/bin/lighttpd"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("lighttpd")
}

fn lighttpd_config(root: &Path, repos: &Path, users: &Path, port: u16) -> String {
    let backend = git_exec_path().join("git-http-backend");
    format!(
        r#"server.document-root = "{root}"
server.bind = "127.0.0.1"
server.port = {port}
server.pid-file = "{root}/lighttpd.pid"
server.errorlog = "{root}/error.log"
server.modules = ("mod_openssl", "mod_auth", "mod_authn_file", "mod_cgi", "mod_alias", "mod_setenv")
ssl.engine = "enable"
ssl.pemfile = "{root}/cert.pem"
ssl.privkey = "{root}/key.pem"
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
auth.require = ("/git/" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
alias.url = ("/git/" => "{backend}/")
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "{repos}", "GIT_HTTP_EXPORT_ALL" => "")
}}
"#,
        root = root.display(),
        users = users.display(),
        backend = backend.display(),
        repos = repos.display(),
    )
}

lanyard_testkit::backend_tests!(a_job_clones_with_its_git_connection_token);

async fn a_job_clones_with_its_git_connection_token(backend: Backend) {
    let token = format!("ghp_{}", random_alnum(36));
    let git = GitServer::start(&token);
    let sandbox = Sandbox::new(backend).await;
    // The git server's certificate comes from a private CA that neither the server nor the
    // runner trusts: the connection brings it (`ca_bundle`).
    let ca = git.share_certificate(&sandbox.shared());
    let ca = ca.to_str().unwrap();
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh",
            "--field",
            &format!("token={token}"),
            "--field",
            &format!("host={}", git.origin()),
        ])
        .ok();
    authorize_and_default(&sandbox, "github", "gh");

    // The token goes nowhere but the connection's host, and only over https: a listener that
    // stands in for someone else's server sees no connection at all.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let elsewhere = listener.local_addr().unwrap().port();
    for (url, says) in [
        (
            format!("http://127.0.0.1:{elsewhere}/acme/infra.git"),
            "not an https URL".to_owned(),
        ),
        (
            format!("https://127.0.0.1:{elsewhere}/acme/infra.git"),
            format!("sends its token only to {}", git.origin()),
        ),
        (
            git.url().replace("https://", "http://"),
            "not an https URL".to_owned(),
        ),
        (
            "https://github.com/acme/infra.git".to_owned(),
            format!("sends its token only to {}", git.origin()),
        ),
    ] {
        let refused = sandbox.run(&["run", "--env", "dev", "--git", &url, "--", "true"]);
        assert_eq!(refused.status.code(), Some(125), "{url}: {refused:?}");
        assert!(refused.stderr.contains(&says), "{url}: {refused:?}");
    }
    assert!(
        listener.accept().is_err(),
        "a refused --git URL still reached its host"
    );
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs, serde_json::json!([]), "refused before a job exists");

    // Without the CA, the clone cannot trust the server; with it in the connection, it can.
    let untrusted = sandbox.run(&["run", "--env", "dev", "--git", &git.url(), "--", "true"]);
    assert_eq!(untrusted.status.code(), Some(125), "{untrusted:?}");
    assert!(untrusted.stderr.contains("certificate"), "{untrusted:?}");
    let updated = sandbox
        .run(&[
            "connection",
            "update",
            "gh",
            "-f",
            &format!("ca_bundle=@{ca}"),
        ])
        .ok();
    assert!(updated.stdout.contains("ca_bundle"), "{updated:?}");
    let checked = sandbox.run(&["connection", "test", "gh"]);
    assert!(!checked.stdout.contains("unreachable"), "{checked:?}");

    let cloned = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--git",
        &git.url(),
        "--ref",
        "main",
        "--",
        "sh",
        "-c",
        "cat hello.txt; git remote get-url origin; env | grep -c GITHUB_TOKEN || true",
    ]);
    assert_eq!(cloned.status.code(), Some(0), "{cloned:?}");
    assert!(
        cloned.stdout.contains("hello from the git peer"),
        "{cloned:?}"
    );
    // The token is neither in the remote URL nor injected into a job that did not ask for it.
    assert!(cloned.stdout.contains(&git.url()), "{cloned:?}");
    assert!(cloned.stdout.lines().any(|l| l == "0"), "{cloned:?}");
    assert!(
        !cloned.stdout.contains(&token) && !cloned.stderr.contains(&token),
        "{cloned:?}"
    );

    // The job's own git gets the token from a helper scoped to the connection's host: it can
    // push, and the token is in no URL and no `.git/config`.
    let push = "git -c user.name=job -c user.email=job@example.com commit -q --allow-empty \
                -m 'pushed from a job' && git push -q origin HEAD:main && cat .git/config && \
                git ls-remote origin main";
    // A job in the clone with the connection injected too, running `script`.
    let in_clone = |script: &str| {
        let url = git.url();
        sandbox.run(&[
            "run", "--env", "dev", "-p", "github", "--git", &url, "--", "sh", "-c", script,
        ])
    };
    let pushed = in_clone(push);
    assert_eq!(pushed.status.code(), Some(0), "{pushed:?}");
    assert!(!pushed.stdout.contains(&token), "{pushed:?}");
    let log = Command::new("git")
        .arg("--git-dir")
        .arg(git.root.path().join("repos").join("demo.git"))
        .args(["log", "--format=%s", "main"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&log.stdout).contains("pushed from a job"),
        "the push reached the server: {log:?}"
    );

    // A private submodule on the same host: the job's own `git submodule update` gets the
    // token from the same helper, and it lands nowhere on disk.
    git.add_private_submodule();
    let submodule = "git submodule update -q --init && cat lib/lib.txt && \
                     cat .git/config .git/modules/lib/config";
    let updated = in_clone(submodule);
    assert_eq!(updated.status.code(), Some(0), "{updated:?}");
    assert!(
        updated.stdout.contains("hello from the private submodule"),
        "{updated:?}"
    );
    assert!(!updated.stdout.contains(&token), "{updated:?}");
    assert!(!updated.stderr.contains(&token), "{updated:?}");

    // With a wrong token the clone fails clearly and the command never runs.
    let wrong = format!("ghp_{}", random_alnum(36));
    sandbox
        .run(&[
            "connection",
            "update",
            "gh",
            "--field",
            &format!("token={wrong}"),
        ])
        .ok();
    let marker = sandbox.shared().join("ran");
    let refused = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--git",
        &git.url(),
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(125), "{refused:?}");
    assert!(refused.stderr.contains("git clone"), "{refused:?}");
    assert!(refused.stderr.contains("connection `gh`"), "{refused:?}");
    assert!(!refused.stderr.contains(&wrong), "{refused:?}");
    assert!(!marker.exists(), "the command ran after a failed clone");
}
