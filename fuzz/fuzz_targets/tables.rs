//! The MSM tables file, bound to the depth-1 Approval key: what it accepts writes back
//! byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::tablefile;

fuzz_target!(|data: &[u8]| {
    let key = &*veil_fuzz::SMALL_KEY;
    let path = veil_fuzz::scratch("tables.bin", data);
    let Ok(opened) = tablefile::open(&path) else { return };
    let Ok(tables) = opened.bind(key) else { return };
    let out = veil_fuzz::scratch_path("tables.out");
    tablefile::save(key, &tables, &out).expect("save");
    let written = std::fs::read(&out).expect("read back");
    assert!(written == data, "accepted tables do not write back to the same bytes");
});
