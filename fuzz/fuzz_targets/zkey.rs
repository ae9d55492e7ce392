//! snarkjs's .zkey: an accepted file re-encodes, in both section orders, to bytes that read
//! back as the same zkey; reading it to contribute agrees.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_ceremony::{zkey::Layout, Zkey};

fuzz_target!(|data: &[u8]| {
    let to_contribute = Zkey::from_bytes_to_contribute(data);
    let Ok(z) = Zkey::from_bytes(data) else { return };
    assert!(to_contribute.is_ok(), "read in full but refused to contribute");
    for layout in [Layout::Init, Layout::Contributed] {
        let bytes = z.to_bytes(layout);
        assert_eq!(Zkey::from_bytes(&bytes).expect("a re-encoded zkey reads back"), z);
    }
});
