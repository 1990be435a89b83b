//! The runner's side of archives: unpacking a job's uploaded directory into its work tree
//! (checking every entry again, and the digest the server recorded), and packing the paths a
//! job names as artifacts when it ends. Archive bytes flow through channels between the
//! transport (async) and the packer or unpacker (a blocking thread): neither side holds an
//! archive whole.

use std::path::Path;

use lanyard_bundle::pipe;
use lanyard_bundle::{human_bytes, Limits, Plan, Summary};

use crate::drive::JobTransport;

/// A job's uploaded directory, as the server described it.
#[derive(Debug, Clone)]
pub struct UploadToUnpack {
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// What the server counted in it: unpacking stops past that.
    pub limits: Limits,
}

/// Unpacks the job's upload into `work`. The error is a message for the job's output.
pub(crate) async fn unpack_upload(
    transport: &dyn JobTransport,
    upload: &UploadToUnpack,
    work: &Path,
) -> Result<Summary, String> {
    let (pieces, unpacking) = pipe::unpack_in_background(work.to_owned(), upload.limits);
    let fetched = transport.fetch_upload(pieces).await;
    let (summary, digest) = unpacking
        .await
        .map_err(|e| format!("the upload could not be unpacked: {e}"))?;
    fetched.map_err(|e| format!("the uploaded directory could not be fetched: {e}"))?;
    if digest != upload.digest {
        return Err(format!(
            "the uploaded directory arrived altered (digest {digest}, expected {}); nothing ran",
            upload.digest
        ));
    }
    summary.map_err(|e| format!("the uploaded directory was refused: {e}"))
}

/// Packs `paths` under `root` and sends them. Returns what was sent and the paths not found.
pub(crate) async fn send_artifacts(
    transport: &dyn JobTransport,
    root: &Path,
    paths: &[String],
) -> Result<(Summary, Vec<String>), String> {
    let plan = Plan::of_paths(root, paths, &Limits::CEILING)
        .map_err(|e| format!("artifacts not kept: {e}"))?;
    let missing: Vec<String> = plan.skipped().iter().map(|(p, _)| p.clone()).collect();
    let summary = plan.summary().clone();
    if plan.entries().is_empty() {
        return Ok((summary, missing));
    }
    let (archive, packing) = pipe::pack_in_background(plan, |_| {});
    let sent = transport.send_artifacts(archive).await;
    let packed = packing
        .await
        .map_err(|e| format!("artifacts not kept: {e}"))?;
    packed.map_err(|e| format!("artifacts not kept: {e}"))?;
    sent.map_err(|e| format!("artifacts not kept: {e}"))?;
    Ok((summary, missing))
}

/// `12 files, 3.4 MiB`.
pub(crate) fn describe(summary: &Summary) -> String {
    format!("{} files, {}", summary.files, human_bytes(summary.bytes))
}

/// The paths of artifacts, for messages.
pub(crate) fn listed(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
