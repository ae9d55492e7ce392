//! The public auth file (`veil policy compile`'s auth.json, which `veil deploy --policy-vk
//! --auth` reads): an accepted file re-encodes to one that loads as the same file, its
//! shape is the circuit's to check, and its account either parses or is refused, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::policy::AuthFile;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("auth.json", data);
    let Ok(auth) = AuthFile::load(&path) else { return };
    let _ = auth.shape().check();
    let _ = auth.account.parse::<alloy_primitives::Address>();
    let out = veil_fuzz::scratch_path("auth.out.json");
    std::fs::write(&out, serde_json::to_vec(&auth).expect("an auth file serializes")).expect("scratch write");
    let back = AuthFile::load(&out).expect("a re-encoded auth file loads");
    assert_eq!(back, auth);
});
