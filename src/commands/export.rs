//! `veil export`: other encodings of a proof.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use veil_prover::{
    snarkjs::{public_from_json, Calldata, ProofJson, VerificationKeyJson},
    VerifyingKey,
};
use veil_verifier_contract::{render_verifier, VerifierOptions};

use super::read_json;
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
    /// The verifying key (snarkjs verification_key.json layout, as `veil setup` writes it).
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
    let options = VerifierOptions { contract_name: a.name.clone(), description: a.description.clone() };
    let sol = render_verifier(&vk, &options).map_err(|e| bad_input(format!("--name/--description: {e}")))?;
    let write = if a.force { veil_fs::write_atomic } else { veil_fs::write_new_atomic };
    write(&a.out, sol.as_bytes(), false).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!("wrote {} ({} public inputs)", a.out.display(), json.n_public);
    Ok(OK)
}

fn calldata(a: &CalldataArgs) -> anyhow::Result<u8> {
    let proof_json: ProofJson = read_json(&a.proof, "proof")?;
    let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.proof.display())))?;
    let public: Vec<String> = read_json(&a.public, "public signals")?;
    let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{}: {e}", a.public.display())))?;
    println!("{}", Calldata::new(&proof, &inputs).to_json());
    Ok(OK)
}
