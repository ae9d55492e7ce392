//! The key file (version 2: Web3 Secret Storage with veil's metadata; version 1: in clear):
//! the public part reads without the passphrase; a key that decrypts saves and loads back as
//! the same key. Files asking for a costly KDF are only parsed (their bounds are what the
//! parser checks before any work), so that the fuzzer runs fast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::keys::{read_public, Kdf, Key};

/// The passphrase of the seed files (`examples/seeds.rs`).
const PASSPHRASE: &[u8] = b"fuzz";

/// Whether the file asks for at most a light KDF (scrypt n·r ≤ 2^15, PBKDF2 ≤ 4096 rounds).
fn cheap(data: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return true };
    let crypto = v.get("crypto").or_else(|| v.get("Crypto"));
    let Some(p) = crypto.and_then(|c| c.get("kdfparams")) else { return true };
    let num = |k: &str| p.get(k).and_then(serde_json::Value::as_u64);
    num("n").unwrap_or(0).saturating_mul(num("r").unwrap_or(1)) <= 1 << 15
        && num("c").unwrap_or(0) <= 4096
        && num("p").unwrap_or(1) <= 2
}

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("key.json", data);
    let public = read_public(&path);
    if !cheap(data) {
        return;
    }
    let Ok(key) = Key::load(&path, PASSPHRASE) else { return };
    let public = public.expect("a key that loads has a readable public part");
    assert_eq!(public.commitment, key.commitment);
    assert_eq!(public.public_key, key.public_key);
    assert_eq!(public.source, key.source);
    let out = veil_fuzz::scratch_path("key.out.json");
    key.save(&out, PASSPHRASE, Kdf::Light, true).expect("save");
    let back = Key::load(&out, PASSPHRASE).expect("a saved key loads");
    assert_eq!(back.commitment, key.commitment);
    assert_eq!(back.source, key.source);
});
