//! Container registries and package feeds (npm, Maven), which share their kinds' fields.
//!
//! All are stored-key connections: the reference offers no runner mode for them.

use super::{CA_BUNDLE, INLINE};
use crate::format::Format;
use crate::mode::Category;
use crate::spec::{FieldSpec, KindSpec, ProviderSpec, Rule};

const GAR: KindSpec = KindSpec {
    id: "gar",
    display_name: "Google Artifact Registry",
};
const JFROG: KindSpec = KindSpec {
    id: "jfrog",
    display_name: "JFrog Artifactory",
};
const GITHUB_PACKAGES: KindSpec = KindSpec {
    id: "github-packages",
    display_name: "GitHub Packages",
};

const GAR_ONLY: &[&str] = &["gar"];
const JFROG_ONLY: &[&str] = &["jfrog"];

const GAR_PROJECT: FieldSpec = FieldSpec::new(
    "gcp_project_id",
    "Project",
    "The Google Cloud project that holds the repository.",
)
.for_kinds(GAR_ONLY)
.required()
.checked(Format::GcpProjectId);
const GAR_REGION: FieldSpec = FieldSpec::new(
    "gcp_region",
    "Location",
    "The repository's location, e.g. us-central1 or the multi-region us.",
)
.for_kinds(GAR_ONLY)
.required()
.checked(Format::GcpRegion);
const GAR_REPO: FieldSpec = FieldSpec::new(
    "gcp_artifact_registry_repo_name",
    "Repository",
    "The Artifact Registry repository id.",
)
.for_kinds(GAR_ONLY)
.required()
.checked(Format::GarRepository);
const GAR_KEY: FieldSpec = FieldSpec::new(
    "service_account_key",
    "Service account key",
    "JSON key of a service account with Artifact Registry Writer (or Reader) on the repository, \
     raw or base64-encoded.",
)
.for_kinds(GAR_ONLY)
.secret()
.required()
.checked(Format::GcpServiceAccountJson)
.multiline();

const JFROG_URL: FieldSpec = FieldSpec::new(
    "server_url",
    "Artifactory URL",
    "The Artifactory base URL, e.g. https://acme.jfrog.io/artifactory.",
)
.for_kinds(JFROG_ONLY)
.required()
.checked(Format::HttpsUrl);
const JFROG_REPO: FieldSpec = FieldSpec::new(
    "repo_key",
    "Repository key",
    "The Artifactory repository key, e.g. libs-release.",
)
.for_kinds(JFROG_ONLY)
.required()
.checked(Format::MavenId);
const JFROG_USER: FieldSpec = FieldSpec::new(
    "username",
    "Username",
    "The Artifactory user the access token belongs to.",
)
.for_kinds(JFROG_ONLY)
.required()
.checked(Format::NonEmpty);
const JFROG_TOKEN: FieldSpec = FieldSpec::new(
    "access_token",
    "Access token",
    "An Artifactory access token (or identity token) for that user.",
)
.for_kinds(JFROG_ONLY)
.secret()
.required()
.checked(Format::Token { min_len: 16 });

const fn github_username(kind: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "github_username",
        "GitHub username",
        "The GitHub login that owns the token.",
    )
    .for_kinds(kind)
    .required()
    .checked(Format::GithubLogin)
}

const fn github_token(kind: &'static [&'static str]) -> FieldSpec {
    FieldSpec::new(
        "personal_access_token",
        "Personal access token",
        "A classic personal access token with read:packages (and write:packages to publish).",
    )
    .for_kinds(kind)
    .secret()
    .required()
    .checked(Format::GithubToken)
}

/// The opt-in for a plain-http registry on another machine (never needed on loopback).
const INSECURE: FieldSpec = FieldSpec::new(
    "insecure",
    "Allow plain http",
    "true to allow a plain http:// URL to another machine: the password then crosses the \
     network in the clear, so only on a network you trust. Never needed for localhost.",
)
.for_kinds(&["generic"])
.checked(Format::Bool);

pub(super) const CONTAINER_REGISTRY: ProviderSpec = ProviderSpec {
    id: "container-registry",
    display_name: "Container Registry",
    category: Category::DevopsPipeline,
    description: "A container image registry that builds push to and clusters pull from.",
    auth_modes: INLINE,
    kinds: &[
        GAR,
        KindSpec {
            id: "ecr",
            display_name: "Amazon Elastic Container Registry",
        },
        KindSpec {
            id: "acr",
            display_name: "Azure Container Registry",
        },
        JFROG,
        KindSpec {
            id: "ghcr",
            display_name: "GitHub Container Registry",
        },
        KindSpec {
            id: "generic",
            display_name: "Any registry (Docker Hub, Harbor, Quay, Nexus, distribution)",
        },
    ],
    fields: &[
        GAR_PROJECT,
        GAR_REGION,
        GAR_REPO,
        GAR_KEY,
        FieldSpec::new(
            "account_id",
            "Account ID",
            "The 12-digit AWS account that owns the registry.",
        )
        .for_kinds(&["ecr"])
        .required()
        .checked(Format::AwsAccountId),
        FieldSpec::new(
            "region",
            "Region",
            "The registry's AWS region, e.g. us-east-1.",
        )
        .for_kinds(&["ecr"])
        .required()
        .checked(Format::AwsRegion),
        FieldSpec::new(
            "access_key_id",
            "Access key ID",
            "Access key id of an IAM identity allowed to push to ECR.",
        )
        .for_kinds(&["ecr"])
        .secret()
        .required()
        .checked(Format::AwsAccessKeyId),
        FieldSpec::new(
            "secret_access_key",
            "Secret access key",
            "The secret for that access key id.",
        )
        .for_kinds(&["ecr"])
        .secret()
        .required()
        .checked(Format::AwsSecretAccessKey),
        FieldSpec::new(
            "login_server_url",
            "Login server",
            "The registry's login server, e.g. acme.azurecr.io.",
        )
        .for_kinds(&["acr"])
        .required()
        .checked(Format::HostOrUrl),
        FieldSpec::new(
            "tenant_id",
            "Tenant ID",
            "The Microsoft Entra tenant of the service principal.",
        )
        .for_kinds(&["acr"])
        .required()
        .checked(Format::Uuid),
        FieldSpec::new(
            "client_id",
            "Client ID",
            "Application id of a service principal with AcrPush on the registry.",
        )
        .for_kinds(&["acr"])
        .required()
        .checked(Format::Uuid),
        FieldSpec::new(
            "client_secret",
            "Client secret",
            "A client secret of that service principal.",
        )
        .for_kinds(&["acr"])
        .secret()
        .required()
        .checked(Format::NonEmpty),
        JFROG_URL,
        JFROG_REPO,
        JFROG_USER,
        JFROG_TOKEN,
        github_username(&["ghcr"]),
        github_token(&["ghcr"]),
        FieldSpec::new(
            "registry_url",
            "Registry",
            "The registry's address as image names start with it, e.g. registry.example.com, \
             quay.io, or http://localhost:5000 for one on the runner's machine (index.docker.io \
             for Docker Hub).",
        )
        .for_kinds(&["generic"])
        .required()
        .checked(Format::RegistryUrl),
        FieldSpec::new(
            "registry_username",
            "Username",
            "The account or robot account that pushes and pulls.",
        )
        .for_kinds(&["generic"])
        .required()
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "registry_password",
            "Password or token",
            "Its password or access token.",
        )
        .for_kinds(&["generic"])
        .secret()
        .required()
        .checked(Format::NonEmpty),
        INSECURE,
        // Self-hosted registries only: the cloud ones have public certificates.
        CA_BUNDLE.for_kinds(&["generic", "jfrog"]),
    ],
    rules: &[Rule::CleartextNeeds {
        urls: &["registry_url"],
        opt_in: "insecure",
    }],
};

/// Any npm registry: npmjs.org, verdaccio, Nexus, GitLab, a plain URL.
const GENERIC_NPM: KindSpec = KindSpec {
    id: "generic",
    display_name: "Any npm registry (npmjs.org by default)",
};
const NPM_KINDS: &[KindSpec] = &[GAR, JFROG, GITHUB_PACKAGES, GENERIC_NPM];

/// Any Maven repository: Nexus, Reposilite, a WebDAV share, a plain URL.
const GENERIC_MAVEN: KindSpec = KindSpec {
    id: "generic",
    display_name: "Any Maven repository",
};
const MAVEN_KINDS: &[KindSpec] = &[GAR, JFROG, GITHUB_PACKAGES, GENERIC_MAVEN];

pub(super) const NPM: ProviderSpec = ProviderSpec {
    id: "npm",
    display_name: "npm",
    category: Category::DevopsPipeline,
    description: "A private npm registry that builds install from and publish to.",
    auth_modes: INLINE,
    kinds: NPM_KINDS,
    fields: &[
        GAR_PROJECT,
        GAR_REGION,
        GAR_REPO,
        GAR_KEY,
        JFROG_URL,
        JFROG_REPO,
        JFROG_USER,
        JFROG_TOKEN,
        github_username(&["github-packages"]),
        github_token(&["github-packages"]),
        FieldSpec::new(
            "registry_url",
            "Registry",
            "The registry's URL, e.g. https://npm.example.com/ or http://localhost:4873/ for one on \
             the runner's machine. Defaults to https://registry.npmjs.org/.",
        )
        .for_kinds(&["generic"])
        .checked(Format::RegistryUrl),
        FieldSpec::new(
            "token",
            "Token",
            "An auth token for the registry: an npmjs.org automation or granular token, or the \
             token `npm login` writes for any other registry.",
        )
        .for_kinds(&["generic"])
        .secret()
        .required()
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "scope",
            "Scope",
            "Route only this scope to the registry (e.g. @acme) and leave other packages on \
             npmjs.org. Without it the registry becomes the default for everything.",
        )
        .checked(Format::NpmScope),
        CA_BUNDLE,
        INSECURE,
    ],
    rules: &[Rule::CleartextNeeds {
        urls: &["registry_url"],
        opt_in: "insecure",
    }],
};

pub(super) const MAVEN: ProviderSpec = ProviderSpec {
    id: "maven",
    display_name: "Maven",
    category: Category::DevopsPipeline,
    description: "A private Maven repository that builds resolve from and deploy to.",
    auth_modes: INLINE,
    kinds: MAVEN_KINDS,
    fields: &[
        GAR_PROJECT,
        GAR_REGION,
        GAR_REPO,
        GAR_KEY,
        JFROG_URL,
        JFROG_REPO,
        JFROG_USER,
        JFROG_TOKEN,
        github_username(&["github-packages"]),
        github_token(&["github-packages"]),
        FieldSpec::new(
            "github_repository",
            "Repository",
            "The owner/repository whose package registry builds resolve from, e.g. acme/platform. \
             Optional: without it only the credentials are configured.",
        )
        .for_kinds(&["github-packages"])
        .checked(Format::GithubRepository),
        FieldSpec::new(
            "repository_url",
            "Repository",
            "The repository's URL, e.g. https://nexus.example.com/repository/maven-releases/ \
             (http only for one on the runner's machine).",
        )
        .for_kinds(&["generic"])
        .required()
        .checked(Format::RegistryUrl),
        FieldSpec::new(
            "snapshot_repository_url",
            "Snapshot repository",
            "Where -SNAPSHOT versions are resolved from (and deployed to), when it is another \
             repository. Optional.",
        )
        .for_kinds(&["generic"])
        .checked(Format::RegistryUrl),
        FieldSpec::new(
            "mirror_of",
            "Mirror of",
            "Make the repository a mirror, e.g. * (everything, Maven Central included) or \
             central. Optional: without it the repository is added beside Central.",
        )
        .for_kinds(&["generic"])
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "repository_username",
            "Username",
            "The user builds log in as.",
        )
        .for_kinds(&["generic"])
        .required()
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "repository_password",
            "Password or token",
            "Its password or access token.",
        )
        .for_kinds(&["generic"])
        .secret()
        .required()
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "server_id",
            "Server id",
            "The <id> your pom.xml uses for this repository in <repositories> and \
             <distributionManagement>, and the repository name Gradle's credentials are keyed by \
             (ORG_GRADLE_PROJECT_<id>Username). Defaults to artifact-registry, artifactory, \
             github or maven.",
        )
        .checked(Format::MavenId),
        CA_BUNDLE.for_kinds(&["generic", "jfrog"]),
        INSECURE,
    ],
    rules: &[Rule::CleartextNeeds {
        urls: &["repository_url", "snapshot_repository_url"],
        opt_in: "insecure",
    }],
};
