//! `VeilPolicyAccount` under random sequences (revm, real Policy proofs, the derivatives
//! desk): proptest drives one account through the desk's calls (deposits and withdrawals
//! around the limit, liquidations, the treasury's approvals and payments, policy changes
//! between the desk and the desk without withdrawals), signed by the right role, another
//! role or too few keys, with a lead or without, honest or mutated (a replayed proof, a
//! value changed after proving, another lead than proven), with time jumps and executions of
//! queued intents. Whatever the sequence, the chain must show:
//!
//! - the nonce only grows, by one exactly when an intent is authorized;
//! - an intent is authorized only on a proof made for exactly it, its lead and the auth root
//!   of that moment, by signers a rule of the policy of that moment admits (the prover's
//!   witness: the native twin of the statement), and executes at most once;
//! - nothing queued executes before its eta, or after a policy change;
//! - tokens and ETH are conserved: the account, the margin contract and the payees hold what
//!   the account was funded with;
//! - the auth root changes only by an executed `setAuthRoot` intent.
//!
//! Proofs are pooled across cases (each case deploys the same desk at the same addresses).
//! Mutants of the contract it caught while written: `executeQueued` without the epoch check
//! (a payment queued before a policy change ran after it), and `execute` without the nonce
//! increment.
use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, OnceLock},
};

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolEventInterface};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{
    intent::Intent,
    policy::{check_str, CompiledPolicy, Entropy, Format},
};
use veil_circuits::policy::PolicyShape;
use veil_prover::{Proof, ProverKey};
use veil_verifier_contract::{
    evm::{Chain, Outcome},
    policy::{
        desk, Desk, PolicyArtifacts,
        VeilPolicyAccount::{self, VeilPolicyAccountEvents},
        LIQUIDATOR, TRADER, TREASURY, USDC,
    },
    scenario::word,
    solc::Solc,
};

const SHAPE: PolicyShape = PolicyShape { max_depth: 4, k_max: 3, policy_depth: 3 };
const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;
const FUNDS: u64 = 2 * ETHER;
const H48: u64 = 48 * 3_600;
const CASES: u32 = 16;
const STEPS: std::ops::RangeInclusive<usize> = 10..=20;

/// A pooled proof's key: (the intent's signing hash, lead, signers, auth root); `None`
/// when no rule admits it.
type Pool = HashMap<(B256, u64, Vec<usize>, U256), Option<Proof>>;

struct Fixture {
    key: ProverKey,
    artifacts: PolicyArtifacts,
    /// The desk without its margin-withdraw rule (what `SetRoot(B)` installs).
    without_withdraw: CompiledPolicy,
    pool: Mutex<Pool>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let key = veil_prover::setup_policy(SHAPE, &mut ChaCha20Rng::seed_from_u64(0x1a8)).unwrap();
        let artifacts = PolicyArtifacts::compile(&solc, &key).unwrap();
        let d = fresh(&key, &artifacts);
        let text = &d.policy_text;
        let start = text.find("[[rule]]\nname = \"margin-withdraw\"").unwrap();
        let end = start + 1 + text[start + 1..].find("[[rule]]").unwrap();
        let file = check_str(&format!("{}{}", &text[..start], &text[end..]), Format::Toml).file.unwrap();
        let without_withdraw = CompiledPolicy::compile(&file, Entropy::InsecureSeed(0xb)).unwrap();
        Fixture { key, artifacts, without_withdraw, pool: Mutex::new(HashMap::new()) }
    })
}

/// The same desk every time: members, policy secrets and addresses from fixed seeds.
fn fresh(key: &ProverKey, artifacts: &PolicyArtifacts) -> Desk {
    let mut rng = ChaCha20Rng::seed_from_u64(0xa);
    Desk::deploy(
        Chain::new(CHAIN_ID, NOW),
        artifacts,
        key.clone(),
        U256::from(FUNDS),
        Entropy::InsecureSeed(0xa),
        &mut rng,
    )
    .unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Deposit(u64),
    Withdraw(u64),
    Liquidate,
    ApproveMargin,
    Pay,
    /// Install the desk (false) or the desk without withdrawals (true).
    SetRoot(bool),
}

#[derive(Clone, Copy, Debug)]
enum Signers {
    /// The role the action's rule names, as many as it needs.
    Right,
    /// A key of another role.
    Other,
    /// One fewer than needed (or none).
    TooFew,
}

#[derive(Clone, Copy, Debug)]
enum Mutation {
    None,
    /// Submit the last proof submitted before, on this intent.
    Replay,
    /// Add 1 to the value after proving.
    Value,
    /// Submit with the other lead than proven.
    Lead,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Act {
        action: Action,
        signers: Signers,
        lead: bool,
        mutation: Mutation,
    },
    Jump(u64),
    /// Execute the n-th intent queued so far (mod their number).
    ExecuteQueued(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let action = prop_oneof![
        3 => prop::sample::select(vec![1u64, 40_000, 50_000, 50_001]).prop_map(Action::Deposit),
        2 => prop::sample::select(vec![1u64, 20_000, 60_000]).prop_map(Action::Withdraw),
        1 => Just(Action::Liquidate),
        2 => Just(Action::ApproveMargin),
        1 => Just(Action::Pay),
        2 => any::<bool>().prop_map(Action::SetRoot),
    ];
    let signers = prop_oneof![6 => Just(Signers::Right), 1 => Just(Signers::Other), 1 => Just(Signers::TooFew)];
    let mutation = prop_oneof![
        6 => Just(Mutation::None),
        1 => Just(Mutation::Replay),
        1 => Just(Mutation::Value),
        1 => Just(Mutation::Lead)
    ];
    prop_oneof![
        6 => (action, signers, any::<bool>(), mutation)
            .prop_map(|(action, signers, lead, mutation)| Step::Act { action, signers, lead, mutation }),
        2 => prop::sample::select(vec![3_600u64, H48 + 60, H48 + 60]).prop_map(Step::Jump),
        3 => any::<usize>().prop_map(Step::ExecuteQueued),
    ]
}

/// The intent and lead of an action at this moment.
fn intent_of(d: &mut Desk, action: Action, lead: bool, now: u64, roots: &[U256; 2]) -> (Intent, u64) {
    let (token, margin, pool, account) = (d.token, d.margin, d.pool, d.account);
    let usdc = |u: u64| U256::from(u) * U256::from(USDC);
    let (target, value, data) = match action {
        Action::Deposit(u) => (margin, U256::ZERO, desk::MockMargin::depositCall { amount: usdc(u) }.abi_encode()),
        Action::Withdraw(u) => (margin, U256::ZERO, desk::MockMargin::withdrawCall { amount: usdc(u) }.abi_encode()),
        Action::Liquidate => (
            pool,
            U256::ZERO,
            desk::MockPool::liquidateCall { borrower: Address::repeat_byte(0xb0), repayAmount: usdc(5) }.abi_encode(),
        ),
        Action::ApproveMargin => {
            (token, U256::ZERO, desk::MockUSDC::approveCall { spender: margin, amount: U256::MAX }.abi_encode())
        }
        Action::Pay => (Address::repeat_byte(0xbb), U256::from(ETHER), Vec::new()),
        Action::SetRoot(b) => {
            (account, U256::ZERO, VeilPolicyAccount::setAuthRootCall { newRoot: roots[usize::from(b)] }.abi_encode())
        }
    };
    // The treasury's and the admin's rules need 48 h; the others take a lead if asked.
    let needs_lead = matches!(action, Action::ApproveMargin | Action::Pay | Action::SetRoot(_));
    let lead = if needs_lead || lead { H48 } else { 0 };
    let valid_after = if lead > 0 { now + lead } else { 0 };
    (d.intent(target, value, data, valid_after).unwrap(), lead)
}

/// The signers of a step: member indices.
fn signers_of(action: Action, pick: Signers) -> Vec<usize> {
    let right: Vec<usize> = match action {
        Action::Deposit(_) | Action::Withdraw(_) => vec![TRADER],
        Action::Liquidate => vec![LIQUIDATOR],
        Action::ApproveMargin | Action::Pay => TREASURY[..2].to_vec(),
        Action::SetRoot(_) => TREASURY.to_vec(),
    };
    match pick {
        Signers::Right => right,
        Signers::Other => vec![if right.contains(&TRADER) { LIQUIDATOR } else { TRADER }],
        Signers::TooFew => right[..right.len() - 1].to_vec(),
    }
}

/// A proof for (intent, lead) by `signers` under `compiled`, or None when no rule admits it
/// (the prover's refusal), pooled.
fn prove(d: &Desk, compiled: &CompiledPolicy, intent: &Intent, lead: u64, signers: &[usize]) -> Option<Proof> {
    let fx = fixture();
    let key = (intent.signing_hash(), lead, signers.to_vec(), word(compiled.auth_root()));
    if let Some(hit) = fx.pool.lock().unwrap().get(&key) {
        return hit.clone();
    }
    let signed: Vec<_> =
        signers.iter().map(|&i| veil_approver::signature::SignedIntent::sign_with(&d.members[i], intent)).collect();
    let made = veil_approver::policy::witness(compiled, intent, &signed, lead, SHAPE)
        .ok()
        .map(|w| d.key.prove(w.circuit, &mut ChaCha20Rng::seed_from_u64(lead ^ intent.nonce.to::<u64>())).unwrap());
    fx.pool.lock().unwrap().insert(key, made.clone());
    made
}

fn events(out: &Outcome) -> Vec<VeilPolicyAccountEvents> {
    out.logs.iter().filter_map(|l| VeilPolicyAccountEvents::decode_log(l).ok().map(|e| e.data)).collect()
}

fn run(steps: &[Step]) -> Result<(), String> {
    let fx = fixture();
    let mut d = fresh(&fx.key, &fx.artifacts);
    let (account, margin) = (d.account, d.margin);
    let desk_policy = d.compiled.clone();
    let roots = [word(desk_policy.auth_root()), word(fx.without_withdraw.auth_root())];
    let mut now = NOW;
    let mut last: Option<(Proof, B256, u64, U256)> = None;
    // digest → (intent, eta, epoch) for every intent queued; digests executed; epoch.
    let mut queued: Vec<(Intent, B256, u64, u64)> = Vec::new();
    let mut executed: HashSet<B256> = HashSet::new();
    let mut epoch = 0u64;
    let total_usdc = U256::from(1_000_000u64) * U256::from(USDC);
    for (n, step) in steps.iter().enumerate() {
        let nonce_before = d.nonce().unwrap();
        let root_before = d.read(account, &VeilPolicyAccount::authRootCall {}).unwrap();
        let compiled = if root_before == roots[0] { desk_policy.clone() } else { fx.without_withdraw.clone() };
        let (out, honest) = match *step {
            Step::Jump(s) => {
                now += s;
                d.chain.set_timestamp(now);
                continue;
            }
            Step::ExecuteQueued(i) => {
                // Among the queued intents not executed yet (the others only revert NotQueued).
                let open: Vec<_> = queued.iter().filter(|q| !executed.contains(&q.1)).cloned().collect();
                if open.is_empty() {
                    continue;
                }
                let (intent, digest, eta, q_epoch) = open[i % open.len()].clone();
                let out = d.execute_queued(&intent).unwrap();
                if out.success {
                    if now < eta {
                        return Err(format!("step {n}: {digest} executed before its eta {eta} (now {now})"));
                    }
                    if q_epoch != epoch {
                        return Err(format!("step {n}: {digest} queued in epoch {q_epoch} executed in epoch {epoch}"));
                    }
                }
                (out, None)
            }
            Step::Act { action, signers, lead, mutation } => {
                let (intent, lead) = intent_of(&mut d, action, lead, now, &roots);
                let who = signers_of(action, signers);
                // A proof and what it was made for: (intent, lead, root).
                let made =
                    prove(&d, &compiled, &intent, lead, &who).map(|p| (p, intent.signing_hash(), lead, root_before));
                let (proof, sent, sent_lead) = match (made, mutation) {
                    (Some(p), Mutation::None) => (p, intent.clone(), lead),
                    (Some(p), Mutation::Value) => {
                        (p, Intent { value: intent.value + U256::from(1), ..intent.clone() }, lead)
                    }
                    (Some(p), Mutation::Lead) => (p, intent.clone(), if lead == 0 { H48 } else { 0 }),
                    // No rule admits it (or a replay is asked): the last proof sent, on this intent.
                    _ => match last.clone() {
                        Some(p) => (p, intent.clone(), lead),
                        None => continue,
                    },
                };
                let out = d.execute(&sent, sent_lead, &proof.0).unwrap();
                let honest = (proof.1, proof.2, proof.3) == (sent.signing_hash(), sent_lead, root_before);
                last = Some(proof);
                (out, Some((sent, sent_lead, honest)))
            }
        };
        // What the chain shows, whatever the model.
        let nonce_after = d.nonce().unwrap();
        let evs = events(&out);
        let authorized = evs.iter().filter(|e| matches!(e, VeilPolicyAccountEvents::Authorized(_))).count() as u64;
        if nonce_after != nonce_before + U256::from(authorized) || authorized > 1 {
            return Err(format!("step {n}: nonce {nonce_before} → {nonce_after} with {authorized} authorizations"));
        }
        if authorized == 1 {
            if !matches!(honest, Some((_, _, true))) {
                return Err(format!(
                    "step {n}: authorized without a proof made for this intent, lead and root: {step:?}"
                ));
            }
            AUTHORIZED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for e in &evs {
            match e {
                VeilPolicyAccountEvents::Executed(x) if !executed.insert(x.digest) => {
                    return Err(format!("step {n}: {} executed twice", x.digest));
                }
                VeilPolicyAccountEvents::Queued(q) => {
                    let (intent, _, _) = honest.clone().expect("only execute queues");
                    queued.push((intent, q.digest, q.eta.to::<u64>(), q.epoch.to::<u64>()));
                }
                VeilPolicyAccountEvents::AuthRootChanged(r) => epoch = r.epoch.to::<u64>(),
                _ => {}
            }
        }
        let root_after = d.read(account, &VeilPolicyAccount::authRootCall {}).unwrap();
        let installed = evs.iter().rev().find_map(|e| match e {
            VeilPolicyAccountEvents::AuthRootChanged(r) => Some(r.authRoot),
            _ => None,
        });
        if root_after != installed.unwrap_or(root_before) {
            return Err(format!("step {n}: the root is {root_after}, not what setAuthRoot installed ({installed:?})"));
        }
        // Conservation.
        let held = d.token_balance(account).unwrap() + d.token_balance(margin).unwrap();
        if held != total_usdc {
            return Err(format!("step {n}: the account and the margin contract hold {held}, not {total_usdc}"));
        }
        let eth = d.chain.balance(account) + d.chain.balance(Address::repeat_byte(0xbb));
        if eth != U256::from(FUNDS) {
            return Err(format!("step {n}: {eth} wei between the account and its payee, not {FUNDS}"));
        }
        tally(step, &out);
    }
    Ok(())
}

static TALLY: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
static AUTHORIZED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn tally(step: &Step, out: &Outcome) {
    let what = match step {
        Step::Act { action, mutation, .. } => {
            let action = format!("{action:?}");
            format!("{} {mutation:?}", action.split('(').next().unwrap_or_default())
        }
        Step::ExecuteQueued(_) => "executeQueued".into(),
        Step::Jump(_) => return,
    };
    let what = what + if out.success { ": ok" } else { ": reverted" };
    let mut t = TALLY.lock().unwrap();
    match t.iter_mut().find(|(w, _)| *w == what) {
        Some((_, n)) => *n += 1,
        None => t.push((what, 1)),
    }
}

#[test]
fn policy_account_keeps_its_invariants_under_random_sequences() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    let config =
        ProptestConfig { cases, max_shrink_iters: 256, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(step(), STEPS), |steps| run(&steps).map_err(TestCaseError::fail));
    let tally = TALLY.lock().unwrap();
    println!("{cases} sequences, {} proofs pooled", fixture().pool.lock().unwrap().len());
    for (what, n) in tally.iter() {
        println!("  {what}: {n}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    // Not vacuous: some intents were authorized, and mutated proofs were refused.
    assert!(AUTHORIZED.load(std::sync::atomic::Ordering::Relaxed) > 0, "no intent was ever authorized");
    assert!(
        tally.iter().any(|(w, _)| w.contains("Value: reverted") || w.contains("Lead: reverted")),
        "no mutation ran"
    );
}
