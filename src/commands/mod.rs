//! One module per command group.

pub mod batch;
pub mod ceremony;
pub mod chain;
pub mod demo;
pub mod export;
pub mod gas;
pub mod info;
pub mod intent;
pub mod key;
pub mod policy;
pub mod prove;
pub mod set;
pub mod setup;
pub mod sign;
pub mod tables;
pub mod verify;

use std::{path::Path, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use veil_prover::{engine::MsmTables, keyfile::Check, setup_dir, CircuitId, ProverKey};

use crate::exit::bad_input;

/// Reads a JSON file of snarkjs's layout into `T`, naming the file in every error (bad JSON
/// is bad input).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &'static str) -> anyhow::Result<T> {
    veil_prover::snarkjs::read_json(path, what).map_err(|e| if e.is_bad_input() { bad_input(e) } else { e.into() })
}

/// A nullifier scope: a canonical decimal field element below r.
pub fn parse_scope(s: &str) -> Result<veil_circuits::Fr, String> {
    veil_circuits::field::parse(s).map_err(|e| format!("scope {s:?}: not a decimal field element below r ({e})"))
}

/// Whether a command uses the MSM tables file beside the proving key
/// (`proving_key.tables`, written by `veil tables` or `veil setup --tables`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UseTables {
    /// When the file is there (an unusable one is reported and ignored).
    Auto,
    /// The file must be there and usable.
    Always,
    /// Never.
    Never,
}

impl From<UseTables> for setup_dir::UseTables {
    fn from(t: UseTables) -> Self {
        match t {
            UseTables::Auto => Self::Auto,
            UseTables::Always => Self::Always,
            UseTables::Never => Self::Never,
        }
    }
}

/// A setup directory's error as the CLI reports it: bad input (exit 2) unless reading failed.
pub fn setup_dir_error(e: setup_dir::SetupDirError) -> anyhow::Error {
    if e.is_bad_input() {
        bad_input(e)
    } else {
        anyhow::Error::new(e)
    }
}

/// Opens `dir`'s proving key (for the `expected` circuit, checked fully with `--check-key`)
/// with its MSM tables as `tables` says.
pub fn open_key(
    dir: &Path,
    check_key: bool,
    expected: Option<CircuitId>,
    tables: UseTables,
) -> anyhow::Result<ProverKey> {
    let check = if check_key { Check::Full } else { Check::Fast };
    setup_dir::open(dir, setup_dir::OpenOptions { circuit: expected, check, tables: tables.into() })
        .map_err(setup_dir_error)
}

/// A spinner on stderr while something long runs (hidden when stderr is not a terminal).
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Builds `key`'s MSM tables within `budget` bytes (a spinner while it runs) and writes them
/// beside the key in `dir`.
pub fn write_tables(key: &ProverKey, dir: &Path, budget: usize) -> anyhow::Result<()> {
    let bar = spinner(&format!("building the MSM tables of the {} key", key.shape));
    let tables = MsmTables::new(&key.pk, budget);
    bar.set_message(format!("writing {}", dir.join(setup_dir::TABLES_FILE).display()));
    let path = setup_dir::save_tables(key, &tables, dir).map_err(setup_dir_error)?;
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

/// A Policy circuit's shape, as `veil setup policy` and `veil info policy` take it (the
/// policy file's defaults).
#[derive(Debug, clap::Args)]
pub struct PolicyShapeArgs {
    /// Maximum depth of the grant tree.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(1..=32))]
    depth: u8,
    /// Signer slots: the largest threshold a rule can have.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=64))]
    k_max: u8,
    /// Depth of the policy tree (2^depth rule slots).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=16))]
    policy_depth: u8,
}

impl PolicyShapeArgs {
    /// The shape.
    pub fn shape(&self) -> veil_circuits::policy::PolicyShape {
        veil_circuits::policy::PolicyShape {
            max_depth: usize::from(self.depth),
            k_max: usize::from(self.k_max),
            policy_depth: usize::from(self.policy_depth),
        }
    }
}
