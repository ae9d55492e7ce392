//! A setup directory: the files one setup leaves, and opening them for proving in one call.
//!
//! ```text
//! DIR/proving_key.veil        the proving key with its R1CS matrices (keyfile)
//! DIR/verification_key.json   the verifying key, snarkjs layout (snarkjs)
//! DIR/proving_key.tables      optional fixed-base MSM tables for the key (tablefile)
//! ```
//! Every error names the file it is about.

use std::{
    io::{self, Read},
    path::{Path, PathBuf},
    sync::Arc,
};

use thiserror::Error;

use crate::{
    engine::{CircuitId, MsmTables},
    keyfile::{self, Check, Header, KeyFileError},
    snarkjs::VerificationKeyJson,
    tablefile::{self, TableFileError},
    ProverKey,
};

/// The proving key's file name inside a setup directory.
pub const PROVING_KEY_FILE: &str = "proving_key.veil";
/// The verifying key's file name inside a setup directory (snarkjs layout).
pub const VERIFYING_KEY_FILE: &str = "verification_key.json";
/// The MSM tables' file name inside a setup directory.
pub const TABLES_FILE: &str = tablefile::FILE_NAME;

/// Whether opening a key also reads the MSM tables file beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseTables {
    /// When the file is there; an unusable one is reported (a `tracing` warning) and ignored.
    Auto,
    /// The file must be there and usable.
    Always,
    /// Never.
    Never,
}

/// How to open a setup directory's proving key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// The circuit the key must be for (`None`: any).
    pub circuit: Option<CircuitId>,
    /// How much of the key to check ([`Check::Fast`] trusts the points under the body hash).
    pub check: Check,
    /// Whether to read the tables file.
    pub tables: UseTables,
}

/// Why a setup directory's files could not be read or written.
#[derive(Debug, Error)]
pub enum SetupDirError {
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// "reading" or "writing".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The proving key is malformed, damaged, or of another shape.
    #[error("{}: {source}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: KeyFileError,
    },
    /// The proving key is for another circuit than the one asked for.
    #[error("{}: this key is for {found}, not the {expected} circuit", path.display())]
    WrongCircuit {
        /// The key file.
        path: PathBuf,
        /// The key's shape.
        found: crate::ShapeId,
        /// The circuit asked for.
        expected: CircuitId,
    },
    /// The tables file is unusable ([`UseTables::Always`] only).
    #[error("{}: {source}", path.display())]
    Tables {
        /// The tables file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: TableFileError,
    },
}

impl SetupDirError {
    /// Whether the error is about the files' content (bad input) rather than reading them.
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> SetupDirError + 'a {
    move |source| SetupDirError::Io { action, path: path.to_owned(), source }
}

fn checked_header(path: &Path, bytes: &[u8], expected: Option<CircuitId>) -> Result<Header, SetupDirError> {
    let header = keyfile::read_header(bytes).map_err(|source| SetupDirError::Key { path: path.to_owned(), source })?;
    match expected {
        Some(expected) if expected != header.shape.circuit => {
            Err(SetupDirError::WrongCircuit { path: path.to_owned(), found: header.shape, expected })
        }
        _ => Ok(header),
    }
}

/// Reads the header of `dir`'s proving key (its first [`keyfile::MAX_HEADER_LEN`] bytes at
/// most: an older version's shorter header is read from as many), refusing a key for another
/// circuit than `expected`.
///
/// # Errors
/// [`SetupDirError::Io`], [`SetupDirError::Key`], [`SetupDirError::WrongCircuit`].
pub fn read_header(dir: &Path, expected: Option<CircuitId>) -> Result<Header, SetupDirError> {
    let path = dir.join(PROVING_KEY_FILE);
    let mut head = Vec::with_capacity(keyfile::MAX_HEADER_LEN);
    std::fs::File::open(&path)
        .and_then(|f| f.take(keyfile::MAX_HEADER_LEN as u64).read_to_end(&mut head))
        .map_err(io_error("reading", &path))?;
    checked_header(&path, &head, expected)
}

/// Opens `dir`'s proving key for proving, with its MSM tables as `options.tables` says. The
/// key file is mapped, not read (its matrices are used in place), and the tables file is
/// mapped while the key decodes.
///
/// # Errors
/// [`SetupDirError::Io`], [`SetupDirError::Key`], [`SetupDirError::WrongCircuit`], and
/// [`SetupDirError::Tables`] when the tables are required and unusable.
pub fn open(dir: &Path, options: OpenOptions) -> Result<ProverKey, SetupDirError> {
    let pk_path = dir.join(PROVING_KEY_FILE);
    let start = std::time::Instant::now();
    let bytes = std::fs::File::open(&pk_path)
        .and_then(|f| veil_fs::map(&f))
        .map(Arc::new)
        .map_err(io_error("reading", &pk_path))?;
    let header = checked_header(&pk_path, &bytes, options.circuit)?;
    let path = dir.join(TABLES_FILE);
    let (key, opened) = rayon::join(
        || keyfile::from_map(&bytes, Some(header.shape), options.check),
        || (options.tables != UseTables::Never).then(|| tablefile::open(&path)),
    );
    let mut key = key.map_err(|source| SetupDirError::Key { path: pk_path.clone(), source })?;
    tracing::debug!(ms = start.elapsed().as_secs_f64() * 1e3, "proving key loaded");
    let Some(opened) = opened else { return Ok(key) };
    match opened.and_then(|o| o.bind(&key)) {
        Ok(t) => {
            tracing::debug!(ms = t.build_time.as_secs_f64() * 1e3, bytes = t.size_bytes(), "MSM tables read");
            key.tables = Some(Arc::new(t));
        }
        Err(TableFileError::Io(e)) if e.kind() == io::ErrorKind::NotFound && options.tables == UseTables::Auto => {}
        Err(e) if options.tables == UseTables::Auto => {
            tracing::warn!("{}: {e}; proving without the tables", path.display());
        }
        Err(source) => return Err(SetupDirError::Tables { path, source }),
    }
    Ok(key)
}

/// Writes a setup's proving key and verifying key into `dir` (created if missing), each
/// atomically; returns their paths.
///
/// # Errors
/// [`SetupDirError::Io`].
pub fn save(key: &ProverKey, dir: &Path) -> Result<(PathBuf, PathBuf), SetupDirError> {
    std::fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
    let pk_path = dir.join(PROVING_KEY_FILE);
    keyfile::save(key, &pk_path).map_err(io_error("writing", &pk_path))?;
    let vk_path = dir.join(VERIFYING_KEY_FILE);
    let text =
        serde_json::to_string_pretty(&VerificationKeyJson::from(key.verifying_key())).expect("plain data") + "\n";
    veil_fs::write_atomic(&vk_path, text.as_bytes(), false).map_err(io_error("writing", &vk_path))?;
    Ok((pk_path, vk_path))
}

/// Writes `tables` for `key` to `dir`'s tables file (atomically); returns its path.
///
/// # Errors
/// [`SetupDirError::Io`].
pub fn save_tables(key: &ProverKey, tables: &MsmTables, dir: &Path) -> Result<PathBuf, SetupDirError> {
    let path = dir.join(TABLES_FILE);
    tablefile::save(key, tables, &path).map_err(io_error("writing", &path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    #[test]
    fn saves_opens_and_refuses_by_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::setup_approval(2, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        let (pk, vk) = save(&key, dir.path()).unwrap();
        assert!(pk.ends_with(PROVING_KEY_FILE) && vk.ends_with(VERIFYING_KEY_FILE));
        let text = std::fs::read_to_string(&vk).unwrap();
        let parsed: VerificationKeyJson = serde_json::from_str(&text).unwrap();
        assert_eq!(crate::VerifyingKey::try_from(&parsed).unwrap(), *key.verifying_key());

        let fast = OpenOptions { circuit: Some(CircuitId::Approval), check: Check::Fast, tables: UseTables::Auto };
        let opened = open(dir.path(), fast).unwrap();
        assert_eq!(opened, key);
        assert!(opened.tables.is_none(), "no tables file: auto proves without");
        assert_eq!(read_header(dir.path(), None).unwrap().shape, key.shape);

        let always = OpenOptions { tables: UseTables::Always, ..fast };
        let err = open(dir.path(), always).unwrap_err();
        assert!(matches!(&err, SetupDirError::Tables { path, .. } if path.ends_with(TABLES_FILE)), "{err}");
        let tables = MsmTables::new(&key.pk, MsmTables::DEFAULT_BUDGET);
        save_tables(&key, &tables, dir.path()).unwrap();
        assert!(open(dir.path(), always).unwrap().tables.is_some());
        assert!(open(dir.path(), OpenOptions { tables: UseTables::Never, ..always }).unwrap().tables.is_none());

        let other = OpenOptions { circuit: Some(CircuitId::Threshold), ..fast };
        let err = open(dir.path(), other).unwrap_err();
        assert!(matches!(err, SetupDirError::WrongCircuit { expected: CircuitId::Threshold, .. }), "{err}");
        assert!(err.to_string().contains(PROVING_KEY_FILE) && err.is_bad_input());
        assert!(matches!(read_header(dir.path(), Some(CircuitId::Threshold)), Err(SetupDirError::WrongCircuit { .. })));

        // A key that proves once releases its mapped matrices after the witness map (and
        // its Groth16 part after loading): it still proves, and again, reading them back.
        let mut once = open(dir.path(), always).unwrap();
        once.prove_once = true;
        assert_eq!(once, key, "the released pages read back the same key");
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let pvk = crate::prepare(key.verifying_key());
        for _ in 0..2 {
            let keys: Vec<_> = (0..3).map(|_| veil_circuits::eddsa::PrivateKey::random(&mut rng)).collect();
            let set = veil_circuits::lean_imt::LeanImt::from_leaves(
                keys.iter().map(|k| veil_circuits::identity::commitment(&k.public_key())),
            );
            let circuit = veil_circuits::approval::ApprovalCircuit::new(
                2,
                &keys[1].secret_scalar(),
                &set.proof(1).unwrap(),
                ark_bn254::Fr::from(9u64),
                ark_bn254::Fr::from(10u64),
            )
            .unwrap();
            let inputs = circuit.public_inputs().unwrap();
            let proof = once.prove(circuit, &mut rng).unwrap();
            assert!(crate::verify(&pvk, &inputs, &proof).unwrap());
        }

        // No map of the file may outlive it being rewritten in place (veil never does this).
        drop((opened, once));
        std::fs::write(&pk, b"not a key").unwrap();
        assert!(matches!(open(dir.path(), fast), Err(SetupDirError::Key { .. })));
        let missing = open(&dir.path().join("nowhere"), fast).unwrap_err();
        assert!(matches!(missing, SetupDirError::Io { .. }) && !missing.is_bad_input());
    }
}
