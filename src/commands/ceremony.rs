//! `veil ceremony`: a multi-party phase-2 trusted setup whose transcript is snarkjs's
//! `.zkey` file (see ceremony/ and README "Production setup").

use std::{
    io::{BufRead, IsTerminal},
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use veil_approver::{intent::Intent, set::ApproverSet, signature::SignedIntent, witness};
use veil_ceremony::{
    contribute::{beacon, contribute},
    finalize::{check_h, prover_key},
    init::{init, Bases},
    manifest::{self, CircuitEntry, Manifest, PtauEntry},
    r1cs::{self, Constraints},
    verify::{verify, verify_chain, Report},
    zkey::{Kind, Layout},
    FormatError, Ptau, Zkey,
};
use veil_circuits::{eddsa::PrivateKey, identity};
use veil_prover::{engine::Assignment, setup_dir, ProverKey, R1cs, ShapeId};

use super::spinner;
use crate::exit::{bad_input, input_error, FAILURE, OK};

/// The statements a ceremony can be run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CircuitName {
    /// The Approval statement.
    Approval,
    /// The Threshold statement.
    Threshold,
    /// The Policy statement.
    Policy,
}

/// Which circuit shape: the statement, the depth, (Threshold, Policy) the slots and
/// (Policy) the policy tree's depth.
#[derive(Debug, Clone, Args)]
pub struct ShapeArgs {
    /// The statement.
    #[arg(long)]
    circuit: CircuitName,
    /// Maximum depth of the approver set.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Signature slots (Threshold and Policy).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
    k_max: Option<u8>,
    /// The policy tree's depth (Policy only; default 6).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    policy_depth: Option<u8>,
}

impl ShapeArgs {
    /// The shape and its constraint system, synthesized by this build.
    pub fn synthesize(&self) -> anyhow::Result<(ShapeId, R1cs)> {
        let depth = usize::from(self.depth);
        if self.policy_depth.is_some() && self.circuit != CircuitName::Policy {
            return Err(bad_input("--policy-depth is for --circuit policy only"));
        }
        let (shape, r1cs) = match (self.circuit, self.k_max) {
            (CircuitName::Policy, Some(k)) => {
                let shape = veil_circuits::policy::PolicyShape {
                    max_depth: depth,
                    k_max: usize::from(k),
                    policy_depth: self.policy_depth.map_or(veil_circuits::policy::DEFAULT_POLICY_DEPTH, usize::from),
                };
                let (shape, blank) = veil_prover::engine::policy_shape(shape)?;
                (shape, R1cs::from_blank(blank)?)
            }
            (CircuitName::Policy, None) => return Err(bad_input("--circuit policy needs --k-max")),
            (CircuitName::Approval, None) => {
                let (shape, blank) = veil_prover::engine::approval_shape(depth)?;
                (shape, R1cs::from_blank(blank)?)
            }
            (CircuitName::Approval, Some(_)) => {
                return Err(bad_input("--k-max is for --circuit threshold and --circuit policy only"))
            }
            (CircuitName::Threshold, Some(k)) => {
                let (shape, blank) = veil_prover::engine::threshold_shape(depth, usize::from(k))?;
                (shape, R1cs::from_blank(blank)?)
            }
            (CircuitName::Threshold, None) => return Err(bad_input("--circuit threshold needs --k-max")),
        };
        Ok((shape, r1cs))
    }
}

#[derive(Debug, Subcommand)]
pub enum CeremonyCommand {
    /// Start a ceremony: the circuit's first key (`0000.zkey`) from a prepared powers-of-tau
    /// file, byte-identical to `snarkjs groth16 setup` on `veil export r1cs`'s file. Prints
    /// the circuit hash.
    Init(InitArgs),
    /// Add a contribution: verifies the chain so far, draws δ′ from the operating system
    /// (optionally mixed with typed text), applies it, forgets it. Prints the contribution
    /// hash, then an attestation to publish.
    Contribute(ContributeArgs),
    /// Close the ceremony with a public random beacon announced in advance (byte-identical
    /// to `snarkjs zkey beacon`).
    Beacon(BeaconArgs),
    /// Verify a transcript against the circuit and the ptau: every contribution's proof of
    /// knowledge and δ chain, and the key against a fresh init. Exit 0 valid, 1 invalid
    /// (the failing check named), 2 bad input.
    Verify(VerifyArgs),
    /// Verify the final transcript, then write the setup directory: proving_key.veil (marked
    /// ceremony-made), verification_key.json and MANIFEST.json; a sample proof is made and
    /// verified before it reports success.
    Finalize(FinalizeArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    shape: ShapeArgs,
    /// A prepared phase-2 powers-of-tau file (e.g. ppot_0080_13.ptau).
    #[arg(long)]
    ptau: PathBuf,
    /// The first key of the ceremony.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct ContributeArgs {
    /// The latest key of the ceremony.
    input: PathBuf,
    /// Where to write the key with this contribution.
    output: PathBuf,
    /// Your name in the transcript (at most 64 characters; not covered by any hash, so
    /// attestations quote the contribution hash).
    #[arg(long)]
    name: Option<String>,
    /// Also mix in text typed at a prompt (or one line of standard input when it is not a
    /// terminal) with the operating system's randomness.
    #[arg(long)]
    entropy_prompt: bool,
    /// Overwrite OUTPUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct BeaconArgs {
    /// The latest key of the ceremony.
    input: PathBuf,
    /// Where to write the final key.
    output: PathBuf,
    /// The beacon value, hex (e.g. a drand round's randomness or a block's RANDAO reveal,
    /// announced before the ceremony closes).
    #[arg(long)]
    hash: String,
    /// The beacon's SHA-256 iteration exponent: 2^EXP iterations (10 to 63).
    #[arg(long)]
    exp: u8,
    /// The beacon's name in the transcript.
    #[arg(long)]
    name: Option<String>,
    /// Overwrite OUTPUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The transcript: the latest (or final) key of the ceremony.
    zkey: PathBuf,
    #[command(flatten)]
    shape: ShapeArgs,
    /// The prepared powers-of-tau file the ceremony started from.
    #[arg(long)]
    ptau: PathBuf,
}

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// The final key of the ceremony (after the beacon).
    zkey: PathBuf,
    #[command(flatten)]
    shape: ShapeArgs,
    /// The prepared powers-of-tau file the ceremony started from.
    #[arg(long)]
    ptau: PathBuf,
    /// The setup directory to write (created if missing; keys already there are refused
    /// unless --force).
    #[arg(long)]
    out: PathBuf,
    /// Also build the fixed-base MSM tables (as `veil tables`).
    #[arg(long)]
    tables: bool,
    /// Replace keys already in OUT.
    #[arg(long)]
    force: bool,
}

pub fn run(c: CeremonyCommand) -> anyhow::Result<u8> {
    match c {
        CeremonyCommand::Init(a) => run_init(&a),
        CeremonyCommand::Contribute(a) => run_contribute(&a),
        CeremonyCommand::Beacon(a) => run_beacon(&a),
        CeremonyCommand::Verify(a) => run_verify(&a),
        CeremonyCommand::Finalize(a) => run_finalize(&a),
    }
}

/// A ptau file, any refusal naming the file (bad input).
fn open_ptau(path: &Path) -> anyhow::Result<Ptau> {
    Ptau::open(path).map_err(|e| format_error(path, e))
}

fn format_error(path: &Path, e: FormatError) -> anyhow::Error {
    match e {
        FormatError::Io(io) => anyhow::Error::new(io).context(format!("reading {}", path.display())),
        e => bad_input(format!("{}: {e}", path.display())),
    }
}

fn read_zkey(path: &Path) -> anyhow::Result<Zkey> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Zkey::from_bytes(&bytes).map_err(|e| format_error(path, e))
}

/// A key to add a record to: B₂ is copied, so its subgroup checks are left to `verify`.
fn read_zkey_to_contribute(path: &Path) -> anyhow::Result<Zkey> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Zkey::from_bytes_to_contribute(&bytes).map_err(|e| format_error(path, e))
}

fn write_file(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    let write = if force { veil_fs::write_atomic } else { veil_fs::write_new_atomic };
    write(path, bytes, false).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            bad_input(format!("{} exists (--force replaces it)", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("writing {}", path.display()))
        }
    })
}

/// A fresh init of `shape` from `ptau`, and the circuit's constraints.
fn fresh_init(shape: &ShapeArgs, ptau_path: &Path) -> anyhow::Result<(ShapeId, R1cs, Constraints, Zkey, Ptau)> {
    let bar = spinner("synthesizing the circuit");
    let (id, r1cs) = shape.synthesize()?;
    let cs = Constraints::from_r1cs(&r1cs);
    let mut ptau = open_ptau(ptau_path)?;
    bar.set_message(format!("computing the fresh key of {id} from {}", ptau_path.display()));
    let z = init(&cs, &mut ptau).map_err(|e| format_error(ptau_path, e))?;
    bar.finish_and_clear();
    Ok((id, r1cs, cs, z, ptau))
}

fn run_init(a: &InitArgs) -> anyhow::Result<u8> {
    let (id, _, cs, z, ptau) = fresh_init(&a.shape, &a.ptau)?;
    write_file(&a.out, &z.to_bytes(Layout::Init), a.force)?;
    eprintln!(
        "wrote {} for {id}: {} constraints, domain 2^{}, ptau power {}",
        a.out.display(),
        cs.n_constraints(),
        cs.domain_log(),
        ptau.power
    );
    println!("{}", hex::encode(z.cs_hash));
    Ok(OK)
}

/// Reads a key and checks its chain before anything is added to it.
fn read_chain(path: &Path) -> anyhow::Result<Option<Zkey>> {
    let z = read_zkey_to_contribute(path)?;
    if let Err(e) = verify_chain(&z) {
        eprintln!("error: {}: the transcript does not verify: {e}", path.display());
        return Ok(None);
    }
    Ok(Some(z))
}

fn read_entropy() -> anyhow::Result<Vec<u8>> {
    if std::io::stdin().is_terminal() {
        let text = rpassword::prompt_password("Type random text, then Enter (it is not shown): ")
            .context("reading the typed entropy")?;
        Ok(text.into_bytes())
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading entropy from standard input")?;
        Ok(line.into_bytes())
    }
}

fn announce(z: &Zkey, hash: &[u8; 64], out: &Path) {
    let n = z.contributions.len();
    let name = shown(&z.contributions[n - 1].display_name());
    println!("{}", hex::encode(hash));
    eprintln!("wrote {} (contribution #{n}, {name})", out.display());
    eprintln!();
    eprintln!("Attestation (publish it, signed, where the ceremony's participants can read it):");
    eprintln!("  I made contribution #{n} ({name}) to the veil phase-2 ceremony for circuit hash");
    eprintln!("  {}", hex::encode(z.cs_hash));
    eprintln!("  with contribution hash");
    eprintln!("  {}", hex::encode(hash));
    eprintln!("  from randomness this machine drew and forgot (δ′ was zeroized after use).");
}

fn run_contribute(a: &ContributeArgs) -> anyhow::Result<u8> {
    let Some(z) = read_chain(&a.input)? else { return Ok(FAILURE) };
    let mut entropy = if a.entropy_prompt { read_entropy()? } else { Vec::new() };
    let bar = spinner("contributing");
    let result = contribute(&z, a.name.as_deref(), &entropy);
    zeroize::Zeroize::zeroize(&mut entropy);
    let (out, hash) = result.map_err(|e| input_error(&e))?;
    write_file(&a.output, &out.to_bytes(Layout::Contributed), a.force)?;
    bar.finish_and_clear();
    announce(&out, &hash, &a.output);
    Ok(OK)
}

fn run_beacon(a: &BeaconArgs) -> anyhow::Result<u8> {
    let value = hex::decode(a.hash.strip_prefix("0x").unwrap_or(&a.hash))
        .map_err(|e| bad_input(format!("--hash: not hexadecimal ({e})")))?;
    let Some(z) = read_chain(&a.input)? else { return Ok(FAILURE) };
    let bar = spinner(&format!("beacon: 2^{} SHA-256 iterations", a.exp));
    let (out, hash) = beacon(&z, a.name.as_deref(), &value, a.exp).map_err(|e| input_error(&e))?;
    write_file(&a.output, &out.to_bytes(Layout::Contributed), a.force)?;
    bar.finish_and_clear();
    println!("{}", hex::encode(hash));
    eprintln!("wrote {} (beacon, contribution #{})", a.output.display(), out.contributions.len());
    Ok(OK)
}

/// A contributor's name as printed: control characters (a transcript may carry terminal
/// escapes) replaced.
fn shown(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

fn print_report(report: &Report) {
    println!("circuit hash: {}", hex::encode(report.cs_hash));
    for c in &report.contributions {
        let name = shown(c.name.as_deref().unwrap_or("unnamed"));
        match &c.kind {
            Kind::Contributor => println!("contribution #{} {name}: {}", c.index, hex::encode(c.hash)),
            Kind::Beacon { hash, exp } => println!(
                "contribution #{} {name} (beacon {} iterated 2^{exp}): {}",
                c.index,
                hex::encode(hash),
                hex::encode(c.hash)
            ),
        }
    }
}

/// Reads and verifies a transcript; `Ok(Err(code))` when it is invalid (reported).
fn verified(zkey: &Path, shape: &ShapeArgs, ptau_path: &Path) -> anyhow::Result<Result<Verified, u8>> {
    let z = read_zkey(zkey)?;
    let bar = spinner("synthesizing the circuit");
    let (id, r1cs) = shape.synthesize()?;
    let cs = Constraints::from_r1cs(&r1cs);
    let mut ptau = open_ptau(ptau_path)?;
    bar.set_message(format!("reading 2^{} points of {}", cs.domain_log(), ptau_path.display()));
    let bases = Bases::read(&cs, &mut ptau).map_err(|e| format_error(ptau_path, e))?;
    bar.set_message("verifying the transcript");
    let result = verify(&z, &cs, &bases);
    bar.finish_and_clear();
    match result {
        Ok(report) => Ok(Ok(Verified { id, r1cs, cs, zkey: z, report, ptau })),
        Err(e) => {
            eprintln!("error: {}: INVALID: {e}", zkey.display());
            Ok(Err(FAILURE))
        }
    }
}

struct Verified {
    id: ShapeId,
    r1cs: R1cs,
    cs: Constraints,
    zkey: Zkey,
    report: Report,
    ptau: Ptau,
}

fn run_verify(a: &VerifyArgs) -> anyhow::Result<u8> {
    let v = match verified(&a.zkey, &a.shape, &a.ptau)? {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    print_report(&v.report);
    eprintln!("{}: valid transcript for {} ({} contributions)", a.zkey.display(), v.id, v.report.contributions.len());
    Ok(OK)
}

fn run_finalize(a: &FinalizeArgs) -> anyhow::Result<u8> {
    if !a.force {
        for name in [setup_dir::PROVING_KEY_FILE, setup_dir::VERIFYING_KEY_FILE, MANIFEST_FILE] {
            let path = a.out.join(name);
            if path.exists() {
                return Err(bad_input(format!(
                    "{} exists (--force replaces the keys in {})",
                    path.display(),
                    a.out.display()
                )));
            }
        }
    }
    let mut v = match verified(&a.zkey, &a.shape, &a.ptau)? {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    if !v.report.contributions.iter().any(|c| c.kind == Kind::Contributor) {
        return Err(bad_input(format!(
            "{}: no contribution with a secret δ′: whoever knows the ptau's history could forge proofs; \
             at least one contributor must take part",
            a.zkey.display()
        )));
    }
    print_report(&v.report);
    let r1cs_file = v.cs.to_file();
    let r1cs_hash = r1cs::sha256(&r1cs_file);
    let bar = spinner("converting the H query and checking it against the ptau");
    let key = prover_key(&v.zkey, v.id, v.r1cs, r1cs_hash);
    let n = v.zkey.domain_size as usize;
    if !check_h(&key.pk.h_query, &v.zkey.delta2, &mut v.ptau, n).map_err(|e| format_error(&a.ptau, e))? {
        anyhow::bail!("the converted H query does not match the ptau's τ powers (a bug: please report it)");
    }
    bar.set_message("proving and verifying a sample statement");
    sample_proof(&key).context("the sample proof with the finalized key")?;
    bar.finish_and_clear();

    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let (pk_path, vk_path) = setup_dir::save(&key, &a.out).map_err(super::setup_dir_error)?;
    let (ptau_sha, ptau_blake) =
        manifest::file_hashes(&a.ptau).with_context(|| format!("hashing {}", a.ptau.display()))?;
    let (zkey_sha, _) = manifest::file_hashes(&a.zkey).with_context(|| format!("hashing {}", a.zkey.display()))?;
    let m = Manifest {
        format: manifest::FORMAT.into(),
        version: 1,
        circuit: CircuitEntry {
            name: v.id.circuit.name().into(),
            depth: v.id.depth,
            k_max: v.id.k_max,
            policy_depth: v.id.policy_depth,
            constraints: v.cs.n_constraints(),
            power: v.cs.domain_log(),
            r1cs_sha256: hex::encode(r1cs_hash),
            circuit_hash: hex::encode(v.zkey.cs_hash),
        },
        ptau: PtauEntry {
            name: a.ptau.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            size: v.ptau.len,
            power: v.ptau.power,
            sha256: hex::encode(ptau_sha),
            blake2b: hex::encode(ptau_blake),
        },
        contributions: manifest::contributions(&v.report),
        zkey_sha256: hex::encode(zkey_sha),
        vk_hash: hex::encode(manifest::vk_hash(&key.pk.vk)),
        files: vec![setup_dir::PROVING_KEY_FILE.into(), setup_dir::VERIFYING_KEY_FILE.into()],
    };
    let manifest_path = a.out.join(MANIFEST_FILE);
    let json = serde_json::to_string_pretty(&m).expect("a manifest serializes");
    veil_fs::write_atomic(&manifest_path, format!("{json}\n").as_bytes(), false)
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    if a.tables {
        super::write_tables(&key, &a.out, veil_prover::engine::MsmTables::DEFAULT_BUDGET)?;
    }
    eprintln!(
        "wrote {}, {} and {} (a sample proof verified)",
        pk_path.display(),
        vk_path.display(),
        manifest_path.display()
    );
    println!("vk hash: {}", m.vk_hash);
    Ok(OK)
}

/// The manifest's file name in a setup directory.
pub const MANIFEST_FILE: &str = "MANIFEST.json";

/// Proves and verifies a statement with fresh keys and a one-member (or k_max-member) set.
fn sample_proof(key: &ProverKey) -> anyhow::Result<()> {
    let mut rng = rand::rngs::OsRng;
    let intent = Intent {
        chain_id: 1,
        account: alloy_primitives::Address::ZERO,
        target: alloy_primitives::Address::ZERO,
        value: alloy_primitives::U256::ZERO,
        data: alloy_primitives::Bytes::new(),
        nonce: alloy_primitives::U256::ZERO,
        valid_after: 0,
        valid_until: 0,
    };
    if let Some(shape) = key.shape.policy() {
        return sample_policy_proof(key, shape);
    }
    let depth = key.shape.depth as usize;
    let members = key.shape.k_max.max(1) as usize;
    let keys: Vec<PrivateKey> = (0..members).map(|_| PrivateKey::random(&mut rng)).collect();
    let set = ApproverSet::from_members(keys.iter().map(|k| identity::commitment(&k.secret_scalar().public_key())))?;
    let assignment = if key.shape.k_max == 0 {
        Assignment::synthesize(witness::approval(&keys[0], &set, &intent, None, depth)?)?
    } else {
        let signatures: Vec<SignedIntent> = keys.iter().map(|k| SignedIntent::sign_with(k, &intent)).collect();
        Assignment::synthesize(witness::threshold(&set, intent.field_element(), &signatures, None, depth, members)?)?
    };
    let proof = key.prove_assignment(&assignment, &mut rng)?;
    let pvk = veil_prover::prepare(key.verifying_key());
    anyhow::ensure!(veil_prover::verify(&pvk, assignment.public_inputs(), &proof)?, "the sample proof does not verify");
    Ok(())
}

/// A sample Policy proof: a one-rule policy (any call but to the account, no value) for a
/// role of as many fresh members as the slots and the grant tree allow, all of them signing.
fn sample_policy_proof(key: &ProverKey, shape: veil_circuits::policy::PolicyShape) -> anyhow::Result<()> {
    use veil_approver::policy::{check_str, witness, CompiledPolicy, Entropy, Format};
    let mut rng = rand::rngs::OsRng;
    let members = shape.k_max.min(1 << shape.max_depth.min(16));
    let keys: Vec<PrivateKey> = (0..members).map(|_| PrivateKey::random(&mut rng)).collect();
    let commitments: Vec<String> = keys
        .iter()
        .map(|k| format!("\"{}\"", veil_circuits::field::to_decimal(&identity::commitment(&k.public_key()))))
        .collect();
    let account = alloy_primitives::Address::repeat_byte(0x11);
    let text = format!(
        "version = 1\naccount = \"0x{}\"\nchain_id = 1\ndepth = {}\nk_max = {}\npolicy_depth = {}\n\n\
         [[rule]]\nname = \"sample\"\nrole = \"signers\"\nthreshold = {members}\ntarget = \"*\"\nfunction = \"*\"\n\
         delay = \"1s\"\n\n[roles]\nsigners = [{}]\n",
        hex::encode(account),
        shape.max_depth,
        shape.k_max,
        shape.policy_depth,
        commitments.join(", ")
    );
    let checked = check_str(&text, Format::Toml);
    let file = checked.file.filter(|_| checked.policy.is_some()).context("the sample policy")?;
    let compiled = CompiledPolicy::compile(&file, Entropy::Os)?;
    let intent = Intent {
        chain_id: 1,
        account,
        target: alloy_primitives::Address::repeat_byte(0x22),
        value: alloy_primitives::U256::ZERO,
        data: alloy_primitives::Bytes::new(),
        nonce: alloy_primitives::U256::ZERO,
        valid_after: 0,
        valid_until: 0,
    };
    let signatures: Vec<SignedIntent> = keys.iter().map(|k| SignedIntent::sign_with(k, &intent)).collect();
    let w = witness(&compiled, &intent, &signatures, 1, shape)?;
    let assignment = Assignment::synthesize(w.circuit)?;
    let proof = key.prove_assignment(&assignment, &mut rng)?;
    let pvk = veil_prover::prepare(key.verifying_key());
    anyhow::ensure!(veil_prover::verify(&pvk, assignment.public_inputs(), &proof)?, "the sample proof does not verify");
    Ok(())
}
