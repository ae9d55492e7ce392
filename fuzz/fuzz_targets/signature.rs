//! The signature file: an accepted signature verifies, and saves and loads back as the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::signature::SignedIntent;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("sig.json", data);
    let Ok(signed) = SignedIntent::load(&path) else { return };
    assert!(signed.verifies(), "an accepted signature does not verify");
    let out = veil_fuzz::scratch_path("sig.out.json");
    signed.save(&out).expect("save");
    assert_eq!(SignedIntent::load(&out).expect("a saved signature loads"), signed);
});
