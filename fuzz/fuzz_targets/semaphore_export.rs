//! A Semaphore v4 `Identity.export()`: accepted exactly when, without surrounding
//! whitespace (a file's newline), it is the canonical padded base64 of 1 to 1024 bytes, and
//! then the identity of those bytes.
#![no_main]

use base64ct::{Base64, Encoding};
use libfuzzer_sys::fuzz_target;
use veil_approver::keys::Key;
use veil_circuits::eddsa::PrivateKey;

fuzz_target!(|data: &[u8]| {
    let imported = Key::from_semaphore_export(data);
    let text = data.trim_ascii();
    let canonical = std::str::from_utf8(text)
        .ok()
        .and_then(|s| Base64::decode_vec(s).ok())
        .filter(|b| !b.is_empty() && b.len() <= 1024 && Base64::encode_string(b).as_bytes() == text);
    match (imported, canonical) {
        (Ok(key), Some(bytes)) => {
            assert_eq!(key.commitment, Key::from_private(PrivateKey::from_bytes(&bytes)).commitment);
        }
        (Err(_), None) => {}
        (Ok(_), None) => panic!("accepted a text Identity.export() never writes"),
        (Err(e), Some(_)) => panic!("refused a canonical export: {e}"),
    }
});
