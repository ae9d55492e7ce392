//! The on-chain side in an in-memory EVM (revm), compiled with the pinned solc: the rendered
//! verifiers and `VeilAccount`, with real proofs, against every malicious case of the issue.
//!
//! Small shapes (depth 4, three Threshold slots) keep setup quick; the statements and the
//! contracts are the same at every size.
use std::sync::OnceLock;

use crate::common::{ok, reverts};

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use ark_ff::{BigInteger, PrimeField};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{intent::Intent, set::ApproverSet};
use veil_circuits::{eddsa::PrivateKey, identity, Fr};
use veil_prover::Proof;
use veil_verifier_contract::{
    account::{IApprovalVerifier, IThresholdVerifier, VeilAccount},
    evm::Chain,
    harness::{describe_revert, proof_words, sol_intent, Deployment, VerifierErrors},
    render::{render_verifier, VerifierOptions},
    scenario::{word, Scenario},
    solc::Solc,
};

const DEPTH: usize = 4;
const K_MAX: usize = 3;
const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;

struct Fixture {
    solc: Solc,
    scenario: Scenario,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0xe7);
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let members = (0..5).map(|_| PrivateKey::random(&mut rng)).collect();
        let scenario = Scenario::setup(&solc, DEPTH, K_MAX, members, &mut rng).unwrap();
        Fixture { solc, scenario }
    })
}

fn tree(members: &[&PrivateKey]) -> ApproverSet {
    ApproverSet::from_members(members.iter().map(|k| identity::commitment(&k.public_key()))).unwrap()
}

fn u256(x: Fr) -> U256 {
    word(x)
}

fn r_modulus() -> U256 {
    U256::from_be_slice(&Fr::MODULUS.to_bytes_be())
}

/// A deployment of the fixture's contracts for `set` with `threshold`, funded with 10 ether.
struct Env {
    d: Deployment,
    set: ApproverSet,
}

fn deploy(set: ApproverSet, threshold: u64, delay: u64) -> Env {
    let fx = fixture();
    let root = u256(set.root().unwrap());
    let d = Deployment::new(
        Chain::new(CHAIN_ID, NOW),
        &fx.scenario.artifacts,
        root,
        threshold,
        delay,
        U256::from(10 * ETHER),
    )
    .unwrap();
    assert_eq!(d.account, Deployment::predicted_account(0));
    Env { d, set }
}

fn all_members() -> ApproverSet {
    tree(&fixture().scenario.members.iter().collect::<Vec<_>>())
}

fn pay(env: &Env, to: Address, wei: u64, nonce: u64) -> Intent {
    Intent {
        chain_id: CHAIN_ID,
        account: env.d.account,
        target: to,
        value: U256::from(wei),
        data: Bytes::new(),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    }
}

fn self_call(env: &Env, data: Vec<u8>, nonce: u64) -> Intent {
    Intent { target: env.d.account, data: data.into(), ..pay(env, env.d.account, 0, nonce) }
}

/// A Threshold proof that `signers` (indices into the fixture's members) signed `intent`.
fn threshold_proof(set: &ApproverSet, intent: &Intent, signers: &[usize]) -> Proof {
    fixture().scenario.threshold_proof(set, intent, signers, &mut rand::thread_rng()).unwrap()
}

/// An Approval proof by `member` for `intent` (scope = the intent's field), and its nullifier.
fn approval_proof(set: &ApproverSet, intent: &Intent, member: usize) -> (Proof, U256) {
    fixture().scenario.approval_proof(set, intent, member, &mut rand::thread_rng()).unwrap()
}

fn recipient() -> Address {
    Address::repeat_byte(0xbb)
}

#[test]
fn threshold_proof_executes_a_payment_once() {
    let mut env = deploy(all_members(), 3, 0);
    let intent = pay(&env, recipient(), ETHER, 0);
    assert_eq!(
        u256(intent.field_element()),
        env.d.read(&VeilAccount::intentFieldCall { intent: sol_intent(&intent) }).unwrap()
    );
    let proof = threshold_proof(&env.set, &intent, &[0, 2, 4]);
    let before = env.d.chain.balance(env.d.account);
    let out = env.d.execute(&intent, 3, &proof).unwrap();
    ok(&out);
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
    assert_eq!(env.d.chain.balance(env.d.account), before - U256::from(ETHER));
    assert_eq!(env.d.read(&VeilAccount::nonceCall {}).unwrap(), U256::from(1));
    // Replay: the nonce is spent.
    reverts(&env.d.execute(&intent, 3, &proof).unwrap(), "NonceMismatch");
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
}

#[test]
fn threshold_execution_refuses_bad_proofs_and_inputs() {
    let mut env = deploy(all_members(), 2, 0);
    let intent = pay(&env, recipient(), ETHER, 0);
    let proof = threshold_proof(&env.set, &intent, &[1, 3]);
    // Fewer signers than the threshold, claimed or proven.
    reverts(&env.d.execute(&intent, 1, &proof).unwrap(), "BelowThreshold");
    let lone = threshold_proof(&env.set, &intent, &[1]);
    reverts(&env.d.execute(&intent, 1, &lone).unwrap(), "BelowThreshold");
    reverts(&env.d.execute(&intent, 2, &lone).unwrap(), "ProofInvalid");
    // k = 2 proven, 3 claimed.
    reverts(&env.d.execute(&intent, 3, &proof).unwrap(), "ProofInvalid");
    // A proof for another intent.
    let other = pay(&env, recipient(), 2 * ETHER, 0);
    reverts(&env.d.execute(&other, 2, &proof).unwrap(), "ProofInvalid");
    // A proof under another set (a member outside the account's set).
    let outsider_set =
        tree(&[&fixture().scenario.members[1], &fixture().scenario.members[3], &PrivateKey::from_bytes(b"outsider")]);
    let foreign = threshold_proof(&outsider_set, &intent, &[1, 3]);
    reverts(&env.d.execute(&intent, 2, &foreign).unwrap(), "ProofInvalid");
    // A tampered proof: C replaced by A (a valid point, a wrong proof).
    let mut tampered = proof.clone();
    tampered.c = tampered.a;
    reverts(&env.d.execute(&intent, 2, &tampered).unwrap(), "ProofInvalid");
    // Nothing moved; the honest proof still works.
    assert_eq!(env.d.chain.balance(recipient()), U256::ZERO);
    ok(&env.d.execute(&intent, 2, &proof).unwrap());
}

#[test]
fn verifier_rejects_each_changed_input_and_inputs_plus_r() {
    let env = deploy(all_members(), 3, 0);
    let intent = pay(&env, recipient(), ETHER, 0);
    let proof = threshold_proof(&env.set, &intent, &[0, 1, 2]);
    let mut d = env.d;
    let verifier = d.threshold_verifier;
    let input = [u256(env.set.root().unwrap()), u256(intent.field_element()), U256::from(3)];
    let mut call = |input: [U256; 3], words: [U256; 8]| {
        d.chain
            .call(
                d.operator,
                verifier,
                IThresholdVerifier::verifyProofCall { proof: words, input }.abi_encode(),
                U256::ZERO,
            )
            .unwrap()
    };
    let words = proof_words(&proof);
    let good = call(input, words);
    ok(&good);
    for i in 0..3 {
        let mut changed = input;
        changed[i] += U256::from(1);
        reverts(&call(changed, words), "ProofInvalid");
        let mut plus_r = input;
        plus_r[i] += r_modulus();
        let out = call(plus_r, words);
        reverts(&out, "PublicInputNotInField");
        assert_eq!(
            VerifierErrors::VerifierErrorsErrors::abi_decode(&out.output).unwrap(),
            VerifierErrors::VerifierErrorsErrors::PublicInputNotInField(VerifierErrors::PublicInputNotInField {
                index: U256::from(i)
            })
        );
    }
    // Every proof word + p is out of range; a point off its curve reverts cheaply.
    let p = U256::from_be_slice(&ark_bn254::Fq::MODULUS.to_bytes_be());
    for i in 0..8 {
        let mut w = words;
        w[i] = w[i].wrapping_add(p);
        if w[i] < p {
            continue; // wrapped past 2^256: not a representative
        }
        let out = call(input, w);
        reverts(&out, "ProofCoordinateNotInField");
        assert!(out.execution_gas < 50_000, "word {i}: {} gas", out.execution_gas);
    }
    for (i, point) in [(1, 0u64), (3, 1), (7, 2)] {
        let mut w = words;
        w[i] += U256::from(1);
        let out = call(input, w);
        reverts(&out, &format!("ProofPointNotOnCurve(ProofPointNotOnCurve {{ point: {point} }})"));
        assert!(out.execution_gas < 50_000, "point {point}: {} gas", out.execution_gas);
    }
    // The point at infinity (all zeros) is refused too.
    let out = call(input, [U256::ZERO; 8]);
    reverts(&out, "ProofPointNotOnCurve");
    assert!(out.execution_gas < 50_000);
}

#[test]
fn approvals_count_nullifiers_not_proofs() {
    let mut env = deploy(all_members(), 3, 0);
    let intent = pay(&env, recipient(), ETHER, 0);
    let (p0, n0) = approval_proof(&env.set, &intent, 0);
    let (p2, n2) = approval_proof(&env.set, &intent, 2);
    let (p4, n4) = approval_proof(&env.set, &intent, 4);
    ok(&env.d.approve(&intent, n0, &p0).unwrap());
    // The same member again: the same proof, and a re-randomized one (other bytes, same nullifier).
    reverts(&env.d.approve(&intent, n0, &p0).unwrap(), "NullifierUsed");
    let vk = fixture().scenario.approval.verifying_key();
    let rerandomized = veil_prover::rerandomize(vk, &p0, &mut ChaCha20Rng::seed_from_u64(3));
    assert_ne!(proof_words(&rerandomized), proof_words(&p0));
    reverts(&env.d.approve(&intent, n0, &rerandomized).unwrap(), "NullifierUsed");
    // A proof with another member's nullifier, or for another intent.
    reverts(&env.d.approve(&intent, n4, &p2).unwrap(), "ProofInvalid");
    let other = pay(&env, recipient(), 2 * ETHER, 0);
    let (po, no) = approval_proof(&env.set, &other, 2);
    reverts(&env.d.approve(&intent, no, &po).unwrap(), "ProofInvalid");
    ok(&env.d.approve(&intent, n2, &p2).unwrap());
    let count = env.d.read(&VeilAccount::approvalsCall { intent: sol_intent(&intent) }).unwrap();
    assert_eq!(count, U256::from(2));
    assert_eq!(env.d.chain.balance(recipient()), U256::ZERO, "two of three approvals execute nothing");
    ok(&env.d.approve(&intent, n4, &p4).unwrap());
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
    // Late approvals and replays find the nonce spent.
    reverts(&env.d.approve(&intent, n4, &p4).unwrap(), "NonceMismatch");
}

#[test]
fn validity_window_is_enforced() {
    let mut env = deploy(all_members(), 2, 0);
    let mut intent = pay(&env, recipient(), ETHER, 0);
    intent.valid_after = NOW + 100;
    intent.valid_until = NOW + 200;
    let proof = threshold_proof(&env.set, &intent, &[0, 1]);
    reverts(&env.d.execute(&intent, 2, &proof).unwrap(), "NotYetValid");
    env.d.chain.set_timestamp(NOW + 201);
    reverts(&env.d.execute(&intent, 2, &proof).unwrap(), "Expired");
    env.d.chain.set_timestamp(NOW + 200);
    ok(&env.d.execute(&intent, 2, &proof).unwrap());
}

#[test]
fn set_change_revokes_removed_members_at_once() {
    let fx = fixture();
    let mut env = deploy(all_members(), 2, 0);
    // Member 4 approves a payment, then the set removes member 4.
    let payment = pay(&env, recipient(), ETHER, 1);
    let (p4, n4) = approval_proof(&env.set, &payment, 4);
    let mut next = env.set.clone();
    next.remove_member_at(4).unwrap();
    let new_root = u256(next.root().unwrap());
    let change =
        self_call(&env, VeilAccount::changeSetCall { newRoot: new_root, newThreshold: U256::from(2) }.abi_encode(), 0);
    let proof = threshold_proof(&env.set, &change, &[0, 1]);
    ok(&env.d.execute(&change, 2, &proof).unwrap());
    assert_eq!(env.d.read(&VeilAccount::rootCall {}).unwrap(), new_root);
    // The removed member's proof (old root) no longer verifies.
    reverts(&env.d.approve(&payment, n4, &p4).unwrap(), "ProofInvalid");
    // Old-set proofs of remaining members fail too; new-set proofs work.
    let (p1_old, n1) = approval_proof(&env.set, &payment, 1);
    reverts(&env.d.approve(&payment, n1, &p1_old).unwrap(), "ProofInvalid");
    env.set = next;
    let (p1, n1) = approval_proof(&env.set, &payment, 1);
    let (p2, n2) = approval_proof(&env.set, &payment, 2);
    ok(&env.d.approve(&payment, n1, &p1).unwrap());
    ok(&env.d.approve(&payment, n2, &p2).unwrap());
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
    let _ = fx;
}

#[test]
fn approvals_from_before_a_set_change_do_not_count() {
    let mut env = deploy(all_members(), 2, 0);
    let payment = pay(&env, recipient(), ETHER, 1);
    let (p0, n0) = approval_proof(&env.set, &payment, 0);
    // A change at nonce 0 (same members, threshold 2) bumps the epoch.
    let change = self_call(
        &env,
        VeilAccount::changeSetCall { newRoot: u256(env.set.root().unwrap()), newThreshold: U256::from(2) }.abi_encode(),
        0,
    );
    // Member 0's approval of the payment cannot be counted early (nonce 1 is not current).
    reverts(&env.d.approve(&payment, n0, &p0).unwrap(), "NonceMismatch");
    let (c0, m0) = approval_proof(&env.set, &change, 0);
    ok(&env.d.approve(&change, m0, &c0).unwrap());
    let (c3, m3) = approval_proof(&env.set, &change, 3);
    ok(&env.d.approve(&change, m3, &c3).unwrap());
    assert_eq!(env.d.read(&VeilAccount::epochCall {}).unwrap(), U256::from(1));
    ok(&env.d.approve(&payment, n0, &p0).unwrap());
    assert_eq!(env.d.read(&VeilAccount::approvalsCall { intent: sol_intent(&payment) }).unwrap(), U256::from(1));
}

#[test]
fn reentrant_target_is_refused() {
    let fx = fixture();
    let mut env = deploy(all_members(), 2, 0);
    let out = fx.solc.compile(&[("Targets.sol", include_str!("../verifier-contract/contracts/test/Targets.sol"))]);
    let reenter_code = out.unwrap().remove("Reenter").unwrap().bytecode;
    let reenter = env.d.chain.deploy(env.d.operator, &reenter_code, &[], U256::ZERO).unwrap();
    let intent = pay(&env, reenter, ETHER, 0);
    let proof = threshold_proof(&env.set, &intent, &[2, 3]);
    let payload =
        VeilAccount::executeCall { intent: sol_intent(&intent), signers: U256::from(2), proof: proof_words(&proof) }
            .abi_encode();
    alloy_sol_types::sol! { function arm(address account, bytes payload) external; }
    let arm = armCall { account: env.d.account, payload: payload.into() }.abi_encode();
    ok(&env.d.chain.call(env.d.operator, reenter, arm, U256::ZERO).unwrap());
    reverts(&env.d.execute(&intent, 2, &proof).unwrap(), "CallFailed(Reentrancy");
    assert_eq!(env.d.chain.balance(reenter), U256::ZERO);
    assert_eq!(env.d.read(&VeilAccount::nonceCall {}).unwrap(), U256::ZERO);
}

/// A set change voids what was queued before it: a payment queued by the old set (with a
/// member about to be removed) cannot execute once the rotation has, even after its delay;
/// the new set's own intents queue and execute as usual.
#[test]
fn set_change_voids_intents_queued_before_it() {
    let mut env = deploy(all_members(), 2, 3_600);
    // The old set queues a payment (members 3 and 4) and the rotation removing member 4.
    let payment = pay(&env, recipient(), ETHER, 0);
    let pproof = threshold_proof(&env.set, &payment, &[3, 4]);
    ok(&env.d.execute(&payment, 2, &pproof).unwrap());
    let mut next = env.set.clone();
    next.remove_member_at(4).unwrap();
    let new_root = u256(next.root().unwrap());
    let change =
        self_call(&env, VeilAccount::changeSetCall { newRoot: new_root, newThreshold: U256::from(2) }.abi_encode(), 1);
    let cproof = threshold_proof(&env.set, &change, &[0, 1]);
    ok(&env.d.execute(&change, 2, &cproof).unwrap());
    let digest = env.d.read(&VeilAccount::intentDigestCall { intent: sol_intent(&payment) }).unwrap();
    assert_eq!(env.d.read(&VeilAccount::queuedEpochCall { digest }).unwrap(), U256::ZERO);
    // Both wait out the delay; the rotation runs first and moves to epoch 1.
    env.d.chain.set_timestamp(NOW + 3_600);
    ok(&env.d.execute_queued(&change).unwrap());
    assert_eq!(env.d.read(&VeilAccount::epochCall {}).unwrap(), U256::from(1));
    let out = env.d.execute_queued(&payment).unwrap();
    reverts(&out, "QueuedBeforeSetChange");
    assert!(describe_revert(&out.output).contains("queuedEpoch: 0, epoch: 1"), "{}", describe_revert(&out.output));
    assert_eq!(env.d.chain.balance(recipient()), U256::ZERO, "the voided payment did not run");
    // Still voided later; the new set's own payment queues in epoch 1 and executes.
    env.d.chain.set_timestamp(NOW + 10 * 3_600);
    reverts(&env.d.execute_queued(&payment).unwrap(), "QueuedBeforeSetChange");
    env.set = next;
    let fresh = pay(&env, recipient(), ETHER, 2);
    let fproof = threshold_proof(&env.set, &fresh, &[0, 1]);
    ok(&env.d.execute(&fresh, 2, &fproof).unwrap());
    let fdigest = env.d.read(&VeilAccount::intentDigestCall { intent: sol_intent(&fresh) }).unwrap();
    assert_eq!(env.d.read(&VeilAccount::queuedEpochCall { digest: fdigest }).unwrap(), U256::from(1));
    env.d.chain.set_timestamp(NOW + 11 * 3_600);
    ok(&env.d.execute_queued(&fresh).unwrap());
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
    // The voided entry can still be cleared by the set, with a cancellation intent.
    let cancel = self_call(&env, VeilAccount::cancelCall { digest }.abi_encode(), 3);
    let xproof = threshold_proof(&env.set, &cancel, &[1, 2]);
    ok(&env.d.execute(&cancel, 2, &xproof).unwrap());
    reverts(&env.d.execute_queued(&payment).unwrap(), "NotQueued");
}

#[test]
fn timelock_queues_and_the_set_can_cancel() {
    let mut env = deploy(all_members(), 2, 3_600);
    let intent = pay(&env, recipient(), ETHER, 0);
    let proof = threshold_proof(&env.set, &intent, &[0, 4]);
    let out = env.d.execute(&intent, 2, &proof).unwrap();
    ok(&out);
    assert_eq!(env.d.chain.balance(recipient()), U256::ZERO, "queued, not executed");
    reverts(&env.d.execute_queued(&intent).unwrap(), "TimelockActive");
    // Cancellation is an intent of the set and executes at once.
    let digest = env.d.read(&VeilAccount::intentDigestCall { intent: sol_intent(&intent) }).unwrap();
    let cancel = self_call(&env, VeilAccount::cancelCall { digest }.abi_encode(), 1);
    let cproof = threshold_proof(&env.set, &cancel, &[1, 2]);
    ok(&env.d.execute(&cancel, 2, &cproof).unwrap());
    env.d.chain.set_timestamp(NOW + 3_600);
    reverts(&env.d.execute_queued(&intent).unwrap(), "NotQueued");
    // A second payment waits out the delay and then executes, once, by anyone.
    let second = pay(&env, recipient(), ETHER, 2);
    let sproof = threshold_proof(&env.set, &second, &[0, 1]);
    ok(&env.d.execute(&second, 2, &sproof).unwrap());
    env.d.chain.set_timestamp(NOW + 2 * 3_600 - 1);
    reverts(&env.d.execute_queued(&second).unwrap(), "TimelockActive");
    env.d.chain.set_timestamp(NOW + 2 * 3_600);
    ok(&env.d.execute_queued(&second).unwrap());
    assert_eq!(env.d.chain.balance(recipient()), U256::from(ETHER));
    reverts(&env.d.execute_queued(&second).unwrap(), "NotQueued");
    // The admin functions refuse outside callers.
    reverts(&env.d.send(&VeilAccount::changeDelayCall { newDelay: 0 }).unwrap(), "OnlySelf");
}

#[test]
fn gas_of_every_entry_point_near_the_floor_and_below_snarkjs() {
    let fx = fixture();
    let rows = veil_verifier_contract::gas::measure(&fx.solc, &fx.scenario, &mut rand::thread_rng()).unwrap();
    println!("{}", veil_verifier_contract::gas::markdown(&rows));
    let entries: Vec<&str> = rows.iter().map(|r| r.entry.as_str()).collect();
    for expected in [
        "ThresholdVerifier.verifyProof",
        "ApprovalVerifier.verifyProof",
        "VeilAccount.execute",
        "VeilAccount.approve (counted)",
        "VeilAccount.approve (executes)",
        "VeilAccount.executeQueued",
    ] {
        assert!(entries.contains(&expected), "{expected} missing from {entries:?}");
    }
    for row in rows.iter().filter(|r| r.floor.is_some()) {
        // The EIP-1108 floor counts the precompiles alone; the warm STATICCALLs (100 each, 2n + 1
        // of them), the field and curve checks and the pairing input come on top (README: Gas).
        let (floor, snarkjs) = (row.floor.unwrap(), row.snarkjs.unwrap());
        assert!(row.execution_gas <= floor + 2_500, "{}: {} > {floor} + 2500", row.entry, row.execution_gas);
        assert!(row.execution_gas < snarkjs, "{}: veil {} vs snarkjs {snarkjs}", row.entry, row.execution_gas);
    }
    let malformed = rows.iter().find(|r| r.entry.contains("off the curve")).unwrap();
    assert!(malformed.snarkjs.unwrap() > 1_000_000, "snarkjs burns the forwarded gas: {:?}", malformed.snarkjs);
    assert!(malformed.execution_gas < 50_000, "{}", malformed.execution_gas);
}

#[test]
fn rendering_checks_its_options() {
    let vk = fixture().scenario.approval.verifying_key();
    let bad = |name: &str, description: &str| {
        let provenance = veil_verifier_contract::render::KeyProvenance::Unknown;
        render_verifier(
            vk,
            &VerifierOptions { contract_name: name.into(), description: description.into(), provenance },
        )
        .is_err()
    };
    assert!(bad("1Verifier", ""));
    assert!(bad("My Verifier", ""));
    assert!(bad("V", "ends the comment */ here"));
    assert!(bad("V", "two\nlines"));
    assert!(!bad("V_1$", "fine"));
}

#[test]
#[ignore = "profiling aid: prints the opcodes of one verifyProof"]
fn profile_verifier() {
    let env = deploy(all_members(), 3, 0);
    let intent = pay(&env, recipient(), ETHER, 0);
    let (proof, nullifier) = approval_proof(&env.set, &intent, 1);
    let m = u256(intent.field_element());
    let input = [u256(env.set.root().unwrap()), nullifier, m, m];
    let call = IApprovalVerifier::verifyProofCall { proof: proof_words(&proof), input }.abi_encode();
    let counts = env.d.chain.opcode_counts(env.d.operator, env.d.approval_verifier, call).unwrap();
    for (op, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        println!(
            "{:>12} {n}",
            revm::bytecode::opcode::OpCode::new(op as u8).map_or("?".into(), |o| o.as_str().to_owned())
        );
    }
}

mod cli {
    use std::path::Path;

    use predicates::prelude::*;

    use crate::common::veil;

    #[test]
    fn export_verifier_renders_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        veil().args(["setup", "threshold", "--depth", "2", "--k-max", "1", "--out", &p("keys")]).assert().success();
        let vk = Path::new(&p("keys")).join("verification_key.json").to_string_lossy().into_owned();
        veil()
            .args(["export", "verifier", "--vk", &vk, "--out", &p("V.sol"), "--name", "ThresholdVerifier"])
            .assert()
            .success()
            .stderr(predicate::str::contains("3 public inputs, development key"));
        let sol = std::fs::read_to_string(p("V.sol")).unwrap();
        assert!(sol.contains("contract ThresholdVerifier {"));
        assert!(sol.contains("uint256[3] calldata"));
        // The provenance, from proving_key.veil's header beside the key, is in the source.
        assert!(sol
            .contains("\n/// DEVELOPMENT verifying key (one machine's randomness): whoever ran the setup can forge\n"));
        // The same file again: refused without --force, untouched; replaced with it.
        veil()
            .args(["export", "verifier", "--vk", &vk, "--out", &p("V.sol"), "--name", "Other"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("V.sol"));
        assert_eq!(std::fs::read_to_string(p("V.sol")).unwrap(), sol);
        veil()
            .args(["export", "verifier", "--vk", &vk, "--out", &p("V.sol"), "--name", "Other", "--force"])
            .assert()
            .success();
        assert!(std::fs::read_to_string(p("V.sol")).unwrap().contains("contract Other {"));
        // Bad input names the file or the flag, exits 2 and writes nothing.
        std::fs::write(p("bad.json"), "{\"protocol\": \"groth16\"}").unwrap();
        veil()
            .args(["export", "verifier", "--vk", &p("bad.json"), "--out", &p("W.sol")])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("bad.json"));
        veil()
            .args(["export", "verifier", "--vk", &vk, "--out", &p("W.sol"), "--name", "not an identifier"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--name"));
        assert!(!Path::new(&p("W.sol")).exists());

        // Alone, without a proving key or a manifest beside it, the key is of unknown provenance.
        std::fs::create_dir(p("bare")).unwrap();
        std::fs::copy(&vk, p("bare/verification_key.json")).unwrap();
        veil()
            .args(["export", "verifier", "--vk", &p("bare/verification_key.json"), "--out", &p("U.sol")])
            .assert()
            .success()
            .stderr(predicate::str::contains("key of unknown provenance"));
        assert!(std::fs::read_to_string(p("U.sol")).unwrap().contains("\n/// Verifying key of unknown provenance ("));

        // A ceremony manifest beside the key is read first, and must be this key's.
        let json: veil_prover::snarkjs::VerificationKeyJson =
            serde_json::from_str(&std::fs::read_to_string(&vk).unwrap()).unwrap();
        let vk_hash = veil_ceremony::manifest::vk_hash(&(&json).try_into().unwrap());
        let manifest = |vk_hash: &str| {
            serde_json::json!({
                "format": "veil-ceremony-manifest",
                "version": 1,
                "circuit": {
                    "name": "threshold", "depth": 2, "k_max": 1, "constraints": 1, "power": 1,
                    "r1cs_sha256": "11".repeat(32), "circuit_hash": "ab".repeat(64),
                },
                "ptau": {
                    "name": "p.ptau", "size": 1, "power": 1, "sha256": "22".repeat(32), "blake2b": "33".repeat(64),
                },
                "contributions": [
                    { "index": 1, "name": "alice", "type": "contributor", "hash": "44".repeat(64) },
                    {
                        "index": 2, "name": null, "type": "beacon", "hash": "55".repeat(64),
                        "beacon_hash": "66".repeat(32), "beacon_exp": 10,
                    },
                ],
                "zkey_sha256": "77".repeat(32),
                "vk_hash": vk_hash,
                "files": ["proving_key.veil", "verification_key.json"],
            })
            .to_string()
        };
        std::fs::write(p("keys/MANIFEST.json"), manifest(&"00".repeat(32))).unwrap();
        veil().args(["export", "verifier", "--vk", &vk, "--out", &p("M.sol")]).assert().code(2).stderr(
            predicate::str::contains("MANIFEST.json")
                .and(predicate::str::contains("verification_key.json"))
                .and(predicate::str::contains("another verifying key")),
        );
        assert!(!Path::new(&p("M.sol")).exists());
        std::fs::write(p("keys/MANIFEST.json"), manifest(&hex::encode(vk_hash))).unwrap();
        veil()
            .args(["export", "verifier", "--vk", &vk, "--out", &p("M.sol")])
            .assert()
            .success()
            .stderr(predicate::str::contains("ceremony key (2 contributions)"));
        let sol = std::fs::read_to_string(p("M.sol")).unwrap();
        assert!(sol
            .contains("\n/// Verifying key from a multi-party ceremony of 2 contributions (see its MANIFEST.json):\n"));
        assert!(sol.contains(&format!(
            "\n/// circuit hash 0x{},\n/// vk hash 0x{}.\n",
            "ab".repeat(64),
            hex::encode(vk_hash)
        )));
        assert!(!sol.contains("DEVELOPMENT"));
    }

    #[test]
    fn demo_runs_the_story_and_refuses_the_replays() {
        let out = veil().args(["demo", "--depth", "4", "--k-max", "3"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        for expected in [
            "execute(intent, 3, proof): ok",
            "account 9.00 ETH, recipient 1.00 ETH",
            "(replay): refused: NonceMismatch",
            "same nullifier): refused: NullifierUsed",
            "threshold reached, executed",
            "account 8.00 ETH, recipient 2.00 ETH",
        ] {
            assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
        }
    }

    #[test]
    fn demo_desk_runs_every_rule_and_shows_each_refusal() {
        let out = veil().args(["demo", "--scenario", "desk", "--depth", "4", "--k-max", "3"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        for expected in [
            "One treasury key signs: treasury-any: admits the call but needs 2 of treasury; 1 of the 1",
            "execute(intent, 48h, proof): ok",
            "executeQueued at once: refused: NotYetValid",
            "48 h later, executeQueued (anyone may call it): ok",
            "The trader deposits 40,000 USDC as margin: proof",
            "and withdraws 15,000: ok",
            "margin held: 25000 USDC; the account: 975000 USDC",
            "60,000 in one deposit: the prover refuses: margin-deposit: amount 60000e6 > 50000e6",
            "the 40,000 proof submitted for the 60,000 intent: refused: ProofInvalid",
            "The liquidator liquidates a borrower on the pool: proof",
            "The liquidator's key for a deposit: margin-deposit: admits the call but needs 1 of trader",
            "Two treasury keys: admin: admits the call but needs 3 of treasury; 2 of the 2",
            "A withdrawal proven under the old policy: refused: ProofInvalid",
            "Under the new one the prover finds no rule",
        ] {
            assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
        }
        veil()
            .args(["demo", "--scenario", "desk", "--depth", "2"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--depth"));
        let rpc = ["demo", "--scenario", "desk", "--rpc-url", "http://127.0.0.1:1", "--private-key-file", "/dev/null"];
        veil().args(rpc).assert().code(2).stderr(predicate::str::contains("in-memory chain only"));
    }

    #[test]
    fn gas_prints_every_entry_point_as_json() {
        let out = veil().args(["gas", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<serde_json::Value> =
            String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 18);
        for entry in [
            "VeilValidator.validateUserOp",
            "EntryPoint.handleOps (1 op, VeilValidator)",
            "account.isValidSignature (ERC-1271, VeilValidator)",
        ] {
            assert!(rows.iter().any(|r| r["entry"] == entry), "{entry}");
        }
        for entry in ["VeilSafeModule.execute", "VeilSafeModule.approve (counted)", "VeilSafeModule.approve (executes)"]
        {
            assert!(rows.iter().any(|r| r["entry"] == entry), "{entry}");
        }
        let policy = rows.iter().find(|r| r["entry"] == "PolicyVerifier.verifyProof").unwrap();
        assert_eq!(policy["floor"], 217_900);
        assert!(policy["execution_gas"].as_u64().unwrap() < policy["snarkjs"].as_u64().unwrap());
        for entry in
            ["VeilPolicyAccount.execute", "VeilPolicyAccount.execute (lead: queues)", "VeilPolicyAccount.executeQueued"]
        {
            assert!(rows.iter().any(|r| r["entry"] == entry), "{entry}");
        }
        let verifier = rows.iter().find(|r| r["entry"] == "ApprovalVerifier.verifyProof").unwrap();
        assert_eq!(verifier["floor"], 205_600);
        assert!(verifier["execution_gas"].as_u64().unwrap() < verifier["snarkjs"].as_u64().unwrap());
        veil().args(["gas", "--k-max", "2"]).assert().code(2).stderr(predicate::str::contains("--k-max"));
        veil().args(["gas", "--depth", "2"]).assert().code(2).stderr(predicate::str::contains("--depth"));
    }
}
