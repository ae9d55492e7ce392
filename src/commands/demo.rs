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

use crate::exit::{bad_input, input_error, OK};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Merkle depth of both statements (up to 2^depth members).
    #[arg(long, default_value_t = 20)]
    depth: usize,
    /// Threshold slots (at least 3).
    #[arg(long, default_value_t = 5)]
    k_max: usize,
    /// Run the story on this node (JSON-RPC) instead of an in-memory chain; the sender
    /// signs with --private-key-file, --keystore or --mnemonic-file and pays for the
    /// deployments and the 10 ETH the account is funded with.
    #[arg(long, value_name = "URL", requires = "signer")]
    rpc_url: Option<String>,
    #[command(flatten)]
    signer: super::chain::SignerArgs,
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
    let solc = Solc::locate().map_err(|e| input_error(&e))?;
    let mut rng = rand::rngs::OsRng;
    match &a.rpc_url {
        Some(url) => println!("veil demo: a 3-of-5 account on the node at {url}; nothing is written to disk.\n"),
        None => println!(
            "veil demo: a 3-of-5 account on an in-memory chain (revm, Cancun, chain id {CHAIN_ID}); nothing is written to disk.\n"
        ),
    }

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

    if let Some(url) = &a.rpc_url {
        return on_node(a, url, &scenario, &set, root, &mut rng);
    }
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

/// Steps 3 to 5 on a real node: the same deployments, proofs and refusals, over JSON-RPC.
fn on_node(
    a: &DemoArgs,
    url: &str,
    scenario: &Scenario,
    set: &veil_approver::set::ApproverSet,
    root: U256,
    rng: &mut rand::rngs::OsRng,
) -> anyhow::Result<u8> {
    use alloy_sol_types::{SolCall, SolConstructor};
    use veil_verifier_contract::{
        account::VeilAccount,
        harness::{proof_words, sol_intent},
    };
    let client = veil_chain::Client::connect(url, Some(a.signer.signer()?)).map_err(anyhow::Error::new)?;
    let chain_id = client.chain_id;
    let deploy = |code: &[u8], args: &[u8], value: U256| -> anyhow::Result<Address> {
        Ok(client.deploy(code, args, value)?.created.expect("a deployment creates"))
    };
    let av = deploy(&scenario.artifacts.approval_verifier.bytecode, &[], U256::ZERO)?;
    let tv = deploy(&scenario.artifacts.threshold_verifier.bytecode, &[], U256::ZERO)?;
    let args = VeilAccount::constructorCall {
        thresholdVerifier_: tv,
        approvalVerifier_: av,
        root_: root,
        threshold_: U256::from(THRESHOLD),
        delay_: 0,
    }
    .abi_encode();
    let account = deploy(&scenario.artifacts.account.bytecode, &args, U256::from(10 * ETHER))?;
    let recipient = Address::repeat_byte(0xb0);
    println!("3. On chain {chain_id} at {url}: ApprovalVerifier {av}, ThresholdVerifier {tv}, VeilAccount {account} (threshold {THRESHOLD}, funded with 10 ETH).");
    let balances = || -> anyhow::Result<String> {
        Ok(format!("account {}, recipient {}", ether(client.balance(account)?), ether(client.balance(recipient)?)))
    };
    println!("   balances: {}\n", balances()?);
    let pay = |nonce: u64| Intent {
        chain_id,
        account,
        target: recipient,
        value: U256::from(ETHER),
        data: Bytes::new(),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    };
    let send = |data: Vec<u8>| client.transact(account, data, U256::ZERO);
    let first = pay(0);
    println!("4. Intent #0 pays 1 ETH to {recipient} (EIP-712 digest {}).", first.signing_hash());
    let (proof, took) =
        timed("3 of 5 sign; proving Threshold", || Ok(scenario.threshold_proof(set, &first, &[0, 2, 4], rng)?))?;
    println!("   Members 1, 3 and 5 sign it; one Threshold proof that 3 members signed: {}.", secs(took));
    let call = VeilAccount::executeCall {
        intent: sol_intent(&first),
        signers: U256::from(THRESHOLD),
        proof: proof_words(&proof),
    }
    .abi_encode();
    let m = send(call.clone())?;
    println!("   execute(intent, 3, proof): ok, tx {}, {} gas", m.hash, m.gas_used);
    println!("   balances: {}", balances()?);
    match send(call) {
        Err(e) => println!("   the same proof again (replay): refused: {e}\n"),
        Ok(_) => anyhow::bail!("the replay was accepted"),
    }
    let second = pay(1);
    println!("5. Intent #1 pays 1 ETH again, approved by three separate Approval proofs (scope = the intent).");
    for (n, member) in [1usize, 2, 3].into_iter().enumerate() {
        let ((proof, nullifier), took) = timed(&format!("member {} proving Approval", member + 1), || {
            Ok(scenario.approval_proof(set, &second, member, rng)?)
        })?;
        let m = send(
            VeilAccount::approveCall { intent: sol_intent(&second), nullifier, proof: proof_words(&proof) }
                .abi_encode(),
        )?;
        let what = if n + 1 < THRESHOLD as usize {
            format!("counted {}/{THRESHOLD}", n + 1)
        } else {
            "threshold reached, executed".into()
        };
        println!("   member {}: proof {}, approve: {what}, {} gas", member + 1, secs(took), m.gas_used);
        if n == 0 {
            let rerandomized = veil_prover::rerandomize(scenario.approval.verifying_key(), &proof, rng);
            let again = send(
                VeilAccount::approveCall { intent: sol_intent(&second), nullifier, proof: proof_words(&rerandomized) }
                    .abi_encode(),
            );
            match again {
                Err(e) => {
                    println!("   member {}'s proof re-randomized (new bytes, same nullifier): refused: {e}", member + 1)
                }
                Ok(_) => anyhow::bail!("the re-randomized approval was counted"),
            }
        }
    }
    println!("   balances: {}", balances()?);
    println!("\nDone: 2 ETH moved on 4 proofs; no key, member index or signer identity appeared on chain.");
    Ok(OK)
}
