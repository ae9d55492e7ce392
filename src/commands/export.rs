//! `veil export`: other encodings of a proof.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use veil_ceremony::manifest::{self, Manifest};
use veil_prover::{
    keyfile::Check,
    setup_dir::{self, OpenOptions, UseTables},
    snarkjs::{public_from_json, Calldata, ProofJson, VerificationKeyJson},
    Provenance, VerifyingKey,
};
use veil_verifier_contract::{render::KeyProvenance, render_verifier, VerifierOptions};

use super::{ceremony::MANIFEST_FILE, read_json, setup_dir_error};
use crate::exit::{bad_input, OK};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print the Ethereum calldata of a proof: `uint256[8]` proof (G2 coordinates in
    /// EIP-197 order) and `uint256[]` public inputs, as JSON with 0x-words.
    Calldata(CalldataArgs),
    /// Render a Solidity Groth16 verifier for a verifying key (veil's own template: field and
    /// curve checks on every input, one EIP-197 pairing; see verifier-contract/README.md).
    Verifier(VerifierArgs),
    /// Write a circuit's R1CS in iden3's .r1cs format (what `snarkjs r1cs info` and
    /// `snarkjs groth16 setup` read): exactly the matrices veil's prover uses. Prints the
    /// file's SHA-256, the hash a ceremony's manifest pins.
    R1cs(R1csArgs),
}

#[derive(Debug, Args)]
pub struct R1csArgs {
    #[command(flatten)]
    shape: super::ceremony::ShapeArgs,
    /// Where to write the .r1cs file.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct VerifierArgs {
    /// The verifying key (snarkjs verification_key.json layout, as `veil setup` and `veil
    /// ceremony finalize` write it). The contract states its provenance, found beside it: a
    /// ceremony's MANIFEST.json (whose vk_hash must be this key's), else proving_key.veil's
    /// header, else unknown.
    #[arg(long)]
    vk: PathBuf,
    /// Where to write the contract.
    #[arg(long)]
    out: PathBuf,
    /// The contract's name.
    #[arg(long, default_value = "VeilVerifier")]
    name: String,
    /// A one-line description for the contract's NatSpec title.
    #[arg(long, default_value = "")]
    description: String,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct CalldataArgs {
    /// The proof (snarkjs proof.json layout).
    #[arg(long)]
    proof: PathBuf,
    /// The public signals (snarkjs public.json layout).
    #[arg(long)]
    public: PathBuf,
}

pub fn run(c: ExportCommand) -> anyhow::Result<u8> {
    match c {
        ExportCommand::Calldata(a) => calldata(&a),
        ExportCommand::Verifier(a) => verifier(&a),
        ExportCommand::R1cs(a) => r1cs(&a),
    }
}

fn r1cs(a: &R1csArgs) -> anyhow::Result<u8> {
    let (shape, r1cs) = a.shape.synthesize()?;
    let cs = veil_ceremony::Constraints::from_r1cs(&r1cs);
    let file = cs.to_file();
    let write = if a.force { veil_fs::write_atomic } else { veil_fs::write_new_atomic };
    write(&a.out, &file, false).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!(
        "wrote {} ({shape}: {} constraints, {} wires, {} public inputs, domain 2^{})",
        a.out.display(),
        cs.n_constraints(),
        cs.n_wires,
        cs.n_public,
        cs.domain_log()
    );
    println!("{}", hex::encode(veil_ceremony::r1cs::sha256(&file)));
    Ok(OK)
}

fn verifier(a: &VerifierArgs) -> anyhow::Result<u8> {
    let json: VerificationKeyJson = read_json(&a.vk, "verifying key")?;
    let vk: VerifyingKey = (&json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.vk.display())))?;
    let provenance = key_provenance(&a.vk, &vk)?;
    let options = VerifierOptions { contract_name: a.name.clone(), description: a.description.clone(), provenance };
    let sol = render_verifier(&vk, &options).map_err(|e| bad_input(format!("--name/--description: {e}")))?;
    let write = if a.force { veil_fs::write_atomic } else { veil_fs::write_new_atomic };
    write(&a.out, sol.as_bytes(), false).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!("wrote {} ({} public inputs, {})", a.out.display(), json.n_public, options.provenance);
    Ok(OK)
}

/// The provenance of the verifying key `vk` read from `vk_path`, from the files beside it:
/// a ceremony's `MANIFEST.json`, which must be this key's (its `vk_hash`); else the header of
/// `proving_key.veil`, a ceremony's confirmed by the verifying key inside the proving key (a
/// development label needs no confirmation); else unknown.
///
/// # Errors
/// Bad input (exit 2) naming both files when the manifest or the ceremony proving key is for
/// another verifying key, or when either file is malformed.
fn key_provenance(vk_path: &Path, vk: &VerifyingKey) -> anyhow::Result<KeyProvenance> {
    let dir = match vk_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let vk_hash = manifest::vk_hash(vk);
    let manifest_path = dir.join(MANIFEST_FILE);
    if manifest_path.is_file() {
        let m: Manifest = read_json(&manifest_path, "ceremony manifest")?;
        if m.format != manifest::FORMAT {
            return Err(bad_input(format!(
                "{}: format {:?}, not a ceremony manifest ({:?})",
                manifest_path.display(),
                m.format,
                manifest::FORMAT
            )));
        }
        if manifest_hash::<32>(&manifest_path, "vk_hash", &m.vk_hash)? != vk_hash {
            return Err(bad_input(format!(
                "{}: the manifest is for another verifying key than {} (its vk_hash is {}, this key's is {})",
                manifest_path.display(),
                vk_path.display(),
                m.vk_hash,
                hex::encode(vk_hash)
            )));
        }
        let circuit_hash = manifest_hash::<64>(&manifest_path, "circuit.circuit_hash", &m.circuit.circuit_hash)?;
        return Ok(KeyProvenance::Ceremony { circuit_hash, vk_hash, contributions: Some(m.contributions.len()) });
    }
    if !dir.join(setup_dir::PROVING_KEY_FILE).is_file() {
        return Ok(KeyProvenance::Unknown);
    }
    match setup_dir::read_header(dir, None).map_err(setup_dir_error)?.provenance {
        Provenance::Development => Ok(KeyProvenance::Development),
        Provenance::Ceremony { circuit_hash, .. } => {
            // Without its manifest, a ceremony label rests on the proving key: it must hold
            // this verifying key, or a development key could be labelled a ceremony's.
            let key = setup_dir::open(dir, OpenOptions { circuit: None, check: Check::Fast, tables: UseTables::Never })
                .map_err(setup_dir_error)?;
            if key.verifying_key() != vk {
                return Err(bad_input(format!(
                    "{}: this ceremony proving key is for another verifying key than {}",
                    dir.join(setup_dir::PROVING_KEY_FILE).display(),
                    vk_path.display()
                )));
            }
            Ok(KeyProvenance::Ceremony { circuit_hash, vk_hash, contributions: None })
        }
    }
}

/// A hash of the manifest at `path`: `N` bytes in hex.
fn manifest_hash<const N: usize>(path: &Path, field: &str, hex: &str) -> anyhow::Result<[u8; N]> {
    let bytes = hex::decode(hex).ok().and_then(|b| <[u8; N]>::try_from(b).ok());
    bytes.ok_or_else(|| bad_input(format!("{}: {field} {hex:?} is not {N} bytes in hex", path.display())))
}

fn calldata(a: &CalldataArgs) -> anyhow::Result<u8> {
    let proof_json: ProofJson = read_json(&a.proof, "proof")?;
    let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.proof.display())))?;
    let public: Vec<String> = read_json(&a.public, "public signals")?;
    let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{}: {e}", a.public.display())))?;
    println!("{}", Calldata::new(&proof, &inputs).to_json());
    Ok(OK)
}
