//! `veil gas`: the gas of every on-chain entry point, measured in the in-memory EVM.

use clap::Args;
use veil_circuits::{eddsa::PrivateKey, policy::PolicyShape};
use veil_verifier_contract::{gas, policy::PolicyArtifacts, scenario::Scenario, solc::Solc};

use crate::exit::{bad_input, input_error, OK};

#[derive(Debug, Args)]
pub struct GasArgs {
    /// Merkle depth of the development setups. Verification gas does not depend on it (a
    /// Groth16 proof and its public inputs have the same size at every depth).
    #[arg(long, default_value_t = 4)]
    depth: usize,
    /// Threshold and Policy slots (at least 3: the measurement uses 3-of-5 Threshold proofs,
    /// and the derivatives desk's policy has a 3-of-3 rule).
    #[arg(long, default_value_t = 3)]
    k_max: usize,
    /// Print JSON lines instead of a Markdown table.
    #[arg(long)]
    json: bool,
}

pub fn run(a: &GasArgs) -> anyhow::Result<u8> {
    if a.k_max < 3 {
        return Err(bad_input(format!("--k-max {}: the measurement needs at least 3 slots", a.k_max)));
    }
    if a.depth < 3 {
        return Err(bad_input(format!("--depth {}: the derivatives desk grants 5 roles (depth 3 at least)", a.depth)));
    }
    let solc = Solc::locate().map_err(|e| input_error(&e))?;
    let mut rng = rand::rngs::OsRng;
    let members = (0..5).map(|_| PrivateKey::random(&mut rng)).collect();
    let spinner = super::spinner("development setups and contracts");
    let scenario = Scenario::setup(&solc, a.depth, a.k_max, members, &mut rng)?;
    spinner.set_message("proving and measuring");
    let mut rows = gas::measure(&solc, &scenario, &mut rng)?;
    spinner.set_message("the Safe module on a Safe 1.5.0");
    rows.extend(gas::measure_safe(&solc, &scenario, &mut rng)?);
    spinner.set_message("the ERC-7579 validator through the EntryPoint 0.8");
    rows.extend(gas::measure_validator(&solc, &scenario, &mut rng)?);
    spinner.set_message("the Policy statement: setup, contracts, the derivatives desk");
    let shape = PolicyShape { max_depth: a.depth, k_max: a.k_max, policy_depth: 3 };
    let key = veil_prover::setup_policy(shape, &mut rng)?;
    let artifacts = PolicyArtifacts::compile(&solc, &key)?;
    rows.extend(gas::measure_policy(&solc, &artifacts, &key, &mut rng)?);
    spinner.finish_and_clear();
    if a.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
    } else {
        println!(
            "solc {} (optimizer runs {}, via IR, evm {}), revm {:?}",
            solc.version()?,
            veil_verifier_contract::solc::OPTIMIZER_RUNS,
            veil_verifier_contract::solc::EVM_VERSION,
            veil_verifier_contract::evm::SPEC
        );
        print!("{}", gas::markdown(&rows));
    }
    Ok(OK)
}
