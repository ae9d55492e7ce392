//! `VeilValidator` (the ERC-7579 validator with ERC-4337 validation and ERC-1271) in the
//! in-memory EVM with real Threshold proofs, called as an account calls it: validation of a
//! user operation returns 0 with the window packed, or SIG_VALIDATION_FAILED for each way a
//! signature can be wrong, never a revert; ERC-1271 answers bound to the account; install,
//! uninstall and set changes with their refusals; validation executes none of ERC-7562's
//! banned opcodes and touches no storage but the account's own entry. Then in place:
//! OpenZeppelin's ERC-7579 account with the validator installed, through the EntryPoint 0.8.
use std::sync::OnceLock;

use crate::common::{ok, reverts};

use alloy_primitives::{keccak256, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::set::ApproverSet;
use veil_circuits::{eddsa::PrivateKey, Fr};
use veil_prover::Proof;
use veil_verifier_contract::{
    evm::{Chain, Outcome},
    harness::proof_words,
    scenario::{word, Scenario},
    solc::{Artifact, Solc},
    validator::{aa, describe_revert, entry_point_code, PackedUserOperation, VeilValidator, SOURCE},
};

const DEPTH: usize = 4;
const K_MAX: usize = 3;
const NOW: u64 = 1_800_000_000;
const ACCOUNT: Address = Address::repeat_byte(0xa1);
const OTHER: Address = Address::repeat_byte(0xa2);
const DEPLOYER: Address = Address::repeat_byte(0x0e);

struct Fixture {
    scenario: Scenario,
    validator: Artifact,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x7579);
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let members = (0..5).map(|_| PrivateKey::random(&mut rng)).collect();
        let scenario = Scenario::setup(&solc, DEPTH, K_MAX, members, &mut rng).unwrap();
        let validator = solc.compile(&[("VeilValidator.sol", SOURCE)]).unwrap().remove("VeilValidator").unwrap();
        Fixture { scenario, validator }
    })
}

struct Env {
    chain: Chain,
    validator: Address,
    set: ApproverSet,
}

/// The verifier and the validator; [`ACCOUNT`] installs it with the set of members 0–3 and
/// threshold 2.
fn deploy() -> Env {
    let fx = fixture();
    let mut chain = Chain::new(31_337, NOW);
    let tv = chain.deploy(DEPLOYER, &fx.scenario.artifacts.threshold_verifier.bytecode, &[], U256::ZERO).unwrap();
    let validator = chain.deploy(DEPLOYER, &fx.validator.bytecode, &tv.abi_encode(), U256::ZERO).unwrap();
    let set = fx.scenario.set(&[0, 1, 2, 3]);
    let mut env = Env { chain, validator, set };
    let install = (word(env.set.root().unwrap()), U256::from(2)).abi_encode_params();
    ok(&env.call(ACCOUNT, VeilValidator::onInstallCall { data: install.into() }));
    env
}

impl Env {
    fn call(&mut self, from: Address, call: impl SolCall) -> Outcome {
        self.chain.call(from, self.validator, call.abi_encode(), U256::ZERO).unwrap()
    }

    fn view<C: SolCall>(&mut self, from: Address, call: C) -> C::Return {
        let out = self.call(from, call);
        assert!(out.success, "reverted: {}", describe_revert(&out.output));
        C::abi_decode_returns(&out.output).unwrap()
    }

    fn validate(&mut self, from: Address, hash: [u8; 32], signature: Vec<u8>) -> U256 {
        let op = PackedUserOperation {
            sender: from,
            nonce: U256::from(7),
            initCode: Bytes::new(),
            callData: Bytes::from_static(b"\x12\x34"),
            accountGasLimits: FixedBytes::ZERO,
            preVerificationGas: U256::ZERO,
            gasFees: FixedBytes::ZERO,
            paymasterAndData: Bytes::new(),
            signature: signature.into(),
        };
        self.view(from, VeilValidator::validateUserOpCall { userOp: op, userOpHash: hash.into() })
    }
}

/// A Threshold proof that `signers` (fixture members) signed the field element `intent`
/// under `set`: what an aggregator makes for a user operation or a message.
fn prove(set: &ApproverSet, intent: Fr, signers: &[usize]) -> Proof {
    fixture().scenario.threshold_proof_of(set, intent, signers, &mut rand::thread_rng()).unwrap()
}

fn fr(x: U256) -> Fr {
    Fr::from_be_bytes_mod_order(&x.to_be_bytes::<32>())
}

use ark_ff::PrimeField;

/// `userOp.signature`: signers, validAfter, validUntil (words), the proof's words.
fn op_signature(signers: u64, after: U256, until: U256, proof: &Proof) -> Vec<u8> {
    (U256::from(signers), after, until, proof_words(proof)).abi_encode_params()
}

const FAILED: U256 = U256::from_limbs([1, 0, 0, 0]);

#[test]
fn a_user_operation_validates_on_the_sets_proof_and_each_fault_fails_without_reverting() {
    let mut env = deploy();
    let hash = keccak256(b"a user operation").0;
    let (after, until) = (NOW - 10, NOW + 1_000);
    // The intent the members sign: the contract's and its twin here agree.
    let intent = env.view(
        ACCOUNT,
        VeilValidator::userOpIntentCall {
            userOpHash: hash.into(),
            validAfter: after.try_into().unwrap(),
            validUntil: until.try_into().unwrap(),
        },
    );
    let twin = U256::from_be_bytes(
        keccak256(
            (keccak256("veil.userop.v1"), FixedBytes::from(hash), U256::from(after), U256::from(until))
                .abi_encode_params(),
        )
        .0,
    ) >> 8;
    assert_eq!(intent, twin);
    let proof = prove(&env.set.clone(), fr(intent), &[0, 2]);
    let good = op_signature(2, U256::from(after), U256::from(until), &proof);
    let packed = (U256::from(until) << 160) | (U256::from(after) << 208);
    assert_eq!(env.validate(ACCOUNT, hash, good.clone()), packed);

    // Each fault: SIG_VALIDATION_FAILED, never a revert.
    let other_hash = keccak256(b"another user operation").0;
    assert_eq!(env.validate(ACCOUNT, other_hash, good.clone()), FAILED, "another user operation");
    let widened = op_signature(2, U256::from(after), U256::ZERO, &proof);
    assert_eq!(env.validate(ACCOUNT, hash, widened), FAILED, "a window the signers did not sign");
    assert_eq!(
        env.validate(ACCOUNT, hash, op_signature(1, U256::from(after), U256::from(until), &proof)),
        FAILED,
        "below the threshold"
    );
    assert_eq!(
        env.validate(ACCOUNT, hash, op_signature(3, U256::from(after), U256::from(until), &proof)),
        FAILED,
        "k claimed above the signers"
    );
    let huge = U256::from(1u64) << 48;
    assert_eq!(
        env.validate(ACCOUNT, hash, op_signature(2, huge, U256::from(until), &proof)),
        FAILED,
        "a window word beyond 48 bits"
    );
    assert_eq!(env.validate(ACCOUNT, hash, good[..good.len() - 1].to_vec()), FAILED, "a short signature");
    let mut bad_word = good.clone();
    bad_word[3 * 32..4 * 32].fill(0xff); // A.x ≥ p: the verifier reverts, validation fails
    assert_eq!(env.validate(ACCOUNT, hash, bad_word), FAILED, "a coordinate out of the field");
    let outsider_set = fixture().scenario.set(&[0, 4]);
    let outsider = prove(&outsider_set, fr(intent), &[0, 4]);
    assert_eq!(
        env.validate(ACCOUNT, hash, op_signature(2, U256::from(after), U256::from(until), &outsider)),
        FAILED,
        "another set"
    );
    // An account that has not installed the validator.
    assert_eq!(env.validate(OTHER, hash, good), FAILED, "not installed");
}

#[test]
fn erc1271_answers_for_the_account_it_was_signed_for_only() {
    let mut env = deploy();
    let root = word(env.set.root().unwrap());
    let install = (root, U256::from(2)).abi_encode_params();
    ok(&env.call(OTHER, VeilValidator::onInstallCall { data: install.into() }));
    let hash = keccak256(b"an EIP-712 order").0;
    let intent = env.view(ACCOUNT, VeilValidator::messageIntentCall { account: ACCOUNT, hash: hash.into() });
    let proof = prove(&env.set.clone(), fr(intent), &[1, 3]);
    let signature: Bytes = (U256::from(2), proof_words(&proof)).abi_encode_params().into();
    let check = |env: &mut Env, from: Address, hash: [u8; 32], signature: Bytes| {
        env.view(
            from,
            VeilValidator::isValidSignatureWithSenderCall { _0: Address::ZERO, hash: hash.into(), signature },
        )
    };
    assert_eq!(check(&mut env, ACCOUNT, hash, signature.clone()).0, [0x16, 0x26, 0xba, 0x7e]);
    // The same set on another account: the message is bound to the account.
    assert_eq!(check(&mut env, OTHER, hash, signature.clone()).0, [0xff; 4]);
    // A tampered message, a short signature, too few signers claimed.
    let tampered = keccak256(b"an EIP-712 order, changed").0;
    assert_eq!(check(&mut env, ACCOUNT, tampered, signature.clone()).0, [0xff; 4]);
    assert_eq!(check(&mut env, ACCOUNT, hash, signature.slice(1..)).0, [0xff; 4]);
    let one: Bytes = (U256::from(1), proof_words(&proof)).abi_encode_params().into();
    assert_eq!(check(&mut env, ACCOUNT, hash, one).0, [0xff; 4]);
}

#[test]
fn install_uninstall_and_set_changes_refuse_what_they_must() {
    let mut env = deploy();
    assert!(env.view(ACCOUNT, VeilValidator::isModuleTypeCall { moduleTypeId: U256::from(1) }));
    assert!(!env.view(ACCOUNT, VeilValidator::isModuleTypeCall { moduleTypeId: U256::from(2) }));
    assert!(env.view(ACCOUNT, VeilValidator::isInitializedCall { account: ACCOUNT }));
    assert!(!env.view(ACCOUNT, VeilValidator::isInitializedCall { account: OTHER }));
    let again = (U256::from(1), U256::from(1)).abi_encode_params();
    reverts(&env.call(ACCOUNT, VeilValidator::onInstallCall { data: again.clone().into() }), "AlreadyInstalled");
    let zero = (U256::from(1), U256::ZERO).abi_encode_params();
    reverts(&env.call(OTHER, VeilValidator::onInstallCall { data: zero.into() }), "ZeroThreshold");
    reverts(
        &env.call(OTHER, VeilValidator::changeSetCall { root: U256::from(1), threshold: U256::from(1) }),
        "NotInstalled",
    );
    reverts(&env.call(OTHER, VeilValidator::onUninstallCall(Bytes::new())), "NotInstalled");
    reverts(
        &env.call(ACCOUNT, VeilValidator::changeSetCall { root: U256::from(1), threshold: U256::ZERO }),
        "ZeroThreshold",
    );
    // A set change: the old set's proofs fail at once.
    let hash = keccak256(b"op").0;
    let intent = env.view(
        ACCOUNT,
        VeilValidator::userOpIntentCall {
            userOpHash: hash.into(),
            validAfter: 0u64.try_into().unwrap(),
            validUntil: 0u64.try_into().unwrap(),
        },
    );
    let proof = prove(&env.set.clone(), fr(intent), &[0, 1]);
    let signature = op_signature(2, U256::ZERO, U256::ZERO, &proof);
    assert_eq!(env.validate(ACCOUNT, hash, signature.clone()), U256::ZERO);
    let next = fixture().scenario.set(&[0, 1, 4]);
    ok(&env.call(ACCOUNT, VeilValidator::changeSetCall { root: word(next.root().unwrap()), threshold: U256::from(2) }));
    assert_eq!(env.validate(ACCOUNT, hash, signature.clone()), FAILED);
    ok(&env.call(ACCOUNT, VeilValidator::onUninstallCall(Bytes::new())));
    assert!(!env.view(ACCOUNT, VeilValidator::isInitializedCall { account: ACCOUNT }));
    assert_eq!(env.validate(ACCOUNT, hash, signature), FAILED);
}

/// ERC-7562: validation must not read the environment (TIMESTAMP, NUMBER, …), create, or
/// destroy, and may touch only storage associated with the account; traced over every
/// frame of a validation call, the verifier's included.
#[test]
fn validation_executes_no_opcode_erc7562_bans() {
    let mut env = deploy();
    let hash = keccak256(b"traced").0;
    let intent = env.view(
        ACCOUNT,
        VeilValidator::userOpIntentCall {
            userOpHash: hash.into(),
            validAfter: 0u64.try_into().unwrap(),
            validUntil: 0u64.try_into().unwrap(),
        },
    );
    let proof = prove(&env.set.clone(), fr(intent), &[2, 3]);
    let op = PackedUserOperation {
        sender: ACCOUNT,
        nonce: U256::ZERO,
        initCode: Bytes::new(),
        callData: Bytes::new(),
        accountGasLimits: FixedBytes::ZERO,
        preVerificationGas: U256::ZERO,
        gasFees: FixedBytes::ZERO,
        paymasterAndData: Bytes::new(),
        signature: op_signature(2, U256::ZERO, U256::ZERO, &proof).into(),
    };
    let data = VeilValidator::validateUserOpCall { userOp: op, userOpHash: hash.into() }.abi_encode();
    let counts = env.chain.opcode_counts(ACCOUNT, env.validator, data.clone()).unwrap();
    // Storage: only the account's own entry of the validator's mapping (ERC-7562's
    // "associated storage": keccak256(account ‖ slot) + n), read, never written.
    let base = U256::from_be_bytes(keccak256((ACCOUNT, U256::ZERO).abi_encode_params()).0);
    let accesses = env.chain.storage_accesses(ACCOUNT, env.validator, data).unwrap();
    assert_eq!(
        accesses,
        [(env.validator, base), (env.validator, base + U256::from(1))],
        "storage touched in validation"
    );
    // GASPRICE, BALANCE, ORIGIN, BLOCKHASH, COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT,
    // SELFBALANCE, BASEFEE, BLOBHASH, BLOBBASEFEE, CREATE, CREATE2, SELFDESTRUCT.
    for (op, name) in [
        (0x3a, "GASPRICE"),
        (0x31, "BALANCE"),
        (0x32, "ORIGIN"),
        (0x40, "BLOCKHASH"),
        (0x41, "COINBASE"),
        (0x42, "TIMESTAMP"),
        (0x43, "NUMBER"),
        (0x44, "PREVRANDAO"),
        (0x45, "GASLIMIT"),
        (0x47, "SELFBALANCE"),
        (0x48, "BASEFEE"),
        (0x49, "BLOBHASH"),
        (0x4a, "BLOBBASEFEE"),
        (0xf0, "CREATE"),
        (0xf5, "CREATE2"),
        (0xff, "SELFDESTRUCT"),
    ] {
        assert_eq!(counts[op], 0, "{name} executed during validation");
    }
    // It did run: storage reads (the account's set) and the verifier's precompile calls.
    assert!(counts[0x54] >= 2 && counts[0xfa] >= 3, "SLOAD {} STATICCALL {}", counts[0x54], counts[0xfa]);
}

// ---- Through the EntryPoint 0.8 and OpenZeppelin's ERC-7579 account (both from npm) ----

#[test]
fn an_erc7579_account_executes_a_user_operation_validated_by_a_veil_proof() {
    let solc = Solc::locate().unwrap();
    let account_code = solc
        .compile(&[("Erc7579Account.sol", veil_verifier_contract::validator::ACCOUNT_SOURCE)])
        .unwrap()
        .remove("VeilTestAccount")
        .expect("OpenZeppelin's account compiles from the pinned package");
    let entry_point_code = entry_point_code().expect("npm ci --prefix scripts installs @account-abstraction/contracts");

    let mut env = deploy();
    let entry_point = env.chain.deploy(DEPLOYER, &entry_point_code, &[], U256::ZERO).unwrap();
    let install: Bytes = (word(env.set.root().unwrap()), U256::from(2)).abi_encode_params().into();
    let args = (entry_point, env.validator, install).abi_encode_params();
    let account = env.chain.deploy(DEPLOYER, &account_code.bytecode, &args, U256::ZERO).unwrap();
    env.chain.fund(account, U256::from(5_000_000_000_000_000_000u64));
    let payee = Address::repeat_byte(0xbb);

    // One user operation: the account pays 1 ether. Its nonce key names the validator
    // (OpenZeppelin's convention: the nonce's top 20 bytes).
    let key = veil_verifier_contract::validator::nonce_key(env.validator);
    let nonce = {
        let out = env
            .chain
            .call(
                DEPLOYER,
                entry_point,
                aa::IEntryPointV08::getNonceCall { sender: account, key }.abi_encode(),
                U256::ZERO,
            )
            .unwrap();
        aa::IEntryPointV08::getNonceCall::abi_decode_returns(&out.output).unwrap()
    };
    let call = veil_verifier_contract::validator::execute_single(payee, U256::from(1_000_000_000_000_000_000u64), &[]);
    let gas = |high: u128, low: u128| {
        let word: U256 = (U256::from(high) << 128) | U256::from(low);
        FixedBytes::<32>::from(word.to_be_bytes::<32>())
    };
    let mut op = aa::PackedUserOperation {
        sender: account,
        nonce,
        initCode: Bytes::new(),
        callData: call.into(),
        accountGasLimits: gas(1_000_000, 200_000),
        preVerificationGas: U256::from(60_000),
        gasFees: gas(0, 0),
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    };
    let hash = {
        let out = env
            .chain
            .call(
                DEPLOYER,
                entry_point,
                aa::IEntryPointV08::getUserOpHashCall { userOp: op.clone() }.abi_encode(),
                U256::ZERO,
            )
            .unwrap();
        aa::IEntryPointV08::getUserOpHashCall::abi_decode_returns(&out.output).unwrap()
    };
    let (after, until) = (NOW - 60, NOW + 3_600);
    let intent = env.view(
        DEPLOYER,
        VeilValidator::userOpIntentCall {
            userOpHash: hash,
            validAfter: after.try_into().unwrap(),
            validUntil: until.try_into().unwrap(),
        },
    );
    let proof = prove(&env.set.clone(), fr(intent), &[1, 2]);
    let bundler = Address::repeat_byte(0xb0);
    let handle = |env: &mut Env, op: &aa::PackedUserOperation| {
        let call = aa::IEntryPointV08::handleOpsCall { ops: vec![op.clone()], beneficiary: bundler };
        env.chain.call(bundler, entry_point, call.abi_encode(), U256::ZERO).unwrap()
    };
    // A window wider than the signers signed fails validation: the EntryPoint refuses (AA24).
    op.signature = op_signature(2, U256::from(after), U256::from(until + 1), &proof).into();
    let out = handle(&mut env, &op);
    assert!(!out.success);
    let failed = <aa::IEntryPointV08::FailedOp as alloy_sol_types::SolError>::abi_decode(&out.output).unwrap();
    assert!(failed.reason.contains("AA24"), "{}", failed.reason);
    // The signed window: executed, once.
    op.signature = op_signature(2, U256::from(after), U256::from(until), &proof).into();
    ok(&handle(&mut env, &op));
    assert_eq!(env.chain.balance(payee), U256::from(1_000_000_000_000_000_000u64));
    assert!(!handle(&mut env, &op).success, "a replay (the EntryPoint's nonce moved)");

    // ERC-1271 through the account: the validator's address, then its signature.
    let message = keccak256(b"a Permit2 transfer").0;
    let intent = env.view(DEPLOYER, VeilValidator::messageIntentCall { account, hash: message.into() });
    let proof = prove(&env.set.clone(), fr(intent), &[0, 3]);
    let mut signature = env.validator.to_vec();
    signature.extend((U256::from(2), proof_words(&proof)).abi_encode_params());
    let check = |env: &mut Env, hash: [u8; 32], signature: Vec<u8>| {
        let call = aa::IErc7579Account::isValidSignatureCall { hash: hash.into(), signature: signature.into() };
        let out = env.chain.call(DEPLOYER, account, call.abi_encode(), U256::ZERO).unwrap();
        aa::IErc7579Account::isValidSignatureCall::abi_decode_returns(&out.output).unwrap().0
    };
    assert_eq!(check(&mut env, message, signature.clone()), [0x16, 0x26, 0xba, 0x7e]);
    let tampered = keccak256(b"a Permit2 transfer, changed").0;
    assert_ne!(check(&mut env, tampered, signature), [0x16, 0x26, 0xba, 0x7e]);
}

/// The native twins: `veil_approver::userop`'s `userOpHash` is the EntryPoint 0.8's
/// `getUserOpHash` (with and without a factory and a paymaster, on random fields), its field
/// element the validator's `userOpIntent`, and `veil_approver::message`'s the validator's
/// `messageIntent`.
#[test]
fn user_operations_and_messages_hash_natively_as_the_entry_point_and_validator_do() {
    use rand::Rng;
    use veil_approver::{message::Message, userop::UserOperation};
    let mut env = deploy();
    let entry_point = env.chain.deploy(DEPLOYER, &entry_point_code().unwrap(), &[], U256::ZERO).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(4337);
    for round in 0..6 {
        let bytes = |rng: &mut ChaCha20Rng, n: usize| Bytes::from((0..n).map(|_| rng.gen()).collect::<Vec<u8>>());
        let (with_factory, with_paymaster) = (round % 2 == 1, round >= 3);
        let op = UserOperation {
            chain_id: 31_337,
            entry_point,
            sender: Address::from(rng.gen::<[u8; 20]>()),
            nonce: U256::from_be_bytes(rng.gen::<[u8; 32]>()),
            factory: with_factory.then(|| Address::from(rng.gen::<[u8; 20]>())),
            factory_data: if with_factory { bytes(&mut rng, 37) } else { Bytes::new() },
            call_data: bytes(&mut rng, round * 40),
            call_gas_limit: rng.gen(),
            verification_gas_limit: rng.gen(),
            pre_verification_gas: U256::from_be_bytes(rng.gen::<[u8; 32]>()),
            max_fee_per_gas: rng.gen(),
            max_priority_fee_per_gas: rng.gen(),
            paymaster: with_paymaster.then(|| Address::from(rng.gen::<[u8; 20]>())),
            paymaster_verification_gas_limit: if with_paymaster { rng.gen() } else { 0 },
            paymaster_post_op_gas_limit: if with_paymaster { rng.gen() } else { 0 },
            paymaster_data: if with_paymaster { bytes(&mut rng, 5) } else { Bytes::new() },
            valid_after: rng.gen_range(0..1 << 40),
            valid_until: if round == 0 { 0 } else { rng.gen_range(1 << 40..1 << 48) },
            signature: None,
        };
        let packed = op.packed();
        let on_chain = aa::PackedUserOperation {
            sender: packed.sender,
            nonce: packed.nonce,
            initCode: packed.initCode,
            callData: packed.callData,
            accountGasLimits: packed.accountGasLimits,
            preVerificationGas: packed.preVerificationGas,
            gasFees: packed.gasFees,
            paymasterAndData: packed.paymasterAndData,
            signature: bytes(&mut rng, 11),
        };
        let call = aa::IEntryPointV08::getUserOpHashCall { userOp: on_chain };
        let out = env.chain.call(DEPLOYER, entry_point, call.abi_encode(), U256::ZERO).unwrap();
        let hash = aa::IEntryPointV08::getUserOpHashCall::abi_decode_returns(&out.output).unwrap();
        assert_eq!(op.user_op_hash(), hash, "round {round}");
        let intent = env.view(
            DEPLOYER,
            VeilValidator::userOpIntentCall {
                userOpHash: hash,
                validAfter: op.valid_after.try_into().unwrap(),
                validUntil: op.valid_until.try_into().unwrap(),
            },
        );
        assert_eq!(fr(intent), op.field_element(), "round {round}");

        let message = Message {
            chain_id: 31_337,
            account: Address::from(rng.gen::<[u8; 20]>()),
            validator: None,
            hash: rng.gen::<[u8; 32]>().into(),
            typed_data: None,
        };
        let intent =
            env.view(DEPLOYER, VeilValidator::messageIntentCall { account: message.account, hash: message.hash });
        assert_eq!(fr(intent), message.field_element(), "round {round}");
    }
}
