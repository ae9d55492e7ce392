//! proof.json (snarkjs's format): an accepted proof writes back to JSON that reads as the
//! same proof.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::snarkjs::ProofJson;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<ProofJson>(data) else { return };
    let Ok(proof) = veil_prover::Proof::try_from(&json) else { return };
    let again = ProofJson::from(&proof);
    let text = serde_json::to_string(&again).expect("serialize");
    let parsed: ProofJson = serde_json::from_str(&text).expect("re-encoded JSON parses");
    let back = veil_prover::Proof::try_from(&parsed).expect("re-encoded proof is accepted");
    assert!(back == proof, "the re-encoded proof differs");
});
