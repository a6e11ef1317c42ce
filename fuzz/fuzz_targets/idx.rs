//! The IDX reader on arbitrary bytes, raw and as gzip: every input must give a value or
//! a typed error, without panicking or allocating more than the input justifies.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-input");
    let _ = ae_data::parse_images(data, path);
    let _ = ae_data::parse_labels(data, path);
    if let Ok(raw) = ae_data::gunzip(data, path) {
        let _ = ae_data::parse_images(&raw, path);
        let _ = ae_data::parse_labels(&raw, path);
    }
});
