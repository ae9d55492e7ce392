//! `VeilPolicyAccount` in the in-memory EVM with real Policy proofs, on the derivatives desk
//! (its mocks and policy, `veil_verifier_contract::policy`): each rule executes; each excess
//! is refused by the prover (no rule fits) and, when a proof made for an allowed call is
//! replayed against it, by the chain with its error; every entry point's refusals; and the
//! account's derivation of the public inputs against its native twin on random calls.
//!
//! A small shape (grant depth 4, three slots, eight rule slots) keeps setup quick; the
//! statement and the contract are the same at every size (`veil demo --scenario desk`
//! runs the full-size desk).
use std::sync::OnceLock;

use crate::common::{ok, reverts};

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{
    intent::Intent,
    policy::{check_str, desk_example, CompiledPolicy, Entropy, Format, PolicyWitnessError},
};
use veil_circuits::policy::{CallFacts, PolicyShape};
use veil_prover::ProverKey;
use veil_verifier_contract::{
    evm::Chain,
    policy::{
        desk, sol_intent, Desk, DeskError, PolicyArtifacts, VeilPolicyAccount, LIQUIDATOR, TRADER, TREASURY, USDC,
    },
    scenario::word,
    solc::Solc,
};

const SHAPE: PolicyShape = PolicyShape { max_depth: 4, k_max: 3, policy_depth: 3 };
const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;
const H48: u64 = 48 * 3600;

mod sol {
    alloy_sol_types::sol! {
        function approve(address spender, uint256 amount);
        function deposit(uint256 amount);
        function withdraw(uint256 amount);
        function liquidate(address borrower, uint256 repayAmount);
        function setAuthRoot(uint256 newRoot);
        function cancel(bytes32 digest);
    }
}

struct Fixture {
    key: ProverKey,
    artifacts: PolicyArtifacts,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let key = veil_prover::setup_policy(SHAPE, &mut ChaCha20Rng::seed_from_u64(0xde5c)).unwrap();
        let artifacts = PolicyArtifacts::compile(&solc, &key).unwrap();
        Fixture { key, artifacts }
    })
}

/// A fresh desk: the account holds 10 ether and 1,000,000 tokens.
fn desk(seed: u64) -> Desk {
    let fx = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Desk::deploy(
        Chain::new(CHAIN_ID, NOW),
        &fx.artifacts,
        fx.key.clone(),
        U256::from(10 * ETHER),
        Entropy::InsecureSeed(seed),
        &mut rng,
    )
    .unwrap()
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_entropy()
}

/// The prover refuses: no rule admits the intent with these signers.
#[track_caller]
fn no_rule(d: &Desk, intent: &Intent, lead: u64, signers: &[usize], why: &str) {
    match d.prove(intent, lead, signers, &mut rng()) {
        Err(DeskError::Witness(PolicyWitnessError::NoRule(no))) => {
            assert!(no.to_string().contains(why), "expected {why:?} in:\n{no}");
        }
        Err(e) => panic!("expected no rule, got {e}"),
        Ok(_) => panic!("a proof for an intent no rule admits"),
    }
}

fn usdc(units: u64) -> U256 {
    U256::from(units) * U256::from(USDC)
}

fn deposit(d: &mut Desk, units: u64) -> Intent {
    let margin = d.margin;
    d.intent(margin, U256::ZERO, sol::depositCall { amount: usdc(units) }.abi_encode(), 0).unwrap()
}

/// The treasury lets the margin contract pull the account's tokens: 2 of 3 treasury keys,
/// the 48 h lead, queued, then executed by anyone.
fn approve_margin(d: &mut Desk) {
    let (token, margin) = (d.token, d.margin);
    let now = d.chain.timestamp();
    let data = sol::approveCall { spender: margin, amount: U256::MAX }.abi_encode();
    let intent = d.intent(token, U256::ZERO, data, now + H48).unwrap();
    let proof = d.prove(&intent, H48, &TREASURY[..2], &mut rng()).unwrap();
    ok(&d.execute(&intent, H48, &proof).unwrap());
    d.chain.set_timestamp(now + H48);
    ok(&d.execute_queued(&intent).unwrap());
}

fn account_read<C: SolCall>(d: &mut Desk, call: &C) -> C::Return {
    let account = d.account;
    d.read(account, call).unwrap()
}

#[test]
fn each_rule_of_the_desk_executes() {
    let mut d = desk(1);
    let (token, margin, pool, account) = (d.token, d.margin, d.pool, d.account);

    // treasury-any: 2 of 3, 48 h: queued, not executable before its validAfter.
    let now = d.chain.timestamp();
    let data = sol::approveCall { spender: margin, amount: U256::MAX }.abi_encode();
    let approve = d.intent(token, U256::ZERO, data, now + H48).unwrap();
    let proof = d.prove(&approve, H48, &[TREASURY[2], TREASURY[0]], &mut rng()).unwrap();
    ok(&d.execute(&approve, H48, &proof).unwrap());
    let digest = account_read(&mut d, &VeilPolicyAccount::intentDigestCall { intent: sol_intent(&approve) });
    assert_eq!(account_read(&mut d, &VeilPolicyAccount::queuedCall { digest }), U256::from(now + H48));
    d.chain.set_timestamp(now + H48 - 1);
    reverts(&d.execute_queued(&approve).unwrap(), "NotYetValid");
    d.chain.set_timestamp(now + H48);
    ok(&d.execute_queued(&approve).unwrap());
    reverts(&d.execute_queued(&approve).unwrap(), "NotQueued");
    let allowance = d.read(token, &desk::MockUSDC::allowanceCall { _0: account, _1: margin }).unwrap();
    assert_eq!(allowance, U256::MAX);

    // margin-deposit and margin-withdraw: the trader alone, at once, up to 50,000.
    let dep = deposit(&mut d, 50_000);
    let proof = d.prove(&dep, 0, &[TRADER], &mut rng()).unwrap();
    ok(&d.execute(&dep, 0, &proof).unwrap());
    assert_eq!(d.read(margin, &desk::MockMargin::collateralCall(account)).unwrap(), usdc(50_000));
    let data = sol::withdrawCall { amount: usdc(20_000) }.abi_encode();
    let wd = d.intent(margin, U256::ZERO, data, 0).unwrap();
    let proof = d.prove(&wd, 0, &[TRADER], &mut rng()).unwrap();
    ok(&d.execute(&wd, 0, &proof).unwrap());
    assert_eq!(d.token_balance(account).unwrap(), usdc(1_000_000 - 30_000));

    // liquidate: the liquidator alone, any amount.
    let data = sol::liquidateCall { borrower: Address::repeat_byte(0xb0), repayAmount: usdc(900_000) }.abi_encode();
    let liq = d.intent(pool, U256::ZERO, data, 0).unwrap();
    let proof = d.prove(&liq, 0, &[LIQUIDATOR], &mut rng()).unwrap();
    ok(&d.execute(&liq, 0, &proof).unwrap());
    assert_eq!(d.read(pool, &desk::MockPool::liquidationsCall {}).unwrap(), U256::from(1));

    // admin: all 3 treasury keys, 48 h, setAuthRoot on the account itself.
    let new_root =
        word(CompiledPolicy::compile(&policy_file(&d, &d.policy_text), Entropy::InsecureSeed(9)).unwrap().auth_root());
    let now = d.chain.timestamp();
    let data = sol::setAuthRootCall { newRoot: new_root }.abi_encode();
    let admin = d.intent(account, U256::ZERO, data, now + H48).unwrap();
    no_rule(&d, &admin, H48, &TREASURY[..2], "admin: admits the call but needs 3 of treasury; 2 of the 2");
    let proof = d.prove(&admin, H48, &TREASURY, &mut rng()).unwrap();
    ok(&d.execute(&admin, H48, &proof).unwrap());
    d.chain.set_timestamp(now + H48);
    ok(&d.execute_queued(&admin).unwrap());
    assert_eq!(account_read(&mut d, &VeilPolicyAccount::authRootCall {}), new_root);
    assert_eq!(account_read(&mut d, &VeilPolicyAccount::authEpochCall {}), U256::from(1));
    assert_eq!(d.nonce().unwrap(), U256::from(5));
}

fn policy_file(_: &Desk, text: &str) -> veil_approver::policy::PolicyFile {
    check_str(text, Format::Toml).file.expect("the desk's text parses")
}

#[test]
fn each_excess_is_refused_by_the_prover_and_by_the_chain() {
    let mut d = desk(2);
    // Another account with the same root and nonce: the intent names this one (the digest
    // differs), so its proof does not verify there.
    let first = deposit(&mut d, 1);
    let first_proof = d.prove(&first, 0, &[TRADER], &mut rng()).unwrap();
    let twin = deploy_twin(&mut d);
    let call = VeilPolicyAccount::executeCall {
        intent: sol_intent(&first),
        lead: 0,
        proof: veil_verifier_contract::harness::proof_words(&first_proof),
    };
    let out = d.chain.call(d.operator, twin, call.abi_encode(), U256::ZERO).unwrap();
    reverts(&out, "ProofInvalid");
    approve_margin(&mut d);
    let (margin, pool, token) = (d.margin, d.pool, d.token);
    // The proof every excess below replays: a deposit of 40,000 by the trader.
    let allowed = deposit(&mut d, 40_000);
    let proof = d.prove(&allowed, 0, &[TRADER], &mut rng()).unwrap();
    let replayed = |d: &mut Desk, excess: &Intent, lead: u64| d.execute(excess, lead, &proof).unwrap();

    // Over the limit.
    let over = deposit(&mut d, 50_001);
    no_rule(&d, &over, 0, &[TRADER], "margin-deposit: amount 50001e6 > 50000e6");
    reverts(&replayed(&mut d, &over, 0), "ProofInvalid");
    // The wrong selector (withdraw is another rule: its own proof is needed).
    let transfer = Intent { data: sol::withdrawCall { amount: usdc(40_000) }.abi_encode().into(), ..allowed.clone() };
    reverts(&replayed(&mut d, &transfer, 0), "ProofInvalid");
    let approve = Intent {
        target: token,
        data: sol::approveCall { spender: Address::repeat_byte(0xee), amount: U256::MAX }.abi_encode().into(),
        ..allowed.clone()
    };
    no_rule(&d, &approve, 0, &[TRADER], "margin-deposit: target");
    // The wrong target: the same call to the pool.
    let elsewhere = Intent { target: pool, ..allowed.clone() };
    no_rule(&d, &elsewhere, 0, &[TRADER], "margin-deposit: target");
    reverts(&replayed(&mut d, &elsewhere, 0), "ProofInvalid");
    // Value sent along.
    let with_value = Intent { value: U256::from(1), ..allowed.clone() };
    no_rule(&d, &with_value, 0, &[TRADER], "margin-deposit: value 1");
    reverts(&replayed(&mut d, &with_value, 0), "ProofInvalid");
    // Too few co-signers: one treasury key for treasury-any; the liquidator for a deposit.
    let now = d.chain.timestamp();
    let pay = d.intent(Address::repeat_byte(0xbb), U256::from(ETHER), Vec::new(), now + H48).unwrap();
    no_rule(&d, &pay, H48, &TREASURY[..1], "treasury-any: admits the call but needs 2 of treasury; 1 of the 1");
    no_rule(&d, &allowed, 0, &[LIQUIDATOR], "margin-deposit: admits the call but needs 1 of trader; 0 of the 1");
    // A short lead: the treasury's proof with lead 48 h claims nothing shorter; a lead the
    // intent's validAfter does not cover is refused before the proof is looked at.
    no_rule(&d, &pay, H48 - 1, &TREASURY[..2], "treasury-any: delay 48h > lead");
    let pay_proof = d.prove(&pay, H48, &TREASURY[..2], &mut rng()).unwrap();
    reverts(&d.execute(&pay, H48 - 1, &pay_proof).unwrap(), "ProofInvalid");
    d.chain.set_timestamp(now + 1);
    reverts(&d.execute(&pay, H48, &pay_proof).unwrap(), "LeadNotCovered");
    d.chain.set_timestamp(now);
    // The allowed one executes once; its replay is refused.
    ok(&replayed(&mut d, &allowed, 0));
    reverts(&replayed(&mut d, &allowed, 0), "NonceMismatch");
    assert_eq!(d.read(margin, &desk::MockMargin::collateralCall(d.account)).unwrap(), usdc(40_000));
}

/// A second account holding `d`'s root.
fn deploy_twin(d: &mut Desk) -> Address {
    let args = alloy_sol_types::SolConstructor::abi_encode(&VeilPolicyAccount::constructorCall {
        verifier_: d.verifier,
        authRoot_: word(d.compiled.auth_root()),
    });
    let operator = d.operator;
    d.chain.deploy(operator, &fixture().artifacts.account.bytecode, &args, U256::ZERO).unwrap()
}

#[test]
fn an_update_voids_the_queue_and_removes_rules_at_once() {
    let mut d = desk(3);
    approve_margin(&mut d);
    let account = d.account;
    // A treasury payment queued under the old policy.
    let now = d.chain.timestamp();
    let pay = d.intent(Address::repeat_byte(0xbb), U256::from(ETHER), Vec::new(), now + 2 * H48 + 10).unwrap();
    let proof = d.prove(&pay, H48, &TREASURY[..2], &mut rng()).unwrap();
    ok(&d.execute(&pay, H48, &proof).unwrap());
    // A withdrawal proven under the old policy, not yet submitted.
    let data = sol::withdrawCall { amount: usdc(1) }.abi_encode();
    let mut withdraw = d.intent(d.margin, U256::ZERO, data, 0).unwrap();

    // The update: the same desk without the margin-withdraw rule.
    let text = d.policy_text.clone();
    let start = text.find("[[rule]]\nname = \"margin-withdraw\"").unwrap();
    let end = start + text[start + 1..].find("[[rule]]").unwrap() + 1;
    let updated = format!("{}{}", &text[..start], &text[end..]);
    let new = CompiledPolicy::compile(&policy_file(&d, &updated), Entropy::InsecureSeed(33)).unwrap();
    let data = sol::setAuthRootCall { newRoot: word(new.auth_root()) }.abi_encode();
    let admin = d.intent(account, U256::ZERO, data, now + H48).unwrap();
    let admin_proof = d.prove(&admin, H48, &TREASURY, &mut rng()).unwrap();
    ok(&d.execute(&admin, H48, &admin_proof).unwrap());
    d.chain.set_timestamp(now + H48);
    ok(&d.execute_queued(&admin).unwrap());

    // The payment queued before the change is void, even after its time.
    d.chain.set_timestamp(now + 2 * H48 + 10);
    reverts(&d.execute_queued(&pay).unwrap(), "QueuedBeforeRootChange");
    // A proof under the old root no longer verifies.
    withdraw.nonce = d.nonce().unwrap();
    let old_proof = d.prove(&withdraw, 0, &[TRADER], &mut rng()).unwrap();
    reverts(&d.execute(&withdraw, 0, &old_proof).unwrap(), "ProofInvalid");
    // Under the new policy the withdrawal has no rule; the deposit still has one.
    d.compiled = new;
    no_rule(&d, &withdraw, 0, &[TRADER], "no rule admits this call");
    let dep = deposit(&mut d, 10);
    let proof = d.prove(&dep, 0, &[TRADER], &mut rng()).unwrap();
    ok(&d.execute(&dep, 0, &proof).unwrap());
}

#[test]
fn every_entry_point_refuses_what_it_must() {
    let mut d = desk(4);
    let account = d.account;
    let now = d.chain.timestamp();
    // execute: 1–3 bytes of data, value ≥ 2^128, lead ≥ 2^40, a stale nonce, expired, not yet
    // valid (lead 0), a lead the validAfter does not cover — each before any proof check.
    let other = deposit(&mut d, 2);
    let dummy = d.prove(&other, 0, &[TRADER], &mut rng()).unwrap();
    let base = deposit(&mut d, 1);
    for len in 1..4 {
        let short = Intent { data: Bytes::from(vec![0xab; len]), ..base.clone() };
        reverts(&d.execute(&short, 0, &dummy).unwrap(), &format!("DataTooShort(DataTooShort {{ length: {len} }})"));
    }
    let rich = Intent { value: U256::from(1) << 128, ..base.clone() };
    reverts(&d.execute(&rich, 0, &dummy).unwrap(), "ValueTooLarge");
    let far = Intent { valid_after: u64::MAX, ..base.clone() };
    reverts(&d.execute(&far, 1 << 40, &dummy).unwrap(), "LeadTooLarge");
    let stale = Intent { nonce: U256::from(9), ..base.clone() };
    reverts(&d.execute(&stale, 0, &dummy).unwrap(), "NonceMismatch");
    let expired = Intent { valid_until: now - 1, ..base.clone() };
    reverts(&d.execute(&expired, 0, &dummy).unwrap(), "Expired");
    let early = Intent { valid_after: now + 1, ..base.clone() };
    reverts(&d.execute(&early, 0, &dummy).unwrap(), "NotYetValid");
    reverts(&d.execute(&early, 2, &dummy).unwrap(), "LeadNotCovered");
    // A proof that does not verify.
    reverts(&d.execute(&base, 0, &dummy).unwrap(), "ProofInvalid");
    // executeQueued: not queued; cancel and setAuthRoot: only through an intent.
    reverts(&d.execute_queued(&base).unwrap(), "NotQueued");
    let cancel = VeilPolicyAccount::cancelCall { digest: [7; 32].into() };
    reverts(&d.chain.call(d.operator, account, cancel.abi_encode(), U256::ZERO).unwrap(), "OnlySelf");
    let set = VeilPolicyAccount::setAuthRootCall { newRoot: U256::from(1) };
    reverts(&d.chain.call(d.operator, account, set.abi_encode(), U256::ZERO).unwrap(), "OnlySelf");
    // A call that fails is reverted whole, nonce included.
    let margin = d.margin;
    let nothing_held = d.intent(margin, U256::ZERO, sol::withdrawCall { amount: usdc(1) }.abi_encode(), 0).unwrap();
    let proof = d.prove(&nothing_held, 0, &[TRADER], &mut rng()).unwrap();
    reverts(&d.execute(&nothing_held, 0, &proof).unwrap(), "CallFailed(InsufficientCollateral");
    assert_eq!(d.nonce().unwrap(), U256::ZERO);
    // Nothing moved, the account still holds its funds.
    assert_eq!(d.chain.balance(account), U256::from(10 * ETHER));
}

#[test]
fn the_desk_policy_is_the_fixture_with_real_addresses() {
    let d = desk(5);
    let text = desk_example(CHAIN_ID, [d.account, d.margin, d.pool], SHAPE, [&[], &[], &[]]);
    // Same rules as approver/src/policy/desk.toml, other addresses and shape.
    let names: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("name = ")).collect();
    assert_eq!(names, ["\"treasury-any\"", "\"margin-deposit\"", "\"margin-withdraw\"", "\"liquidate\"", "\"admin\""]);
    assert!(d.policy_text.contains(&format!("account = \"0x{}\"", hex::encode(d.account))));
    assert_eq!(d.compiled.shape(), SHAPE);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The account's public inputs are the native twin's (`CallFacts::new`) for any call:
    /// targets including the account itself, data of every length around the words,
    /// words at and above CLAMP, values and leads up to the limits.
    #[test]
    fn the_account_derives_the_public_inputs_as_the_twin(
        to_self in any::<bool>(),
        target in any::<[u8; 20]>(),
        value in any::<u128>(),
        len in prop_oneof![Just(0usize), 4..80usize, Just(36usize), Just(68usize)],
        fill in any::<u8>(),
        high in any::<bool>(),
        lead in prop_oneof![Just(0u64), 0..(1u64 << 40)],
    ) {
        TWIN.with(|d| -> Result<(), TestCaseError> {
        let mut d = d.borrow_mut();
        let account = d.account;
        let target = if to_self { account } else { Address::from(target) };
        let mut data = vec![fill; len];
        if high && len >= 36 {
            data[4..36].fill(0xff); // word 0 at or above CLAMP
        }
        let intent = Intent {
            chain_id: CHAIN_ID, account, target, value: U256::from(value), data: data.clone().into(),
            nonce: U256::ZERO, valid_after: 0, valid_until: 0,
        };
        let got = d.read(account, &VeilPolicyAccount::publicInputsCall { intent: sol_intent(&intent), lead }).unwrap();
        let facts = CallFacts::new(target.into_array(), account.into_array(), value, &data, lead).unwrap();
        let want = [
            word(d.compiled.auth_root()), word(intent.field_element()), word(facts.call), word(facts.value),
            word(facts.args[0]), word(facts.args[1]),
        ];
        prop_assert_eq!(got, want);
        Ok(())
        })?;
    }
}

thread_local! {
    /// One desk for the property test's view calls (the EVM is not `Send`).
    static TWIN: std::cell::RefCell<Desk> = std::cell::RefCell::new(desk(6));
}

#[test]
fn gas_of_the_policy_entry_points_near_the_floor_and_below_snarkjs() {
    let fx = fixture();
    let solc = Solc::locate().unwrap();
    let rows = veil_verifier_contract::gas::measure_policy(&solc, &fx.artifacts, &fx.key, &mut rng()).unwrap();
    println!("{}", veil_verifier_contract::gas::markdown(&rows));
    let verifier = rows.iter().find(|r| r.entry == "PolicyVerifier.verifyProof").unwrap();
    let (floor, snarkjs) = (verifier.floor.unwrap(), verifier.snarkjs.unwrap());
    assert_eq!(floor, 217_900);
    // On top of the precompiles: 2n + 1 warm STATICCALLs (100 each), the field and curve
    // checks and the pairing input (README: Gas), as for the other verifiers.
    let overhead = 100 * (2 * 6 + 1) + 1_700;
    assert!(verifier.execution_gas <= floor + overhead, "{} > {floor} + {overhead}", verifier.execution_gas);
    assert!(verifier.execution_gas < snarkjs, "veil {} vs snarkjs {snarkjs}", verifier.execution_gas);
    let execute = rows.iter().find(|r| r.entry == "VeilPolicyAccount.execute").unwrap();
    // The account adds the intent's hashing, the derivation, the nonce and the call (whose
    // transferFrom and collateral writes create three storage slots, 20,000 gas each).
    assert!(execute.execution_gas > verifier.execution_gas && execute.execution_gas < verifier.execution_gas + 120_000);
    assert_eq!(rows.len(), 4);
}

/// A target that calls back into the account while it is paid (treasury-any, any target: the
/// queued payment's own `executeQueued`) is refused by the guard: the call fails, the whole
/// execution reverts, nothing is paid, and the intent stays queued.
#[test]
fn a_reentrant_target_is_refused() {
    let solc = Solc::locate().unwrap();
    let reenter_code = solc
        .compile(&[("Targets.sol", include_str!("../verifier-contract/contracts/test/Targets.sol"))])
        .unwrap()
        .remove("Reenter")
        .unwrap()
        .bytecode;
    let mut d = desk(21);
    let account = d.account;
    let reenter = d.chain.deploy(Address::repeat_byte(0x0e), &reenter_code, &[], U256::ZERO).unwrap();
    let now = d.chain.timestamp();
    let pay = d.intent(reenter, U256::from(ETHER), Vec::new(), now + H48).unwrap();
    let proof = d.prove(&pay, H48, &TREASURY[..2], &mut rng()).unwrap();
    ok(&d.execute(&pay, H48, &proof).unwrap());
    let again = VeilPolicyAccount::executeQueuedCall { intent: sol_intent(&pay) }.abi_encode();
    alloy_sol_types::sol! { function arm(address account, bytes payload) external; }
    let arm = armCall { account, payload: again.into() }.abi_encode();
    ok(&d.chain.call(Address::repeat_byte(0x0e), reenter, arm, U256::ZERO).unwrap());
    d.chain.set_timestamp(now + H48);
    reverts(&d.execute_queued(&pay).unwrap(), "CallFailed(Reentrancy");
    assert_eq!(d.chain.balance(reenter), U256::ZERO);
    let digest = account_read(&mut d, &VeilPolicyAccount::intentDigestCall { intent: sol_intent(&pay) });
    assert_eq!(account_read(&mut d, &VeilPolicyAccount::queuedCall { digest }), U256::from(now + H48));
}
