//! `veil info`: circuit sizes.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use veil_circuits::approval::{self, ApprovalCircuit};

#[derive(Debug, Subcommand)]
pub enum InfoCommand {
    /// The Approval circuit: one member of an approver set approves an intent.
    Approval(ApprovalInfo),
    /// The Threshold circuit: k distinct members sign an intent, one proof.
    Threshold(ThresholdInfo),
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
