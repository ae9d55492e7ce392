//! `veil prove`: proofs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use veil_circuits::{approval::ApprovalCircuit, Fr};
use veil_prover::{
    engine::Assignment,
    intent::Intent,
    keyfile::Header,
    keys::Key,
    set::ApproverSet,
    snarkjs::{public_to_json, ProofJson},
    CircuitId, Proof,
};

use super::{load_prover, read_key_header, write_json, UseTables};
use crate::{
    exit::{bad_input, OK},
    passphrase::{self, Purpose},
};

#[derive(Debug, Subcommand)]
pub enum ProveCommand {
    /// Prove that the holder of --key, a member of --set, approves --intent.
    ///
    /// Writes OUT/proof.json and OUT/public.json (snarkjs layout; public signals in the
    /// order root, nullifier, intent, scope).
    Approval(ApprovalArgs),
    /// Prove that k distinct members of --set signed --intent, from their signature files
    /// (`veil sign`). Writes OUT/proof.json and OUT/public.json (root, intent, k).
    Threshold(ThresholdArgs),
}

#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// The approver set file.
    #[arg(long)]
    set: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// The setup directory of a threshold setup.
    #[arg(long)]
    pk: PathBuf,
    /// The threshold k to prove; defaults to the number of signatures. With more
    /// signatures than k, the first k (by commitment) are used.
    #[arg(long)]
    threshold: Option<usize>,
    /// Validate every point of the proving key and its constraint system.
    #[arg(long)]
    check_key: bool,
    /// Whether to read the fixed-base MSM tables beside the key (DIR/proving_key.tables,
    /// from `veil tables`): `auto` uses them when the file is there.
    #[arg(long, value_enum, default_value_t = UseTables::Auto)]
    tables: UseTables,
    /// The output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Signature files.
    #[arg(required = true)]
    signatures: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApprovalArgs {
    /// The approver's key file.
    #[arg(long)]
    key: PathBuf,
    /// A file holding the key's passphrase (else VEIL_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The approver set file.
    #[arg(long)]
    set: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// The nullifier's scope (decimal field element); defaults to the intent's field element,
    /// so one member yields one nullifier per intent.
    #[arg(long)]
    scope: Option<String>,
    /// The setup directory (holding proving_key.veil).
    #[arg(long)]
    pk: PathBuf,
    /// Validate every point of the proving key and its constraint system (slower; for keys
    /// from elsewhere).
    #[arg(long)]
    check_key: bool,
    /// Whether to read the fixed-base MSM tables beside the key (DIR/proving_key.tables,
    /// from `veil tables`): `auto` uses them when the file is there.
    #[arg(long, value_enum, default_value_t = UseTables::Auto)]
    tables: UseTables,
    /// The output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(c: ProveCommand) -> anyhow::Result<u8> {
    match c {
        ProveCommand::Approval(a) => approval(&a),
        ProveCommand::Threshold(t) => threshold(&t),
    }
}

/// Runs `prepare` (the witness: unlocking keys, reading files, synthesis) on this thread
/// while another loads the proving key, then proves: a one-shot proof pays the longer of
/// the two, not their sum.
fn load_and_prove<T>(
    pk: &Path,
    check_key: bool,
    circuit: CircuitId,
    tables: UseTables,
    prepare: impl FnOnce(&Header) -> anyhow::Result<(Assignment, T)>,
) -> anyhow::Result<(Proof, T)> {
    let header = read_key_header(pk, Some(circuit))?;
    let (prover, prepared) = std::thread::scope(|s| {
        let loader = s.spawn(|| load_prover(pk, check_key, Some(circuit), tables));
        if circuit == CircuitId::Approval {
            // The synthesis's constants, built while the key file's scrypt runs.
            s.spawn(veil_circuits::approval::warm_up);
        }
        let prepared = prepare(&header);
        let prover = loader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (prover, prepared)
    });
    let (prover, (assignment, extra)) = (prover?, prepared?);
    let proof = prover.prove_assignment(&assignment, &mut rand::rngs::OsRng).context("proving");
    // The key and its tables are public and this process ends after writing the proof:
    // leave their pages to the exit instead of unmapping and freeing them one by one.
    std::mem::forget(prover);
    Ok((proof?, extra))
}

fn approval(a: &ApprovalArgs) -> anyhow::Result<u8> {
    let pass =
        passphrase::read(a.passphrase_file.as_deref(), passphrase::ENV, Purpose::Unlock, &a.key.display().to_string())?;
    let (groth, inputs) = load_and_prove(&a.pk, a.check_key, CircuitId::Approval, a.tables, |header| {
        let start = std::time::Instant::now();
        let key = Key::load(&a.key, pass.as_bytes()).map_err(bad_input)?;
        drop(pass);
        tracing::debug!(ms = start.elapsed().as_secs_f64() * 1e3, "key unlocked");
        let set = ApproverSet::load(&a.set).map_err(bad_input)?;
        let intent = Intent::load(&a.intent).map_err(bad_input)?;
        let intent_fe = intent.field_element();
        let scope = match &a.scope {
            None => intent_fe,
            Some(s) => super::parse_scope(s)
                .ok_or_else(|| bad_input(format!("--scope {s:?}: not a decimal field element below r")))?,
        };
        let index = set.index_of(&key.commitment).ok_or_else(|| {
            bad_input(format!("{}: the key's commitment is not a member of {}", a.key.display(), a.set.display()))
        })?;
        let proof = set.proof(index).map_err(bad_input)?;
        let depth = header.shape.depth as usize;
        let circuit = ApprovalCircuit::new(depth, &key.private.secret_scalar(), &proof, intent_fe, scope)
            .map_err(|e| bad_input(format!("{} does not fit the key's depth {depth}: {e}", a.set.display())))?;
        let inputs = circuit.public_inputs().expect("a filled circuit");
        Ok((Assignment::synthesize(circuit).context("synthesizing the witness")?, inputs))
    })?;
    write_proof(&a.out, &groth, &inputs)?;
    println!("{}", inputs[veil_circuits::approval::NULLIFIER]);
    Ok(OK)
}

fn threshold(a: &ThresholdArgs) -> anyhow::Result<u8> {
    use veil_circuits::threshold::K;
    let (groth, inputs) = load_and_prove(&a.pk, a.check_key, CircuitId::Threshold, a.tables, |header| {
        let set = ApproverSet::load(&a.set).map_err(bad_input)?;
        let intent = Intent::load(&a.intent).map_err(bad_input)?;
        let circuit = threshold_circuit(header.shape, &set, &a.set, &intent, &a.intent, &a.signatures, a.threshold)?;
        let inputs = circuit.public_inputs().expect("a filled circuit");
        Ok((Assignment::synthesize(circuit).context("synthesizing the witness")?, inputs))
    })?;
    write_proof(&a.out, &groth, &inputs)?;
    println!("{}", inputs[K]);
    Ok(OK)
}

/// Writes OUT/proof.json and OUT/public.json (each atomically).
fn write_proof(out: &Path, proof: &Proof, inputs: &[Fr]) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_json(&out.join("proof.json"), &ProofJson::from(proof))?;
    write_json(&out.join("public.json"), &public_to_json(inputs))?;
    eprintln!("wrote {} and {}", out.join("proof.json").display(), out.join("public.json").display());
    Ok(())
}

/// The Threshold circuit for signature files on `intent` by members of `set`: refuses
/// another intent, non-members, duplicates and fewer signatures than the threshold (all as
/// bad input), and takes the first k signers by commitment.
pub(crate) fn threshold_circuit(
    shape: veil_prover::ShapeId,
    set: &ApproverSet,
    set_path: &std::path::Path,
    intent: &Intent,
    intent_path: &std::path::Path,
    signatures: &[PathBuf],
    threshold: Option<usize>,
) -> anyhow::Result<veil_circuits::threshold::ThresholdCircuit> {
    use veil_circuits::threshold::ThresholdCircuit;
    use veil_prover::signature::SignedIntent;
    let intent_fe = intent.field_element();
    let root = set.root().ok_or_else(|| bad_input(format!("{}: the set is empty", set_path.display())))?;
    let mut signers = Vec::with_capacity(signatures.len());
    let mut seen = std::collections::HashMap::new();
    for path in signatures {
        let signed = SignedIntent::load(path).map_err(bad_input)?;
        if signed.intent.field_element() != intent_fe {
            return Err(bad_input(format!("{}: signs another intent than {}", path.display(), intent_path.display())));
        }
        let commitment = signed.commitment();
        if let Some(first) = seen.insert(commitment, path.clone()) {
            return Err(bad_input(format!("{} and {}: the same signer twice", first.display(), path.display())));
        }
        let index = set.index_of(&commitment).ok_or_else(|| {
            bad_input(format!("{}: the signer is not a member of {}", path.display(), set_path.display()))
        })?;
        let proof = set.proof(index).map_err(bad_input)?;
        signers.push((commitment, (signed.public_key, signed.signature, proof)));
    }
    let k = threshold.unwrap_or(signers.len());
    if k == 0 || k > signers.len() {
        return Err(bad_input(format!("--threshold {k}: {} valid signatures given", signers.len())));
    }
    signers.sort_by_key(|(c, _)| *c);
    let chosen: Vec<_> = signers.into_iter().take(k).map(|(_, s)| s).collect();
    let depth = shape.depth as usize;
    let k_max = shape.k_max as usize;
    ThresholdCircuit::new(depth, k_max, root, intent_fe, &chosen).map_err(|e| bad_input(format!("{e}")))
}
