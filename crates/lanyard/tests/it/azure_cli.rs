//! The Azure CLI, unmodified, logged in by the runner before the command when a connection asks
//! (`az_login`), against a custom cloud as an Azure Stack Hub serves one (its Resource Manager
//! endpoint and private CA given by the connection), whose live check signs in where the
//! stack's metadata says. A wrong secret is refused by the check and stops the job before its
//! command; without `az_login`, az is not logged in.

use lanyard_testkit::azure_cloud::{az_bin, AzureCloud, CLIENT_ID, SUBSCRIPTION, TENANT};

use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(az_runs_logged_in_when_the_connection_asks);

async fn az_runs_logged_in_when_the_connection_asks(backend: Backend) {
    const SECRET: &str = "az-secret-PLANTED-0123";
    let cloud = AzureCloud::start(SECRET);
    let sandbox = Sandbox::new(backend).await;
    // The built-in runner's PATH (which jobs inherit) holds the test virtualenv's az.
    let bin = az_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let _server = sandbox
        .try_start("127.0.0.1:0", &[], &[("PATH", &path)])
        .unwrap_or_else(|out| panic!("the server did not start: {out:?}"));
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |name: &str, secret: &str, login: bool| {
        let mut fields = vec![
            format!("client_id={CLIENT_ID}"),
            format!("client_secret={secret}"),
            format!("tenant_id={TENANT}"),
            format!("subscription_id={SUBSCRIPTION}"),
            format!("resource_manager_endpoint={}", cloud.resource_manager()),
            format!("ca_bundle=@{}", cloud.certificate().display()),
        ];
        if login {
            fields.push("az_login=true".to_owned());
        }
        let mut args = vec!["connect", "azure", "--name", name];
        for field in &fields {
            args.extend(["--field", field.as_str()]);
        }
        let saved = sandbox.run(&args).ok();
        crate::jobs::authorize_in(&sandbox, "azure", name, "dev");
        saved.stdout
    };
    // The check on save signs in where the stack's metadata says, trusting its CA.
    let checked = connect("stack", SECRET, true);
    assert!(
        checked.contains("granted the service principal a token"),
        "{checked}"
    );
    let checked = connect("stack-wrong", "wrong-secret-PLANTED-4567", true);
    assert!(checked.contains("AADSTS7000215"), "{checked}");
    connect("stack-plain", SECRET, false);
    let az = |connection: &str, script: &str| {
        let out = sandbox.run_script(connection, &[], script);
        let said = format!("{}{}", out.stdout, out.stderr);
        for planted in [SECRET, "wrong-secret-PLANTED"] {
            assert!(!said.contains(planted), "{out:?}");
        }
        (out, said)
    };

    let (shown, said) = az(
        "stack",
        "az account show --query '[name, user.name, environmentName]' -o tsv; echo \"az=$?\"",
    );
    assert!(shown.status.success(), "{shown:?}");
    for expected in ["acme-stack", CLIENT_ID, "lanyard-custom", "az=0"] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    let requests = cloud.requests();
    let granted = format!("POST /{TENANT}/oauth2/v2.0/token client_id={CLIENT_ID} granted");
    assert!(requests.contains(&granted), "{requests:?}");
    assert!(
        requests.iter().any(|r| r == "GET /subscriptions bearer"),
        "{requests:?}"
    );

    let (refused, said) = az("stack-wrong", "echo command-ran");
    assert!(!refused.status.success(), "{refused:?}");
    assert!(said.contains("az login failed"), "{said}");
    assert!(!said.contains("command-ran"), "{said}");

    let (plain, said) = az("stack-plain", "az account show; echo \"az=$?\"");
    assert!(plain.status.success(), "{plain:?}");
    assert!(said.contains("az login"), "{said}");
    assert!(said.contains("az=1"), "{said}");
}
