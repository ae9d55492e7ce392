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

/// Which story `veil demo` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Story {
    /// A 3-of-5 VeilAccount pays on one Threshold proof, then on three Approval proofs.
    Payments,
    /// The derivatives desk under a hidden signing policy (VeilPolicyAccount): treasury 2 of
    /// 3 for any call after 48 h, a trader's margin deposits and withdrawals up to 50,000
    /// USDC, a liquidator's liquidations, and a policy change by all 3 treasury keys.
    Desk,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The story.
    #[arg(long, value_enum, default_value_t = Story::Payments)]
    scenario: Story,
    /// Merkle depth of the statements (up to 2^depth members, or grants for the desk).
    #[arg(long, default_value_t = 20)]
    depth: usize,
    /// Threshold (or, for the desk, Policy) slots (at least 3).
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
    if a.scenario == Story::Desk {
        if a.rpc_url.is_some() {
            return Err(bad_input("--scenario desk runs on the in-memory chain only (no --rpc-url)"));
        }
        if a.depth < 3 {
            return Err(bad_input(format!("--depth {}: the desk grants 5 roles (depth 3 at least)", a.depth)));
        }
        return desk_story(a, &solc, &mut rng);
    }
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

/// The derivatives desk: every rule used once, the refusals, a policy change, and what the
/// chain saw.
fn desk_story(a: &DemoArgs, solc: &Solc, rng: &mut rand::rngs::OsRng) -> anyhow::Result<u8> {
    use alloy_sol_types::SolCall;
    use veil_approver::policy::{check_str, CompiledPolicy, Entropy, Format, PolicyWitnessError};
    use veil_circuits::policy::{PolicyShape, DEFAULT_POLICY_DEPTH};
    use veil_verifier_contract::policy::{
        describe_revert, desk, Desk, DeskError, PolicyArtifacts, VeilPolicyAccount, LIQUIDATOR, TRADER, TREASURY, USDC,
    };
    let shape = PolicyShape { max_depth: a.depth, k_max: a.k_max, policy_depth: DEFAULT_POLICY_DEPTH };
    println!(
        "veil demo --scenario desk: a trading desk's account under a hidden signing policy, on an in-memory chain \
         (revm, Cancun, chain id {CHAIN_ID}); nothing is written to disk.\n"
    );
    let ((key, artifacts), took) = timed(&format!("development setup of Policy ({shape})"), || {
        let key = veil_prover::setup_policy(shape, rng)?;
        let artifacts = PolicyArtifacts::compile(solc, &key)?;
        Ok((key, artifacts))
    })?;
    println!("1. A development setup of the Policy statement ({shape}) and the contracts: {}.", secs(took));
    let mut d = Desk::deploy(Chain::new(CHAIN_ID, START), &artifacts, key, U256::from(10 * ETHER), Entropy::Os, rng)?;
    let (token, margin, pool, account) = (d.token, d.margin, d.pool, d.account);
    println!(
        "2. Five keys from OS entropy: treasury 1-3, a trader, a liquidator. The policy (secrets from OS entropy):"
    );
    println!("   - treasury-any:    2 of 3 treasury keys, any call to any contract but the account, after 48 h");
    println!("   - margin-deposit:  the trader, deposit(amount) on the margin contract, amount <= 50,000 USDC, no ETH");
    println!("   - margin-withdraw: the trader, withdraw(amount), the same limit");
    println!("   - liquidate:       the liquidator, liquidate(borrower, amount) on the pool");
    println!("   - admin:           3 of 3 treasury keys, setAuthRoot on the account itself, after 48 h");
    println!("   Deployed MockUSDC {token}, MockMargin {margin}, MockPool {pool}, PolicyVerifier {}.", d.verifier);
    println!(
        "   VeilPolicyAccount {account} holds 10 ETH, 1,000,000 USDC and one number: authRoot {:#x}.\n",
        word(d.compiled.auth_root())
    );
    let usdc = |units: u64| U256::from(units) * U256::from(USDC);
    let show = |u: U256| format!("{} USDC", u / U256::from(USDC));
    let prove = |d: &Desk, intent: &Intent, lead: u64, signers: &[usize], what: &str, rng: &mut rand::rngs::OsRng| {
        timed(what, || Ok(d.prove(intent, lead, signers, rng)?))
    };
    let refused = |r: Result<veil_prover::Proof, DeskError>| -> anyhow::Result<String> {
        match r {
            Err(DeskError::Witness(PolicyWitnessError::NoRule(no))) => Ok(no
                .to_string()
                .lines()
                .filter(|l| l.contains("admits the call but") || l.contains("amount") && l.contains('>'))
                .collect::<Vec<_>>()
                .join("; ")),
            Err(e) => Err(e.into()),
            Ok(_) => anyhow::bail!("a proof for a call no rule admits"),
        }
    };
    let h48 = 48 * 3_600;

    // The treasury's 48 h approval.
    let now = d.chain.timestamp();
    let data = desk::MockUSDC::approveCall { spender: margin, amount: U256::MAX }.abi_encode();
    let approve = d.intent(token, U256::ZERO, data, now + h48)?;
    println!("3. The treasury lets the margin contract pull the account's USDC (approve), valid 48 h from now.");
    println!("   One treasury key signs: {}", refused(d.prove(&approve, h48, &TREASURY[..1], rng))?);
    let (proof, took) = prove(&d, &approve, h48, &TREASURY[1..], "treasury 2 and 3 sign; proving", rng)?;
    println!("   Treasury 2 and 3 sign; one Policy proof with a 48 h lead: {}.", secs(took));
    let out = d.execute(&approve, h48, &proof)?;
    println!("   execute(intent, 48h, proof): {} (queued)", outcome(&out));
    anyhow::ensure!(out.success, "the honest execution failed");
    let early = d.execute_queued(&approve)?;
    println!("   executeQueued at once: {}", refusal(&early, describe_revert));
    d.chain.set_timestamp(now + h48);
    let out = d.execute_queued(&approve)?;
    println!("   48 h later, executeQueued (anyone may call it): {}\n", outcome(&out));
    anyhow::ensure!(out.success, "the queued execution failed");

    // The trader.
    let deposit = |d: &mut Desk, units: u64| {
        d.intent(margin, U256::ZERO, desk::MockMargin::depositCall { amount: usdc(units) }.abi_encode(), 0)
    };
    let dep = deposit(&mut d, 40_000)?;
    let (proof, took) = prove(&d, &dep, 0, &[TRADER], "the trader signs; proving", rng)?;
    let out = d.execute(&dep, 0, &proof)?;
    println!("4. The trader deposits 40,000 USDC as margin: proof {}, execute: {}", secs(took), outcome(&out));
    anyhow::ensure!(out.success, "the deposit failed");
    let data = desk::MockMargin::withdrawCall { amount: usdc(15_000) }.abi_encode();
    let wd = d.intent(margin, U256::ZERO, data, 0)?;
    let (wd_proof, _) = prove(&d, &wd, 0, &[TRADER], "the trader signs; proving", rng)?;
    let out = d.execute(&wd, 0, &wd_proof)?;
    println!("   and withdraws 15,000: {}", outcome(&out));
    anyhow::ensure!(out.success, "the withdrawal failed");
    let collateral = d.read(margin, &desk::MockMargin::collateralCall(account))?;
    println!("   margin held: {}; the account: {}", show(collateral), show(d.token_balance(account)?));
    let over = deposit(&mut d, 60_000)?;
    println!("   60,000 in one deposit: the prover refuses: {}", refused(d.prove(&over, 0, &[TRADER], rng))?);
    let out = d.execute(&over, 0, &proof)?;
    println!("   the 40,000 proof submitted for the 60,000 intent: {}\n", refusal(&out, describe_revert));
    anyhow::ensure!(!out.success, "the forged deposit was accepted");

    // The liquidator.
    let data =
        desk::MockPool::liquidateCall { borrower: Address::repeat_byte(0xb0), repayAmount: usdc(25_000) }.abi_encode();
    let liq = d.intent(pool, U256::ZERO, data, 0)?;
    let (proof, took) = prove(&d, &liq, 0, &[LIQUIDATOR], "the liquidator signs; proving", rng)?;
    let out = d.execute(&liq, 0, &proof)?;
    println!("5. The liquidator liquidates a borrower on the pool: proof {}, execute: {}", secs(took), outcome(&out));
    anyhow::ensure!(out.success, "the liquidation failed");
    let dep = deposit(&mut d, 1_000)?;
    println!("   The liquidator's key for a deposit: {}\n", refused(d.prove(&dep, 0, &[LIQUIDATOR], rng))?);

    // The policy change: the same desk without withdrawals.
    let text = d.policy_text.clone();
    let start = text.find("[[rule]]\nname = \"margin-withdraw\"").expect("the desk has margin-withdraw");
    let end = start + 1 + text[start + 1..].find("[[rule]]").expect("a rule follows");
    let updated = format!("{}{}", &text[..start], &text[end..]);
    let file = check_str(&updated, Format::Toml).file.expect("the updated desk parses");
    let new = CompiledPolicy::compile(&file, Entropy::Os)?;
    let now = d.chain.timestamp();
    let data = VeilPolicyAccount::setAuthRootCall { newRoot: word(new.auth_root()) }.abi_encode();
    let admin = d.intent(account, U256::ZERO, data, now + h48)?;
    println!("6. The treasury removes margin-withdraw: setAuthRoot(new root) on the account, 48 h.");
    println!("   Two treasury keys: {}", refused(d.prove(&admin, h48, &TREASURY[..2], rng))?);
    let (proof, took) = prove(&d, &admin, h48, &TREASURY, "3 of 3 treasury keys sign; proving", rng)?;
    let out = d.execute(&admin, h48, &proof)?;
    anyhow::ensure!(out.success, "the policy change was refused: {}", describe_revert(&out.output));
    d.chain.set_timestamp(now + h48);
    let out = d.execute_queued(&admin)?;
    anyhow::ensure!(out.success, "the queued policy change failed");
    println!(
        "   3 of 3 sign: proof {}, queued, executed 48 h later: authRoot is now {:#x}.",
        secs(took),
        word(new.auth_root())
    );
    let mut wd = wd;
    wd.nonce = d.nonce()?;
    let (old, _) = prove(&d, &wd, 0, &[TRADER], "a proof under the old policy", rng)?;
    let out = d.execute(&wd, 0, &old)?;
    println!("   A withdrawal proven under the old policy: {}", refusal(&out, describe_revert));
    anyhow::ensure!(!out.success, "a proof under the old root was accepted");
    d.compiled = new;
    println!(
        "   Under the new one the prover finds no rule: {}\n",
        refused(d.prove(&wd, 0, &[TRADER], rng)).map(|s| if s.is_empty() {
            "no rule admits this call".to_owned()
        } else {
            s
        })?
    );

    println!("What the chain saw: one root (and its change), the calls it executed (target, function, value, amount:");
    println!("public in any case), each proof's lead (0 or 48 h), and six public inputs per proof.");
    println!("What it did not see: the rules, the roles, who holds them, the thresholds (2 of 3, 1 of 1, 3 of 3),");
    println!("which rule admitted a call, or which keys signed.");
    Ok(OK)
}

/// A refused outcome in words.
fn refusal(out: &Outcome, describe: fn(&[u8]) -> String) -> String {
    if out.success {
        "accepted".to_owned()
    } else {
        format!("refused: {}", describe(&out.output))
    }
}
