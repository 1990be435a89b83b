//! Archives: uploading a directory for a job, downloading a job's artifacts, and the runner's
//! side of both. Bodies stream: the caller hands in or takes out pieces.

use lanyard_api::{Organization, Upload, UploadLimits};
use reqwest::{header, Method};
use tokio::sync::mpsc;

use crate::{Client, ClientError};

/// The media type of an archive (`lanyard_bundle::MEDIA_TYPE`).
const MEDIA_TYPE: &str = "application/vnd.lanyard.bundle+zstd";

/// The pieces of an archive arriving on a channel, as a request body.
struct Pieces(mpsc::Receiver<Vec<u8>>);

impl futures_core::Stream for Pieces {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|piece| piece.map(Ok))
    }
}

fn body(pieces: mpsc::Receiver<Vec<u8>>) -> reqwest::Body {
    reqwest::Body::wrap_stream(Pieces(pieces))
}

/// An archive arriving from the server.
pub struct ArchiveDownload {
    response: reqwest::Response,
}

impl ArchiveDownload {
    /// `sha256:<hex>` of the archive, as the server recorded it.
    pub fn digest(&self) -> Option<String> {
        self.response
            .headers()
            .get("x-lanyard-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Its size in bytes, when the server said.
    pub fn size(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next piece, or `None` at the end.
    pub async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        self.response
            .chunk()
            .await
            .map(|piece| piece.map(|b| b.to_vec()))
            .map_err(|e| ClientError::Transport(e.to_string()))
    }
}

impl Client {
    /// Uploads a directory (an archive made by `lanyard_bundle::Plan`) for a job.
    pub async fn upload(
        &self,
        org: &str,
        pieces: mpsc::Receiver<Vec<u8>>,
    ) -> Result<Upload, ClientError> {
        let request = self
            .request(Method::POST, &["orgs", org, "uploads"])
            .header(header::CONTENT_TYPE, MEDIA_TYPE)
            .body(body(pieces));
        self.send(request).await
    }

    /// A job's artifacts.
    pub async fn job_artifacts(&self, org: &str, id: &str) -> Result<ArchiveDownload, ClientError> {
        let request = self.request(Method::GET, &["orgs", org, "jobs", id, "artifacts"]);
        Ok(ArchiveDownload {
            response: self.execute(request).await?,
        })
    }

    /// Sets the organization's limits for uploaded directories (`None`: the default).
    pub async fn set_upload_limits(
        &self,
        org: &str,
        limits: &UploadLimits,
    ) -> Result<Organization, ClientError> {
        self.put(&["orgs", org, "upload-limits"], limits).await
    }

    /// Runner: the uploaded directory of the job it runs.
    pub async fn job_upload(&self, id: &str) -> Result<ArchiveDownload, ClientError> {
        let request = self.request(Method::GET, &["runner", "jobs", id, "upload"]);
        Ok(ArchiveDownload {
            response: self.execute(request).await?,
        })
    }

    /// Runner: the artifacts of the job it runs.
    pub async fn send_artifacts(
        &self,
        id: &str,
        pieces: mpsc::Receiver<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let request = self
            .request(Method::PUT, &["runner", "jobs", id, "artifacts"])
            .header(header::CONTENT_TYPE, MEDIA_TYPE)
            .body(body(pieces));
        self.execute(request).await.map(drop)
    }
}
