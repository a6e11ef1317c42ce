//! Canonical SHA-256 digests of the uncompressed IDX files, and their verification.

use sha2::{Digest, Sha256};

use crate::dataset::{DatasetKind, FileRole};

/// SHA-256 of the uncompressed bytes of each canonical file, as published by the
/// datasets' authors (MNIST: LeCun et al.; Fashion-MNIST: Zalando Research).
pub fn canonical_sha256(kind: DatasetKind, role: FileRole) -> &'static str {
    use DatasetKind::{Fashion, Mnist};
    use FileRole::{TestImages, TestLabels, TrainImages, TrainLabels};
    match (kind, role) {
        (Mnist, TrainImages) => "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        (Mnist, TrainLabels) => "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        (Mnist, TestImages) => "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        (Mnist, TestLabels) => "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        (Fashion, TrainImages) => {
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        }
        (Fashion, TrainLabels) => {
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        }
        (Fashion, TestImages) => "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        (Fashion, TestLabels) => "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_of_parts(&[bytes])
}

/// Lower-case hex SHA-256 of the concatenation of `parts`, without copying them into one
/// buffer.
pub fn sha256_hex_of_parts(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Outcome of checking one file against its canonical digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Digest of the uncompressed bytes actually read.
    pub sha256: String,
    /// Whether it equals the canonical digest.
    pub verified: bool,
}

/// Verifies `bytes` (uncompressed) as the canonical file `role` of `kind`.
pub fn verify(kind: DatasetKind, role: FileRole, bytes: &[u8]) -> Verification {
    let sha256 = sha256_hex(bytes);
    let verified = sha256 == canonical_sha256(kind, role);
    Verification { sha256, verified }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_known_constant() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn arbitrary_bytes_do_not_verify() {
        assert!(!verify(DatasetKind::Mnist, FileRole::TestLabels, b"nope").verified);
    }
}
