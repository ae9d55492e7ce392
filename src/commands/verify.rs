//! `veil verify`: Groth16 verification of snarkjs-layout files.

use std::path::PathBuf;

use clap::Args;
use veil_prover::snarkjs::{public_from_json, ProofJson, VerificationKeyJson};

use super::read_json;
use crate::exit::{bad_input, FAILURE, OK};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verifying key (snarkjs verification_key.json layout).
    #[arg(long)]
    vk: PathBuf,
    /// The proof (snarkjs proof.json layout).
    #[arg(long)]
    proof: PathBuf,
    /// The public signals (snarkjs public.json layout).
    #[arg(long)]
    public: PathBuf,
}

pub fn run(a: &VerifyArgs) -> anyhow::Result<u8> {
    let vk_json: VerificationKeyJson = read_json(&a.vk, "verifying key")?;
    let vk = (&vk_json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.vk.display())))?;
    let proof_json: ProofJson = read_json(&a.proof, "proof")?;
    let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{}: {e}", a.proof.display())))?;
    let public: Vec<String> = read_json(&a.public, "public signals")?;
    let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{}: {e}", a.public.display())))?;
    let pvk = veil_prover::prepare(&vk);
    match veil_prover::verify(&pvk, &inputs, &proof) {
        Ok(true) => {
            println!("valid");
            Ok(OK)
        }
        Ok(false) => {
            println!("invalid");
            Ok(FAILURE)
        }
        Err(e) => Err(bad_input(format!("{}: {e}", a.public.display()))),
    }
}
