//! Archive bytes between async code (a request body, a response) and the blocking packer or
//! unpacker on another thread, through a bounded channel of pieces: neither side holds an
//! archive whole, and a fast side waits for a slow one.

use std::io::{Read, Write};
use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::digest::ArchiveDigest;
use crate::error::BundleError;
use crate::limits::{Limits, Summary};
use crate::pack::Plan;

/// Pieces in flight: enough to keep both sides busy.
pub const PIECES_IN_FLIGHT: usize = 8;
/// How much a writer hands over at a time (see [`PieceWriter::buffered`]).
pub const PIECE_BYTES: usize = 256 * 1024;

/// A channel for archive pieces.
pub fn pipe() -> (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) {
    mpsc::channel(PIECES_IN_FLIGHT)
}

/// Packs `plan` on a blocking thread; its archive arrives on the receiver. `progress` is called
/// with the file bytes packed so far.
pub fn pack_in_background(
    plan: Plan,
    mut progress: impl FnMut(u64) + Send + 'static,
) -> (mpsc::Receiver<Vec<u8>>, JoinHandle<Result<(), BundleError>>) {
    let (pieces, archive) = pipe();
    let packing = tokio::task::spawn_blocking(move || {
        // `write` flushes what it writes to when it finishes.
        plan.write(PieceWriter::buffered(pieces), &mut progress)
    });
    (archive, packing)
}

/// What an unpacking thread answers: what it unpacked (or why not), and the archive's digest.
pub type Unpacked = (Result<Summary, BundleError>, String);

/// Unpacks what is sent on the sender into `dest` on a blocking thread (see
/// [`crate::unpack`]). The thread answers what was unpacked, and the digest of every byte that
/// came, whatever happened.
pub fn unpack_in_background(
    dest: PathBuf,
    limits: Limits,
) -> (mpsc::Sender<Vec<u8>>, JoinHandle<Unpacked>) {
    let (pieces, feed) = pipe();
    let unpacking = tokio::task::spawn_blocking(move || {
        let mut input = PieceReader::new(feed);
        let summary = crate::unpack(&mut input, &dest, &limits);
        (summary, input.finish())
    });
    (pieces, unpacking)
}

/// What a checking thread answers: what the archive holds and its digest, or why it was refused.
pub type Checked = Result<(Summary, String), BundleError>;

/// Checks what is sent on the sender on a blocking thread (see [`crate::inspect`]). A refusal
/// ends the thread at once (so the sender finds the channel closed); an archive that passes is
/// read to its last byte and answered with the digest of everything that came.
pub fn inspect_in_background(limits: Limits) -> (mpsc::Sender<Vec<u8>>, JoinHandle<Checked>) {
    let (pieces, feed) = pipe();
    let checking = tokio::task::spawn_blocking(move || {
        let mut input = PieceReader::new(feed);
        let summary = crate::inspect(&mut input, &limits)?;
        Ok((summary, input.finish()))
    });
    (pieces, checking)
}

/// Reads the pieces sent on a channel, on a blocking thread, hashing every byte.
pub struct PieceReader {
    pieces: mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
    at: usize,
    digest: ArchiveDigest,
}

impl PieceReader {
    pub fn new(pieces: mpsc::Receiver<Vec<u8>>) -> Self {
        Self {
            pieces,
            pending: Vec::new(),
            at: 0,
            digest: ArchiveDigest::default(),
        }
    }

    /// Reads to the end (so that the sender is never left waiting) and returns the digest of
    /// everything that arrived.
    pub fn finish(mut self) -> String {
        let _ = std::io::copy(&mut self, &mut std::io::sink());
        self.digest.finish()
    }
}

impl Read for PieceReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            match self.pieces.blocking_recv() {
                Some(next) => {
                    self.digest.update(&next);
                    self.pending = next;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Sends what is written as pieces on a channel, from a blocking thread.
pub struct PieceWriter {
    pieces: mpsc::Sender<Vec<u8>>,
}

impl PieceWriter {
    /// A writer that hands over [`PIECE_BYTES`] at a time.
    pub fn buffered(pieces: mpsc::Sender<Vec<u8>>) -> std::io::BufWriter<Self> {
        std::io::BufWriter::with_capacity(PIECE_BYTES, Self { pieces })
    }
}

impl Write for PieceWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pieces
            .blocking_send(buf.to_vec())
            .map_err(|_| std::io::Error::other("the receiving side stopped"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
