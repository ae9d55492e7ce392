//! `veil export`: other encodings of a proof.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use veil_prover::snarkjs::{public_from_json, Calldata, ProofJson};

use super::read_json;
use crate::exit::{bad_input, OK};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print the Ethereum calldata of a proof: `uint256[8]` proof (G2 coordinates in
    /// EIP-197 order) and `uint256[]` public inputs, as JSON with 0x-words.
    Calldata(CalldataArgs),
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
    let ExportCommand::Calldata(a) = c;
    let proof_json: ProofJson = read_json(&a.proof, "proof")?;
    let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.proof.display())))?;
    let public: Vec<String> = read_json(&a.public, "public signals")?;
    let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{}: {e}", a.public.display())))?;
    println!("{}", Calldata::new(&proof, &inputs).to_json());
    Ok(OK)
}
