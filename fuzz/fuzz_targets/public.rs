//! public.json: decimal signals below r; accepted signals write back as the same text
//! (canonical decimal) and the same field elements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::snarkjs::{public_from_json, public_to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(signals) = serde_json::from_slice::<Vec<String>>(data) else { return };
    let Ok(inputs) = public_from_json(&signals) else { return };
    let text = public_to_json(&inputs);
    assert_eq!(public_from_json(&text).expect("re-encoded signals are accepted"), inputs);
    for (s, t) in signals.iter().zip(&text) {
        assert_eq!(s, t, "a non-canonical decimal was accepted");
    }
});
