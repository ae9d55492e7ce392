//! `veil tables`: a proving key's fixed-base MSM tables, stored beside it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use veil_prover::{engine::MsmTables, tablefile, ProverKey};

use super::{load_prover, spinner, UseTables};
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
    let key = load_prover(&a.pk, a.check_key, None, UseTables::Never)?;
    let budget = usize::try_from(a.budget_mib << 20).map_err(|_| bad_input("--budget-mib: too large"))?;
    write_tables(&key, &a.pk, budget)?;
    Ok(OK)
}

/// Builds `key`'s tables within `budget` bytes and writes them to DIR/proving_key.tables.
pub fn write_tables(key: &ProverKey, dir: &Path, budget: usize) -> anyhow::Result<()> {
    let bar = spinner(&format!("building the MSM tables of the {} key", key.shape));
    let tables = MsmTables::new(&key.pk, budget);
    let path = dir.join(tablefile::FILE_NAME);
    bar.set_message(format!("writing {}", path.display()));
    tablefile::save(key, &tables, &path).with_context(|| format!("writing {}", path.display()))?;
    bar.finish_and_clear();
    let [a, b1, b2, h, l] = tables.windows();
    eprintln!(
        "wrote {} ({:.1} MiB; windows A {a}, B₁ {b1}, B₂ {b2}, H {h}, L {l}; built in {:.1} s)",
        path.display(),
        tables.size_bytes() as f64 / f64::from(1 << 20),
        tables.build_time.as_secs_f64()
    );
    Ok(())
}
