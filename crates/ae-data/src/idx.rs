//! Reader for the IDX format of MNIST-like datasets (raw or gzip-compressed).
//!
//! The header is validated before any payload is allocated: the declared size is
//! checked against the real length, so a 20-byte file claiming 10^9 images fails
//! fast with [`DataError::LengthMismatch`] instead of allocating gigabytes.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{DataError, Result};

/// Magic number of an IDX file of unsigned-byte images with 3 dimensions.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels with 1 dimension.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Decoded image file: `count` images of `rows x cols` bytes, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixel bytes.
    pub pixels: Vec<u8>,
}

/// Decoded label file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxLabels {
    /// One byte per item.
    pub labels: Vec<u8>,
}

/// Reads a whole file, decompressing it when its name ends with `.gz`.
///
/// Returns the uncompressed bytes (the form the SHA-256 digests refer to).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let compressed_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let is_gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if !is_gz {
        let mut out = Vec::with_capacity(usize::try_from(compressed_len).unwrap_or(0));
        std::io::BufReader::new(file)
            .read_to_end(&mut out)
            .map_err(|e| DataError::io(path, e))?;
        return Ok(out);
    }
    decode_gzip(
        std::io::BufReader::with_capacity(1 << 16, file),
        compressed_len,
        path,
    )
}

/// Decompresses gzip bytes held in memory (one or more members); errors name `path`.
pub fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    decode_gzip(bytes, bytes.len() as u64, path)
}

fn decode_gzip(reader: impl Read, compressed_len: u64, path: &Path) -> Result<Vec<u8>> {
    // The real MNIST files compress about 6:1; reserving a little more avoids regrowth
    // while a tiny bogus file never reserves much.
    let hint = usize::try_from(compressed_len.saturating_mul(8))
        .unwrap_or(0)
        .min(1 << 30);
    let mut out = Vec::with_capacity(hint);
    MultiGzDecoder::new(reader)
        .read_to_end(&mut out)
        .map_err(|e| gzip_error(path, e))?;
    Ok(out)
}

fn gzip_error(path: &Path, e: std::io::Error) -> DataError {
    match e.kind() {
        std::io::ErrorKind::InvalidInput
        | std::io::ErrorKind::InvalidData
        | std::io::ErrorKind::UnexpectedEof => DataError::NotGzip {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        _ => DataError::io(path, e),
    }
}

/// Reads and validates an image file (magic 2051).
pub fn read_images(path: &Path) -> Result<IdxImages> {
    parse_images_owned(read_bytes(path)?, path)
}

/// Reads and validates a label file (magic 2049).
pub fn read_labels(path: &Path) -> Result<IdxLabels> {
    parse_labels(&read_bytes(path)?, path)
}

/// Bytes before the pixels of an image file: magic and three dimensions.
const IMAGES_HEADER: usize = 16;

/// Parses the uncompressed bytes of an image file; `path` is only used in errors.
pub fn parse_images(bytes: &[u8], path: &Path) -> Result<IdxImages> {
    let (count, rows, cols) = image_dims(bytes, path)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: bytes[IMAGES_HEADER..].to_vec(),
    })
}

/// [`parse_images`] on bytes it may keep: the pixels stay in `bytes`' allocation (the
/// header is shifted out) instead of being copied into a new one.
pub fn parse_images_owned(mut bytes: Vec<u8>, path: &Path) -> Result<IdxImages> {
    let (count, rows, cols) = image_dims(&bytes, path)?;
    bytes.drain(..IMAGES_HEADER);
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: bytes,
    })
}

/// Count, rows and columns of an image file, its header and payload length checked.
fn image_dims(bytes: &[u8], path: &Path) -> Result<(usize, usize, usize)> {
    let dims = parse_header(bytes, path, IMAGES_MAGIC, "images", 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(DataError::BadDimensions {
            path: path.to_path_buf(),
            reason: format!("image size {rows}x{cols} has a zero side"),
        });
    }
    checked_payload(bytes, path, IMAGES_HEADER, count, rows.saturating_mul(cols))?;
    Ok((count, rows, cols))
}

/// Parses the uncompressed bytes of a label file; `path` is only used in errors.
pub fn parse_labels(bytes: &[u8], path: &Path) -> Result<IdxLabels> {
    let dims = parse_header(bytes, path, LABELS_MAGIC, "labels", 1)?;
    let payload = checked_payload(bytes, path, 8, dims[0], 1)?;
    Ok(IdxLabels {
        labels: payload.to_vec(),
    })
}

fn parse_header(
    bytes: &[u8],
    path: &Path,
    magic: u32,
    what: &'static str,
    ndim: usize,
) -> Result<Vec<usize>> {
    let need = 4 + 4 * ndim;
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    if bytes.len() < 4 {
        return Err(DataError::TruncatedHeader {
            path: path.to_path_buf(),
            len: bytes.len(),
            need,
        });
    }
    let found = word(0);
    if found != magic {
        return Err(DataError::WrongMagic {
            path: path.to_path_buf(),
            found,
            expected: magic,
            what,
        });
    }
    if bytes.len() < need {
        return Err(DataError::TruncatedHeader {
            path: path.to_path_buf(),
            len: bytes.len(),
            need,
        });
    }
    Ok((0..ndim).map(|d| word(4 + 4 * d) as usize).collect())
}

/// Checks the payload length against `count * item_len` before anything is copied.
fn checked_payload<'a>(
    bytes: &'a [u8],
    path: &Path,
    header: usize,
    count: usize,
    item_len: usize,
) -> Result<&'a [u8]> {
    let payload = &bytes[header..];
    let expected = count
        .checked_mul(item_len)
        .ok_or_else(|| DataError::BadDimensions {
            path: PathBuf::from(path),
            reason: format!("{count} items of {item_len} bytes overflow the address space"),
        })?;
    if payload.len() != expected {
        return Err(DataError::LengthMismatch {
            path: path.to_path_buf(),
            declared: count,
            expected_bytes: expected,
            actual_bytes: payload.len(),
        });
    }
    Ok(payload)
}

/// Encodes images as IDX bytes (uncompressed). Used to make synthetic fixtures.
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    for word in [
        IMAGES_MAGIC,
        images.count as u32,
        images.rows as u32,
        images.cols as u32,
    ] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

/// Encodes labels as IDX bytes (uncompressed). Used to make synthetic fixtures.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> IdxImages {
        IdxImages {
            count: 2,
            rows: 2,
            cols: 3,
            pixels: (0..12).collect(),
        }
    }

    #[test]
    fn round_trip_images_and_labels() {
        let p = Path::new("t.idx");
        assert_eq!(parse_images(&encode_images(&tiny()), p).unwrap(), tiny());
        assert_eq!(
            parse_images_owned(encode_images(&tiny()), p).unwrap(),
            tiny()
        );
        assert_eq!(
            parse_labels(&encode_labels(&[3, 1, 4]), p).unwrap().labels,
            vec![3, 1, 4]
        );
    }

    #[test]
    fn huge_declared_count_fails_without_allocating() {
        let mut bytes = encode_images(&tiny());
        bytes[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        bytes[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        let err = parse_images(&bytes, Path::new("big.idx")).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::LengthMismatch { .. } | DataError::BadDimensions { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn every_header_truncation_is_a_typed_error() {
        let bytes = encode_images(&tiny());
        for cut in 0..bytes.len() {
            let err = parse_images(&bytes[..cut], Path::new("cut.idx")).unwrap_err();
            assert!(err.to_string().starts_with("cut.idx"), "{err}");
        }
    }

    #[test]
    fn labels_file_is_not_an_images_file() {
        let err = parse_images(&encode_labels(&[1, 2]), Path::new("l.idx")).unwrap_err();
        assert!(matches!(
            err,
            DataError::WrongMagic {
                found: LABELS_MAGIC,
                ..
            }
        ));
    }
}
