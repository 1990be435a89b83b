//! Registries and package feeds: docker config.json, .npmrc and settings.xml contents.

use std::path::Path;

use base64::Engine as _;
use lanyard_providers::{AuthMode, EnvValue, Materialization};
use secrecy::ExposeSecret;

use super::{file_of, plain, run, secret, secret_values};
use crate::fixtures::{cases, sa_key_json, AWS_SECRET};

fn docker_auth(m: &Materialization) -> serde_json::Value {
    let (name, contents) = file_of(m, "DOCKER_CONFIG");
    assert_eq!(name, "config.json");
    assert!(matches!(
        m.env_var("DOCKER_CONFIG"),
        Some(EnvValue::FileDir(_))
    ));
    assert!(matches!(
        m.env_var("REGISTRY_AUTH_FILE"),
        Some(EnvValue::FilePath(_))
    ));
    serde_json::from_str(&contents).unwrap()
}

fn decoded_auth(config: &serde_json::Value, host: &str) -> String {
    let auth = config["auths"][host]["auth"]
        .as_str()
        .unwrap_or_else(|| panic!("no auth for {host}: {config}"));
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(auth)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn container_registries_get_a_docker_config() {
    let cases = cases();
    let case = |kind| {
        cases
            .iter()
            .find(|c| c.provider == "container-registry" && c.kind == Some(kind))
            .unwrap()
    };

    let ghcr = run(
        "container-registry",
        Some("ghcr"),
        AuthMode::Inline,
        &case("ghcr").resolved(),
    );
    let config = docker_auth(&ghcr);
    let token = case("ghcr").value("personal_access_token").unwrap();
    assert_eq!(
        decoded_auth(&config, "ghcr.io"),
        format!("Octo-Cat:{token}")
    );
    assert_eq!(plain(&ghcr, "LANYARD_REGISTRY"), "ghcr.io/octo-cat");
    let auth = config["auths"]["ghcr.io"]["auth"].as_str().unwrap();
    assert!(secret_values(&ghcr).contains(auth));

    let gar = run(
        "container-registry",
        Some("gar"),
        AuthMode::Inline,
        &case("gar").resolved(),
    );
    let creds = decoded_auth(&docker_auth(&gar), "us-central1-docker.pkg.dev");
    let (user, password) = creds.split_once(':').unwrap();
    assert_eq!(user, "_json_key_base64");
    let key = base64::engine::general_purpose::STANDARD
        .decode(password)
        .unwrap();
    assert_eq!(String::from_utf8(key).unwrap(), sa_key_json().trim());
    assert_eq!(
        plain(&gar, "LANYARD_REGISTRY"),
        "us-central1-docker.pkg.dev/demo-project-1/builds"
    );

    let ecr = run(
        "container-registry",
        Some("ecr"),
        AuthMode::Inline,
        &case("ecr").resolved(),
    );
    let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    assert_eq!(docker_auth(&ecr)["credHelpers"][host], "ecr-login");
    assert_eq!(secret(&ecr, "AWS_SECRET_ACCESS_KEY"), AWS_SECRET);

    let acr = run(
        "container-registry",
        Some("acr"),
        AuthMode::Inline,
        &case("acr").resolved(),
    );
    assert!(decoded_auth(&docker_auth(&acr), "acme.azurecr.io").ends_with(":planted~acr~secret"));

    let jfrog = run(
        "container-registry",
        Some("jfrog"),
        AuthMode::Inline,
        &case("jfrog").resolved(),
    );
    assert!(decoded_auth(&docker_auth(&jfrog), "acme.jfrog.io").starts_with("ci-bot:"));
    assert_eq!(
        plain(&jfrog, "LANYARD_REGISTRY"),
        "acme.jfrog.io/libs-release"
    );
}

#[test]
fn an_npm_registry_with_a_private_ca() {
    let case = cases()
        .into_iter()
        .find(|c| c.provider == "npm" && c.kind == Some("generic"))
        .unwrap();
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FCVU5ETEUwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";
    let m = run(
        "npm",
        Some("generic"),
        AuthMode::Inline,
        &case.resolved().with("ca_bundle", pem),
    );
    let (_, npmrc) = file_of(&m, "NPM_CONFIG_USERCONFIG");
    assert!(
        npmrc.contains("cafile={{lanyard:path:npm-ca-bundle}}\n"),
        "{npmrc}"
    );
    assert!(
        npmrc.starts_with("registry=https://npm.example.com/\n"),
        "{npmrc}"
    );
    assert_eq!(file_of(&m, "NODE_EXTRA_CA_CERTS").1, pem);
    // The file is readable but for its token, which is masked wherever it shows.
    let token = case.value("token").unwrap();
    assert!(secret_values(&m).contains(token));
    assert!(m.path_templates.iter().any(|id| id == "npmrc"));
    let rendered = m
        .render_file(
            m.files.iter().find(|f| f.id == "npmrc").unwrap(),
            Path::new("/job/c0"),
        )
        .unwrap();
    assert!(
        rendered
            .expose_secret()
            .contains("cafile=/job/c0/npm-ca-bundle/ca-bundle.pem"),
        "{}",
        rendered.expose_secret()
    );
}

/// A private CA reaches each tool where it reads one, as a readable file, never masked: Go
/// tools and OpenSSL through SSL_CERT_FILE, Python (az, the Azure SDKs) through
/// REQUESTS_CA_BUNDLE, and Java through the runner, which builds a truststore from
/// LANYARD_JAVA_CA_BUNDLE.
#[test]
fn private_cas_reach_each_tool_as_it_reads_them() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FCVU5ETEUwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";
    let table = [
        ("maven", Some("generic"), "LANYARD_JAVA_CA_BUNDLE"),
        ("maven", Some("jfrog"), "LANYARD_JAVA_CA_BUNDLE"),
        ("container-registry", Some("generic"), "SSL_CERT_FILE"),
        ("container-registry", Some("jfrog"), "SSL_CERT_FILE"),
        ("openfga", None, "SSL_CERT_FILE"),
        ("pulumi-backend", Some("http"), "SSL_CERT_FILE"),
        ("azure", None, "REQUESTS_CA_BUNDLE"),
        ("aws", None, "AWS_CA_BUNDLE"),
        ("pulumi-backend", Some("s3"), "AWS_CA_BUNDLE"),
        (
            "terraform-backend",
            Some("s3"),
            "LANYARD_TF_BACKEND_CA_BUNDLE",
        ),
    ];
    for (provider, kind, variable) in table {
        let case = cases()
            .into_iter()
            .find(|c| c.provider == provider && c.kind == kind)
            .unwrap_or_else(|| panic!("no example for {provider} {kind:?}"));
        let m = run(
            provider,
            kind,
            AuthMode::Inline,
            &case.resolved().with("ca_bundle", pem),
        );
        assert_eq!(file_of(&m, variable).1, pem, "{provider} {kind:?}");
        assert!(
            secret_values(&m).iter().all(|v| !v.contains("MIIBszCC")),
            "{provider} {kind:?}: the CA stays readable"
        );
    }
}

#[test]
fn npm_gets_an_npmrc() {
    let cases = cases();
    let case = |kind| {
        cases
            .iter()
            .find(|c| c.provider == "npm" && c.kind == Some(kind))
            .unwrap()
    };

    let ghp = run(
        "npm",
        Some("github-packages"),
        AuthMode::Inline,
        &case("github-packages").resolved().with("scope", "@acme"),
    );
    let (name, npmrc) = file_of(&ghp, "NPM_CONFIG_USERCONFIG");
    assert_eq!(name, ".npmrc");
    let token = case("github-packages")
        .value("personal_access_token")
        .unwrap();
    assert_eq!(
        npmrc,
        format!("@acme:registry=https://npm.pkg.github.com/\n//npm.pkg.github.com/:_authToken={token}\n")
    );

    let jfrog = run(
        "npm",
        Some("jfrog"),
        AuthMode::Inline,
        &case("jfrog").resolved(),
    );
    let npmrc = file_of(&jfrog, "NPM_CONFIG_USERCONFIG").1;
    assert!(
        npmrc.starts_with("registry=https://acme.jfrog.io/artifactory/api/npm/libs-release/\n"),
        "{npmrc}"
    );
    assert!(
        npmrc.contains("//acme.jfrog.io/artifactory/api/npm/libs-release/:_authToken="),
        "{npmrc}"
    );

    let gar = run(
        "npm",
        Some("gar"),
        AuthMode::Inline,
        &case("gar").resolved(),
    );
    let npmrc = file_of(&gar, "NPM_CONFIG_USERCONFIG").1;
    let path = "//us-central1-npm.pkg.dev/demo-project-1/builds/";
    assert!(
        npmrc.contains(&format!("{path}:username=_json_key_base64\n")),
        "{npmrc}"
    );
    let password = npmrc
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{path}:_password=")))
        .unwrap();
    // npm base64-decodes `_password`; what it sends must be the key in base64.
    let sent = base64::engine::general_purpose::STANDARD
        .decode(password)
        .unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(sent)
        .unwrap();
    assert_eq!(String::from_utf8(key).unwrap(), sa_key_json().trim());
    assert!(secret_values(&gar).contains(password));
}

#[test]
fn a_generic_maven_repository_with_snapshots_a_mirror_and_gradle() {
    let case = cases()
        .into_iter()
        .find(|c| c.provider == "maven" && c.kind == Some("generic"))
        .unwrap();
    let values = case
        .resolved()
        .with("server_id", "nexus")
        .with(
            "snapshot_repository_url",
            "https://nexus.example.com/repository/maven-snapshots/",
        )
        .with("mirror_of", "*");
    let m = run("maven", Some("generic"), AuthMode::Inline, &values);
    let xml = file_of(&m, "LANYARD_MAVEN_SETTINGS").1;
    for part in [
        "<id>nexus</id>\n      <username>ci</username>",
        "<id>nexus-snapshots</id>\n      <username>ci</username>",
        "<mirror><id>nexus</id><mirrorOf>*</mirrorOf><url>https://nexus.example.com/repository/maven-releases</url></mirror>",
        "<id>nexus</id><url>https://nexus.example.com/repository/maven-releases</url><releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>",
        "<id>nexus-snapshots</id><url>https://nexus.example.com/repository/maven-snapshots</url><releases><enabled>false</enabled></releases>",
    ] {
        assert!(xml.contains(part), "{part} in {xml}");
    }
    let password = case.value("repository_password").unwrap();
    assert_eq!(plain(&m, "ORG_GRADLE_PROJECT_nexusUsername"), "ci");
    assert_eq!(secret(&m, "ORG_GRADLE_PROJECT_nexusPassword"), password);
}

#[test]
fn maven_gets_a_settings_file() {
    let cases = cases();
    let case = |kind| {
        cases
            .iter()
            .find(|c| c.provider == "maven" && c.kind == Some(kind))
            .unwrap()
    };

    let values = case("github-packages")
        .resolved()
        .with("github_repository", "acme/platform");
    let m = run("maven", Some("github-packages"), AuthMode::Inline, &values);
    let (name, xml) = file_of(&m, "LANYARD_MAVEN_SETTINGS");
    assert_eq!(name, "settings.xml");
    let token = case("github-packages")
        .value("personal_access_token")
        .unwrap();
    assert!(xml.contains("<id>github</id>"), "{xml}");
    assert!(xml.contains("<username>octo-cat</username>"), "{xml}");
    assert!(
        xml.contains(&format!("<password>{token}</password>")),
        "{xml}"
    );
    assert!(
        xml.contains("<url>https://maven.pkg.github.com/acme/platform</url>"),
        "{xml}"
    );
    assert!(matches!(
        m.env_var("MAVEN_ARGS"),
        Some(EnvValue::FileArg { prefix, .. }) if prefix == "--settings "
    ));
    let rendered = m.render_env(Path::new("/job")).unwrap();
    let args = rendered
        .iter()
        .find(|(n, _)| n == "MAVEN_ARGS")
        .unwrap()
        .1
        .expose_secret()
        .to_owned();
    assert_eq!(args, "--settings /job/maven-settings/settings.xml");

    let jfrog = run(
        "maven",
        Some("jfrog"),
        AuthMode::Inline,
        &case("jfrog").resolved().with("server_id", "central"),
    );
    let xml = file_of(&jfrog, "LANYARD_MAVEN_SETTINGS").1;
    assert!(
        xml.contains("<id>central</id>") && xml.contains("<username>ci-bot</username>"),
        "{xml}"
    );
    assert!(
        xml.contains("<url>https://acme.jfrog.io/artifactory/libs-release</url>"),
        "{xml}"
    );

    let gar = run(
        "maven",
        Some("gar"),
        AuthMode::Inline,
        &case("gar").resolved(),
    );
    let xml = file_of(&gar, "LANYARD_MAVEN_SETTINGS").1;
    assert!(
        xml.contains("<username>_json_key_base64</username>"),
        "{xml}"
    );
    assert!(
        xml.contains("https://us-central1-maven.pkg.dev/demo-project-1/builds"),
        "{xml}"
    );
}

/// A plain-http registry (loopback, or remote with insecure=true) gets a registries.conf that
/// marks it insecure, for skopeo, podman and buildah; an https one gets none.
#[test]
fn plain_http_registries_are_marked_insecure_for_containers_tools() {
    let case = cases()
        .into_iter()
        .find(|c| c.provider == "container-registry" && c.kind == Some("generic"))
        .unwrap();
    let https = run(
        "container-registry",
        Some("generic"),
        AuthMode::Inline,
        &case.resolved(),
    );
    assert!(https
        .env
        .iter()
        .all(|v| v.name != "CONTAINERS_REGISTRIES_CONF"));
    for (url, insecure) in [
        ("http://127.0.0.1:5001", None),
        ("http://registry.internal:5000", Some("true")),
    ] {
        let mut fields = case.resolved().with("registry_url", url);
        if let Some(value) = insecure {
            fields = fields.with("insecure", value);
        }
        let m = run(
            "container-registry",
            Some("generic"),
            AuthMode::Inline,
            &fields,
        );
        let host = url.trim_start_matches("http://");
        let (name, conf) = file_of(&m, "CONTAINERS_REGISTRIES_CONF");
        assert_eq!(name, "registries.conf");
        assert!(
            conf.contains(&format!("location = \"{host}\"\ninsecure = true\n")),
            "{conf}"
        );
        let auths = docker_auth(&m);
        assert!(
            auths["auths"][host].is_object(),
            "the login is for {host}: {auths}"
        );
    }
}

/// Maven 3.8.1+ blocks http:// repositories other than localhost and 127.0.0.1 through a
/// mirror in its global settings: the settings switch it off exactly when the connection
/// allows such a repository.
#[test]
fn maven_settings_switch_off_the_http_blocker_only_for_an_allowed_http_repository() {
    let case = cases()
        .into_iter()
        .find(|c| c.provider == "maven" && c.kind == Some("generic"))
        .unwrap();
    let blocker = "<id>maven-default-http-blocker</id>";
    for (url, insecure, switched_off) in [
        (
            "https://nexus.example.com/repository/releases/",
            None,
            false,
        ),
        ("http://127.0.0.1:8081/repository/releases/", None, false),
        ("http://localhost:8081/repository/releases/", None, false),
        ("http://127.0.0.2:8081/repository/releases/", None, true),
        (
            "http://nexus.internal/repository/releases/",
            Some("true"),
            true,
        ),
    ] {
        let mut fields = case.resolved().with("repository_url", url);
        if let Some(value) = insecure {
            fields = fields.with("insecure", value);
        }
        let m = run("maven", Some("generic"), AuthMode::Inline, &fields);
        let (_, settings) = file_of(&m, "LANYARD_MAVEN_SETTINGS");
        assert_eq!(
            settings.contains(blocker),
            switched_off,
            "{url}: {settings}"
        );
    }
}
