//! Package feeds: an `.npmrc` behind `NPM_CONFIG_USERCONFIG` (and a token feed's token in
//! `NPM_TOKEN`, `NODE_AUTH_TOKEN` and Yarn's variables), and a Maven `settings.xml` passed with
//! `--settings` through `MAVEN_ARGS` (and a private CA as `LANYARD_JAVA_CA_BUNDLE`, which the
//! runner turns into a Java truststore).

use super::cloud::service_account;
use super::ctx::Ctx;
use super::encode::{base64, trim_slashes, xml_text};
use super::MaterializeError;
use crate::format::text::parse_url;

type Result = std::result::Result<(), MaterializeError>;

/// How a feed is authenticated, before it is written in npm's or Maven's syntax.
enum Credentials<'a> {
    /// A bearer token.
    Token(&'a str),
    /// A user name and a password.
    Basic { user: &'a str, password: String },
}

/// Which tool the feed is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Npm,
    Maven,
}

/// The feed's URL (with a trailing slash; empty when unknown) and credentials, per kind.
fn feed<'a>(
    cx: &mut Ctx<'a>,
    tool: Tool,
) -> std::result::Result<(String, Credentials<'a>), MaterializeError> {
    match cx.kind() {
        Some("gar") => {
            let project = cx.require("gcp_project_id")?;
            let region = cx.require("gcp_region")?;
            let repo = cx.require("gcp_artifact_registry_repo_name")?;
            let key = service_account(cx, "service_account_key")?.ok_or(
                MaterializeError::MissingValue {
                    field: "service_account_key",
                },
            )?;
            // Artifact Registry's password login: user `_json_key_base64`, password the key
            // in base64 (what `gcloud artifacts print-settings --json-key` configures).
            let password = base64(key.json.as_bytes());
            let format = if tool == Tool::Npm { "npm" } else { "maven" };
            let url = format!("https://{region}-{format}.pkg.dev/{project}/{repo}/");
            Ok((
                url,
                Credentials::Basic {
                    user: "_json_key_base64",
                    password,
                },
            ))
        }
        Some("jfrog") => {
            let server = trim_slashes(cx.require("server_url")?);
            let repo = cx.require("repo_key")?;
            let user = cx.require("username")?;
            let token = cx.require("access_token")?;
            let url = match tool {
                Tool::Npm => format!("{server}/api/npm/{repo}/"),
                Tool::Maven => format!("{server}/{repo}/"),
            };
            // npm sends Artifactory access tokens as bearer tokens; Maven logs in with them as
            // the user's password.
            let credentials = match tool {
                Tool::Npm => Credentials::Token(token),
                Tool::Maven => Credentials::Basic {
                    user,
                    password: token.to_owned(),
                },
            };
            Ok((url, credentials))
        }
        Some("github-packages") => {
            let user = cx.require("github_username")?;
            let token = cx.require("personal_access_token")?;
            let url = match (tool, cx.get("github_repository")) {
                (Tool::Npm, _) => "https://npm.pkg.github.com/".to_owned(),
                (Tool::Maven, Some(repo)) => format!("https://maven.pkg.github.com/{repo}/"),
                (Tool::Maven, None) => String::new(),
            };
            let credentials = match tool {
                Tool::Npm => Credentials::Token(token),
                Tool::Maven => Credentials::Basic {
                    user,
                    password: token.to_owned(),
                },
            };
            Ok((url, credentials))
        }
        Some("generic") if tool == Tool::Maven => {
            let url = format!("{}/", trim_slashes(cx.require("repository_url")?));
            let user = cx.require("repository_username")?;
            let password = cx.require("repository_password")?.to_owned();
            Ok((url, Credentials::Basic { user, password }))
        }
        Some("generic") if tool == Tool::Npm => {
            let url = cx.get("registry_url").unwrap_or(NPMJS);
            let url = format!("{}/", url.trim_end_matches('/'));
            Ok((url, Credentials::Token(cx.require("token")?)))
        }
        _ => Err(MaterializeError::MissingValue { field: "kind" }),
    }
}

/// The public npm registry, for a generic connection that names none.
const NPMJS: &str = "https://registry.npmjs.org/";

/// The `_authToken` an `.npmrc` carries, if any.
fn token_in(npmrc: &str) -> Option<String> {
    npmrc.lines().find_map(|line| {
        line.split_once(":_authToken=")
            .map(|(_, token)| token.to_owned())
    })
}

pub(super) fn npm(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "npmrc";
    const CA_FILE: &str = "npm-ca-bundle";
    let (url, credentials) = feed(cx, Tool::Npm)?;
    // npm keys credentials by the registry URL without its scheme.
    let nerf = format!(
        "//{}",
        url.split_once("://").map_or(url.as_str(), |(_, rest)| rest)
    );
    let mut npmrc = match cx.get("scope") {
        Some(scope) => format!("{scope}:registry={url}\n"),
        None => format!("registry={url}\n"),
    };
    match credentials {
        Credentials::Token(token) => {
            npmrc.push_str(&format!("{nerf}:_authToken={token}\n"));
            // A committed .npmrc says `_authToken=${NPM_TOKEN}` (or NODE_AUTH_TOKEN, the
            // setup-node convention); Yarn 2+ reads neither file nor those, only its own.
            for variable in ["NPM_TOKEN", "NODE_AUTH_TOKEN", "YARN_NPM_AUTH_TOKEN"] {
                cx.secret(variable, token);
            }
            // Yarn scopes registries in .yarnrc.yml (npmScopes); its variable is the default
            // registry, right only for an unscoped connection.
            if cx.get("scope").is_none() {
                cx.plain("YARN_NPM_REGISTRY_SERVER", trim_slashes(&url));
            }
        }
        Credentials::Basic { user, password } => {
            // `_password` holds the password base64-encoded once more, as npm expects.
            let encoded = base64(&password);
            npmrc.push_str(&format!(
                "{nerf}:username={user}\n{nerf}:_password={encoded}\n"
            ));
            cx.embedded_secret(&password);
            cx.embedded_secret(&encoded);
        }
    }
    // A private CA: npm's own `cafile` (replacing its default roots for this registry config)
    // and Node's extra roots for everything else written in Node (yarn, pnpm).
    if cx.ca_bundle_as(CA_FILE, "NODE_EXTRA_CA_CERTS") {
        npmrc.push_str(&format!("cafile={}\n", super::path_placeholder(CA_FILE)));
        // Readable apart from its credentials, which are masked on their own (above, and as
        // the variables that carry the token).
        if let Some(token) = token_in(&npmrc) {
            cx.embedded_secret(&token);
        }
        cx.path_template_file(FILE, ".npmrc", npmrc);
    } else {
        cx.file(FILE, ".npmrc", npmrc);
    }
    // npm and pnpm read this (case-insensitively) instead of ~/.npmrc.
    cx.file_path("NPM_CONFIG_USERCONFIG", FILE);
    Ok(())
}

/// Whether Maven's default http blocker would refuse `url`: plain http to anything but the two
/// hosts it exempts.
fn maven_blocks(url: &str) -> bool {
    parse_url(url).is_some_and(|u| {
        u.scheme == "http" && !(u.host.eq_ignore_ascii_case("localhost") || u.host == "127.0.0.1")
    })
}

pub(super) fn maven(cx: &mut Ctx<'_>) -> Result {
    const FILE: &str = "maven-settings";
    let (url, credentials) = feed(cx, Tool::Maven)?;
    let default_id = match cx.kind() {
        Some("gar") => "artifact-registry",
        Some("jfrog") => "artifactory",
        Some("generic") => "maven",
        _ => "github",
    };
    let raw_id = cx.get("server_id").unwrap_or(default_id);
    let (raw_user, raw_password) = match credentials {
        Credentials::Basic { user, password } => (user, password),
        Credentials::Token(token) => ("token", token.to_owned()),
    };
    cx.embedded_secret(&raw_password);
    // Gradle: `credentials(PasswordCredentials)` on a repository named like the server id
    // reads these project properties.
    cx.plain(&format!("ORG_GRADLE_PROJECT_{raw_id}Username"), raw_user);
    cx.secret(
        &format!("ORG_GRADLE_PROJECT_{raw_id}Password"),
        &raw_password,
    );
    let id = xml_text(raw_id);
    let password = xml_text(&raw_password);
    cx.embedded_secret(&password);
    let user = xml_text(raw_user);
    let snapshots = cx
        .get("snapshot_repository_url")
        .map(|u| xml_text(trim_slashes(u)));
    let mirror_of = cx.get("mirror_of").map(xml_text);

    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"\n          \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n          \
         xsi:schemaLocation=\"http://maven.apache.org/SETTINGS/1.0.0 \
         https://maven.apache.org/xsd/settings-1.0.0.xsd\">\n",
    );
    // The snapshot repository (if any) logs in the same way under its own id.
    let snapshot_id = format!("{id}-snapshots");
    let server = |id: &str| {
        format!(
            "    <server>\n      <id>{id}</id>\n      <username>{user}</username>\n      \
             <password>{password}</password>\n    </server>\n"
        )
    };
    xml.push_str("  <servers>\n");
    xml.push_str(&server(&id));
    if snapshots.is_some() {
        xml.push_str(&server(&snapshot_id));
    }
    xml.push_str("  </servers>\n");
    let mut mirrors = String::new();
    if let (Some(mirror_of), false) = (&mirror_of, url.is_empty()) {
        let url = xml_text(trim_slashes(&url));
        mirrors.push_str(&format!(
            "    <mirror><id>{id}</id><mirrorOf>{mirror_of}</mirrorOf><url>{url}</url></mirror>\n"
        ));
    }
    // Maven 3.8.1+ blocks every http:// repository but localhost and 127.0.0.1 through a
    // mirror in its global settings; a repository the connection allows over plain http (on
    // another loopback address, or remote with insecure=true) needs that mirror switched off,
    // which a same-id mirror in the user settings does.
    let blocked = [Some(url.as_str()), cx.get("snapshot_repository_url")]
        .into_iter()
        .flatten()
        .any(maven_blocks);
    if blocked {
        mirrors.push_str(
            "    <mirror><id>maven-default-http-blocker</id>\
             <mirrorOf>lanyard-allows-this-http-repository</mirrorOf>\
             <url>http://0.0.0.0/</url><blocked>false</blocked></mirror>\n",
        );
    }
    if !mirrors.is_empty() {
        xml.push_str(&format!("  <mirrors>\n{mirrors}  </mirrors>\n"));
    }
    // With a known URL, also declare the repository in an always-active profile so builds
    // resolve from it without editing pom.xml; deploys still name it in
    // <distributionManagement> with the same id.
    if !url.is_empty() {
        let url = xml_text(trim_slashes(&url));
        let repository = |id: &str, url: &str, releases: bool, snapshots: bool| {
            format!(
                "<id>{id}</id><url>{url}</url>\
                 <releases><enabled>{releases}</enabled></releases>\
                 <snapshots><enabled>{snapshots}</enabled></snapshots>"
            )
        };
        let mut repositories = vec![repository(&id, &url, true, snapshots.is_none())];
        if let Some(snapshots) = &snapshots {
            repositories.push(repository(&snapshot_id, snapshots, false, true));
        }
        let list = |tag: &str| {
            repositories
                .iter()
                .map(|r| format!("<{tag}>{r}</{tag}>"))
                .collect::<String>()
        };
        xml.push_str(&format!(
            "  <profiles>\n    <profile>\n      <id>lanyard</id>\n      \
             <repositories>{}</repositories>\n      \
             <pluginRepositories>{}</pluginRepositories>\n    \
             </profile>\n  </profiles>\n  \
             <activeProfiles><activeProfile>lanyard</activeProfile></activeProfiles>\n",
            list("repository"),
            list("pluginRepository")
        ));
    }
    xml.push_str("</settings>\n");
    cx.file(FILE, "settings.xml", xml);
    cx.file_path("LANYARD_MAVEN_SETTINGS", FILE);
    // Java reads no PEM file: the runner turns this one into a truststore (with the machine's
    // public roots) and names it in JAVA_TOOL_OPTIONS.
    cx.ca_bundle_as("maven-ca-bundle", "LANYARD_JAVA_CA_BUNDLE");
    // Maven 3.9+ prepends MAVEN_ARGS to its command line.
    cx.file_arg("MAVEN_ARGS", "--settings ", FILE);
    Ok(())
}
