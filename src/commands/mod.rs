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
pub mod tables;
pub mod verify;

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use veil_prover::{
    keyfile::{self, Check},
    tablefile::{self, TableFileError},
    CircuitId, ProverKey,
};

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

/// A nullifier scope given as a canonical decimal field element below r (`None` otherwise).
pub fn parse_scope(s: &str) -> Option<veil_circuits::Fr> {
    s.parse::<veil_circuits::Fr>().ok().filter(|v| v.to_string() == s)
}

/// The proving key's file name inside a setup directory.
pub const PROVING_KEY_FILE: &str = "proving_key.veil";
/// The verifying key's file name inside a setup directory (snarkjs layout).
pub const VERIFYING_KEY_FILE: &str = "verification_key.json";

/// Whether a command uses the MSM tables file beside the proving key
/// (`proving_key.tables`, written by `veil tables` or `veil setup --tables`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UseTables {
    /// When the file is there (an unusable one is reported and ignored).
    Auto,
    /// The file must be there and usable.
    Always,
    /// Never.
    Never,
}

/// Reads the header of `dir`'s proving key (its first bytes only), refusing a key for
/// another circuit than `expected`. The error names the file.
pub fn read_key_header(dir: &Path, expected: Option<CircuitId>) -> anyhow::Result<keyfile::Header> {
    use std::io::Read;
    let pk_path = dir.join(PROVING_KEY_FILE);
    let mut head = Vec::with_capacity(keyfile::HEADER_LEN);
    std::fs::File::open(&pk_path)
        .and_then(|f| f.take(keyfile::HEADER_LEN as u64).read_to_end(&mut head))
        .with_context(|| format!("reading {}", pk_path.display()))?;
    checked_header(&pk_path, &head, expected)
}

fn checked_header(pk_path: &Path, bytes: &[u8], expected: Option<CircuitId>) -> anyhow::Result<keyfile::Header> {
    let header = keyfile::read_header(bytes).map_err(|e| bad_input(format!("{}: {e}", pk_path.display())))?;
    if let Some(expected) = expected.filter(|c| *c != header.shape.circuit) {
        return Err(bad_input(format!(
            "{}: this key is for {}, not the {expected} circuit",
            pk_path.display(),
            header.shape
        )));
    }
    Ok(header)
}

/// Loads `dir`'s proving key, refusing one for another circuit than `expected`, and, as
/// `tables` says, its MSM tables. Every error names the file.
pub fn load_prover(
    dir: &Path,
    check_key: bool,
    expected: Option<CircuitId>,
    tables: UseTables,
) -> anyhow::Result<ProverKey> {
    let pk_path = dir.join(PROVING_KEY_FILE);
    let start = std::time::Instant::now();
    // Mapped, not read: the points are decoded from the map, the matrices used in place.
    let bytes = std::fs::File::open(&pk_path)
        .and_then(|f| veil_prover::fs::map(&f))
        .map(Arc::new)
        .with_context(|| format!("reading {}", pk_path.display()))?;
    let header = checked_header(&pk_path, &bytes, expected)?;
    let check = if check_key { Check::Full } else { Check::Fast };
    let path = dir.join(tablefile::FILE_NAME);
    // The tables file (when wanted) is mapped while the key decodes.
    let (key, opened) = rayon::join(
        || keyfile::from_map(&bytes, Some(header.shape), check),
        || (tables != UseTables::Never).then(|| tablefile::open(&path)),
    );
    let mut key = key.map_err(|e| bad_input(format!("{}: {e}", pk_path.display())))?;
    tracing::debug!(ms = start.elapsed().as_secs_f64() * 1e3, "proving key loaded");
    let Some(opened) = opened else { return Ok(key) };
    match opened.and_then(|o| o.bind(&key)) {
        Ok(t) => {
            tracing::debug!(ms = t.build_time.as_secs_f64() * 1e3, bytes = t.size_bytes(), "MSM tables read");
            key.tables = Some(Arc::new(t));
        }
        Err(TableFileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && tables == UseTables::Auto => {}
        Err(e) if tables == UseTables::Auto => {
            tracing::warn!("{}: {e}; proving without the tables", path.display());
        }
        Err(e) => return Err(bad_input(format!("{}: {e}", path.display()))),
    }
    Ok(key)
}

/// A spinner on stderr while something long runs (hidden when stderr is not a terminal).
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}
