//! npm through `lanyard run` against a real registry (verdaccio), with nothing added by hand: a
//! generic-kind connection is checked on save, a project whose committed `.npmrc` says
//! `_authToken=${NPM_TOKEN}` publishes with it, another job installs what was published through
//! Lanyard's own `.npmrc`, and a wrong token is refused by the check and by the registry.

use lanyard_testkit::verdaccio::Verdaccio;

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(
    npm_publishes_and_installs_through_a_generic_connection,
    java_tools_see_the_jobs_own_home_and_maven_settings,
);

async fn npm_publishes_and_installs_through_a_generic_connection(backend: Backend) {
    let registry = Verdaccio::start("ci", "s3cret-pw-123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, token: &str| {
        sandbox.run(&[
            "connect",
            "npm",
            "--kind",
            "generic",
            "--name",
            name,
            "-f",
            &format!("registry_url={}", registry.url()),
            "-f",
            &format!("token={token}"),
        ])
    };
    let good = connect("npm-local", registry.token()).ok();
    assert!(good.stdout.contains("knows ci"), "{good:?}");
    let bad = connect("npm-bad", "not-a-token-0123456789").ok();
    assert!(bad.stdout.contains("does not know the token"), "{bad:?}");
    authorize_and_default(&sandbox, "npm", "npm-local");
    crate::jobs::authorize_in(&sandbox, "npm", "npm-bad", "dev");

    // A project as it sits in git: its .npmrc names the registry and takes the token from
    // NPM_TOKEN; Lanyard's own .npmrc is switched off to show that NPM_TOKEN alone is enough.
    let project = sandbox.home().join("hello");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        r#"{"name": "lanyard-hello", "version": "1.0.0", "main": "index.js"}"#,
    )
    .unwrap();
    std::fs::write(project.join("index.js"), "module.exports = 'hello';\n").unwrap();
    let host = registry.url().trim_start_matches("http:").to_owned();
    std::fs::write(
        project.join(".npmrc"),
        format!(
            "registry={}\n{host}:_authToken=${{NPM_TOKEN}}\n",
            registry.url()
        ),
    )
    .unwrap();
    let dir = project.to_str().unwrap();
    let publish = "env -u NPM_CONFIG_USERCONFIG npm publish --no-audit 2>&1; echo \"published=$?\"";
    let run = |connection: &str, script: &str| {
        sandbox.run(&[
            "run", "--env", "dev", "-c", connection, "--dir", dir, "--", "sh", "-c", script,
        ])
    };
    let refused = run("npm-bad", publish);
    assert!(refused.stdout.contains("published=1"), "{refused:?}");
    assert!(
        !refused.stdout.contains("not-a-token-0123456789"),
        "{refused:?}"
    );
    let published = run("npm-local", publish);
    assert!(published.stdout.contains("published=0"), "{published:?}");
    assert!(
        !published.stdout.contains(registry.token()),
        "{published:?}"
    );

    // Another job installs it through the .npmrc Lanyard writes (NPM_CONFIG_USERCONFIG).
    let install = "mkdir -p consumer && cd consumer && echo '{}' > package.json && \
                   npm install --no-audit --no-fund lanyard-hello@1.0.0 >/dev/null 2>&1; \
                   node -e \"console.log('got', require('lanyard-hello'))\"";
    let installed = sandbox.run(&[
        "run", "--env", "dev", "-p", "npm", "--", "sh", "-c", install,
    ]);
    assert!(installed.stdout.contains("got hello"), "{installed:?}");
}

/// Java reads user.home from the passwd entry, not $HOME: each job's JVM is told its own home,
/// where Lanyard's Maven settings sit as ~/.m2/settings.xml, so Maven 3.8 (which ignores
/// MAVEN_ARGS) finds them without `-s`, and no job reads the runner's ~/.m2.
async fn java_tools_see_the_jobs_own_home_and_maven_settings(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox
        .run(&[
            "connect",
            "maven",
            "--kind",
            "jfrog",
            "--name",
            "artifactory",
            "--no-verify",
            "-f",
            "server_url=https://acme.jfrog.io/artifactory",
            "-f",
            "repo_key=libs-release",
            "-f",
            "username=ci",
            "-f",
            "access_token=jfrog-access-token-PLANTED-0123456789",
            "-f",
            "server_id=acme-releases",
        ])
        .ok();
    authorize_and_default(&sandbox, "maven", "artifactory");
    let script = "java -XshowSettings:properties -version 2>&1 | grep 'user.home = ' ; \
                  echo \"HOME=$HOME\"; grep -o '<id>acme-releases</id>' \"$HOME/.m2/settings.xml\" | head -1";
    let shown = sandbox.run(&[
        "run", "--env", "dev", "-p", "maven", "--", "sh", "-c", script,
    ]);
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    let home = shown
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("HOME="))
        .unwrap_or_else(|| panic!("no HOME: {shown:?}"))
        .to_owned();
    assert!(
        shown.stdout.contains(&format!("user.home = {home}")),
        "{shown:?}"
    );
    assert!(shown.stdout.contains("<id>acme-releases</id>"), "{shown:?}");
    assert!(
        !shown.stdout.contains("jfrog-access-token-PLANTED"),
        "{shown:?}"
    );
}
