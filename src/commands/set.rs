//! `veil set`: approver sets.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use veil_approver::set::ApproverSet;
use veil_circuits::Fr;

use crate::exit::{bad_input, input_error, OK};

#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Create a set file with the given identity commitments, in order.
    New(NewArgs),
    /// Add members (identity commitments) at the end of a set.
    Add(EditArgs),
    /// Remove members: their leaves become 0, as Semaphore's removeMember.
    Remove(EditArgs),
    /// Print a set's root (decimal).
    Root(RootArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where to write the set.
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
    /// Identity commitments (decimal), as printed by `veil key new` or `veil key show`.
    commitments: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The set file, rewritten in place (atomically).
    #[arg(long)]
    set: PathBuf,
    /// Identity commitments (decimal).
    #[arg(required = true)]
    commitments: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RootArgs {
    /// The set file.
    #[arg(long)]
    set: PathBuf,
    /// Print JSON (`root`, `size`, `depth`).
    #[arg(long)]
    json: bool,
}

fn parse(commitments: &[String]) -> anyhow::Result<Vec<Fr>> {
    commitments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            veil_circuits::field::parse(s).map_err(|e| {
                bad_input(format!("commitment #{} ({s:?}) is not a decimal field element below r: {e}", i + 1))
            })
        })
        .collect()
}

pub fn run(c: SetCommand) -> anyhow::Result<u8> {
    match c {
        SetCommand::New(a) => {
            if a.out.exists() && !a.force {
                return Err(bad_input(format!("{} exists; pass --force to replace it", a.out.display())));
            }
            let set = ApproverSet::from_members(parse(&a.commitments)?).map_err(|e| input_error(&e))?;
            set.save(&a.out)?;
            print_root(&set);
        }
        SetCommand::Add(a) => {
            let mut set = ApproverSet::load(&a.set).map_err(|e| input_error(&e))?;
            for c in parse(&a.commitments)? {
                set.add_member(c).map_err(|e| input_error(&e))?;
            }
            set.save(&a.set)?;
            print_root(&set);
        }
        SetCommand::Remove(a) => {
            let mut set = ApproverSet::load(&a.set).map_err(|e| input_error(&e))?;
            for c in parse(&a.commitments)? {
                set.remove_member(c).map_err(|e| input_error(&e))?;
            }
            set.save(&a.set)?;
            print_root(&set);
        }
        SetCommand::Root(a) => {
            let set = ApproverSet::load(&a.set).map_err(|e| input_error(&e))?;
            if a.json {
                let report = serde_json::json!({
                    "root": set.root().map(|r| r.to_string()),
                    "size": set.size(),
                    "depth": set.depth(),
                });
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_root(&set);
            }
        }
    }
    Ok(OK)
}

fn print_root(set: &ApproverSet) {
    match set.root() {
        Some(r) => println!("{r}"),
        None => println!("(empty set: no root)"),
    }
}
