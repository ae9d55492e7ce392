//! `VeilSafeModule` on the real Safe (1.4.1 and 1.5.0, their singleton and proxy factory from
//! the pinned npm packages) in the in-memory EVM, with real proofs: the owners enable the
//! module with a Safe transaction; from then on the Safe pays ETH and ERC-20 on a Threshold
//! proof or on Approval proofs, once; every refusal of the module's entry points; a rotation
//! voids what a removed member queued.
use std::sync::OnceLock;

use crate::common::{ok, reverts};

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{intent::Intent, set::ApproverSet};
use veil_circuits::eddsa::PrivateKey;
use veil_prover::Proof;
use veil_verifier_contract::{
    evm::{Chain, Outcome},
    harness::proof_words,
    policy::{desk, DESK_SOURCE},
    safe::{
        deploy_safe, describe_revert, exec_as_owner, ISafeAdmin, SafeArtifacts, SafeVersion, VeilSafeModule, SOURCE,
    },
    scenario::{word, Scenario},
    solc::{Artifact, Solc},
};

const DEPTH: usize = 4;
const K_MAX: usize = 3;
const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;
const DEPLOYER: Address = Address::repeat_byte(0x0e);
const OWNER: Address = Address::repeat_byte(0x0a);
const PAYEE: Address = Address::repeat_byte(0xbb);

struct Fixture {
    scenario: Scenario,
    module: Artifact,
    token: Artifact,
    delegate_target: Artifact,
}

/// Code a delegatecall runs in the Safe's context: it pays from whoever runs it.
const DELEGATE_TARGET: &str = "// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;
contract PayFromSelf {
    function pay(address payable to, uint256 amount) external {
        (bool ok,) = to.call{value: amount}(\"\");
        require(ok, \"pay failed\");
    }
}
";

mod helper {
    alloy_sol_types::sol! {
        function pay(address to, uint256 amount);
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5afe);
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let members = (0..5).map(|_| PrivateKey::random(&mut rng)).collect();
        let scenario = Scenario::setup(&solc, DEPTH, K_MAX, members, &mut rng).unwrap();
        let mut out = solc
            .compile(&[("VeilSafeModule.sol", SOURCE), ("Desk.sol", DESK_SOURCE), ("PayFromSelf.sol", DELEGATE_TARGET)])
            .unwrap();
        Fixture {
            scenario,
            module: out.remove("VeilSafeModule").unwrap(),
            token: out.remove("MockUSDC").unwrap(),
            delegate_target: out.remove("PayFromSelf").unwrap(),
        }
    })
}

/// A Safe of `version` owned by [`OWNER`] alone, holding 10 ether and 1,000 tokens, the
/// verifiers, and the module for the set of `members` with `threshold` and `delay`
/// (not yet enabled).
struct Env {
    chain: Chain,
    safe: Address,
    module: Address,
    token: Address,
    set: ApproverSet,
}

fn deploy(version: SafeVersion, members: &[usize], threshold: u64, delay: u64) -> Env {
    deploy_with(version, members, threshold, delay, false)
}

fn deploy_with(version: SafeVersion, members: &[usize], threshold: u64, delay: u64, delegate: bool) -> Env {
    let fx = fixture();
    let mut chain = Chain::new(CHAIN_ID, NOW);
    chain.fund(DEPLOYER, U256::from(ETHER));
    let artifacts = SafeArtifacts::load(version).unwrap();
    let d = deploy_safe(&mut chain, &artifacts, DEPLOYER, &[OWNER], 1, U256::from(10 * ETHER)).unwrap();
    let version_out = chain.call(DEPLOYER, d.safe, ISafeAdmin::VERSIONCall {}.abi_encode(), U256::ZERO).unwrap();
    assert_eq!(ISafeAdmin::VERSIONCall::abi_decode_returns(&version_out.output).unwrap(), version.version());
    let a = &fx.scenario.artifacts;
    let av = chain.deploy(DEPLOYER, &a.approval_verifier.bytecode, &[], U256::ZERO).unwrap();
    let tv = chain.deploy(DEPLOYER, &a.threshold_verifier.bytecode, &[], U256::ZERO).unwrap();
    let set = fx.scenario.set(members);
    let args = VeilSafeModule::constructorCall {
        safe_: d.safe,
        thresholdVerifier_: tv,
        approvalVerifier_: av,
        root_: word(set.root().unwrap()),
        threshold_: U256::from(threshold),
        delay_: delay,
        allowDelegateCall_: delegate,
    }
    .abi_encode();
    let module = chain.deploy(DEPLOYER, &fx.module.bytecode, &args, U256::ZERO).unwrap();
    let token = chain.deploy(DEPLOYER, &fx.token.bytecode, &[], U256::ZERO).unwrap();
    let mint = desk::MockUSDC::mintCall { to: d.safe, amount: U256::from(1_000) };
    assert!(chain.call(DEPLOYER, token, mint.abi_encode(), U256::ZERO).unwrap().success);
    Env { chain, safe: d.safe, module, token, set }
}

impl Env {
    /// The owners enable the module: a Safe transaction calling the Safe's `enableModule`.
    fn enable(&mut self) {
        let data = ISafeAdmin::enableModuleCall { module: self.module }.abi_encode();
        ok(&exec_as_owner(&mut self.chain, self.safe, OWNER, self.safe, data).unwrap());
        let enabled = self.view(self.safe, ISafeAdmin::isModuleEnabledCall { module: self.module });
        assert!(enabled);
    }

    fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        let out = self.chain.call(DEPLOYER, to, call.abi_encode(), U256::ZERO).unwrap();
        assert!(out.success, "view reverted: {}", describe_revert(&out.output));
        C::abi_decode_returns(&out.output).unwrap()
    }

    fn intent(&self, target: Address, value: u64, data: Vec<u8>, nonce: u64) -> Intent {
        Intent {
            chain_id: CHAIN_ID,
            account: self.module,
            target,
            value: U256::from(value),
            data: Bytes::from(data),
            nonce: U256::from(nonce),
            valid_after: 0,
            valid_until: 0,
        }
    }

    fn execute(&mut self, intent: &Intent, signers: u64, proof: &Proof) -> Outcome {
        let call = VeilSafeModule::executeCall {
            intent: sol_intent(intent),
            signers: U256::from(signers),
            proof: proof_words(proof),
        };
        self.chain.call(DEPLOYER, self.module, call.abi_encode(), U256::ZERO).unwrap()
    }

    fn approve(&mut self, intent: &Intent, nullifier: U256, proof: &Proof) -> Outcome {
        let call = VeilSafeModule::approveCall { intent: sol_intent(intent), nullifier, proof: proof_words(proof) };
        self.chain.call(DEPLOYER, self.module, call.abi_encode(), U256::ZERO).unwrap()
    }

    fn execute_queued(&mut self, intent: &Intent) -> Outcome {
        let call = VeilSafeModule::executeQueuedCall { intent: sol_intent(intent) };
        self.chain.call(DEPLOYER, self.module, call.abi_encode(), U256::ZERO).unwrap()
    }

    fn threshold_proof(&self, intent: &Intent, signers: &[usize]) -> Proof {
        fixture().scenario.threshold_proof(&self.set, intent, signers, &mut rand::thread_rng()).unwrap()
    }
}

fn sol_intent(intent: &Intent) -> VeilSafeModule::Intent {
    VeilSafeModule::Intent {
        target: intent.target,
        value: intent.value,
        data: intent.data.clone(),
        nonce: intent.nonce,
        validAfter: intent.valid_after,
        validUntil: intent.valid_until,
    }
}

#[test]
fn a_safe_pays_eth_and_tokens_on_veil_proofs_once() {
    for version in SafeVersion::ALL {
        let mut env = deploy(version, &[0, 1, 2, 3, 4], 3, 0);
        let pay = env.intent(PAYEE, ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&pay, &[0, 2, 4]);
        // Not enabled yet: the Safe refuses the module (GS104).
        reverts(&env.execute(&pay, 3, &proof), "GS104");
        env.enable();
        let safe_nonce = env.view(env.safe, ISafeAdmin::nonceCall {});
        ok(&env.execute(&pay, 3, &proof));
        assert_eq!((env.chain.balance(PAYEE), env.chain.balance(env.safe)), (U256::from(ETHER), U256::from(9 * ETHER)));
        // The Safe's own nonce is untouched; the module's moved.
        assert_eq!(env.view(env.safe, ISafeAdmin::nonceCall {}), safe_nonce);
        assert_eq!(env.view(env.module, VeilSafeModule::nonceCall {}), U256::from(1));
        reverts(&env.execute(&pay, 3, &proof), "NonceMismatch");

        // An ERC-20 transfer, on three Approval proofs.
        let transfer = desk::MockUSDC::transferCall { to: PAYEE, amount: U256::from(400) }.abi_encode();
        let tokens = env.intent(env.token, 0, transfer, 1);
        for (n, member) in [1usize, 3, 4].into_iter().enumerate() {
            let (proof, nullifier) =
                fixture().scenario.approval_proof(&env.set, &tokens, member, &mut rand::thread_rng()).unwrap();
            ok(&env.approve(&tokens, nullifier, &proof));
            if n == 0 {
                reverts(&env.approve(&tokens, nullifier, &proof), "NullifierUsed");
            }
        }
        let balance = env.view(env.token, desk::MockUSDC::balanceOfCall(PAYEE));
        assert_eq!(balance, U256::from(400), "{version:?}");
        assert_eq!(env.view(env.token, desk::MockUSDC::balanceOfCall(env.safe)), U256::from(600));
    }
}

#[test]
fn every_entry_point_refuses_what_it_must() {
    for version in SafeVersion::ALL {
        let mut env = deploy(version, &[0, 1, 2, 3, 4], 3, 0);
        env.enable();
        let pay = env.intent(PAYEE, ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&pay, &[0, 1, 2]);
        // Below the threshold, a changed intent, another module's intent, a future nonce,
        // a closed window.
        reverts(&env.execute(&pay, 2, &proof), "BelowThreshold");
        let more = Intent { value: U256::from(2 * ETHER), ..pay.clone() };
        reverts(&env.execute(&more, 3, &proof), "ProofInvalid");
        let elsewhere = Intent { account: Address::repeat_byte(0x77), ..pay.clone() };
        let foreign = env.threshold_proof(&elsewhere, &[0, 1, 2]);
        reverts(&env.execute(&pay, 3, &foreign), "ProofInvalid");
        let later = Intent { nonce: U256::from(1), ..pay.clone() };
        reverts(&env.execute(&later, 3, &proof), "NonceMismatch");
        let expired = Intent { valid_until: NOW - 1, ..pay.clone() };
        reverts(&env.execute(&expired, 3, &proof), "Expired");
        let early = Intent { valid_after: NOW + 1, ..pay.clone() };
        reverts(&env.execute(&early, 3, &proof), "NotYetValid");
        // A call the Safe cannot make (more ETH than it holds): CallFailed, nothing spent.
        let too_much = env.intent(PAYEE, 11 * ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&too_much, &[0, 1, 2]);
        reverts(&env.execute(&too_much, 3, &proof), "CallFailed");
        assert_eq!(env.view(env.module, VeilSafeModule::nonceCall {}), U256::ZERO);
        // The admin functions: the Safe only.
        let module = env.module;
        for data in [
            VeilSafeModule::changeSetCall { newRoot: U256::from(1), newThreshold: U256::from(1) }.abi_encode(),
            VeilSafeModule::changeDelayCall { newDelay: 5 }.abi_encode(),
            VeilSafeModule::cancelCall { digest: [1; 32].into() }.abi_encode(),
        ] {
            reverts(&env.chain.call(OWNER, module, data, U256::ZERO).unwrap(), "OnlySafe");
        }
        reverts(&env.execute_queued(&pay), "NotQueued");
        // approve: a proof of another intent, a stale nonce, a closed window.
        let (aproof, nullifier) =
            fixture().scenario.approval_proof(&env.set, &more, 0, &mut rand::thread_rng()).unwrap();
        reverts(&env.approve(&pay, nullifier, &aproof), "ProofInvalid");
        reverts(&env.approve(&later, nullifier, &aproof), "NonceMismatch");
        reverts(&env.approve(&expired, nullifier, &aproof), "Expired");
        // A zero threshold cannot be set, not even by the owners.
        let zero = VeilSafeModule::changeSetCall { newRoot: U256::from(1), newThreshold: U256::ZERO }.abi_encode();
        let out = exec_as_owner(&mut env.chain, env.safe, OWNER, module, zero).unwrap();
        // 1.4.1 reverts GS013 (a failed call with neither safeTxGas nor gasPrice); 1.5.0
        // bubbles the call's revert up.
        reverts(&out, if version == SafeVersion::V1_4_1 { "GS013" } else { "ZeroThreshold" });
        assert_eq!(env.chain.balance(env.safe), U256::from(10 * ETHER), "{version:?}");
    }
}

#[test]
fn a_rotation_voids_what_a_removed_member_queued_and_cancel_runs_at_once() {
    for version in SafeVersion::ALL {
        let mut env = deploy(version, &[0, 1, 2, 3, 4], 2, 3_600);
        env.enable();
        // Members 3 and 4 queue a payment; member 4 is then rotated out by the set itself
        // (an intent calling the module's changeSet through the Safe, also queued).
        let pay = env.intent(PAYEE, ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&pay, &[3, 4]);
        ok(&env.execute(&pay, 2, &proof));
        reverts(&env.execute_queued(&pay), "TimelockActive");
        let next = fixture().scenario.set(&[0, 1, 2, 3]);
        let change = VeilSafeModule::changeSetCall { newRoot: word(next.root().unwrap()), newThreshold: U256::from(2) };
        let rotate = env.intent(env.module, 0, change.abi_encode(), 1);
        let proof = env.threshold_proof(&rotate, &[0, 1]);
        ok(&env.execute(&rotate, 2, &proof));
        env.chain.set_timestamp(NOW + 3_600);
        ok(&env.execute_queued(&rotate));
        assert_eq!(env.view(env.module, VeilSafeModule::epochCall {}), U256::from(1));
        reverts(&env.execute_queued(&pay), "QueuedBeforeSetChange");
        assert_eq!(env.chain.balance(PAYEE), U256::ZERO);

        // Under the new set: a payment queued, then cancelled by an intent that runs at once.
        env.set = next;
        let pay2 = env.intent(PAYEE, ETHER, Vec::new(), 2);
        let proof = env.threshold_proof(&pay2, &[1, 2]);
        ok(&env.execute(&pay2, 2, &proof));
        let digest = env.view(env.module, VeilSafeModule::intentDigestCall { intent: sol_intent(&pay2) });
        let cancel = env.intent(env.module, 0, VeilSafeModule::cancelCall { digest }.abi_encode(), 3);
        let proof = env.threshold_proof(&cancel, &[0, 3]);
        ok(&env.execute(&cancel, 2, &proof));
        env.chain.set_timestamp(NOW + 7_200);
        reverts(&env.execute_queued(&pay2), "NotQueued");
        // A removed member's proof no longer verifies.
        let pay3 = env.intent(PAYEE, ETHER, Vec::new(), 4);
        let old_set = fixture().scenario.set(&[0, 1, 2, 3, 4]);
        let stale = fixture().scenario.threshold_proof(&old_set, &pay3, &[3, 4], &mut rand::thread_rng()).unwrap();
        reverts(&env.execute(&pay3, 2, &stale), "ProofInvalid");
        assert_eq!(env.chain.balance(env.safe), U256::from(10 * ETHER), "{version:?}");
    }
}

#[test]
fn a_delegatecall_runs_only_where_allowed_and_asked_for() {
    for version in SafeVersion::ALL {
        for allowed in [false, true] {
            let mut env = deploy_with(version, &[0, 1, 2, 3, 4], 2, 0, allowed);
            env.enable();
            let target = env.chain.deploy(DEPLOYER, &fixture().delegate_target.bytecode, &[], U256::ZERO).unwrap();
            let inner = helper::payCall { to: PAYEE, amount: U256::from(ETHER) }.abi_encode();
            let data = VeilSafeModule::delegateCall { _0: target, _1: inner.into() }.abi_encode();
            let intent = env.intent(env.module, 0, data.clone(), 0);
            let proof = env.threshold_proof(&intent, &[0, 1]);
            let out = env.execute(&intent, 2, &proof);
            if allowed {
                // The delegated code ran in the Safe: the Safe's ETH paid.
                ok(&out);
                assert_eq!(env.chain.balance(PAYEE), U256::from(ETHER), "{version:?}");
                assert_eq!(env.chain.balance(env.safe), U256::from(9 * ETHER));
            } else {
                reverts(&out, "DelegateCallRefused");
                assert_eq!(env.view(env.module, VeilSafeModule::nonceCall {}), U256::ZERO);
                assert_eq!(env.chain.balance(PAYEE), U256::ZERO);
            }
            // A delegatecall intent with value is refused, allowed or not; so is a direct call.
            let nonce = env.view(env.module, VeilSafeModule::nonceCall {}).to::<u64>();
            let with_value = env.intent(env.module, 1, data.clone(), nonce);
            let proof = env.threshold_proof(&with_value, &[2, 3]);
            reverts(&env.execute(&with_value, 2, &proof), "DelegateCallRefused");
            let module = env.module;
            reverts(&env.chain.call(OWNER, module, data, U256::ZERO).unwrap(), "DelegateCallRefused");
        }
    }
}

/// A target that calls back into the module while the Safe pays it (the very `execute`
/// being run) is refused: the module's guard reverts `Reentrancy`, the Safe's call fails,
/// and the whole execution reverts with nothing paid and the nonce unmoved.
#[test]
fn a_reentrant_target_is_refused() {
    let solc = Solc::locate().unwrap();
    let targets = solc
        .compile(&[("Targets.sol", include_str!("../verifier-contract/contracts/test/Targets.sol"))])
        .unwrap()
        .remove("Reenter")
        .unwrap();
    for version in [SafeVersion::V1_4_1, SafeVersion::V1_5_0] {
        let mut env = deploy(version, &[0, 1, 2], 2, 0);
        env.enable();
        let reenter = env.chain.deploy(DEPLOYER, &targets.bytecode, &[], U256::ZERO).unwrap();
        let intent = env.intent(reenter, ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&intent, &[0, 2]);
        let payload = VeilSafeModule::executeCall {
            intent: sol_intent(&intent),
            signers: U256::from(2),
            proof: proof_words(&proof),
        };
        alloy_sol_types::sol! { function arm(address account, bytes payload) external; }
        let arm = armCall { account: env.module, payload: payload.abi_encode().into() };
        ok(&env.chain.call(DEPLOYER, reenter, arm.abi_encode(), U256::ZERO).unwrap());
        let out = env.execute(&intent, 2, &proof);
        reverts(&out, "CallFailed");
        // Safe 1.5.0 hands back the inner revert: the guard's own error.
        if version == SafeVersion::V1_5_0 {
            reverts(&out, "Reentrancy");
        }
        assert_eq!(env.chain.balance(reenter), U256::ZERO, "{version:?}");
        assert_eq!(env.view(env.module, VeilSafeModule::nonceCall {}), U256::ZERO, "{version:?}");
        // The same intent to a plain payee would have gone through: the refusal is the reentry.
        let fine = env.intent(PAYEE, ETHER, Vec::new(), 0);
        let proof = env.threshold_proof(&fine, &[0, 2]);
        ok(&env.execute(&fine, 2, &proof));
    }
}
