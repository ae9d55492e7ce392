//! `veil demo`: the whole story on an embedded chain, from keys to executed payments.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, U256};
use clap::Args;
use veil_approver::intent::Intent;
use veil_circuits::eddsa::PrivateKey;
use veil_verifier_contract::{
    evm::{Chain, Outcome},
    harness::{describe_revert, Deployment},
    scenario::{word, Scenario},
    solc::Solc,
};

use crate::exit::{bad_input, OK};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Merkle depth of both statements (up to 2^depth members).
    #[arg(long, default_value_t = 20)]
    depth: usize,
    /// Threshold slots (at least 3).
    #[arg(long, default_value_t = 5)]
    k_max: usize,
}

const CHAIN_ID: u64 = 31_337;
const START: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;
const MEMBERS: usize = 5;
const THRESHOLD: u64 = 3;

/// Runs `f` behind a spinner; returns its value and how long it took.
fn timed<T>(message: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Duration)> {
    let bar = super::spinner(message);
    let start = Instant::now();
    let value = f();
    bar.finish_and_clear();
    Ok((value?, start.elapsed()))
}

fn ether(wei: U256) -> String {
    let whole = wei / U256::from(ETHER);
    let frac = (wei % U256::from(ETHER)) / U256::from(10_000_000_000_000_000u64);
    format!("{whole}.{frac:0>2} ETH")
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn outcome(out: &Outcome) -> String {
    if out.success {
        format!("ok, {} gas", out.gas_used)
    } else {
        format!("refused: {}", describe_revert(&out.output))
    }
}

pub fn run(a: &DemoArgs) -> anyhow::Result<u8> {
    if a.k_max < THRESHOLD as usize {
        return Err(bad_input(format!("--k-max {}: the demo proves 3 of 5", a.k_max)));
    }
    let solc = Solc::locate().map_err(bad_input)?;
    let mut rng = rand::rngs::OsRng;
    println!("veil demo: a 3-of-5 account on an in-memory chain (revm, Cancun, chain id {CHAIN_ID}); nothing is written to disk.\n");

    let members: Vec<PrivateKey> = (0..MEMBERS).map(|_| PrivateKey::random(&mut rng)).collect();
    let (scenario, took) = timed(&format!("development setups at depth {}, {} slots", a.depth, a.k_max), || {
        Ok(Scenario::setup(&solc, a.depth, a.k_max, members, &mut rng)?)
    })?;
    let set = scenario.set(&(0..MEMBERS).collect::<Vec<_>>());
    let root = word(set.root().expect("five members"));
    println!("1. {MEMBERS} approver keys from OS entropy; their set (a Lean IMT of identity commitments) has root {root:#x}.");
    println!(
        "2. Development setups for Approval and Threshold (depth {}, {} slots) and the contracts compiled with solc {}: {}.",
        a.depth,
        a.k_max,
        solc.version()?,
        secs(took)
    );

    let mut d =
        Deployment::new(Chain::new(CHAIN_ID, START), &scenario.artifacts, root, THRESHOLD, 0, U256::from(10 * ETHER))?;
    let recipient = Address::repeat_byte(0xb0);
    println!("3. Deployed ApprovalVerifier {}, ThresholdVerifier {}, VeilAccount {} (threshold {THRESHOLD}, funded with 10 ETH).", d.approval_verifier, d.threshold_verifier, d.account);
    let balances = |d: &Deployment| {
        format!("account {}, recipient {}", ether(d.chain.balance(d.account)), ether(d.chain.balance(recipient)))
    };
    println!("   balances: {}\n", balances(&d));

    let account = d.account;
    let pay = |nonce: u64| Intent {
        chain_id: CHAIN_ID,
        account,
        target: recipient,
        value: U256::from(ETHER),
        data: Bytes::new(),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    };

    // A Threshold proof.
    let first = pay(0);
    println!("4. Intent #0 pays 1 ETH to {recipient} (EIP-712 digest {}).", first.signing_hash());
    let (proof, took) = timed("3 of 5 sign; proving Threshold", || {
        Ok(scenario.threshold_proof(&set, &first, &[0, 2, 4], &mut rng)?)
    })?;
    println!("   Members 1, 3 and 5 sign it; one Threshold proof that 3 members signed: {}.", secs(took));
    let out = d.execute(&first, THRESHOLD, &proof)?;
    println!("   execute(intent, 3, proof): {}", outcome(&out));
    anyhow::ensure!(out.success, "the honest execution failed");
    println!("   balances: {}", balances(&d));
    let replay = d.execute(&first, THRESHOLD, &proof)?;
    println!("   the same proof again (replay): {}\n", outcome(&replay));
    anyhow::ensure!(!replay.success, "the replay was accepted");

    // Three Approval proofs.
    let second = pay(1);
    println!("5. Intent #1 pays 1 ETH again, approved by three separate Approval proofs (scope = the intent).");
    for (n, member) in [1usize, 2, 3].into_iter().enumerate() {
        let ((proof, nullifier), took) = timed(&format!("member {} proving Approval", member + 1), || {
            Ok(scenario.approval_proof(&set, &second, member, &mut rng)?)
        })?;
        let out = d.approve(&second, nullifier, &proof)?;
        anyhow::ensure!(out.success, "an honest approval failed: {}", describe_revert(&out.output));
        let what = if n + 1 < THRESHOLD as usize {
            format!("counted {}/{THRESHOLD}", n + 1)
        } else {
            "threshold reached, executed".into()
        };
        println!("   member {}: proof {}, approve: {what}, {} gas", member + 1, secs(took), out.gas_used);
        if n == 0 {
            // Anyone can re-randomize a Groth16 proof; the nullifier is what counts.
            let rerandomized = veil_prover::rerandomize(scenario.approval.verifying_key(), &proof, &mut rng);
            let again = d.approve(&second, nullifier, &rerandomized)?;
            println!("   member {}'s proof re-randomized (new bytes, same nullifier): {}", member + 1, outcome(&again));
            anyhow::ensure!(!again.success, "the re-randomized approval was counted");
        }
    }
    println!("   balances: {}", balances(&d));
    println!("\nDone: 2 ETH moved on 4 proofs; no key, member index or signer identity appeared on chain.");
    Ok(OK)
}
