//! A `veil batch` request line: every line is classified, never a panic; its id is the
//! line's own `"id"` string or, for a line without one, `sha256:` and the line's digest;
//! an inline intent goes through the intent parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use veil_approver::batch::RequestLine;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let parsed = RequestLine::parse(7, line);
    let digest = hex(&Sha256::digest(line.as_bytes()));
    assert_eq!(parsed.digest, digest);
    let own = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("id").and_then(serde_json::Value::as_str).map(str::to_owned));
    match own {
        Some(id) => assert_eq!(parsed.id, id),
        None => {
            assert_eq!(parsed.id, format!("sha256:{digest}"));
            assert!(parsed.parsed.is_err(), "a line without an id is an error record");
        }
    }
    if let Err(reason) = &parsed.parsed {
        assert!(reason.starts_with("line 7"), "an error record names its line: {reason}");
    }
    let Ok(request) = parsed.parsed else { return };
    // An inline intent goes through the intent parser (a path is not followed here).
    if request.intent.is_object() {
        let _ = request.intent();
    }
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
