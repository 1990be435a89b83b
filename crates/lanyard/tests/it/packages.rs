//! npm through `lanyard run` against a real registry (verdaccio), with nothing added by hand: a
//! generic-kind connection is checked on save, a project whose committed `.npmrc` says
//! `_authToken=${NPM_TOKEN}` publishes with it, another job installs what was published through
//! Lanyard's own `.npmrc`, and a wrong token is refused by the check and by the registry. Maven
//! (Debian's 3.8, which ignores `MAVEN_ARGS`) deploys to and resolves from a repository with basic
//! auth through the settings Lanyard puts in the job's own home, with no `-s` flag. skopeo
//! pushes to and inspects Debian's docker-registry (htpasswd) with the auth file a generic
//! registry connection injects.

use lanyard_testkit::maven_repo::MavenRepository;
use lanyard_testkit::registry::Registry;
use lanyard_testkit::verdaccio::Verdaccio;

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Out, Sandbox};

lanyard_testkit::backend_tests!(
    npm_publishes_and_installs_through_a_generic_connection,
    java_tools_see_the_jobs_own_home_and_maven_settings,
    maven_deploys_and_resolves_through_a_generic_connection,
    maven_trusts_a_repository_behind_a_private_ca_through_its_connection,
    skopeo_copies_and_inspects_through_a_generic_registry_connection,
    a_registry_behind_a_private_ca_is_trusted_through_its_connection,
);

/// `lanyard connect PROVIDER --kind generic --name NAME -f FIELD…`, checked on save.
fn connect_generic(sandbox: &Sandbox, provider: &str, name: &str, fields: &[String]) -> Out {
    let mut args = vec!["connect", provider, "--kind", "generic", "--name", name];
    for field in fields {
        args.extend(["-f", field.as_str()]);
    }
    sandbox.run(&args)
}

async fn npm_publishes_and_installs_through_a_generic_connection(backend: Backend) {
    let registry = Verdaccio::start("ci", "s3cret-pw-123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, token: &str| {
        let fields = [
            format!("registry_url={}", registry.url()),
            format!("token={token}"),
        ];
        connect_generic(&sandbox, "npm", name, &fields)
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
    let run =
        |connection: &str, script: &str| sandbox.run_script(connection, &["--dir", dir], script);
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

/// A project's POM as it sits in git: it names where it deploys (under the connection's server
/// id) and, because nothing here reaches Maven Central, takes its build plugins from Debian's
/// packaged repository; credentials and the repository to resolve from come only from Lanyard.
fn pom(artifact: &str, parent: Option<&str>, repository: &str) -> String {
    let parent = parent.map_or(String::new(), |p| {
        format!(
            "<parent><groupId>com.acme</groupId><artifactId>{p}</artifactId>\
             <version>1.0.0</version><relativePath/></parent>"
        )
    });
    let plugin = |name: &str, version: &str| {
        format!(
            "<plugin><groupId>org.apache.maven.plugins</groupId>\
             <artifactId>maven-{name}-plugin</artifactId><version>{version}</version></plugin>"
        )
    };
    format!(
        "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\
         {parent}<groupId>com.acme</groupId><artifactId>{artifact}</artifactId>\
         <version>1.0.0</version><packaging>pom</packaging>\
         <pluginRepositories><pluginRepository><id>debian</id>\
         <url>file:///usr/share/maven-repo</url></pluginRepository></pluginRepositories>\
         <distributionManagement><repository><id>acme-repo</id><url>{repository}</url>\
         </repository></distributionManagement>\
         <build><plugins>{}{}</plugins></build></project>\n",
        plugin("install", "3.1.0"),
        plugin("deploy", "3.0.0"),
    )
}

/// A Maven project `name` in the sandbox's home, its POM from [`pom`]; returns its directory.
fn maven_project(sandbox: &Sandbox, name: &str, parent: Option<&str>, repository: &str) -> String {
    let dir = sandbox.home().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("pom.xml"), pom(name, parent, repository)).unwrap();
    dir.to_str().unwrap().to_owned()
}

/// `mvn -B GOAL` in `dir` in a job with `connection`, its exit code printed as `maven=N`; no
/// password planted by these tests comes out.
fn mvn(sandbox: &Sandbox, connection: &str, dir: &str, goal: &str) -> Out {
    let script = format!("mvn -B {goal} 2>&1; echo \"maven=$?\"");
    let out = sandbox.run_script(connection, &["--dir", dir], &script);
    for planted in ["maven-pw-PLANTED", "wrong-pw-PLANTED"] {
        assert!(!out.stdout.contains(planted), "{out:?}");
    }
    out
}

/// `mvn deploy` of a parent POM, then another job (another home, an empty local repository)
/// builds a project that inherits from it, which Maven can only do by downloading the parent
/// from the repository in Lanyard's settings. A wrong password fails both, clearly.
async fn maven_deploys_and_resolves_through_a_generic_connection(backend: Backend) {
    let repository = MavenRepository::start("ci", "maven-pw-PLANTED-0123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, password: &str| {
        let fields = [
            format!("repository_url={}", repository.url()),
            "repository_username=ci".to_owned(),
            format!("repository_password={password}"),
            "server_id=acme-repo".to_owned(),
        ];
        connect_generic(&sandbox, "maven", name, &fields)
    };
    let good = connect("acme-maven", "maven-pw-PLANTED-0123").ok();
    assert!(good.stdout.contains("accepted ci"), "{good:?}");
    let bad = connect("acme-maven-bad", "wrong-pw-PLANTED-4567").ok();
    assert!(bad.stdout.contains("401"), "{bad:?}");
    authorize_and_default(&sandbox, "maven", "acme-maven");
    crate::jobs::authorize_in(&sandbox, "maven", "acme-maven-bad", "dev");

    let parent = maven_project(&sandbox, "acme-parent", None, &repository.url());
    let app = maven_project(&sandbox, "acme-app", Some("acme-parent"), &repository.url());

    let refused = mvn(&sandbox, "acme-maven-bad", &parent, "deploy");
    assert!(refused.stdout.contains("maven=1"), "{refused:?}");
    assert!(refused.stdout.contains("401"), "{refused:?}");
    let deployed_pom = "com/acme/acme-parent/1.0.0/acme-parent-1.0.0.pom";
    assert!(!repository.file(deployed_pom).exists());

    let deployed = mvn(&sandbox, "acme-maven", &parent, "deploy");
    assert!(deployed.stdout.contains("maven=0"), "{deployed:?}");
    assert!(deployed.stdout.contains("BUILD SUCCESS"), "{deployed:?}");
    assert!(repository.file(deployed_pom).exists(), "{deployed:?}");

    let unresolved = mvn(&sandbox, "acme-maven-bad", &app, "validate");
    assert!(unresolved.stdout.contains("maven=1"), "{unresolved:?}");
    assert!(unresolved.stdout.contains("acme-parent"), "{unresolved:?}");
    let resolved = mvn(&sandbox, "acme-maven", &app, "validate");
    assert!(resolved.stdout.contains("maven=0"), "{resolved:?}");
    let downloaded = format!(
        "Downloaded from acme-repo: {}{deployed_pom}",
        repository.url()
    );
    assert!(resolved.stdout.contains(&downloaded), "{resolved:?}");
}

/// A repository whose certificate no JVM trusts by default: with the CA in the connection's
/// `ca_bundle`, the check on save and `mvn deploy` in the job (through the truststore the runner
/// builds) trust it; without it, both refuse.
async fn maven_trusts_a_repository_behind_a_private_ca_through_its_connection(backend: Backend) {
    let repository = MavenRepository::start_tls("ci", "maven-pw-PLANTED-0123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, extra: Option<String>| {
        let mut fields = vec![
            format!("repository_url={}", repository.url()),
            "repository_username=ci".to_owned(),
            "repository_password=maven-pw-PLANTED-0123".to_owned(),
            "server_id=acme-repo".to_owned(),
        ];
        fields.extend(extra);
        connect_generic(&sandbox, "maven", name, &fields).ok()
    };
    let untrusted = connect("no-ca", None);
    assert!(untrusted.stdout.contains("certificate"), "{untrusted:?}");
    let ca = format!("ca_bundle=@{}", repository.certificate().display());
    let trusted = connect("with-ca", Some(ca));
    assert!(trusted.stdout.contains("accepted ci"), "{trusted:?}");
    let dir = maven_project(&sandbox, "acme-parent", None, &repository.url());
    let deploy = |connection: &str| {
        crate::jobs::authorize_in(&sandbox, "maven", connection, "dev");
        mvn(&sandbox, connection, &dir, "deploy")
    };
    let refused = deploy("no-ca");
    assert!(refused.stdout.contains("maven=1"), "{refused:?}");
    assert!(refused.stdout.contains("PKIX"), "{refused:?}");
    let deployed = deploy("with-ca");
    assert!(deployed.stdout.contains("maven=0"), "{deployed:?}");
    assert!(
        repository
            .file("com/acme/acme-parent/1.0.0/acme-parent-1.0.0.pom")
            .exists(),
        "{deployed:?}"
    );
}

/// Builds a one-layer OCI image layout in `img/` with nothing but sh and coreutils, pushes it
/// to `$LANYARD_REGISTRY` and inspects it there. `--tls-verify=false` because the test registry
/// speaks plain http and Debian 12's skopeo (1.9) does not read `CONTAINERS_REGISTRIES_CONF`.
const PUSH_AND_INSPECT: &str = r#"set -e
mkdir -p img/blobs/sha256 root && cd img
blob() { d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "blobs/sha256/$d"; echo "$d"; }
echo hello > ../root/hello.txt && tar -C ../root -cf layer.tar hello.txt
diff=$(sha256sum layer.tar | cut -d' ' -f1) && gzip -n layer.tar
layer=$(blob layer.tar.gz); lsize=$(stat -c %s layer.tar.gz)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > config.json
config=$(blob config.json); csize=$(stat -c %s config.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' "$config" "$csize" "$layer" "$lsize" > manifest.json
manifest=$(blob manifest.json); msize=$(stat -c %s manifest.json)
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' "$manifest" "$msize" > index.json
echo '{"imageLayoutVersion":"1.0.0"}' > oci-layout
cd .. && echo "built=sha256:$manifest"
skopeo copy -q --dest-tls-verify=false oci:img:v1 "docker://$LANYARD_REGISTRY/hello:v1"
skopeo inspect --tls-verify=false "docker://$LANYARD_REGISTRY/hello:v1" | grep -o '"Digest": "[^"]*"'
"#;

/// A generic registry connection's fields for the test registry's one user.
fn registry_fields(registry: &Registry, password: &str) -> Vec<String> {
    vec![
        format!("registry_url={}", registry.url()),
        "registry_username=ci".to_owned(),
        format!("registry_password={password}"),
    ]
}

/// skopeo, unmodified, pushes an image and inspects it through a generic registry connection;
/// the registry saw the connection's user (a wrong password is refused by the check on save and
/// by the registry in a job).
async fn skopeo_copies_and_inspects_through_a_generic_registry_connection(backend: Backend) {
    let registry = Registry::start("ci", "registry-pw-PLANTED-0123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, password: &str| {
        connect_generic(
            &sandbox,
            "container-registry",
            name,
            &registry_fields(&registry, password),
        )
    };
    let good = connect("local-registry", "registry-pw-PLANTED-0123").ok();
    assert!(
        good.stdout.contains("accepted ci's credentials"),
        "{good:?}"
    );
    let bad = connect("bad-registry", "wrong-pw-PLANTED-4567").ok();
    assert!(bad.stdout.contains("401"), "{bad:?}");
    authorize_and_default(&sandbox, "container-registry", "local-registry");
    crate::jobs::authorize_in(&sandbox, "container-registry", "bad-registry", "dev");
    let push = |connection: &str| {
        let out = sandbox.run_script(connection, &[], PUSH_AND_INSPECT);
        for planted in ["registry-pw-PLANTED", "wrong-pw-PLANTED"] {
            assert!(!out.stdout.contains(planted), "{out:?}");
            assert!(!out.stderr.contains(planted), "{out:?}");
        }
        out
    };
    let refused = push("bad-registry");
    assert!(!refused.status.success(), "{refused:?}");
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains("unauthorized") || said.contains("authentication required"),
        "{said}"
    );
    let pushed = push("local-registry");
    assert_eq!(pushed.status.code(), Some(0), "{pushed:?}");
    let built = pushed
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("built="))
        .unwrap_or_else(|| panic!("no digest: {pushed:?}"));
    assert!(
        pushed.stdout.contains(&format!("\"Digest\": \"{built}\"")),
        "the registry holds the image that was built: {pushed:?}"
    );
}

/// A registry whose certificate no one trusts by default: with the CA in the connection's
/// `ca_bundle`, the check on save and skopeo in the job (certificate verification on) trust it;
/// without it, both refuse.
async fn a_registry_behind_a_private_ca_is_trusted_through_its_connection(backend: Backend) {
    let registry = Registry::start_tls("ci", "registry-pw-PLANTED-0123");
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let ca = format!("ca_bundle=@{}", registry.certificate().display());
    let connect = |name: &str, extra: &[String]| {
        let mut fields = registry_fields(&registry, "registry-pw-PLANTED-0123");
        fields.extend_from_slice(extra);
        connect_generic(&sandbox, "container-registry", name, &fields).ok()
    };
    let untrusted = connect("no-ca", &[]);
    assert!(untrusted.stdout.contains("certificate"), "{untrusted:?}");
    let trusted = connect("with-ca", &[ca]);
    assert!(
        trusted.stdout.contains("accepted ci's credentials"),
        "{trusted:?}"
    );
    for name in ["no-ca", "with-ca"] {
        crate::jobs::authorize_in(&sandbox, "container-registry", name, "dev");
    }
    let verified = PUSH_AND_INSPECT
        .replace(" --dest-tls-verify=false", "")
        .replace(" --tls-verify=false", "");
    let push = |connection: &str| sandbox.run_script(connection, &[], &verified);
    let refused = push("no-ca");
    assert!(!refused.status.success(), "{refused:?}");
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains("x509") || said.contains("certificate"),
        "{said}"
    );
    let pushed = push("with-ca");
    assert_eq!(pushed.status.code(), Some(0), "{pushed:?}");
    assert!(
        pushed.stdout.contains("\"Digest\": \"sha256:"),
        "{pushed:?}"
    );
}
