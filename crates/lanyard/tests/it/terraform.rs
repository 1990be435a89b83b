//! Terraform, unmodified, with nothing but what a job is given: an `aws` connection (the
//! deployer) and a Terraform S3 state backend with another IAM user, in one job, against moto
//! with its IAM checks on. The deployer may only touch SSM and the state user only S3, so the
//! apply succeeds only if the state goes through the backend's user and the resource through
//! the deployer. Then the negative case: a backend with the deployer's keys is refused by S3.

use std::path::Path;

use lanyard_testkit::moto::{Moto, TestKeys};

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(terraform_keeps_state_and_deploy_identities_apart);

/// Where Debian-kind machines of this project keep terraform and its AWS provider mirror.
const TERRAFORM: &str = "/usr/local/bin/terraform";
const PROVIDER_MIRROR: &str = "/opt/tf-plugins";
/// The AWS provider plugin takes seconds to load, and a plan and an apply load it several times.
const JOB_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

fn configuration(dir: &Path, endpoint: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir).unwrap();
    // Jobs run as their own unprivileged user: terraform writes `.terraform/` here.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "terraform {{\n  backend \"s3\" {{}}\n}}\n\
             provider \"aws\" {{\n  region = \"us-east-1\"\n  \
             skip_credentials_validation = true\n  skip_requesting_account_id = true\n  \
             skip_metadata_api_check = true\n  endpoints {{\n    ssm = \"{endpoint}\"\n  }}\n}}\n\
             resource \"aws_ssm_parameter\" \"deployed\" {{\n  name = \"/acme/deployed\"\n  \
             type = \"String\"\n  value = \"by-lanyard\"\n}}\n"
        ),
    )
    .unwrap();
}

fn connect_state(sandbox: &Sandbox, name: &str, endpoint: &str, keys: &TestKeys) {
    let key_id = format!("aws_access_key_id={}", keys.access_key_id);
    let secret = format!("aws_secret_access_key={}", keys.secret_access_key);
    let endpoint = format!("endpoint={endpoint}");
    sandbox
        .run(&[
            "connect",
            "terraform-backend",
            "--name",
            name,
            "--kind",
            "s3",
            "-f",
            "bucket=tfstate",
            "-f",
            "key=network/terraform.tfstate",
            "-f",
            "region=us-east-1",
            "-f",
            &endpoint,
            "-f",
            "use_path_style=true",
            "-f",
            "skip_credentials_validation=true",
            "-f",
            "skip_requesting_account_id=true",
            "-f",
            &key_id,
            "-f",
            &secret,
            "--no-verify",
        ])
        .ok();
}

async fn terraform_keeps_state_and_deploy_identities_apart(backend: Backend) {
    assert!(
        Path::new(TERRAFORM).exists() && Path::new(PROVIDER_MIRROR).exists(),
        "terraform ({TERRAFORM}) and its provider mirror ({PROVIDER_MIRROR}) are part of this \
         machine kind; scripts/test-deps says so when they are missing"
    );
    let moto = Moto::start();
    moto.python(None, "client('s3').create_bucket(Bucket='tfstate')");
    let state = moto.create_user("state", &["s3:*"]);
    let deployer = moto.create_user("deployer", &["ssm:*"]);
    moto.enable_auth();
    let endpoint = moto.endpoint();

    let sandbox = Sandbox::new(backend).await;
    let shared = sandbox.shared();
    let rc = shared.join("terraformrc");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(
        &rc,
        format!("provider_installation {{\n  filesystem_mirror {{ path = \"{PROVIDER_MIRROR}\" }}\n}}\n"),
    )
    .unwrap();
    let _server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[
                ("LANYARD_JOB_PASS_ENV", "TF_CLI_CONFIG_FILE"),
                ("TF_CLI_CONFIG_FILE", rc.to_str().unwrap()),
            ],
        )
        .unwrap_or_else(|out| panic!("the server did not start: {out:?}"));
    sandbox.run(&["env", "create", "dev"]).ok();
    let deployer_key = format!("access_key_id={}", deployer.access_key_id);
    let deployer_secret = format!("secret_access_key={}", deployer.secret_access_key);
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "deployer",
            "-f",
            "account_id=123456789012",
            "-f",
            "region=us-east-1",
            "-f",
            &deployer_key,
            "-f",
            &deployer_secret,
            "--no-verify",
        ])
        .ok();
    authorize_and_default(&sandbox, "aws", "deployer");
    connect_state(&sandbox, "state", &endpoint, &state);
    authorize_and_default(&sandbox, "terraform-backend", "state");

    let work = shared.join("network");
    configuration(&work, &endpoint);
    let apply = format!(
        "cd {} && terraform init -input=false -no-color && \
         terraform apply -auto-approve -input=false -no-color && cat \"$LANYARD_TF_BACKEND_CONFIG\"",
        work.display()
    );
    let ran = sandbox.run_within(
        JOB_LIMIT,
        &[
            "run",
            "--env",
            "dev",
            "-p",
            "aws",
            "-p",
            "terraform-backend",
            "--",
            "sh",
            "-c",
            &apply,
        ],
    );
    assert_eq!(ran.status.code(), Some(0), "{ran:?}");
    assert!(
        ran.stdout.contains("Apply complete! Resources: 1 added"),
        "{ran:?}"
    );
    // The printed backend file shows where state goes and hides no identifier, but never a key.
    assert!(ran.stdout.contains("bucket = \"tfstate\""), "{ran:?}");
    assert!(
        ran.stdout.contains("profile = \"lanyard-state-backend\""),
        "{ran:?}"
    );
    for secret in [&state.secret_access_key, &deployer.secret_access_key] {
        assert!(
            !ran.stdout.contains(secret.as_str()),
            "a key leaked: {ran:?}"
        );
    }
    // The state is in the bucket (read as the state user), the parameter in SSM (as the
    // deployer): each identity did its own part.
    let keys = moto.python(
        Some(&state),
        "print(client('s3').get_object(Bucket='tfstate', Key='network/terraform.tfstate')\
         ['Body'].read().decode())",
    );
    assert!(keys.contains("aws_ssm_parameter"), "{keys}");
    let value = moto.python(
        Some(&deployer),
        "print(client('ssm').get_parameter(Name='/acme/deployed')['Parameter']['Value'])",
    );
    assert_eq!(value, "by-lanyard");

    // Negative: a backend holding the deployer's keys cannot reach the state, and says so.
    connect_state(&sandbox, "state-wrong", &endpoint, &deployer);
    authorize_and_default(&sandbox, "terraform-backend", "state-wrong");
    let other = shared.join("other");
    configuration(&other, &endpoint);
    let init = format!(
        "cd {} && terraform init -input=false -no-color",
        other.display()
    );
    let refused = sandbox.run_within(
        JOB_LIMIT,
        &[
            "run",
            "--env",
            "dev",
            "-p",
            "aws",
            "-c",
            "state-wrong",
            "--",
            "sh",
            "-c",
            &init,
        ],
    );
    assert_ne!(refused.status.code(), Some(0), "{refused:?}");
    assert!(
        refused.stdout.contains("403") || refused.stderr.contains("403"),
        "{refused:?}"
    );
}
