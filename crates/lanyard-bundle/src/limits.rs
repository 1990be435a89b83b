//! How big an archive may be, and what one holds.

/// The most an archive may hold. Both sides check: the CLI before it uploads anything, the server
/// and the runner while they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of file content, added up.
    pub max_bytes: u64,
    /// Entries: files, directories and symlinks.
    pub max_files: u64,
}

impl Limits {
    /// 256 MiB: a large Terraform or Pulumi project with its modules is a few MiB; a tree this
    /// big almost always carries build output or a dependency cache by mistake.
    pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
    /// 50,000 entries: well above a monorepo's infrastructure directory.
    pub const DEFAULT_MAX_FILES: u64 = 50_000;
    /// The most an organization may allow: 4 GiB and a million entries.
    pub const CEILING: Limits = Limits {
        max_bytes: 4 * 1024 * 1024 * 1024,
        max_files: 1_000_000,
    };

    /// The most bytes a tar stream within these limits can take: its content, a header and
    /// padding per entry (long names add a few headers more), and the end marker.
    pub fn max_tar_bytes(&self) -> u64 {
        self.max_bytes
            .saturating_add(self.max_files.saturating_mul(4 * 512))
            .saturating_add(64 * 1024)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_files: Self::DEFAULT_MAX_FILES,
        }
    }
}

/// What an archive holds (or a directory would put in one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Bytes of file content.
    pub bytes: u64,
    /// The largest files, largest first (at most [`Summary::LARGEST`]), for messages about size.
    pub largest: Vec<(String, u64)>,
}

impl Summary {
    /// How many of the largest files a summary remembers.
    pub const LARGEST: usize = 5;

    /// Entries of every kind.
    pub fn entries(&self) -> u64 {
        self.files + self.dirs + self.symlinks
    }

    pub(crate) fn add_file(&mut self, path: &str, size: u64) {
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        let at = self.largest.partition_point(|(_, s)| *s >= size);
        if at < Self::LARGEST {
            self.largest.insert(at, (path.to_owned(), size));
            self.largest.truncate(Self::LARGEST);
        }
    }

    /// The largest files as `a (3.0 GiB), b (12 MiB)`.
    pub fn largest_list(&self) -> String {
        self.largest
            .iter()
            .map(|(path, size)| format!("{path} ({})", human_bytes(*size)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        return if bytes == 1 {
            "1 byte".to_owned()
        } else {
            format!("{bytes} bytes")
        };
    }
    let shown = format!("{value:.1}");
    format!("{} {}", shown.trim_end_matches(".0"), UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(256 * 1024 * 1024), "256 MiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3 GiB");
    }

    #[test]
    fn a_summary_keeps_the_largest_files_in_order() {
        let mut summary = Summary::default();
        for (i, size) in [5u64, 50, 1, 500, 20, 7, 300].into_iter().enumerate() {
            summary.add_file(&format!("f{i}"), size);
        }
        let sizes: Vec<u64> = summary.largest.iter().map(|(_, s)| *s).collect();
        assert_eq!(sizes, [500, 300, 50, 20, 7]);
        assert_eq!(summary.bytes, 883);
        assert_eq!(summary.files, 7);
    }
}
