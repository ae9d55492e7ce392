//! `veil info`: circuit sizes, and what a proving key's header says about it.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use veil_circuits::approval::{self, ApprovalCircuit};
use veil_prover::{setup_dir, CircuitId, Provenance};

use super::setup_dir_error;

#[derive(Debug, Subcommand)]
pub enum InfoCommand {
    /// The Approval circuit: one member of an approver set approves an intent.
    Approval(ApprovalInfo),
    /// The Threshold circuit: k distinct members sign an intent, one proof.
    Threshold(ThresholdInfo),
    /// The Policy circuit: a hidden rule of a committed policy admits an intent's call, and
    /// the rule's threshold of its role's members signed it, one proof.
    Policy(PolicyInfo),
    /// A setup directory's proving key: circuit, sizes, format version and provenance.
    ///
    /// Reads the key file's header only. The provenance is a development setup (`veil
    /// setup`: one machine's randomness) or a ceremony, shown with the two hashes that name
    /// its circuit: the SHA-256 of the iden3 .r1cs export and snarkjs's circuit hash.
    Key(KeyInfo),
}

#[derive(Debug, Args)]
pub struct KeyInfo {
    /// The setup directory (holding proving_key.veil).
    #[arg(long)]
    pk: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ThresholdInfo {
    /// Maximum depth of the approver set.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Signature slots.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
    k_max: u8,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PolicyInfo {
    #[command(flatten)]
    shape: super::PolicyShapeArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ApprovalInfo {
    /// Maximum depth of the approver set (its Lean IMT); the set holds up to 2^depth members.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct InfoReport {
    circuit: &'static str,
    depth: usize,
    constraints: usize,
    public_inputs: usize,
    witness_variables: usize,
    public_input_order: [&'static str; approval::NUM_PUBLIC_INPUTS],
}

pub fn run(c: InfoCommand) -> anyhow::Result<u8> {
    let args = match c {
        InfoCommand::Approval(a) => a,
        InfoCommand::Key(k) => return key(&k),
        InfoCommand::Policy(p) => return policy(&p),
        InfoCommand::Threshold(t) => {
            let (_, blank) = veil_prover::engine::threshold_shape(usize::from(t.depth), usize::from(t.k_max))?;
            let shape = veil_prover::shape(blank).context("synthesizing the Threshold circuit")?;
            let report = serde_json::json!({
                "circuit": "threshold", "depth": t.depth, "k_max": t.k_max,
                "constraints": shape.constraints, "public_inputs": shape.public_inputs,
                "witness_variables": shape.witness_variables, "public_input_order": ["root", "intent", "k"],
            });
            if t.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("circuit            threshold (max depth {}, k_max {})", t.depth, t.k_max);
                println!("constraints        {}", shape.constraints);
                println!("public inputs      {} (root, intent, k)", shape.public_inputs);
                println!("witness variables  {}", shape.witness_variables);
            }
            return Ok(crate::exit::OK);
        }
    };
    let depth = usize::from(args.depth);
    let blank = ApprovalCircuit::blank(depth).context("building the Approval circuit")?;
    let shape = veil_prover::shape(blank).context("synthesizing the Approval circuit")?;
    let report = InfoReport {
        circuit: "approval",
        depth,
        constraints: shape.constraints,
        public_inputs: shape.public_inputs,
        witness_variables: shape.witness_variables,
        public_input_order: ["root", "nullifier", "intent", "scope"],
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("circuit            approval (max depth {depth})");
        println!("constraints        {}", report.constraints);
        println!("public inputs      {} ({})", report.public_inputs, report.public_input_order.join(", "));
        println!("witness variables  {}", report.witness_variables);
    }
    Ok(crate::exit::OK)
}

/// `veil info policy`.
fn policy(p: &PolicyInfo) -> anyhow::Result<u8> {
    let shape = p.shape.shape();
    let (_, blank) = veil_prover::engine::policy_shape(shape)?;
    let size = veil_prover::shape(blank).context("synthesizing the Policy circuit")?;
    let order = ["auth_root", "intent", "call", "value", "arg0", "arg1"];
    if p.json {
        let report = serde_json::json!({
            "circuit": "policy", "depth": shape.max_depth, "k_max": shape.k_max,
            "policy_depth": shape.policy_depth, "rule_slots": 1u64 << shape.policy_depth,
            "constraints": size.constraints, "public_inputs": size.public_inputs,
            "witness_variables": size.witness_variables, "public_input_order": order,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "circuit            policy (max depth {}, k_max {}, policy depth {}: {} rule slots)",
            shape.max_depth,
            shape.k_max,
            shape.policy_depth,
            1u64 << shape.policy_depth
        );
        println!("constraints        {}", size.constraints);
        println!("public inputs      {} ({})", size.public_inputs, order.join(", "));
        println!("witness variables  {}", size.witness_variables);
    }
    Ok(crate::exit::OK)
}

/// `veil info key`: the proving key's header, read alone (the body is neither read nor checked).
fn key(args: &KeyInfo) -> anyhow::Result<u8> {
    let header = setup_dir::read_header(&args.pk, None).map_err(setup_dir_error)?;
    let path = args.pk.join(setup_dir::PROVING_KEY_FILE);
    let public_inputs = header.num_instance.saturating_sub(1);
    let hashes = match &header.provenance {
        Provenance::Development => None,
        Provenance::Ceremony { r1cs_hash, circuit_hash } => Some((hex::encode(r1cs_hash), hex::encode(circuit_hash))),
    };
    if args.json {
        let report = serde_json::json!({
            "file": path, "format_version": header.version,
            "circuit": header.shape.circuit.name(), "depth": header.shape.depth,
            "k_max": (header.shape.circuit != CircuitId::Approval).then_some(header.shape.k_max),
            "policy_depth": (header.shape.circuit == CircuitId::Policy).then_some(header.shape.policy_depth),
            "constraints": header.num_constraints, "public_inputs": public_inputs,
            "witness_variables": header.num_witness, "shape_hash": hex::encode(header.shape_hash),
            "provenance": if hashes.is_some() { "ceremony" } else { "development" },
            "r1cs_hash": hashes.as_ref().map(|h| &h.0), "circuit_hash": hashes.as_ref().map(|h| &h.1),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(crate::exit::OK);
    }
    println!("proving key        {} (format {})", path.display(), header.version);
    println!("circuit            {}", header.shape);
    println!("constraints        {}", header.num_constraints);
    println!("public inputs      {public_inputs}");
    println!("witness variables  {}", header.num_witness);
    println!("shape hash         {}", hex::encode(header.shape_hash));
    match hashes {
        None => println!("provenance         development setup (one machine's randomness: not for production)"),
        Some((r1cs_hash, circuit_hash)) => {
            println!("provenance         ceremony");
            println!("r1cs hash          {r1cs_hash} (SHA-256 of the iden3 .r1cs)");
            println!("circuit hash       {circuit_hash} (snarkjs csHash, BLAKE2b-512)");
        }
    }
    Ok(crate::exit::OK)
}
