//! Jobs, runners and usage; and the runner-side calls (made with a runner token).

use lanyard_api::{
    ClaimedJob, ConnectionUsage, CreateJob, FinishJob, Job, JobCredentials, JobEvent, JobReport,
    JobReportReply, List, RegisterRunner, Runner, RunnerCredentials, SetDefaultRunner,
};
use reqwest::{Method, StatusCode};

use crate::{Client, ClientError};

/// What a runner's claim brought.
#[derive(Debug)]
pub struct Claim {
    /// The job it took, if one was queued.
    pub job: Option<ClaimedJob>,
    /// The server asks the runner to check its own identities now.
    pub recheck_identities: bool,
}

/// A job's output as it arrives: newline-delimited [`JobEvent`]s.
pub struct OutputStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl OutputStream {
    /// The next event, or `None` when the server closed the stream.
    pub async fn next_event(&mut self) -> Result<Option<JobEvent>, ClientError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return serde_json::from_slice(&line)
                    .map(Some)
                    .map_err(|e| ClientError::Decode(e.to_string()));
            }
            match self
                .response
                .chunk()
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?
            {
                Some(bytes) => self.buffer.extend_from_slice(&bytes),
                None => return Ok(None),
            }
        }
    }
}

impl Client {
    /// Creates a job (its connections resolved and authorized first).
    pub async fn create_job(&self, org: &str, request: &CreateJob) -> Result<Job, ClientError> {
        self.post(&["orgs", org, "jobs"], request).await
    }

    /// Recent jobs, newest first.
    pub async fn list_jobs(&self, org: &str, limit: Option<i64>) -> Result<Vec<Job>, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "jobs"]);
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        Ok(self.send::<List<_>>(request).await?.items)
    }

    /// One job.
    pub async fn get_job(&self, org: &str, id: &str) -> Result<Job, ClientError> {
        self.get(&["orgs", org, "jobs", id]).await
    }

    /// Cancels a job.
    pub async fn cancel_job(&self, org: &str, id: &str) -> Result<Job, ClientError> {
        self.post(&["orgs", org, "jobs", id, "cancel"], &serde_json::json!({}))
            .await
    }

    /// A job's output after `after` (all with `-1`); with `follow`, live until it ends.
    pub async fn job_output(
        &self,
        org: &str,
        id: &str,
        after: i64,
        follow: bool,
    ) -> Result<OutputStream, ClientError> {
        let request = self
            .request(Method::GET, &["orgs", org, "jobs", id, "output"])
            .query(&[("after", after.to_string()), ("follow", follow.to_string())]);
        let response = self.execute(request).await?;
        Ok(OutputStream {
            response,
            buffer: Vec::new(),
        })
    }

    /// Where a connection's credentials were used.
    pub async fn connection_usage(
        &self,
        org: &str,
        name: &str,
        limit: Option<i64>,
    ) -> Result<ConnectionUsage, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "connections", name, "usage"]);
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        self.send(request).await
    }

    /// The organization's runners.
    pub async fn list_runners(&self, org: &str) -> Result<Vec<Runner>, ClientError> {
        Ok(self
            .get::<List<Runner>>(&["orgs", org, "runners"])
            .await?
            .items)
    }

    /// Registers a runner; the answer holds its token, shown once.
    pub async fn register_runner(
        &self,
        org: &str,
        name: &str,
    ) -> Result<RunnerCredentials, ClientError> {
        self.post(
            &["orgs", org, "runners"],
            &RegisterRunner {
                name: name.to_owned(),
            },
        )
        .await
    }

    /// Deletes a runner.
    pub async fn delete_runner(&self, org: &str, name: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "runners", name]).await
    }

    /// Sets the default runner (`None`: the built-in one).
    pub async fn set_default_runner(
        &self,
        org: &str,
        runner: Option<&str>,
    ) -> Result<(), ClientError> {
        let body = SetDefaultRunner {
            runner: runner.map(str::to_owned),
        };
        self.execute(
            self.request(Method::PUT, &["orgs", org, "default-runner"])
                .json(&body),
        )
        .await
        .map(drop)
    }

    /// Runner: waits up to `wait_secs` for a job.
    pub async fn claim_job(&self, wait_secs: u64) -> Result<Option<ClaimedJob>, ClientError> {
        Ok(self.claim_job_reporting(wait_secs, None, None).await?.job)
    }

    /// [`Client::claim_job`], reporting the AWS identity the runner found in its environment and
    /// how it isolates jobs; the answer also says whether to check its identities now.
    pub async fn claim_job_reporting(
        &self,
        wait_secs: u64,
        aws_identity: Option<&str>,
        isolation: Option<&str>,
    ) -> Result<Claim, ClientError> {
        let mut request = self
            .request(Method::POST, &["runner", "claim"])
            .query(&[("wait", wait_secs)]);
        if let Some(identity) = aws_identity {
            request = request.query(&[("aws_identity", identity)]);
        }
        if let Some(isolation) = isolation {
            request = request.query(&[("isolation", isolation)]);
        }
        let request = request.timeout(std::time::Duration::from_secs(wait_secs + 30));
        let response = self.execute(request).await?;
        if response.status() == StatusCode::NO_CONTENT {
            let recheck_identities = response
                .headers()
                .get("x-lanyard-recheck-identities")
                .is_some_and(|v| v.as_bytes() == b"1");
            return Ok(Claim {
                job: None,
                recheck_identities,
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let job = serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok(Claim {
            job: Some(job),
            recheck_identities: false,
        })
    }

    /// Runner: the credentials of the job it claimed.
    pub async fn job_credentials(&self, id: &str) -> Result<JobCredentials, ClientError> {
        self.post(
            &["runner", "jobs", id, "credentials"],
            &serde_json::json!({}),
        )
        .await
    }

    /// Runner: output and heartbeat; the reply says whether to stop.
    pub async fn report_job(
        &self,
        id: &str,
        report: &JobReport,
    ) -> Result<JobReportReply, ClientError> {
        self.post(&["runner", "jobs", id, "report"], report).await
    }

    /// Runner: what it found when it checked its own identities, replacing its last report.
    pub async fn report_identity_checks(
        &self,
        report: &lanyard_api::IdentityCheckReport,
    ) -> Result<(), ClientError> {
        self.execute(
            self.request(Method::PUT, &["runner", "identity-checks"])
                .json(report),
        )
        .await
        .map(drop)
    }

    /// Runner: the job's end.
    pub async fn finish_job(&self, id: &str, finish: &FinishJob) -> Result<(), ClientError> {
        self.execute(
            self.request(Method::POST, &["runner", "jobs", id, "finish"])
                .json(finish),
        )
        .await
        .map(drop)
    }
}
