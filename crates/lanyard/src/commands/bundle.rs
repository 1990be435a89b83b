//! Files to and from jobs: packing and uploading the directory of `lanyard run --dir`, and
//! downloading what a job kept with `--artifact`.

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::Context as _;
use lanyard_bundle::pipe;
use lanyard_bundle::{human_bytes, Limits, Plan};

use crate::context::Context;

/// Checks `dir` against the organization's limits (from metadata: nothing is read or sent if
/// it is too big), then streams it to the server. Returns the upload's id.
pub(crate) async fn upload_dir(ctx: &Context, dir: &Path) -> anyhow::Result<String> {
    let limits = org_limits(ctx).await?;
    let root = dir.to_owned();
    let plan = tokio::task::spawn_blocking(move || Plan::of(&root, &limits))
        .await?
        .with_context(|| format!("cannot upload {}", dir.display()))?;
    for (path, why) in plan.skipped() {
        eprintln!("lanyard: leaving out {path}: {why}");
    }
    let summary = plan.summary().clone();
    eprintln!(
        "lanyard: uploading {}: {} files, {}",
        dir.display(),
        summary.files,
        human_bytes(summary.bytes)
    );
    let bar = progress_bar(summary.bytes);
    let (archive, packing) = {
        let bar = bar.clone();
        pipe::pack_in_background(plan, move |done| bar.set_position(done))
    };
    let uploaded = ctx.client.upload(&ctx.org, archive).await;
    let packed = packing.await?;
    bar.finish_and_clear();
    // A packing error explains an upload cut short better than the upload's own error.
    packed.with_context(|| format!("cannot upload {}", dir.display()))?;
    let upload = uploaded.with_context(|| format!("cannot upload {}", dir.display()))?;
    Ok(upload.id)
}

/// The organization's limits for uploads, as its server reports them.
async fn org_limits(ctx: &Context) -> anyhow::Result<Limits> {
    let org = ctx.client.get_organization(&ctx.org).await?;
    let defaults = Limits::default();
    Ok(org.upload_limits.map_or(defaults, |l| Limits {
        max_bytes: l.max_bytes.unwrap_or(defaults.max_bytes),
        max_files: l.max_files.unwrap_or(defaults.max_files),
    }))
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Downloads a job's artifacts into `out`, checking every entry as the runner does; an existing
/// file is never overwritten.
pub(crate) async fn download_artifacts(ctx: &Context, id: &str, out: &Path) -> anyhow::Result<()> {
    let mut download = ctx.client.job_artifacts(&ctx.org, id).await?;
    let expected = download.digest();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (pieces, unpacking) = pipe::unpack_in_background(out.to_owned(), Limits::CEILING);
    while let Some(piece) = download.next_piece().await? {
        if pieces.send(piece).await.is_err() {
            break; // The unpacker stopped; it says why.
        }
    }
    drop(pieces);
    let (summary, digest) = unpacking.await?;
    let summary = summary.with_context(|| format!("cannot unpack the artifacts of job {id}"))?;
    if let Some(expected) = expected.filter(|e| *e != digest) {
        anyhow::bail!(
            "the artifacts of job {id} arrived altered (digest {digest}, expected {expected})"
        );
    }
    eprintln!(
        "Downloaded {} files ({}) into {}",
        summary.files,
        human_bytes(summary.bytes),
        out.display()
    );
    Ok(())
}
