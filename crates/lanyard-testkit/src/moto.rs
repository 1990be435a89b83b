//! moto, the AWS emulator, for tests: `moto_server` from the test virtualenv on a free
//! loopback port, set-up scripts in boto3, and moto's IAM checks switched on afterwards so that
//! signatures and external ids are really checked.
//!
//! The virtualenv is `$LANYARD_TEST_VENV`, default `/opt/lanyard-venv`; `scripts/test-deps`
//! (run by `./scripts/test` and `.ci/run`) creates it with pinned `moto[server]`, `boto3` and
//! `cfn-lint`. moto's account is always
//! `123456789012`; while its IAM checks are off, any keys work.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account moto emulates.
pub const ACCOUNT: &str = "123456789012";

/// The test virtualenv.
pub fn venv() -> PathBuf {
    std::env::var_os("LANYARD_TEST_VENV")
        .map_or_else(|| PathBuf::from("/opt/lanyard-venv"), PathBuf::from)
}

/// A program of the test virtualenv (`python`, `cfn-lint`, `moto_server`).
pub fn venv_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// An IAM user's access keys, made in moto for a test (not real secrets).
#[derive(Clone)]
pub struct TestKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// A running `moto_server`; dropping it stops it.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers.
    #[track_caller]
    pub fn start() -> Self {
        let program = venv_bin("moto_server");
        assert!(
            program.exists(),
            "{} is missing: create the test virtualenv as .ci/run does (or set LANYARD_TEST_VENV)",
            program.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut moto = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while moto.request("GET", "/moto-api/", "").is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "moto did not answer within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// The port it listens on (plain http).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Switches moto's IAM checks on: from now on requests need valid signatures of known
    /// keys, identity policies are enforced, and AssumeRole checks trust conditions.
    pub fn enable_auth(&self) {
        let status = self
            .request("POST", "/moto-api/reset-auth", "0")
            .expect("moto reset-auth");
        assert_eq!(status, 200, "moto refused reset-auth");
    }

    /// A minimal HTTP/1.1 request; returns the status code.
    fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        // moto needs the content type; without it the body is read as a form (HTTP 500).
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status line"))
    }

    /// Runs a boto3 script against moto with `keys` (default: dummy keys, fine while the IAM
    /// checks are off). The script gets `ENDPOINT` and a `client(service)` helper; returns its
    /// standard output, trimmed.
    #[track_caller]
    pub fn python(&self, keys: Option<&TestKeys>, script: &str) -> String {
        let prelude = "import boto3, json, os, sys\n\
                       ENDPOINT = os.environ['AWS_ENDPOINT_URL']\n\
                       def client(service):\n    \
                       return boto3.client(service, endpoint_url=ENDPOINT, region_name='us-east-1')\n";
        let (id, secret) = keys.map_or(("testing", "testing"), |k| {
            (k.access_key_id.as_str(), k.secret_access_key.as_str())
        });
        let out = Command::new(venv_bin("python"))
            .arg("-c")
            .arg(format!("{prelude}{script}"))
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("run the venv's python");
        assert!(
            out.status.success(),
            "boto3 script failed: {}\n{script}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Creates the CloudFormation stack `lanyard-{name}` from `template` (a template Lanyard
    /// generated) as `keys`; returns its `RoleArn` output.
    #[track_caller]
    pub fn create_stack(&self, keys: &TestKeys, name: &str, template: &str) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("template.json");
        std::fs::write(&path, template).expect("write the template");
        self.python(
            Some(keys),
            &format!(
                "cf = client('cloudformation')\n\
                 cf.create_stack(StackName='lanyard-{name}', TemplateBody=open('{}').read(), \
                 Capabilities=['CAPABILITY_NAMED_IAM'])\n\
                 stack = cf.describe_stacks(StackName='lanyard-{name}')['Stacks'][0]\n\
                 assert stack['StackStatus'] == 'CREATE_COMPLETE', stack['StackStatus']\n\
                 print([o['OutputValue'] for o in stack['Outputs'] if o['OutputKey'] == 'RoleArn'][0])\n",
                path.display()
            ),
        )
    }

    /// Creates role `name` that `principal` may assume, only with `external_id` when given
    /// (without one, the confused-deputy shape the trust check must refuse); returns its ARN.
    #[track_caller]
    pub fn create_role(
        &self,
        keys: &TestKeys,
        name: &str,
        principal: &str,
        external_id: Option<&str>,
    ) -> String {
        let condition = external_id.map_or_else(String::new, |id| {
            format!(", 'Condition': {{'StringEquals': {{'sts:ExternalId': '{id}'}}}}")
        });
        self.python(
            Some(keys),
            &format!(
                "trust = {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', \
                 'Principal': {{'AWS': '{principal}'}}, 'Action': 'sts:AssumeRole'{condition}}}]}}\n\
                 print(client('iam').create_role(RoleName='{name}', \
                 AssumeRolePolicyDocument=json.dumps(trust))['Role']['Arn'])\n"
            ),
        )
    }

    /// Creates an IAM user with an access key and an identity policy allowing `actions`
    /// (e.g. `["*"]`).
    #[track_caller]
    pub fn create_user(&self, name: &str, actions: &[&str]) -> TestKeys {
        let actions = serde_json_array(actions);
        let out = self.python(
            None,
            &format!(
                "iam = client('iam')\n\
                 iam.create_user(UserName='{name}')\n\
                 iam.put_user_policy(UserName='{name}', PolicyName='all', PolicyDocument=json.dumps(\
                 {{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Action': {actions}, 'Resource': '*'}}]}}))\n\
                 key = iam.create_access_key(UserName='{name}')['AccessKey']\n\
                 print(key['AccessKeyId'] + ' ' + key['SecretAccessKey'])\n"
            ),
        );
        let (id, secret) = out.split_once(' ').expect("two keys");
        TestKeys {
            access_key_id: id.to_owned(),
            secret_access_key: secret.to_owned(),
        }
    }
}

/// The ARN of IAM user `name` in moto's account.
pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn serde_json_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", quoted.join(", "))
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
