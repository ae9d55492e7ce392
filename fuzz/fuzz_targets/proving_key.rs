//! The proving-key file (versions 1 to 4, Montgomery and canonical bodies): what
//! `Check::Full` accepts, `Check::Fast` accepts too, and it re-encodes (as version 4) to a
//! file that reads back as the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_prover::keyfile::{self, Check};

fuzz_target!(|data: &[u8]| {
    let Some((fix, rest)) = veil_fuzz::switch(data) else { return };
    let bytes = if fix { veil_fuzz::fix_key_file(rest) } else { rest.to_vec() };
    let _ = keyfile::read_header(&bytes);
    let fast = keyfile::from_bytes(&bytes, None, Check::Fast);
    let Ok(full) = keyfile::from_bytes(&bytes, None, Check::Full) else { return };
    assert_eq!(fast.as_ref().ok(), Some(&full), "Check::Fast refused or differs from what Check::Full accepted");
    let again = keyfile::to_bytes(&full);
    let back = keyfile::from_bytes(&again, Some(full.shape), Check::Full).expect("a re-encoded key reads back");
    assert!(back == full && back.provenance == full.provenance, "the re-encoded key differs");
    assert_eq!(keyfile::to_bytes(&back), again, "encoding is not deterministic");
});
