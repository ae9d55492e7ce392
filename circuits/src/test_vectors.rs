//! Reference vectors written by `scripts/gen-vectors.mjs` from pinned npm packages.

use std::{path::PathBuf, str::FromStr};

use serde_json::Value;

use crate::Fr;

/// Parses `tests/vectors/<name>.json` at the workspace root.
pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e} (run `node scripts/gen-vectors.mjs`)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// A decimal string as a field element (panics on anything else: vectors are trusted input).
pub fn fr(v: &Value) -> Fr {
    let s = v.as_str().unwrap_or_else(|| panic!("expected a decimal string, got {v}"));
    Fr::from_str(s).unwrap_or_else(|()| panic!("not a field element: {s}"))
}

/// An array of decimal strings as field elements.
pub fn frs(v: &Value) -> Vec<Fr> {
    v.as_array().unwrap_or_else(|| panic!("expected an array, got {v}")).iter().map(fr).collect()
}

/// A hex string as bytes.
pub fn hex(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap_or_else(|| panic!("expected a hex string, got {v}"));
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit")).collect()
}

/// The `vectors` array of a vector file.
pub fn vectors(file: &Value) -> &Vec<Value> {
    file["vectors"].as_array().expect("a `vectors` array")
}
