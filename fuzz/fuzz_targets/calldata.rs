//! The calldata JSON (`veil export calldata`): what parses re-encodes to the same text's
//! value, and a proof and inputs that decode give back the same calldata.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::snarkjs::Calldata;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(cd) = Calldata::from_json(text) else { return };
    assert_eq!(Calldata::from_json(&cd.to_json()).expect("re-encoded calldata parses"), cd);
    let (Ok(proof), Ok(inputs)) = (cd.to_proof(), cd.to_inputs()) else { return };
    assert_eq!(Calldata::new(&proof, &inputs), cd, "decoded proof and inputs re-encode differently");
});
