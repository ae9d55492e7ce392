//! `veil prove`: proofs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use veil_approver::{
    intent::Intent,
    keys::Key,
    set::ApproverSet,
    signature::{SignedIntent, Subject},
    witness,
};
use veil_circuits::Fr;
use veil_prover::{engine::Assignment, keyfile::Header, setup_dir, snarkjs, CircuitId, Proof, Provenance};

use super::{open_key, parse_scope, setup_dir_error, UseTables};
use crate::describe::{describe, Sources};
use crate::{
    exit::{bad_input, input_error, OK},
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
    /// Prove that a rule of the compiled policy --compiled admits --intent and that at least
    /// the rule's threshold of its role's members signed it (`veil sign`), hiding the rule,
    /// the role and the signers. Uses the first rule in file order that these signatures
    /// satisfy. Writes OUT/proof.json and OUT/public.json (authRoot, intent, call, value,
    /// arg0, arg1) and prints the auth root. Exit codes: 0 proven, 1 no rule admits the
    /// intent with these signatures (the reasons, as `veil policy explain` gives them, on
    /// stderr), 2 bad input.
    Policy(PolicyArgs),
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The compiled policy (`veil policy compile`: DIR/policy.compiled.json).
    #[arg(long)]
    compiled: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// The time-lock the proof claims (`0`, `90s`, `48h`, `7d`): at least the rule's delay.
    /// With a lead, the account queues the intent and executes it no sooner than the lead
    /// after submission; the intent's validAfter must then be at least the submission time
    /// plus the lead.
    #[arg(long, default_value = "0")]
    lead: String,
    #[command(flatten)]
    proving: ProvingArgs,
    /// Signature files (`veil sign`) by members of the rule's role.
    #[arg(required = true)]
    signatures: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    #[command(flatten)]
    signers: ThresholdSigners,
}

/// The set, the threshold, the proving key and the signature files of a Threshold proof,
/// whatever its subject (an intent, a user operation, a message).
#[derive(Debug, Args)]
pub struct ThresholdSigners {
    /// The approver set file.
    #[arg(long)]
    pub set: PathBuf,
    /// The threshold k to prove; defaults to the number of signatures. With more
    /// signatures than k, the first k (by commitment) are used.
    #[arg(long)]
    pub threshold: Option<usize>,
    #[command(flatten)]
    pub proving: ProvingArgs,
    /// Signature files (`veil sign`).
    #[arg(required = true)]
    pub signatures: Vec<PathBuf>,
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
    #[command(flatten)]
    proving: ProvingArgs,
}

/// The proving key and the output, shared by every proof.
#[derive(Debug, Args)]
pub struct ProvingArgs {
    /// The setup directory (holding proving_key.veil) of a setup of this statement.
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
    #[command(flatten)]
    dev_key: DevelopmentKeyFlag,
    /// The output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// `--allow-development-key`, shared by both proofs and `veil batch`.
#[derive(Debug, Args)]
pub struct DevelopmentKeyFlag {
    /// Do not warn that the proving key comes from a development setup (`veil setup`: one
    /// machine's randomness, so whoever ran it can forge proofs). For tests and development;
    /// production keys come from a ceremony.
    #[arg(long)]
    allow_development_key: bool,
}

impl DevelopmentKeyFlag {
    /// Prints one warning line on stderr when the key of setup directory `dir` is a
    /// development key, unless the flag is given.
    pub fn warn(&self, dir: &Path, provenance: &Provenance) {
        if provenance.is_development() && !self.allow_development_key {
            eprintln!(
                "warning: {} is a development key (one machine's randomness): whoever ran its setup can forge \
                 proofs; use a ceremony key in production (--allow-development-key silences this)",
                dir.join(setup_dir::PROVING_KEY_FILE).display()
            );
        }
    }
}

pub fn run(c: ProveCommand) -> anyhow::Result<u8> {
    match c {
        ProveCommand::Approval(a) => approval(&a),
        ProveCommand::Threshold(t) => threshold(&t),
        ProveCommand::Policy(p) => policy(&p),
    }
}

/// Runs `prepare` (the witness: unlocking keys, reading files, synthesis) on this thread
/// while another opens the proving key, then proves: a one-shot proof pays the longer of
/// the two, not their sum. A development key is warned about first, from its header.
fn load_and_prove<T>(
    proving: &ProvingArgs,
    circuit: CircuitId,
    prepare: impl FnOnce(&Header) -> anyhow::Result<(Assignment, T)>,
) -> anyhow::Result<(Proof, T)> {
    let ProvingArgs { pk, check_key, tables, dev_key, .. } = proving;
    let (pk, check_key, tables) = (pk.as_path(), *check_key, *tables);
    let header = setup_dir::read_header(pk, Some(circuit)).map_err(setup_dir_error)?;
    dev_key.warn(pk, &header.provenance);
    let (prover, prepared) = std::thread::scope(|s| {
        let loader = s.spawn(|| open_key(pk, check_key, Some(circuit), tables));
        if circuit == CircuitId::Approval {
            // The synthesis's constants, built while the key file's scrypt runs.
            s.spawn(veil_circuits::approval::warm_up);
        }
        let prepared = prepare(&header);
        let prover = loader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (prover, prepared)
    });
    let (mut prover, (assignment, extra)) = (prover?, prepared?);
    // One proof per process: the key's matrices may leave memory once read.
    prover.prove_once = true;
    let proof = prover.prove_assignment(&assignment, &mut rand::rngs::OsRng).context("proving");
    // The key and its tables are public and this process ends after writing the proof:
    // leave their pages to the exit instead of unmapping and freeing them one by one.
    std::mem::forget(prover);
    Ok((proof?, extra))
}

fn approval(a: &ApprovalArgs) -> anyhow::Result<u8> {
    let pass =
        passphrase::read(a.passphrase_file.as_deref(), passphrase::ENV, Purpose::Unlock, &a.key.display().to_string())?;
    let (groth, inputs) = load_and_prove(&a.proving, CircuitId::Approval, |header| {
        let start = std::time::Instant::now();
        let key = Key::load(&a.key, pass.as_bytes()).map_err(|e| input_error(&e))?;
        drop(pass);
        tracing::debug!(ms = start.elapsed().as_secs_f64() * 1e3, "key unlocked");
        let set = ApproverSet::load(&a.set).map_err(|e| input_error(&e))?;
        let intent = Intent::load(&a.intent).map_err(|e| input_error(&e))?;
        let scope = a.scope.as_deref().map(|s| parse_scope(s).map_err(|e| bad_input(format!("--{e}")))).transpose()?;
        let circuit = witness::approval(&key.private, &set, &intent, scope, header.shape.depth as usize)
            .map_err(|e| bad_input(describe(&e, &Sources::approval(&a.key, &a.set))))?;
        let inputs = circuit.public_inputs().expect("a filled circuit");
        Ok((Assignment::synthesize(circuit).context("synthesizing the witness")?, inputs))
    })?;
    write_proof(&a.proving.out, &groth, &inputs)?;
    println!("{}", inputs[veil_circuits::approval::NULLIFIER]);
    Ok(OK)
}

fn threshold(a: &ThresholdArgs) -> anyhow::Result<u8> {
    use veil_circuits::threshold::K;
    let intent = Intent::load(&a.intent).map_err(|e| input_error(&e))?;
    let (_, inputs) = threshold_of(&Subject::Intent(intent), &a.intent, &a.signers)?;
    println!("{}", inputs[K]);
    Ok(OK)
}

/// Proves that k members of the set signed `subject` (read from `subject_path`), from their
/// signature files, and writes OUT/proof.json and OUT/public.json; returns the proof and its
/// public inputs (root, intent, k). Shared by every subject (`veil prove threshold`,
/// `veil userop prove`, `veil message prove`).
pub fn threshold_of(subject: &Subject, subject_path: &Path, a: &ThresholdSigners) -> anyhow::Result<(Proof, [Fr; 3])> {
    let (groth, inputs) = load_and_prove(&a.proving, CircuitId::Threshold, |header| {
        let set = ApproverSet::load(&a.set).map_err(|e| input_error(&e))?;
        let signed = a
            .signatures
            .iter()
            .map(|p| SignedIntent::load(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| input_error(&e))?;
        let (depth, k_max) = (header.shape.depth as usize, header.shape.k_max as usize);
        let circuit =
            witness::threshold(&set, subject.field_element(), &signed, a.threshold, depth, k_max).map_err(|e| {
                bad_input(describe(&e, &Sources::threshold(&a.set, &subject_path.display().to_string(), &a.signatures)))
            })?;
        let inputs = circuit.public_inputs().expect("a filled circuit");
        Ok((Assignment::synthesize(circuit).context("synthesizing the witness")?, inputs))
    })?;
    write_proof(&a.proving.out, &groth, &inputs)?;
    Ok((groth, inputs))
}

fn policy(a: &PolicyArgs) -> anyhow::Result<u8> {
    use veil_approver::policy::{units::parse_duration, witness, CompiledPolicy, PolicyWitnessError as E};
    let lead = parse_duration(&a.lead).map_err(|e| bad_input(format!("--lead: {e}")))?;
    let (groth, (inputs, rule)) = load_and_prove(&a.proving, CircuitId::Policy, |header| {
        let compiled = CompiledPolicy::load(&a.compiled).map_err(|e| input_error(&e))?;
        let intent = Intent::load(&a.intent).map_err(|e| input_error(&e))?;
        let signed = a
            .signatures
            .iter()
            .map(|p| SignedIntent::load(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| input_error(&e))?;
        let shape = header.shape.policy().expect("a policy key's header");
        let sig = |i: usize| a.signatures[i].display();
        let w = witness(&compiled, &intent, &signed, lead, shape).map_err(|e| match e {
            E::Shape { compiled: c, key } => bad_input(format!(
                "{}: the policy is compiled for {c}; the key in {} is for {key}",
                a.compiled.display(),
                a.proving.pk.display()
            )),
            E::Intent(e) => bad_input(format!("{}: {e}", a.intent.display())),
            E::OtherIntent { index } => {
                bad_input(format!("{}: signs another intent than {}", sig(index), a.intent.display()))
            }
            E::BadSignature { index } => bad_input(format!("{}: the signature does not verify", sig(index))),
            E::SameSigner { first, second } => {
                bad_input(format!("{} and {} are by the same signer", sig(first), sig(second)))
            }
            E::NoRule(no) => {
                eprint!("{no}");
                anyhow::anyhow!(
                    "no rule of {} admits {} with these signatures",
                    a.compiled.display(),
                    a.intent.display()
                )
            }
            E::Circuit(e) => anyhow::Error::new(e).context("the policy circuit refused the witness"),
        })?;
        let inputs = w.circuit.public_inputs().expect("a filled circuit");
        Ok((Assignment::synthesize(w.circuit).context("synthesizing the witness")?, (inputs, w.rule_name)))
    })?;
    write_proof(&a.proving.out, &groth, &inputs)?;
    eprintln!("proved under rule {rule} (the proof does not reveal which rule)");
    println!("{}", inputs[veil_circuits::policy::AUTH_ROOT]);
    Ok(OK)
}

/// Writes OUT/proof.json and OUT/public.json (each atomically).
fn write_proof(out: &Path, proof: &Proof, inputs: &[Fr]) -> anyhow::Result<()> {
    let (proof_path, public_path) = snarkjs::save_proof(out, proof, inputs)?;
    eprintln!("wrote {} and {}", proof_path.display(), public_path.display());
    Ok(())
}
