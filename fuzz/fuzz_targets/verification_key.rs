//! verification_key.json (snarkjs's format): an accepted key writes back to JSON that reads
//! as the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::snarkjs::VerificationKeyJson;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<VerificationKeyJson>(data) else { return };
    let Ok(vk) = veil_prover::VerifyingKey::try_from(&json) else { return };
    let text = serde_json::to_string(&VerificationKeyJson::from(&vk)).expect("serialize");
    let again: VerificationKeyJson = serde_json::from_str(&text).expect("re-encoded JSON parses");
    let back = veil_prover::VerifyingKey::try_from(&again).expect("re-encoded key is accepted");
    assert!(back == vk, "the re-encoded key differs");
});
