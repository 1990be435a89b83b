//! Source control: tokens for gh/glab, git over HTTPS, and the GitHub/GitLab Terraform providers.

use super::ctx::Ctx;
use super::encode::trim_slashes;
use crate::format::text::parse_url;

/// A private CA, as a file git (and the runner's clone) trusts through `GIT_SSL_CAINFO`.
fn ca_bundle(cx: &mut Ctx<'_>) {
    cx.ca_bundle_as("ca-bundle", "GIT_SSL_CAINFO");
}

pub(super) fn github(cx: &mut Ctx<'_>) {
    ca_bundle(cx);
    cx.field_env("token", &["GITHUB_TOKEN", "GH_TOKEN"]);
    // The GitHub Terraform provider reads the owner from GITHUB_OWNER.
    cx.field_env("owner", &["GITHUB_OWNER"]);
    let host = cx
        .get("host")
        .and_then(parse_url)
        .filter(|url| url.host != "github.com");
    if let Some(url) = host {
        // gh only sends GH_TOKEN to github.com; for Enterprise Server it wants GH_HOST and
        // GH_ENTERPRISE_TOKEN. The Terraform provider wants the base URL.
        cx.plain("GH_HOST", url.authority);
        cx.field_env("token", &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]);
        cx.plain(
            "GITHUB_BASE_URL",
            format!("{}://{}/", url.scheme, url.authority),
        );
    }
}

pub(super) fn gitlab(cx: &mut Ctx<'_>) {
    ca_bundle(cx);
    cx.field_env("access_token", &["GITLAB_TOKEN"]);
    let host = cx
        .get("host")
        .filter(|h| parse_url(h).is_some_and(|u| u.host != "gitlab.com"));
    if let Some(host) = host {
        let base = trim_slashes(host);
        // glab reads GITLAB_HOST, the Terraform provider GITLAB_BASE_URL (the API root, with
        // a trailing slash), and scripts written for GitLab CI read CI_SERVER_URL.
        cx.plain("GITLAB_HOST", base);
        cx.plain("GITLAB_BASE_URL", format!("{base}/api/v4/"));
        cx.plain("CI_SERVER_URL", base);
    }
}
