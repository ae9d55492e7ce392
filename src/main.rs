//! `veil`: zero-knowledge private authorization from the command line.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (bad flags or values).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use veil_circuits::approval::{self, ApprovalCircuit};

/// Exit code for success.
const EXIT_OK: u8 = 0;
/// Exit code for a failure while running a command.
const EXIT_ERROR: u8 = 1;
/// Exit code for bad usage: unknown flags, or values outside their range.
const EXIT_USAGE: u8 = 2;

/// Prove, in zero knowledge, that keys committed in an approver set authorized a
/// transaction intent (Groth16 over BN254).
#[derive(Debug, Parser)]
#[command(name = "veil", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the size of a circuit: constraints, public inputs and witness variables.
    #[command(subcommand)]
    Info(InfoCommand),
}

#[derive(Debug, Subcommand)]
enum InfoCommand {
    /// The Approval circuit: one member of an approver set approves an intent.
    Approval(ApprovalInfo),
}

#[derive(Debug, Args)]
struct ApprovalInfo {
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        },
    };
    match run(cli) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        },
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(InfoCommand::Approval(args)) => info_approval(&args),
    }
}

fn info_approval(args: &ApprovalInfo) -> anyhow::Result<()> {
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
    Ok(())
}
