//! Archives that travel with jobs (uploaded directories, artifacts) as the store keeps them:
//! metadata plus parts that are sealed before the store sees them.

use lanyard_crypto::SealedBlob;
use lanyard_domain::Timestamp;

/// What an archive is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    /// A directory uploaded to run a job on (`lanyard run --dir`).
    Upload,
    /// Files a job left, collected when it ended (`--artifact`).
    Artifacts,
}

impl BundleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Artifacts => "artifacts",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Self> {
        match raw {
            "upload" => Some(Self::Upload),
            "artifacts" => Some(Self::Artifacts),
            _ => None,
        }
    }
}

/// An archive to start storing.
#[derive(Debug, Clone)]
pub struct NewBundle {
    pub id: String,
    pub org_id: String,
    pub kind: BundleKind,
    /// Set for artifacts; an upload is attached when its job is created.
    pub job_id: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    /// When it is deleted if nothing deleted it earlier.
    pub expires_at: Timestamp,
}

/// What a completely received archive holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleStats {
    pub parts: i64,
    /// Bytes of the (compressed) archive.
    pub size: i64,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// Entries (files, directories, symlinks).
    pub files: i64,
    /// Bytes of file content.
    pub bytes: i64,
}

/// A stored archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRecord {
    pub id: String,
    pub org_id: String,
    pub kind: BundleKind,
    pub job_id: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// `None` while parts are still arriving.
    pub stats: Option<BundleStats>,
}

/// One sealed part of an archive.
#[derive(Debug, Clone)]
pub struct BundlePart {
    pub seq: i64,
    pub sealed: SealedBlob,
}
