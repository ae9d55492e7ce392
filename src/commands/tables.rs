//! `veil tables`: a proving key's fixed-base MSM tables, stored beside it.

use std::path::PathBuf;

use clap::Args;

use super::{open_key, write_tables, UseTables};
use crate::exit::{bad_input, OK};

#[derive(Debug, Args)]
pub struct TablesArgs {
    /// The setup directory (holding proving_key.veil); the tables go to
    /// DIR/proving_key.tables.
    #[arg(long, value_name = "DIR")]
    pk: PathBuf,
    /// The most memory (and disk) the tables may take, in MiB; wider windows fit a smaller
    /// budget at some speed.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    budget_mib: u64,
    /// Validate every point of the proving key and its constraint system first.
    #[arg(long)]
    check_key: bool,
}

pub fn run(a: &TablesArgs) -> anyhow::Result<u8> {
    let key = open_key(&a.pk, a.check_key, None, UseTables::Never)?;
    let budget = usize::try_from(a.budget_mib << 20).map_err(|_| bad_input("--budget-mib: too large"))?;
    write_tables(&key, &a.pk, budget)?;
    Ok(OK)
}
