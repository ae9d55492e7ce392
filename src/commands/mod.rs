//! One module per command group.

pub mod batch;
pub mod demo;
pub mod export;
pub mod gas;
pub mod info;
pub mod intent;
pub mod key;
pub mod prove;
pub mod set;
pub mod setup;
pub mod sign;
pub mod verify;

use std::path::Path;

use anyhow::Context;

use crate::exit::bad_input;

/// Reads a JSON file into `T`, naming the file in every error (bad JSON is bad input).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| bad_input(format!("{what} {}: {e}", path.display())))
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    veil_prover::fs::write_atomic(path, text.as_bytes(), false).with_context(|| format!("writing {}", path.display()))
}

/// The proving key's file name inside a setup directory.
pub const PROVING_KEY_FILE: &str = "proving_key.veil";
/// The verifying key's file name inside a setup directory (snarkjs layout).
pub const VERIFYING_KEY_FILE: &str = "verification_key.json";
