//! `veil setup`: proving and verifying keys.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use veil_prover::{engine::MsmTables, setup_dir};

use super::{setup_dir_error, write_tables};
use crate::exit::OK;

#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Keys for the Approval circuit at a maximum depth.
    ///
    /// Writes DIR/proving_key.veil (binary, with the circuit's constraint matrices) and
    /// DIR/verification_key.json (snarkjs layout). The randomness comes from this machine
    /// alone: such keys are for development. Production keys come from a multi-party
    /// ceremony.
    Approval(SetupArgs),
    /// Keys for the Threshold circuit at a maximum depth with --k-max signature slots (one
    /// setup serves every threshold k ≤ k_max). Same files, same development caveat.
    Threshold(ThresholdSetupArgs),
    /// Keys for the Policy circuit: grant tree depth --depth, --k-max signer slots and a
    /// policy tree of depth --policy-depth (2^depth rule slots). One setup serves every
    /// policy compiled for that shape (the policy file's depth, k_max and policy_depth).
    /// Same files, same development caveat.
    Policy(PolicySetupArgs),
}

#[derive(Debug, Args)]
pub struct PolicySetupArgs {
    #[command(flatten)]
    shape: super::PolicyShapeArgs,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    tables: TablesFlag,
}

#[derive(Debug, Args)]
pub struct ThresholdSetupArgs {
    /// Maximum depth of the approver set.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Signature slots: the largest threshold the keys can prove.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
    k_max: u8,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    tables: TablesFlag,
}

/// `--tables`, shared by every setup.
#[derive(Debug, Args)]
pub struct TablesFlag {
    /// Also build the fixed-base MSM tables and write them to DIR/proving_key.tables
    /// (as `veil tables`): faster proofs for more memory and disk (40 MiB at Approval depth
    /// 20, 365 MiB at Threshold K_MAX 8).
    #[arg(long)]
    tables: bool,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Maximum depth of the approver set.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    tables: TablesFlag,
}

pub fn run(c: SetupCommand) -> anyhow::Result<u8> {
    type Make = Box<dyn FnOnce() -> Result<veil_prover::ProverKey, veil_prover::ProverError>>;
    let (out, tables, make): (PathBuf, bool, Make) = match c {
        SetupCommand::Approval(a) => (
            a.out,
            a.tables.tables,
            Box::new(move || veil_prover::setup_approval(usize::from(a.depth), &mut rand::rngs::OsRng)),
        ),
        SetupCommand::Threshold(a) => (
            a.out,
            a.tables.tables,
            Box::new(move || {
                veil_prover::setup_threshold(usize::from(a.depth), usize::from(a.k_max), &mut rand::rngs::OsRng)
            }),
        ),
        SetupCommand::Policy(a) => (
            a.out,
            a.tables.tables,
            Box::new(move || veil_prover::setup_policy(a.shape.shape(), &mut rand::rngs::OsRng)),
        ),
    };
    eprintln!(
        "warning: development setup from this machine's randomness alone; whoever knows it can forge proofs. \
         Use keys from a multi-party ceremony in production."
    );
    let key = make().context("setup")?;
    let (pk_path, vk_path) = setup_dir::save(&key, &out).map_err(setup_dir_error)?;
    eprintln!("wrote {} and {}", pk_path.display(), vk_path.display());
    if tables {
        write_tables(&key, &out, MsmTables::DEFAULT_BUDGET)?;
    }
    println!("{}", key.shape);
    Ok(OK)
}
