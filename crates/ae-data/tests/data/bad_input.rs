//! Every malformed-input case of the loader gives a typed error naming the file.

use std::path::{Path, PathBuf};

use ae_data::file_path;
use ae_data::{DataError, DatasetKind, FileRole, Split, load_split};
use ae_data::{write_gz, write_synthetic_dataset};

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, 30, 10, 5).unwrap();
    let p = dir.path().to_path_buf();
    (dir, p)
}

fn gunzip(path: &Path) -> Vec<u8> {
    ae_data::read_bytes(path).unwrap()
}

fn assert_names_file(err: &DataError, path: &Path) {
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "message does not name {}: {msg}",
        path.display()
    );
    assert!(!msg.contains('\n'), "error should be one line: {msg}");
}

#[test]
fn synthetic_dataset_loads() {
    let (_guard, dir) = fixture();
    let split = load_split(&dir, DatasetKind::Mnist, Split::Train).unwrap();
    assert_eq!(split.set.len(), 30);
    assert_eq!(split.set.rows(), 28);
    assert!(
        !split.files[0].verification.verified,
        "synthetic data must not verify"
    );
}

#[test]
fn truncated_file_is_a_length_mismatch() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TrainImages);
    let bytes = gunzip(&p);
    write_gz(&p, &bytes[..bytes.len() - 100]).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Train).unwrap_err();
    assert!(matches!(err, DataError::LengthMismatch { .. }), "{err}");
    assert_names_file(&err, &p);
}

#[test]
fn truncated_gzip_stream_is_reported_as_not_gzip() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TestImages);
    let raw = std::fs::read(&p).unwrap();
    std::fs::write(&p, &raw[..raw.len() / 2]).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Test).unwrap_err();
    assert!(matches!(err, DataError::NotGzip { .. }), "{err}");
    assert_names_file(&err, &p);
}

#[test]
fn wrong_magic_is_reported() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TrainLabels);
    let mut bytes = gunzip(&p);
    bytes[3] = 0x03;
    write_gz(&p, &bytes).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Train).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::WrongMagic {
                found: 0x0803,
                expected: 0x0801,
                ..
            }
        ),
        "{err}"
    );
    assert_names_file(&err, &p);
}

#[test]
fn image_and_label_counts_must_agree() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TrainLabels);
    write_gz(&p, &ae_data::encode_labels(&[1, 2, 3])).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Train).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CountMismatch {
                image_count: 30,
                label_count: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn plain_bytes_named_gz_are_not_gzip() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TestLabels);
    std::fs::write(&p, b"this is not gzip at all").unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Test).unwrap_err();
    assert!(matches!(err, DataError::NotGzip { .. }), "{err}");
    assert_names_file(&err, &p);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TestImages);
    std::fs::remove_file(&p).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Test).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err}");
    assert_names_file(&err, &p);
}

#[test]
fn out_of_range_label_is_reported() {
    let (_guard, dir) = fixture();
    let p = file_path(&dir, DatasetKind::Mnist, FileRole::TestLabels);
    let mut labels = vec![0u8; 10];
    labels[4] = 12;
    write_gz(&p, &ae_data::encode_labels(&labels)).unwrap();
    let err = load_split(&dir, DatasetKind::Mnist, Split::Test).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::BadLabel {
                index: 4,
                label: 12,
                ..
            }
        ),
        "{err}"
    );
}
