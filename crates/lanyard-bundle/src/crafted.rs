//! Hand-made archives for tests of everything that reads archives: entries with names,
//! types and link targets a well-behaved packer never writes. Only with the `crafted` feature.

pub use tar::EntryType;

/// A hand-made archive: entries with raw names, types and link targets that `tar::Builder`
/// would refuse to write.
pub struct Crafted(tar::Builder<Vec<u8>>);

impl Default for Crafted {
    fn default() -> Self {
        Self::new()
    }
}

impl Crafted {
    pub fn new() -> Self {
        Self(tar::Builder::new(Vec::new()))
    }

    pub fn entry(mut self, name: &str, kind: tar::EntryType, link: &str, body: &[u8]) -> Self {
        let mut header = tar::Header::new_old();
        let raw = header.as_old_mut();
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        raw.linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(kind);
        header.set_mode(0o644);
        header.set_size(body.len() as u64);
        header.set_cksum();
        self.0.append(&header, body).unwrap();
        self
    }

    pub fn file(self, name: &str, body: &[u8]) -> Self {
        self.entry(name, tar::EntryType::Regular, "", body)
    }

    pub fn compressed(self) -> Vec<u8> {
        zstd::encode_all(self.0.into_inner().unwrap().as_slice(), 1).unwrap()
    }
}
