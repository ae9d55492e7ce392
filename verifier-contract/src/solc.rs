//! Solidity compilation with the npm package `solc` (solcjs), pinned in
//! `scripts/package-lock.json` and installed by `npm ci --prefix scripts`: no compiler is
//! downloaded at run time, so tests and `veil demo` run offline.
//!
//! The compiler runs as `node scripts/solc.mjs` with standard JSON on stdin (the `solcjs` CLI
//! prints a banner before its JSON). Outputs are cached by the SHA-256 of the input (which
//! includes every source and setting) and the compiler's version, in
//! `$VEIL_SOLC_CACHE` or `<temp dir>/veil-solc-cache`.
use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The EVM version every contract is compiled for (solc 0.8.37 defaults to osaka).
pub const EVM_VERSION: &str = "cancun";

/// The optimizer's `runs`: contracts are deployed once and called many times, and with fewer
/// runs solc loads the verifier's constants with CODECOPY instead of PUSH32 (~17 gas each).
pub const OPTIMIZER_RUNS: u32 = 1_000_000;

/// Why compilation failed.
#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    /// The compiler script or its npm package is missing.
    #[error("solc not found: {0} (install it with `npm ci --prefix scripts` in the veil checkout, or set VEIL_SOLC_JS to scripts/solc.mjs)")]
    NotFound(String),
    /// Running node failed.
    #[error("running {node}: {source}")]
    Spawn {
        /// The node binary.
        node: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The compiler exited with an error or printed something that is not its JSON.
    #[error("solc failed: {0}")]
    Failed(String),
    /// The sources do not compile; the compiler's messages.
    #[error("solc reported errors:\n{0}")]
    Compile(String),
    /// A contract asked for is not in the output.
    #[error("contract {0} is not in solc's output")]
    Missing(String),
}

/// One compiled contract.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The ABI (solc's JSON).
    pub abi: Value,
    /// The creation bytecode (constructor arguments are appended to it).
    pub bytecode: Vec<u8>,
    /// The runtime bytecode.
    pub deployed_bytecode: Vec<u8>,
}

/// The pinned compiler, found on this machine.
#[derive(Clone, Debug)]
pub struct Solc {
    node: String,
    script: PathBuf,
    version: std::sync::OnceLock<String>,
}

impl Solc {
    /// Finds `scripts/solc.mjs` (`$VEIL_SOLC_JS`, else beside this crate in the checkout) and
    /// node (`$VEIL_NODE`, else `node` on `PATH`).
    ///
    /// # Errors
    /// [`SolcError::NotFound`] when the script or its `node_modules/solc` is missing.
    pub fn locate() -> Result<Self, SolcError> {
        let script = std::env::var_os("VEIL_SOLC_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/solc.mjs"));
        if !script.is_file() {
            return Err(SolcError::NotFound(format!("{} does not exist", script.display())));
        }
        let package = script.parent().unwrap_or(Path::new(".")).join("node_modules/solc/package.json");
        if !package.is_file() {
            return Err(SolcError::NotFound(format!("{} does not exist", package.display())));
        }
        let node = std::env::var("VEIL_NODE").unwrap_or_else(|_| "node".to_owned());
        Ok(Self { node, script, version: std::sync::OnceLock::new() })
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, SolcError> {
        let mut child = Command::new(&self.node)
            .arg(&self.script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SolcError::Spawn { node: self.node.clone(), source })?;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = stdin.to_vec();
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let out = child.wait_with_output().map_err(|source| SolcError::Spawn { node: self.node.clone(), source })?;
        let _ = writer.join();
        if !out.status.success() {
            return Err(SolcError::Failed(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(out.stdout)
    }

    /// snarkjs's own Solidity verifier for `vk_json` (a snarkjs `verification_key.json`),
    /// rendered by `scripts/snarkjs-verifier.mjs` from the template in the installed snarkjs
    /// package (GPL-3.0: used to measure it, never copied into veil).
    ///
    /// # Errors
    /// [`SolcError::NotFound`] without the script; [`SolcError::Spawn`], [`SolcError::Failed`].
    pub fn render_snarkjs_verifier(&self, vk_json: &str) -> Result<String, SolcError> {
        let script = self.script.with_file_name("snarkjs-verifier.mjs");
        if !script.is_file() {
            return Err(SolcError::NotFound(format!("{} does not exist", script.display())));
        }
        let dir = tempfile::tempdir().map_err(|e| SolcError::Failed(format!("temporary directory: {e}")))?;
        let vk_path = dir.path().join("verification_key.json");
        std::fs::write(&vk_path, vk_json).map_err(|e| SolcError::Failed(format!("{}: {e}", vk_path.display())))?;
        let out = Command::new(&self.node)
            .arg(&script)
            .arg(&vk_path)
            .output()
            .map_err(|source| SolcError::Spawn { node: self.node.clone(), source })?;
        if !out.status.success() {
            return Err(SolcError::Failed(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim())));
        }
        String::from_utf8(out.stdout).map_err(|e| SolcError::Failed(e.to_string()))
    }

    /// The compiler's version string (e.g. `0.8.37+commit.f401782d.Emscripten.clang`).
    ///
    /// # Errors
    /// [`SolcError::Spawn`], [`SolcError::Failed`].
    pub fn version(&self) -> Result<String, SolcError> {
        if let Some(v) = self.version.get() {
            return Ok(v.clone());
        }
        let v = String::from_utf8_lossy(&self.run(&["--version"], &[])?).trim().to_owned();
        Ok(self.version.get_or_init(|| v).clone())
    }

    /// Compiles `sources` (file name, content) with the optimizer on, for [`EVM_VERSION`],
    /// and returns every contract by name.
    ///
    /// # Errors
    /// [`SolcError::Compile`] with the compiler's messages when a source does not compile.
    pub fn compile(&self, sources: &[(&str, &str)]) -> Result<BTreeMap<String, Artifact>, SolcError> {
        let sources: serde_json::Map<String, Value> =
            sources.iter().map(|(name, content)| ((*name).to_owned(), json!({ "content": content }))).collect();
        let input = json!({
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "evmVersion": EVM_VERSION,
                "optimizer": { "enabled": true, "runs": OPTIMIZER_RUNS },
                "viaIR": true,
                "outputSelection": { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } }
            }
        })
        .to_string();
        let output = self.cached(&input)?;
        let output: Value = serde_json::from_slice(&output).map_err(|e| SolcError::Failed(format!("output: {e}")))?;
        let errors: Vec<String> = output["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["severity"] == "error")
            .map(|e| e["formattedMessage"].as_str().unwrap_or("(no message)").to_owned())
            .collect();
        if !errors.is_empty() {
            return Err(SolcError::Compile(errors.join("\n")));
        }
        let mut contracts = BTreeMap::new();
        for (_, file) in output["contracts"].as_object().into_iter().flatten() {
            for (name, c) in file.as_object().into_iter().flatten() {
                let hex_field = |v: &Value| hex::decode(v.as_str().unwrap_or_default()).unwrap_or_default();
                contracts.insert(
                    name.clone(),
                    Artifact {
                        abi: c["abi"].clone(),
                        bytecode: hex_field(&c["evm"]["bytecode"]["object"]),
                        deployed_bytecode: hex_field(&c["evm"]["deployedBytecode"]["object"]),
                    },
                );
            }
        }
        Ok(contracts)
    }

    /// Runs the compiler, or reads its earlier output for the same input, version and
    /// package lockfile.
    fn cached(&self, input: &str) -> Result<Vec<u8>, SolcError> {
        let version = self.version()?;
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update([0]);
        h.update(input.as_bytes());
        // Imports resolve from the pinned packages (scripts/solc.mjs): their lockfile is part
        // of the input, so an upgraded package is never served from an old compilation.
        let lock = self.script.parent().unwrap_or(Path::new(".")).join("package-lock.json");
        h.update(std::fs::read(&lock).unwrap_or_default());
        let dir = std::env::var_os("VEIL_SOLC_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("veil-solc-cache"));
        let path = dir.join(format!("{}.json", hex::encode(h.finalize())));
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let out = self.run(&[], input.as_bytes())?;
        // A failed cache write only costs a recompilation next time.
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = veil_fs::write_atomic(&path, &out, false);
        }
        Ok(out)
    }
}
