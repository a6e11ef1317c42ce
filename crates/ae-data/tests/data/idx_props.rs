//! Property tests: the IDX parser returns a typed error, never panics, on any bytes.

use std::path::Path;

use ae_data::{IdxImages, encode_images, encode_labels, gunzip, parse_images, parse_labels};
use proptest::prelude::*;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

proptest! {
    #[test]
    fn gzip_input_round_trips_and_truncated_or_arbitrary_gzip_is_a_typed_error(count in 1usize..4, cut in 0usize..120, junk in proptest::collection::vec(any::<u8>(), 0..256)) {
        let images = IdxImages { count, rows: 3, cols: 2, pixels: (0..count * 6).map(|i| i as u8).collect() };
        let packed = gzip(&encode_images(&images));
        prop_assert_eq!(parse_images(&gunzip(&packed, Path::new("ok.gz")).unwrap(), Path::new("ok.gz")).unwrap(), images);
        if cut > 0 && cut < packed.len() {
            prop_assert!(gunzip(&packed[..cut], Path::new("cut.gz")).is_err());
        }
        // Arbitrary bytes: an error or some bytes, never a panic.
        if let Ok(raw) = gunzip(&junk, Path::new("junk.gz")) {
            let _ = parse_images(&raw, Path::new("junk.gz"));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_images(&bytes, Path::new("fuzz.idx"));
        let _ = parse_labels(&bytes, Path::new("fuzz.idx"));
    }

    #[test]
    fn valid_files_round_trip_and_any_truncation_fails(count in 0usize..6, rows in 1usize..5, cols in 1usize..5, cut in 0usize..200) {
        let pixels: Vec<u8> = (0..count * rows * cols).map(|i| i as u8).collect();
        let images = IdxImages { count, rows, cols, pixels };
        let bytes = encode_images(&images);
        prop_assert_eq!(parse_images(&bytes, Path::new("ok.idx")).unwrap(), images);
        if cut < bytes.len() {
            prop_assert!(parse_images(&bytes[..cut], Path::new("cut.idx")).is_err());
        }
        let labels: Vec<u8> = (0..count as u8).collect();
        prop_assert_eq!(parse_labels(&encode_labels(&labels), Path::new("l.idx")).unwrap().labels, labels);
    }

    #[test]
    fn huge_declared_dimensions_fail_fast(count in any::<u32>(), rows in any::<u32>(), cols in any::<u32>()) {
        let mut bytes = encode_images(&IdxImages { count: 0, rows: 1, cols: 1, pixels: vec![] });
        bytes[4..8].copy_from_slice(&count.to_be_bytes());
        bytes[8..12].copy_from_slice(&rows.to_be_bytes());
        bytes[12..16].copy_from_slice(&cols.to_be_bytes());
        bytes.extend_from_slice(&[0; 4]);
        let declared = u128::from(count) * u128::from(rows) * u128::from(cols);
        prop_assume!(declared != 4);
        prop_assert!(parse_images(&bytes, Path::new("huge.idx")).is_err());
    }
}
