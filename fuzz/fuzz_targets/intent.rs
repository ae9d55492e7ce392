//! The intent file: an accepted intent saves and loads back as the same intent, with the
//! same signing hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::intent::Intent;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("intent.json", data);
    let Ok(intent) = Intent::load(&path) else { return };
    let out = veil_fuzz::scratch_path("intent.out.json");
    intent.save(&out).expect("an accepted intent saves");
    let back = Intent::load(&out).expect("a saved intent loads");
    assert_eq!(back, intent);
    assert_eq!(back.signing_hash(), intent.signing_hash());
});
