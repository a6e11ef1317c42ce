//! The one error type of `ae-data`: every variant names the file (or field) it is about.

use std::path::PathBuf;

/// Errors raised while locating, reading, validating or transforming datasets.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file ends with `.gz` but its bytes are not a valid gzip stream.
    #[error("{path}: not a valid gzip file: {reason}")]
    NotGzip {
        /// The offending file.
        path: PathBuf,
        /// What the gzip decoder reported.
        reason: String,
    },
    /// The header is shorter than the IDX format requires.
    #[error("{path}: truncated IDX header: {len} bytes, need at least {need}")]
    TruncatedHeader {
        /// The offending file.
        path: PathBuf,
        /// Bytes present.
        len: usize,
        /// Bytes the header needs.
        need: usize,
    },
    /// The magic number does not announce the expected kind of IDX file.
    #[error("{path}: wrong magic number {found:#010x}, expected {expected:#010x} ({what})")]
    WrongMagic {
        /// The offending file.
        path: PathBuf,
        /// Magic number in the file.
        found: u32,
        /// Magic number expected.
        expected: u32,
        /// What kind of file was expected ("images" or "labels").
        what: &'static str,
    },
    /// The declared dimensions are unusable (zero rows, absurd sizes, ...).
    #[error("{path}: invalid dimensions: {reason}")]
    BadDimensions {
        /// The offending file.
        path: PathBuf,
        /// Why the dimensions were refused.
        reason: String,
    },
    /// The payload length disagrees with the count declared in the header.
    #[error(
        "{path}: header declares {declared} items ({expected_bytes} payload bytes) but the file holds {actual_bytes} payload bytes"
    )]
    LengthMismatch {
        /// The offending file.
        path: PathBuf,
        /// Item count declared in the header.
        declared: usize,
        /// Payload bytes the header implies.
        expected_bytes: usize,
        /// Payload bytes present.
        actual_bytes: usize,
    },
    /// The image file and the label file of one split disagree on the count.
    #[error("{images}: {image_count} images, but {labels} has {label_count} labels")]
    CountMismatch {
        /// Image file.
        images: PathBuf,
        /// Images in it.
        image_count: usize,
        /// Label file.
        labels: PathBuf,
        /// Labels in it.
        label_count: usize,
    },
    /// A label value is outside the dataset's classes.
    #[error("{path}: label {label} at index {index} is not a valid class (0..{classes})")]
    BadLabel {
        /// The label file.
        path: PathBuf,
        /// Position of the bad label.
        index: usize,
        /// The value found.
        label: u8,
        /// Number of classes.
        classes: usize,
    },
    /// No data folder holds the dataset and it could not be downloaded.
    #[error(
        "{dataset} files not found in {dir} and download failed: {reason}. Point --data-dir (or AE_DATA_DIR) at a folder holding {dataset}/<file>.gz, e.g. --data-dir ../shared/data"
    )]
    Unavailable {
        /// Dataset name.
        dataset: &'static str,
        /// The folder that was searched.
        dir: PathBuf,
        /// Why the download failed.
        reason: String,
    },
    /// A request for a subset, split or selection cannot be satisfied.
    #[error("invalid selection `{field}`: {reason}")]
    InvalidSelection {
        /// The parameter at fault.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A noise specification could not be parsed or is out of range.
    #[error("invalid noise `{spec}`: {reason}")]
    InvalidNoise {
        /// The specification as given.
        spec: String,
        /// Why it was refused.
        reason: String,
    },
    /// Writing an image failed.
    #[error("{path}: cannot write image: {reason}")]
    ImageWrite {
        /// Destination file.
        path: PathBuf,
        /// Encoder or I/O error.
        reason: String,
    },
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
