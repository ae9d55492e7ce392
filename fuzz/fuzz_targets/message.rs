//! The ERC-1271 message file (`veil message new`), whose typed data is any JSON a user
//! hands over: an accepted message saves and loads back as the same message; typed data in
//! it hashes to its hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::message::{typed_data_hash, Message};

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("message.json", data);
    let Ok(message) = Message::load(&path) else { return };
    if let Some(typed) = &message.typed_data {
        assert_eq!(typed_data_hash(typed), Ok(message.hash), "accepted typed data hashes to the file's hash");
    }
    let out = veil_fuzz::scratch_path("message.out.json");
    message.save(&out).expect("an accepted message saves");
    let back = Message::load(&out).expect("a saved message loads");
    assert_eq!(back, message);
    assert_eq!(back.field_element(), message.field_element());
});
