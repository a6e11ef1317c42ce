//! `config.json` parsing and validation on arbitrary text: every input must give a
//! config or an error naming a field, without panicking; an accepted config must
//! survive its own round trip.
#![no_main]

use ae_train::TrainingConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = TrainingConfig::from_json(text) {
        let again = TrainingConfig::from_json(&config.to_json())
            .unwrap_or_else(|e| panic!("an accepted config failed its round trip: {e}"));
        assert_eq!(again.to_json(), config.to_json());
    }
});
