//! Keyless jobs end to end: an `oidc` AWS connection's job assumes its role through the SDK's
//! own web identity exchange (moto), an inline connection with a session duration hands the job
//! only temporary keys, and the Google and Azure client libraries load what oidc connections
//! of theirs inject (and what inline ones inject: a service account key, a client secret).

use lanyard_testkit::moto::{self, Moto};

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(
    an_oidc_job_assumes_its_role_and_the_connection_stores_no_secret,
    a_session_duration_gives_jobs_temporary_keys_and_never_the_stored_ones,
    google_and_azure_libraries_load_what_oidc_connections_inject,
    google_and_azure_libraries_load_what_inline_connections_inject,
);

/// Runs `script` with the venv's python in a job in `dev`; returns its output.
fn run_python(sandbox: &Sandbox, providers: &[&str], script: &str) -> String {
    let python = moto::venv_bin("python").display().to_string();
    let mut args = vec!["run", "--env", "dev"];
    for provider in providers {
        args.extend(["--provider", provider]);
    }
    args.extend(["--", &python, "-c", script]);
    let ran = sandbox.run(&args);
    assert!(ran.status.success(), "{ran:?}");
    format!("{}{}", ran.stdout, ran.stderr)
}

fn connect(sandbox: &Sandbox, provider: &str, name: &str, mode: &str, fields: &[String]) {
    let mut args = vec![
        "connect",
        provider,
        "--name",
        name,
        "--auth-mode",
        mode,
        "--no-verify",
    ];
    for field in fields {
        args.extend(["--field", field]);
    }
    sandbox.run(&args).ok();
    authorize_and_default(sandbox, provider, name);
}

async fn an_oidc_job_assumes_its_role_and_the_connection_stores_no_secret(backend: Backend) {
    // moto's IAM checks stay off: they demand a signature even on AssumeRoleWithWebIdentity,
    // which AWS itself accepts unsigned (the token is the proof).
    let moto = Moto::start();
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start_issuing();
    sandbox.run(&["env", "create", "dev"]).ok();
    // The role's ARN is known before it exists: the template names it after the connection.
    let role = format!("arn:aws:iam::{}:role/lanyard-aws-oidc", moto::ACCOUNT);
    connect(
        &sandbox,
        "aws",
        "aws-oidc",
        "oidc",
        &[
            format!("account_id={}", moto::ACCOUNT),
            format!("iam_role_arn={role}"),
            "region=us-east-1".to_owned(),
            format!("endpoint_url={}", moto.endpoint()),
        ],
    );

    // The trust set-up: a template cfn-lint accepts, trusting this issuer, audience and
    // connection. moto has no AWS::IAM::OIDCProvider resource, so the provider is made first
    // and passed in, as for an account that already has one.
    let template = sandbox.home().join("trust.json");
    let trust = sandbox.run(&[
        "connection",
        "trust",
        "aws-oidc",
        "--capability",
        "s3-storage",
        "--out",
        template.to_str().unwrap(),
    ]);
    assert!(trust.status.success(), "{trust:?}");
    let issuer = format!("http://{}", server.addr);
    assert!(
        trust.stderr.contains(&format!("Issuer:   {issuer}")),
        "{trust:?}"
    );
    assert!(
        trust
            .stderr
            .contains("Subject:  org:default:env:*:connection:aws-oidc"),
        "{trust:?}"
    );
    crate::aws_trust::cfn_lint(&template);
    let created = moto.python(
        None,
        &format!(
            "provider = client('iam').create_open_id_connect_provider(Url='{issuer}', \
             ClientIDList=['sts.amazonaws.com'], ThumbprintList=['0' * 40])['OpenIDConnectProviderArn']\n\
             cf = client('cloudformation')\n\
             cf.create_stack(StackName='lanyard-aws-oidc', TemplateBody=open('{}').read(), \
             Capabilities=['CAPABILITY_NAMED_IAM'], \
             Parameters=[{{'ParameterKey': 'OidcProviderArn', 'ParameterValue': provider}}])\n\
             stack = cf.describe_stacks(StackName='lanyard-aws-oidc')['Stacks'][0]\n\
             print([o['OutputValue'] for o in stack['Outputs'] if o['OutputKey'] == 'RoleArn'][0])\n\
             trust = client('iam').get_role(RoleName='lanyard-aws-oidc')['Role']['AssumeRolePolicyDocument']\n\
             print(json.dumps(trust))\n",
            template.display()
        ),
    );
    let (created_role, trust_policy) = created.split_once('\n').unwrap();
    assert_eq!(created_role, role);
    for expected in [
        "sts:AssumeRoleWithWebIdentity",
        &format!("{}:sub", server.addr),
        "org:default:env:*:connection:aws-oidc",
        "sts.amazonaws.com",
    ] {
        assert!(
            trust_policy.contains(expected),
            "{expected}: {trust_policy}"
        );
    }

    let output = run_python(
        &sandbox,
        &["aws"],
        "import boto3, os\n\
         print('arn=' + boto3.client('sts').get_caller_identity()['Arn'])\n\
         print('keys=' + str('AWS_SECRET_ACCESS_KEY' in os.environ))\n\
         token = open(os.environ['AWS_WEB_IDENTITY_TOKEN_FILE']).read()\n\
         print('token-parts=' + str(len(token.split('.'))))\n\
         print('token=' + token)\n",
    );
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    let job = jobs[0]["id"].as_str().unwrap();
    assert!(
        output.contains(&format!(
            "arn=arn:aws:sts::{}:assumed-role/lanyard-aws-oidc/{job}",
            moto::ACCOUNT
        )),
        "{output}"
    );
    assert!(output.contains("keys=False"), "{output}");
    assert!(output.contains("token-parts=3"), "{output}");
    assert!(output.contains("token=[REDACTED]"), "{output}");

    // `connection test` exchanges a token of its own for the role the same way.
    let tested = sandbox.run(&["connection", "test", "aws-oidc"]);
    assert!(tested.status.success(), "{tested:?}");
    assert!(
        tested
            .stdout
            .contains("assumed-role/lanyard-aws-oidc/lanyard-connection-test"),
        "{tested:?}"
    );

    // Nothing secret was stored for it, and `connection get` says jobs get short-lived ones.
    let secrets = sandbox.run(&["secret", "list", "-o", "json"]).json();
    assert_eq!(secrets.as_array().map(Vec::len), Some(0), "{secrets}");
    let shown = sandbox
        .run(&["connection", "get", "aws-oidc", "-o", "json"])
        .json();
    assert_eq!(shown["credentials"], "short-lived", "{shown}");
}

async fn a_session_duration_gives_jobs_temporary_keys_and_never_the_stored_ones(backend: Backend) {
    let moto = Moto::start();
    let keys = moto.create_user("deployer", &["sts:*"]);
    // On: the runner's GetSessionToken must be signed with the stored keys.
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    connect(
        &sandbox,
        "aws",
        "aws-short",
        "inline",
        &[
            format!("account_id={}", moto::ACCOUNT),
            format!("access_key_id={}", keys.access_key_id),
            format!("secret_access_key={}", keys.secret_access_key),
            "session_duration=15m".to_owned(),
            "region=us-east-1".to_owned(),
            format!("endpoint_url={}", moto.endpoint()),
        ],
    );
    // The job looks for the stored keys everywhere it can read: its environment, and every
    // file in its home, its temp directory and its credential directories.
    let script = format!(
        "import os\n\
         stored = [{:?}, {:?}]\n\
         found = [k for k in stored for v in os.environ.values() if k in v]\n\
         for top in [os.environ['HOME'], os.environ.get('TMPDIR', '/tmp'), '/dev/shm', '/tmp']:\n\
         \x20   for root, dirs, files in os.walk(top):\n\
         \x20       for name in files:\n\
         \x20           try: data = open(os.path.join(root, name), errors='ignore').read()\n\
         \x20           except OSError: continue\n\
         \x20           found += [k for k in stored if k in data]\n\
         print('found=' + str(len(found)))\n\
         print('session-token=' + str(bool(os.environ.get('AWS_SESSION_TOKEN'))))\n\
         print('key-id-is-stored=' + str(os.environ['AWS_ACCESS_KEY_ID'] == stored[0]))\n",
        keys.access_key_id, keys.secret_access_key
    );
    let output = run_python(&sandbox, &["aws"], &script);
    assert!(output.contains("found=0"), "{output}");
    assert!(output.contains("session-token=True"), "{output}");
    assert!(output.contains("key-id-is-stored=False"), "{output}");
    let shown = sandbox
        .run(&["connection", "get", "aws-short", "-o", "json"])
        .json();
    assert_eq!(shown["credentials"], "short-lived", "{shown}");
}

async fn google_and_azure_libraries_load_what_oidc_connections_inject(backend: Backend) {
    const POOL: &str =
        "projects/123456789012/locations/global/workloadIdentityPools/lanyard/providers/acme";
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start_issuing();
    sandbox.run(&["env", "create", "dev"]).ok();
    connect(
        &sandbox,
        "gcp",
        "gcp-oidc",
        "oidc",
        &[
            format!("workload_identity_provider={POOL}"),
            "service_account_email=deployer@acme-prod.iam.gserviceaccount.com".to_owned(),
            "project_id=acme-prod".to_owned(),
        ],
    );
    connect(
        &sandbox,
        "azure",
        "azure-oidc",
        "oidc",
        &[
            "client_id=00000000-0000-4000-8000-00000000c1d0".to_owned(),
            "tenant_id=00000000-0000-4000-8000-0000000000aa".to_owned(),
            "subscription_id=00000000-0000-4000-8000-0000000000bb".to_owned(),
        ],
    );
    let script = "import base64, json, os\n\
        import google.auth\n\
        from azure.identity import WorkloadIdentityCredential\n\
        def claims(path):\n\
        \x20   body = open(path).read().split('.')[1]\n\
        \x20   return json.loads(base64.urlsafe_b64decode(body + '=' * (-len(body) % 4)))\n\
        creds, _ = google.auth.load_credentials_from_file(os.environ['GOOGLE_APPLICATION_CREDENTIALS'])\n\
        print('gcp-type=' + type(creds).__module__ + '.' + type(creds).__name__)\n\
        token_file = creds._credential_source_file\n\
        print('gcp-subject-is-token=' + str(creds.retrieve_subject_token(None) == open(token_file).read()))\n\
        print('gcp-impersonates=' + str(creds.service_account_email))\n\
        print('gcp-aud=' + claims(token_file)['aud'])\n\
        print('gcp-sub=' + claims(token_file)['sub'])\n\
        azure = WorkloadIdentityCredential()\n\
        path = os.environ['AZURE_FEDERATED_TOKEN_FILE']\n\
        print('azure-file=' + str(azure._token_file_path == path == os.environ['ARM_OIDC_TOKEN_FILE_PATH']))\n\
        print('azure-client=' + str(azure._client._client_id == os.environ['AZURE_CLIENT_ID']))\n\
        print('azure-aud=' + claims(path)['aud'])\n\
        print('arm-use-oidc=' + os.environ['ARM_USE_OIDC'])\n";
    let output = run_python(&sandbox, &["gcp", "azure"], script);
    for expected in [
        "gcp-type=google.auth.identity_pool.Credentials".to_owned(),
        "gcp-subject-is-token=True".to_owned(),
        "gcp-impersonates=deployer@acme-prod.iam.gserviceaccount.com".to_owned(),
        format!("gcp-aud=https://iam.googleapis.com/{POOL}"),
        "gcp-sub=org:default:env:dev:connection:gcp-oidc".to_owned(),
        "azure-file=True".to_owned(),
        "azure-client=True".to_owned(),
        "azure-aud=api://AzureADTokenExchange".to_owned(),
        "arm-use-oidc=true".to_owned(),
    ] {
        assert!(output.contains(&expected), "{expected}:\n{output}");
    }
    // Neither stores a secret: the Azure client id is an identifier in oidc mode.
    let secrets = sandbox.run(&["secret", "list", "-o", "json"]).json();
    assert_eq!(secrets.as_array().map(Vec::len), Some(0), "{secrets}");
}

/// A real service account key (a fresh RSA key; the example one is only shaped like a key) and
/// a client secret: `google.auth.default()` and azure-identity's `EnvironmentCredential` load
/// them from what the job is given, the identifiers print in clear and the secrets do not. A key
/// of another type is refused when it is saved.
async fn google_and_azure_libraries_load_what_inline_connections_inject(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let generated = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .expect("openssl (scripts/test-deps installs it)");
    assert!(generated.status.success(), "{generated:?}");
    let pem = String::from_utf8(generated.stdout).unwrap();
    let key = serde_json::json!({
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": "5f3c0a0d9b7e4c1a2b3c4d5e6f708192a3b4c5d6",
        "private_key": pem,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": "109876543210987654321",
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    let key_file = sandbox.home().join("key.json");
    std::fs::write(&key_file, key.to_string()).unwrap();
    let not_a_key = sandbox.home().join("user.json");
    std::fs::write(&not_a_key, r#"{"type": "authorized_user"}"#).unwrap();
    let key_field = |file: &std::path::Path| format!("service_account_key=@{}", file.display());
    let refused = sandbox.run(&[
        "connect",
        "gcp",
        "--name",
        "gcp-user",
        "--no-verify",
        "-f",
        &key_field(&not_a_key),
    ]);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused.stderr.contains("service_account_key"),
        "{refused:?}"
    );
    connect(
        &sandbox,
        "gcp",
        "gcp-key",
        "inline",
        &[key_field(&key_file)],
    );
    let client_secret = "planted~azure~client~secret~0123456789";
    connect(
        &sandbox,
        "azure",
        "azure-sp",
        "inline",
        &[
            "client_id=00000000-0000-4000-8000-00000000c1d0".to_owned(),
            format!("client_secret={client_secret}"),
            "tenant_id=00000000-0000-4000-8000-0000000000aa".to_owned(),
            "subscription_id=00000000-0000-4000-8000-0000000000bb".to_owned(),
        ],
    );
    let script = "import os\n\
        import google.auth\n\
        from azure.identity import EnvironmentCredential\n\
        creds, project = google.auth.default()\n\
        print('gcp-type=' + type(creds).__module__ + '.' + type(creds).__name__)\n\
        print('gcp-email=' + creds.service_account_email)\n\
        print('gcp-project=' + str(project))\n\
        print('gcp-key=' + open(os.environ['GOOGLE_APPLICATION_CREDENTIALS']).read())\n\
        inner = EnvironmentCredential()._credential\n\
        print('azure-type=' + type(inner).__name__)\n\
        print('azure-client=' + inner._client_id)\n\
        print('azure-tenant=' + inner._tenant_id)\n\
        print('azure-secret=' + os.environ['AZURE_CLIENT_SECRET'])\n";
    let output = run_python(&sandbox, &["gcp", "azure"], script);
    for expected in [
        "gcp-type=google.oauth2.service_account.Credentials",
        "gcp-email=deployer@acme-prod.iam.gserviceaccount.com",
        "gcp-project=acme-prod",
        "azure-type=ClientSecretCredential",
        "azure-client=00000000-0000-4000-8000-00000000c1d0",
        "azure-tenant=00000000-0000-4000-8000-0000000000aa",
        "azure-secret=[REDACTED]",
    ] {
        assert!(output.contains(expected), "{expected}:\n{output}");
    }
    // The key file printed whole: its identifiers readable, its private key not.
    assert!(
        output.contains("5f3c0a0d9b7e4c1a2b3c4d5e6f708192a3b4c5d6"),
        "{output}"
    );
    let body = pem.lines().nth(1).expect("a PEM body line");
    assert!(!output.contains(body), "{output}");
    assert!(!output.contains(client_secret), "{output}");
}
