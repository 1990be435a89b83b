//! Provider-specific identifiers: account ids, regions, bucket names, tokens and logins.
//!
//! The checks follow each provider's documented naming rules, loosely where a provider adds
//! regions or token prefixes over time, so that a new region never makes a valid connection
//! fail.

use super::ensure;

type Check = Result<(), String>;

fn all(v: &str, allowed: impl Fn(char) -> bool) -> bool {
    v.chars().all(allowed)
}

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

pub(super) fn aws_account_id(v: &str) -> Check {
    ensure(
        v.len() == 12 && all(v, |c| c.is_ascii_digit()),
        "must be 12 digits, e.g. 123456789012",
    )
}

pub(super) fn aws_access_key_id(v: &str) -> Check {
    let ok = v.len() == 20
        && (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && all(v, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    ensure(
        ok,
        "must be 20 characters: AKIA or ASIA followed by 16 uppercase letters or digits, \
         e.g. AKIAIOSFODNN7EXAMPLE",
    )
}

pub(super) fn aws_secret_access_key(v: &str) -> Check {
    ensure(
        v.len() == 40 && all(v, |c| c.is_ascii_alphanumeric() || c == '/' || c == '+'),
        "must be 40 characters of letters, digits, / and +",
    )
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`: a two-letter prefix, one or
/// more words, and a number.
pub(super) fn aws_region(v: &str) -> Check {
    let parts: Vec<&str> = v.split('-').collect();
    let ok = parts.len() >= 3
        && parts.len() <= 5
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && all(p, |c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.len() <= 2 && all(n, |c| c.is_ascii_digit()));
    ensure(ok, "must be an AWS region such as us-east-1")
}

pub(super) fn aws_role_arn(v: &str) -> Check {
    const MESSAGE: &str =
        "must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/lanyard-deployer";
    let Some(rest) = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
        .iter()
        .find_map(|prefix| v.strip_prefix(prefix))
    else {
        return ensure(false, MESSAGE);
    };
    let Some((account, role)) = rest.split_once(":role/") else {
        return ensure(false, MESSAGE);
    };
    let ok = aws_account_id(account).is_ok()
        && !role.is_empty()
        && role.len() <= 512
        && !role.starts_with('/')
        && !role.ends_with('/')
        && all(role, |c| {
            c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c)
        });
    ensure(ok, MESSAGE)
}

pub(super) fn aws_external_id(v: &str) -> Check {
    ensure(
        (2..=1224).contains(&v.len())
            && all(v, |c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c)),
        "must be 2 to 1224 characters of letters, digits and + = , . @ : / - _",
    )
}

pub(super) fn s3_bucket(v: &str) -> Check {
    let ok = (3..=63).contains(&v.len())
        && all(v, |c| lower_alnum(c) || c == '.' || c == '-')
        && v.starts_with(lower_alnum)
        && v.ends_with(lower_alnum)
        && !v.contains("..");
    ensure(
        ok,
        "must be a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting \
         and ending with a letter or digit",
    )
}

pub(super) fn s3_region(v: &str) -> Check {
    ensure(
        v.len() <= 32 && all(v, |c| lower_alnum(c) || c == '-') && v.starts_with(lower_alnum),
        "must be a region name of lowercase letters, digits and hyphens, e.g. us-east-1 or auto",
    )
}

pub(super) fn gcp_project_id(v: &str) -> Check {
    let ok = (6..=30).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && !v.ends_with('-')
        && all(v, |c| lower_alnum(c) || c == '-');
    ensure(
        ok,
        "must be a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a \
         letter, e.g. my-project-123",
    )
}

/// `projects/123456789012/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
pub(super) fn gcp_workload_provider(v: &str) -> Check {
    let parts: Vec<&str> = v.split('/').collect();
    let id = |s: &str| {
        (4..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && all(s, |c| lower_alnum(c) || c == '-')
    };
    let ok = matches!(
        parts.as_slice(),
        ["projects", number, "locations", "global", "workloadIdentityPools", pool, "providers", provider]
            if !number.is_empty() && all(number, |c| c.is_ascii_digit()) && id(pool) && id(provider)
    );
    ensure(
        ok,
        "must be a workload identity pool provider's full name: projects/PROJECT_NUMBER/locations/\
         global/workloadIdentityPools/POOL_ID/providers/PROVIDER_ID (the project number, not its \
         id; gcloud iam workload-identity-pools providers describe shows it as name)",
    )
}

/// The seconds in `15m`, `1h`, `900s` or `2h30m`: between 15 minutes and 12 hours, the range
/// STS accepts for both GetSessionToken and AssumeRole (with the role's maximum raised).
pub fn session_duration(v: &str) -> Result<u64, String> {
    const MESSAGE: &str = "must be a duration between 15m and 12h, written with h, m and s, e.g. \
                           15m, 1h or 2h30m";
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(MESSAGE.to_owned()),
        };
        let n: u64 = number.parse().map_err(|_| MESSAGE.to_owned())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| MESSAGE.to_owned())?;
    }
    if !number.is_empty() || !(900..=43_200).contains(&total) {
        return Err(MESSAGE.to_owned());
    }
    Ok(total)
}

/// The sign-in authority of an Azure cloud, by its Terraform name.
pub(crate) fn azure_cloud(v: &str) -> Result<&'static str, String> {
    match v {
        "public" => Ok("https://login.microsoftonline.com/"),
        "usgovernment" => Ok("https://login.microsoftonline.us/"),
        "china" => Ok("https://login.chinacloudapi.cn/"),
        _ => Err("must be public, usgovernment or china".to_owned()),
    }
}

/// The sign-in authority of an Azure cloud (`public`, `usgovernment`, `china`, as the
/// connection's `cloud` field says it), e.g. `https://login.microsoftonline.us/`.
pub fn azure_authority(cloud: &str) -> Option<&'static str> {
    azure_cloud(cloud).ok()
}

pub(super) fn gcp_zone(v: &str) -> Check {
    let ok = v.rsplit_once('-').is_some_and(|(region, letter)| {
        region.contains('-')
            && gcp_region(region).is_ok()
            && letter.len() == 1
            && letter.chars().all(|c| c.is_ascii_lowercase())
    });
    ensure(
        ok,
        "must be a Google Cloud zone such as us-central1-a or europe-west4-b",
    )
}

/// `us-central1`, `northamerica-northeast2`, or a multi-region such as `us` or `europe`.
pub(super) fn gcp_region(v: &str) -> Check {
    let ok = match v.split_once('-') {
        Some((area, place)) => {
            !area.is_empty()
                && all(area, |c| c.is_ascii_lowercase())
                && place.starts_with(|c: char| c.is_ascii_lowercase())
                && place.ends_with(|c: char| c.is_ascii_digit())
                && all(place, lower_alnum)
        }
        None => !v.is_empty() && v.len() <= 16 && all(v, |c| c.is_ascii_lowercase()),
    };
    ensure(
        ok,
        "must be a Google Cloud location such as us-central1 or europe-west4 (or a multi-region: \
         us, europe, asia)",
    )
}

pub(super) fn gcs_bucket(v: &str) -> Check {
    let max = if v.contains('.') { 222 } else { 63 };
    let ok = (3..=max).contains(&v.len())
        && all(v, |c| lower_alnum(c) || "-_.".contains(c))
        && v.starts_with(lower_alnum)
        && v.ends_with(lower_alnum)
        && v.split('.')
            .all(|part| !part.is_empty() && part.len() <= 63);
    ensure(
        ok,
        "must be a bucket name: 3 to 63 lowercase letters, digits, hyphens, underscores and dots, \
         starting and ending with a letter or digit",
    )
}

pub(super) fn gar_repository(v: &str) -> Check {
    let ok = (1..=63).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.ends_with(lower_alnum)
        && all(v, |c| lower_alnum(c) || c == '-');
    ensure(
        ok,
        "must be a repository id: lowercase letters, digits and hyphens, starting with a letter, \
         at most 63 characters, e.g. containers",
    )
}

pub(super) fn azure_storage_account(v: &str) -> Check {
    ensure(
        (3..=24).contains(&v.len()) && all(v, lower_alnum),
        "must be 3 to 24 lowercase letters and digits, e.g. lanyardstate",
    )
}

pub(super) fn azure_container(v: &str) -> Check {
    let ok = (3..=63).contains(&v.len())
        && all(v, |c| lower_alnum(c) || c == '-')
        && v.starts_with(lower_alnum)
        && v.ends_with(lower_alnum)
        && !v.contains("--");
    ensure(
        ok,
        "must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a \
         letter or digit, e.g. tfstate",
    )
}

pub(super) fn azure_resource_group(v: &str) -> Check {
    ensure(
        (1..=90).contains(&v.len())
            && !v.ends_with('.')
            && all(v, |c| c.is_alphanumeric() || "_-.()".contains(c)),
        "must be 1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not \
         ending with a period",
    )
}

pub(super) fn cloudflare_account_id(v: &str) -> Check {
    ensure(
        v.len() == 32 && all(v, |c| c.is_ascii_hexdigit()),
        "must be the 32-character hexadecimal account id shown in the Cloudflare dashboard",
    )
}

/// DigitalOcean (`nyc3`, `sgp1`) and Civo (`LON1`, `PHX1`) region codes.
pub(super) fn region_code(v: &str) -> Check {
    let letters = v.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = v.len() - letters;
    ensure(
        (2..=4).contains(&letters)
            && (1..=2).contains(&digits)
            && all(&v[letters..], |c| c.is_ascii_digit()),
        "must be a region code of 2 to 4 letters and 1 or 2 digits, e.g. nyc3 or LON1",
    )
}

pub(super) fn github_login(v: &str) -> Check {
    let ok = (1..=39).contains(&v.len())
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !v.contains("--")
        && all(v, |c| c.is_ascii_alphanumeric() || c == '-');
    ensure(
        ok,
        "must be a GitHub login: up to 39 letters, digits and single hyphens, not starting or \
         ending with a hyphen",
    )
}

pub(super) fn github_token(v: &str) -> Check {
    const PREFIXES: [&str; 6] = ["github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"];
    let prefixed = PREFIXES
        .iter()
        .find_map(|p| v.strip_prefix(p))
        .is_some_and(|body| {
            body.len() >= 20 && all(body, |c| c.is_ascii_alphanumeric() || c == '_')
        });
    let classic = v.len() == 40 && all(v, |c| c.is_ascii_hexdigit());
    ensure(
        prefixed || classic,
        "must be a GitHub token (github_pat_…, ghp_…, gho_…, ghu_…, ghs_… or a 40-character \
         classic token)",
    )
}

pub(super) fn github_repository(v: &str) -> Check {
    let ok = v.split_once('/').is_some_and(|(owner, repo)| {
        github_login(owner).is_ok()
            && (1..=100).contains(&repo.len())
            && repo != "."
            && repo != ".."
            && all(repo, |c| c.is_ascii_alphanumeric() || "._-".contains(c))
    });
    ensure(ok, "must be owner/repository, e.g. acme/platform")
}

pub(super) fn gitlab_group(v: &str) -> Check {
    let numeric = all(v, |c| c.is_ascii_digit());
    let path = v.split('/').all(|segment| {
        !segment.is_empty()
            && segment.len() <= 255
            && segment.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && all(segment, |c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    });
    ensure(
        numeric || path,
        "must be a group id (digits) or a group path such as acme or acme/platform",
    )
}

pub(super) fn npm_scope(v: &str) -> Check {
    let ok = v.strip_prefix('@').is_some_and(|name| {
        (1..=214).contains(&name.len())
            && !name.starts_with(['.', '_'])
            && all(name, |c| lower_alnum(c) || "-._~".contains(c))
    });
    ensure(ok, "must be an npm scope such as @acme")
}

pub(super) fn maven_id(v: &str) -> Check {
    ensure(
        v.len() <= 64 && all(v, |c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "must be letters, digits, dots, underscores and hyphens, e.g. artifact-registry",
    )
}

/// `myorg-myaccount` (preferred) or a legacy locator such as `xy12345.us-east-2.aws`.
pub(super) fn snowflake_account(v: &str) -> Check {
    let lower = v.to_ascii_lowercase();
    let ok = !lower.ends_with("snowflakecomputing.com")
        && v.len() <= 255
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && all(v, |c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    ensure(
        ok,
        "must be an account identifier such as myorg-myaccount or xy12345.us-east-2.aws (without \
         .snowflakecomputing.com)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_shapes() {
        assert!(aws_account_id("123456789012").is_ok());
        assert!(aws_account_id("12345678901").is_err());
        assert!(aws_access_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
        assert!(aws_access_key_id("ASIAIOSFODNN7EXAMPLE").is_ok());
        assert!(aws_access_key_id("AKIAiosfodnn7example").is_err());
        assert!(aws_secret_access_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_ok());
        for region in [
            "us-east-1",
            "us-gov-west-1",
            "ap-southeast-4",
            "us-isob-east-1",
            "cn-north-1",
        ] {
            assert!(aws_region(region).is_ok(), "{region}");
        }
        for region in ["useast1", "us-east", "US-EAST-1", "us-east-1a"] {
            assert!(aws_region(region).is_err(), "{region}");
        }
        assert!(aws_role_arn("arn:aws:iam::123456789012:role/path/to/deployer").is_ok());
        assert!(aws_role_arn("arn:aws:iam::123456789012:user/deployer").is_err());
        assert!(aws_role_arn("arn:aws:iam::12345:role/deployer").is_err());
    }

    #[test]
    fn storage_names() {
        assert!(s3_bucket("lanyard-state.prod").is_ok());
        assert!(s3_bucket("Lanyard").is_err());
        assert!(gcs_bucket("lanyard_state").is_ok());
        assert!(gcs_bucket("-state").is_err());
        assert!(azure_storage_account("lanyardstate").is_ok());
        assert!(azure_storage_account("lanyard-state").is_err());
        assert!(azure_container("tf-state").is_ok());
        assert!(azure_container("tf--state").is_err());
    }

    #[test]
    fn gcp_shapes() {
        assert!(gcp_project_id("my-project-123").is_ok());
        assert!(gcp_project_id("1project").is_err());
        for region in ["us-central1", "northamerica-northeast2", "us", "europe"] {
            assert!(gcp_region(region).is_ok(), "{region}");
        }
        assert!(gcp_region("us-central").is_err());
        assert!(gar_repository("containers").is_ok());
        assert!(gar_repository("Containers").is_err());
    }

    #[test]
    fn other_shapes() {
        assert!(region_code("nyc3").is_ok());
        assert!(region_code("LON1").is_ok());
        assert!(region_code("london").is_err());
        assert!(github_login("acme-corp").is_ok());
        assert!(github_login("-acme").is_err());
        assert!(github_token("ghp_0123456789abcdefghijABCDEFGHIJ012345").is_ok());
        assert!(github_token("0123456789abcdef0123456789abcdef01234567").is_ok());
        assert!(github_token("not-a-token").is_err());
        assert!(github_repository("acme/platform").is_ok());
        assert!(github_repository("acme").is_err());
        assert!(gitlab_group("acme/platform").is_ok());
        assert!(gitlab_group("12345").is_ok());
        assert!(gitlab_group("acme//platform").is_err());
        assert!(npm_scope("@acme").is_ok());
        assert!(npm_scope("acme").is_err());
        assert!(snowflake_account("myorg-myaccount").is_ok());
        assert!(snowflake_account("xy12345.snowflakecomputing.com").is_err());
        assert!(cloudflare_account_id("0123456789abcdef0123456789abcdef").is_ok());
        assert!(cloudflare_account_id("0123").is_err());
    }
}
