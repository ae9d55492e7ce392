//! The gas of every entry point, measured on the in-memory chain with real proofs (what
//! `veil gas` prints and the README tables): both verifiers next to the EIP-1108 floor and to
//! snarkjs's verifier for the same key, and `VeilAccount`'s `execute`, `approve` and
//! `executeQueued`.
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use rand::{CryptoRng, RngCore};
use veil_approver::{intent::Intent, witness::WitnessError};
use veil_prover::{snarkjs::VerificationKeyJson, Proof, VerifyingKey};

use crate::{
    account::{IApprovalVerifier, IThresholdVerifier},
    evm::{Chain, EvmError, Outcome},
    harness::{describe_revert, proof_words, Deployment, HarnessError},
    policy::{
        desk, sol_intent, Desk, DeskError, IPolicyVerifier, PolicyArtifacts, VeilPolicyAccount, TRADER, TREASURY, USDC,
    },
    scenario::{word, Scenario, ScenarioError},
    solc::{Solc, SolcError},
};

/// The EIP-1108 floor of a Groth16 verification with `n` public inputs: one 4-pair pairing
/// (45,000 + 4·34,000) and an ecMul (6,000) and ecAdd (150) per input.
#[must_use]
pub const fn floor(n: u64) -> u64 {
    181_000 + 6_150 * n
}

/// One measured entry point.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GasRow {
    /// What was called.
    pub entry: String,
    /// Execution gas (the transaction's gas less the intrinsic 21,000 and calldata).
    pub execution_gas: u64,
    /// The whole transaction's gas.
    pub transaction_gas: u64,
    /// The EIP-1108 floor, for verifiers.
    pub floor: Option<u64>,
    /// snarkjs's verifier for the same key and proof, execution gas.
    pub snarkjs: Option<u64>,
    /// What the figure includes.
    pub note: String,
}

impl GasRow {
    fn new(entry: &str, out: &Outcome, note: &str) -> Self {
        Self {
            entry: entry.to_owned(),
            execution_gas: out.execution_gas,
            transaction_gas: out.gas_used,
            floor: None,
            snarkjs: None,
            note: note.to_owned(),
        }
    }
}

const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;

fn expect_success(what: &str, out: Outcome) -> Result<Outcome, ScenarioError> {
    if out.success {
        Ok(out)
    } else {
        Err(HarnessError::Evm(EvmError(format!("{what} reverted: {}", describe_revert(&out.output)))).into())
    }
}

/// snarkjs's verifier for `vk`, deployed on `chain`: call it with [`call_snarkjs`].
fn deploy_snarkjs(solc: &Solc, chain: &mut Chain, vk: &VerifyingKey) -> Result<Address, ScenarioError> {
    let vk_json = serde_json::to_string(&VerificationKeyJson::from(vk)).expect("serializable");
    let sol = solc.render_snarkjs_verifier(&vk_json).map_err(HarnessError::Solc)?;
    let code = solc
        .compile(&[("Groth16Verifier.sol", &sol)])
        .map_err(HarnessError::Solc)?
        .remove("Groth16Verifier")
        .ok_or_else(|| HarnessError::Solc(SolcError::Missing("Groth16Verifier".into())))?;
    Ok(chain.deploy(Address::repeat_byte(0x5a), &code.bytecode, &[], U256::ZERO)?)
}

/// Calls snarkjs's `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[n] inputs) returns (bool)`
/// with proof words in veil's calldata order (which is snarkjs's, flattened).
fn call_snarkjs(
    chain: &mut Chain,
    verifier: Address,
    words: &[U256; 8],
    inputs: &[U256],
) -> Result<Outcome, ScenarioError> {
    let signature = format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{}])", inputs.len());
    let mut data = alloy_primitives::keccak256(signature)[..4].to_vec();
    for x in words.iter().chain(inputs) {
        data.extend_from_slice(&x.to_be_bytes::<32>());
    }
    Ok(chain.call(Address::repeat_byte(0x5a), verifier, data, U256::ZERO)?)
}

/// The execution gas of snarkjs's verifier accepting `proof`.
fn snarkjs_gas(chain: &mut Chain, verifier: Address, proof: &Proof, inputs: &[U256]) -> Result<u64, ScenarioError> {
    let out = expect_success("snarkjs verifyProof", call_snarkjs(chain, verifier, &proof_words(proof), inputs)?)?;
    if out.output.last() != Some(&1) {
        return Err(HarnessError::Evm(EvmError("snarkjs's verifier returned false".into())).into());
    }
    Ok(out.execution_gas)
}

/// Measures every entry point once, with fresh proofs from `scenario` (which needs at least
/// three members and `k_max` ≥ 3).
///
/// # Errors
/// Any failure to prove, compile or execute; a call that reverts is an error.
pub fn measure<R: RngCore + CryptoRng>(
    solc: &Solc,
    scenario: &Scenario,
    rng: &mut R,
) -> Result<Vec<GasRow>, ScenarioError> {
    let members: Vec<usize> = (0..scenario.members.len()).collect();
    let set = scenario.set(&members);
    let root = word(set.root().ok_or(WitnessError::EmptySet)?);
    let deploy =
        |delay| Deployment::new(Chain::new(CHAIN_ID, NOW), &scenario.artifacts, root, 3, delay, U256::from(10 * ETHER));
    let mut d = deploy(0)?;
    let pay = |nonce: u64, to: Address| Intent {
        chain_id: CHAIN_ID,
        account: d.account,
        target: to,
        value: U256::from(ETHER),
        data: Bytes::new(),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    };
    let first = pay(0, Address::repeat_byte(0xb1));
    let second = pay(1, Address::repeat_byte(0xb2));
    let mut rows = Vec::new();

    // The verifiers alone, next to the floor and to snarkjs's.
    let tproof = scenario.threshold_proof(&set, &first, &[0, 1, 2], rng)?;
    let tinput = [root, word(first.field_element()), U256::from(3)];
    let call = IThresholdVerifier::verifyProofCall { proof: proof_words(&tproof), input: tinput }.abi_encode();
    let out = expect_success("ThresholdVerifier", d.chain.call(d.operator, d.threshold_verifier, call, U256::ZERO)?)?;
    let mut row = GasRow::new("ThresholdVerifier.verifyProof", &out, "3 public inputs");
    row.floor = Some(floor(3));
    let snarkjs_threshold = deploy_snarkjs(solc, &mut d.chain, scenario.threshold.verifying_key())?;
    row.snarkjs = Some(snarkjs_gas(&mut d.chain, snarkjs_threshold, &tproof, &tinput)?);
    rows.push(row);

    let (aproof, nullifier) = scenario.approval_proof(&set, &first, 0, rng)?;
    let m = word(first.field_element());
    let ainput = [root, nullifier, m, m];
    let call = IApprovalVerifier::verifyProofCall { proof: proof_words(&aproof), input: ainput }.abi_encode();
    let out = expect_success("ApprovalVerifier", d.chain.call(d.operator, d.approval_verifier, call, U256::ZERO)?)?;
    let mut row = GasRow::new("ApprovalVerifier.verifyProof", &out, "4 public inputs");
    row.floor = Some(floor(4));
    let snarkjs_approval = deploy_snarkjs(solc, &mut d.chain, scenario.approval.verifying_key())?;
    row.snarkjs = Some(snarkjs_gas(&mut d.chain, snarkjs_approval, &aproof, &ainput)?);
    rows.push(row);

    // A malformed proof: B off the twist.
    let mut words = proof_words(&tproof);
    words[3] += U256::from(1);
    let call = IThresholdVerifier::verifyProofCall { proof: words, input: tinput }.abi_encode();
    let out = d.chain.call(d.operator, d.threshold_verifier, call, U256::ZERO)?;
    if out.success {
        return Err(HarnessError::Evm(EvmError("a proof with B off the curve was accepted".into())).into());
    }
    let mut row = GasRow::new(
        "ThresholdVerifier.verifyProof, B off the curve",
        &out,
        "veil reverts ProofPointNotOnCurve(1); snarkjs's returns false once the failing pairing precompile has consumed the gas forwarded to it (30M-gas transaction)",
    );
    row.snarkjs = Some(call_snarkjs(&mut d.chain, snarkjs_threshold, &words, &tinput)?.execution_gas);
    rows.push(row);

    // execute: a 3-of-5 Threshold proof paying 1 ETH.
    let out = expect_success("execute", d.execute(&first, 3, &tproof)?)?;
    rows.push(GasRow::new("VeilAccount.execute", &out, "Threshold proof, 1 ETH to a new account"));

    // approve: three Approval proofs for the next payment.
    let mut outs = Vec::new();
    for member in [1, 3, 4] {
        let (proof, nullifier) = scenario.approval_proof(&set, &second, member, rng)?;
        outs.push(expect_success("approve", d.approve(&second, nullifier, &proof)?)?);
    }
    rows.push(GasRow::new("VeilAccount.approve (counted)", &outs[0], "first of 3 approvals"));
    rows.push(GasRow::new("VeilAccount.approve (executes)", &outs[2], "3rd approval, 1 ETH to a new account"));

    // With a time-lock: execute queues, executeQueued runs it.
    let mut d = deploy(3_600)?;
    let queued = Intent { account: d.account, ..first };
    let proof = scenario.threshold_proof(&set, &queued, &[2, 3, 4], rng)?;
    let out = expect_success("execute (queue)", d.execute(&queued, 3, &proof)?)?;
    rows.push(GasRow::new("VeilAccount.execute (time-lock: queues)", &out, "Threshold proof"));
    d.chain.set_timestamp(NOW + 3_600);
    let out = expect_success("executeQueued", d.execute_queued(&queued)?)?;
    rows.push(GasRow::new("VeilAccount.executeQueued", &out, "1 ETH to a new account"));
    Ok(rows)
}

/// Measures `VeilPolicyAccount` on the derivatives desk with Policy proofs of `key`: the
/// verifier alone (6 public inputs) next to the floor and snarkjs's, `execute` at once (the
/// trader's margin deposit: the token moves), `execute` queueing (the treasury's 48 h
/// payment) and `executeQueued`.
///
/// # Errors
/// Any failure to prove, compile or execute; a call that reverts is an error.
pub fn measure_policy<R: RngCore + CryptoRng>(
    solc: &Solc,
    artifacts: &PolicyArtifacts,
    key: &veil_prover::ProverKey,
    rng: &mut R,
) -> Result<Vec<GasRow>, DeskError> {
    let evm = |e: ScenarioError| match e {
        ScenarioError::Harness(h) => DeskError::Harness(h),
        other => DeskError::Policy(other.to_string()),
    };
    let mut d = Desk::deploy(
        Chain::new(CHAIN_ID, NOW),
        artifacts,
        key.clone(),
        U256::from(10 * ETHER),
        veil_approver::policy::Entropy::Os,
        rng,
    )?;
    let mut rows = Vec::new();
    // The treasury lets the margin contract pull tokens (2 of 3, 48 h): queue, then run.
    let (token, margin, account) = (d.token, d.margin, d.account);
    let lead = 48 * 3_600;
    let approve = desk::MockUSDC::approveCall { spender: margin, amount: U256::MAX }.abi_encode();
    let intent = d.intent(token, U256::ZERO, approve, NOW + lead)?;
    let proof = d.prove(&intent, lead, &TREASURY[..2], rng)?;
    let out = expect_success("execute (queue)", d.execute(&intent, lead, &proof)?).map_err(evm)?;
    rows.push(GasRow::new("VeilPolicyAccount.execute (lead: queues)", &out, "Policy proof, treasury 2 of 3, 48 h"));
    d.chain.set_timestamp(NOW + lead);
    let out = expect_success("executeQueued", d.execute_queued(&intent)?).map_err(evm)?;
    rows.push(GasRow::new("VeilPolicyAccount.executeQueued", &out, "ERC-20 approve"));

    // The trader's deposit: the verifier alone, then execute.
    let deposit = desk::MockMargin::depositCall { amount: U256::from(40_000 * USDC) }.abi_encode();
    let intent = d.intent(margin, U256::ZERO, deposit, 0)?;
    let proof = d.prove(&intent, 0, &[TRADER], rng)?;
    let input = d.read(account, &VeilPolicyAccount::publicInputsCall { intent: sol_intent(&intent), lead: 0 })?;
    let call = IPolicyVerifier::verifyProofCall { proof: proof_words(&proof), input }.abi_encode();
    let out = expect_success("PolicyVerifier", d.chain.call(d.operator, d.verifier, call, U256::ZERO)?).map_err(evm)?;
    let mut row = GasRow::new("PolicyVerifier.verifyProof", &out, "6 public inputs");
    row.floor = Some(floor(6));
    let snarkjs = deploy_snarkjs(solc, &mut d.chain, key.verifying_key()).map_err(evm)?;
    row.snarkjs = Some(snarkjs_gas(&mut d.chain, snarkjs, &proof, &input).map_err(evm)?);
    rows.push(row);
    let out = expect_success("execute", d.execute(&intent, 0, &proof)?).map_err(evm)?;
    rows.push(GasRow::new(
        "VeilPolicyAccount.execute",
        &out,
        "Policy proof, trader 1 of 1, margin deposit (ERC-20 transferFrom)",
    ));
    Ok(rows)
}

/// Measures `VeilSafeModule` on a real Safe (1.5.0, from its npm package): `execute` (a
/// Threshold proof; the Safe pays 1 ETH through `execTransactionFromModuleReturnData`) and
/// `approve` (counted, and the approval that executes).
///
/// # Errors
/// Any failure to prove, compile, read the Safe's artifacts or execute; a revert is an error.
pub fn measure_safe<R: RngCore + CryptoRng>(
    solc: &Solc,
    scenario: &Scenario,
    rng: &mut R,
) -> Result<Vec<GasRow>, ScenarioError> {
    use crate::safe::{deploy_safe, exec_as_owner, ISafeAdmin, SafeArtifacts, SafeVersion, VeilSafeModule};
    let evm = |e: crate::safe::SafeError| HarnessError::Evm(EvmError(e.to_string()));
    let members: Vec<usize> = (0..scenario.members.len()).collect();
    let set = scenario.set(&members);
    let root = word(set.root().ok_or(WitnessError::EmptySet)?);
    let (deployer, owner) = (Address::repeat_byte(0x0e), Address::repeat_byte(0x0a));
    let mut chain = Chain::new(CHAIN_ID, NOW);
    chain.fund(deployer, U256::from(ETHER));
    let artifacts = SafeArtifacts::load(SafeVersion::V1_5_0).map_err(evm)?;
    let safe = deploy_safe(&mut chain, &artifacts, deployer, &[owner], 1, U256::from(10 * ETHER)).map_err(evm)?.safe;
    let module_code = solc
        .compile(&[("VeilSafeModule.sol", crate::safe::SOURCE)])
        .map_err(HarnessError::Solc)?
        .remove("VeilSafeModule")
        .ok_or_else(|| HarnessError::Solc(SolcError::Missing("VeilSafeModule".into())))?;
    let av = chain.deploy(deployer, &scenario.artifacts.approval_verifier.bytecode, &[], U256::ZERO)?;
    let tv = chain.deploy(deployer, &scenario.artifacts.threshold_verifier.bytecode, &[], U256::ZERO)?;
    let args = alloy_sol_types::SolConstructor::abi_encode(&VeilSafeModule::constructorCall {
        safe_: safe,
        thresholdVerifier_: tv,
        approvalVerifier_: av,
        root_: root,
        threshold_: U256::from(3),
        delay_: 0,
        allowDelegateCall_: false,
    });
    let module = chain.deploy(deployer, &module_code.bytecode, &args, U256::ZERO)?;
    let enable = ISafeAdmin::enableModuleCall { module }.abi_encode();
    expect_success("enableModule", exec_as_owner(&mut chain, safe, owner, safe, enable).map_err(evm)?)?;
    let pay = |nonce: u64, to: Address| Intent {
        chain_id: CHAIN_ID,
        account: module,
        target: to,
        value: U256::from(ETHER),
        data: Bytes::new(),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    };
    let sol = |i: &Intent| VeilSafeModule::Intent {
        target: i.target,
        value: i.value,
        data: i.data.clone(),
        nonce: i.nonce,
        validAfter: i.valid_after,
        validUntil: i.valid_until,
    };
    let mut rows = Vec::new();
    let first = pay(0, Address::repeat_byte(0xb1));
    let proof = scenario.threshold_proof(&set, &first, &[0, 1, 2], rng)?;
    let call = VeilSafeModule::executeCall { intent: sol(&first), signers: U256::from(3), proof: proof_words(&proof) };
    let out = expect_success("module execute", chain.call(deployer, module, call.abi_encode(), U256::ZERO)?)?;
    rows.push(GasRow::new("VeilSafeModule.execute", &out, "Threshold proof, the Safe pays 1 ETH to a new account"));
    let second = pay(1, Address::repeat_byte(0xb2));
    let mut outs = Vec::new();
    for member in [1, 3, 4] {
        let (proof, nullifier) = scenario.approval_proof(&set, &second, member, rng)?;
        let call = VeilSafeModule::approveCall { intent: sol(&second), nullifier, proof: proof_words(&proof) };
        outs.push(expect_success("module approve", chain.call(deployer, module, call.abi_encode(), U256::ZERO)?)?);
    }
    rows.push(GasRow::new("VeilSafeModule.approve (counted)", &outs[0], "first of 3 approvals"));
    rows.push(GasRow::new("VeilSafeModule.approve (executes)", &outs[2], "3rd approval, the Safe pays 1 ETH"));
    Ok(rows)
}

/// Measures `VeilValidator`: `validateUserOp` alone (the account's call into the module),
/// and `EntryPoint.handleOps` of one user operation of OpenZeppelin's ERC-7579 account
/// (EntryPoint 0.8 and `@openzeppelin/contracts` from their npm packages) paying 1 ETH.
///
/// # Errors
/// Any failure to prove, compile, read the EntryPoint's artifact or execute; a revert is an
/// error.
pub fn measure_validator<R: RngCore + CryptoRng>(
    solc: &Solc,
    scenario: &Scenario,
    rng: &mut R,
) -> Result<Vec<GasRow>, ScenarioError> {
    use alloy_sol_types::SolValue;
    use ark_ff::PrimeField;

    use crate::validator::{aa, entry_point_code, VeilValidator};
    let evm = |e: crate::safe::SafeError| HarnessError::Evm(EvmError(e.to_string()));
    let members: Vec<usize> = (0..scenario.members.len()).collect();
    let set = scenario.set(&members);
    let root = word(set.root().ok_or(WitnessError::EmptySet)?);
    let (deployer, eoa_account, bundler) =
        (Address::repeat_byte(0x0e), Address::repeat_byte(0xa1), Address::repeat_byte(0xb0));
    let mut rows = Vec::new();
    let mut chain = Chain::new(CHAIN_ID, NOW);
    let mut compiled = solc
        .compile(&[
            ("VeilValidator.sol", crate::validator::SOURCE),
            ("Erc7579Account.sol", crate::validator::ACCOUNT_SOURCE),
        ])
        .map_err(HarnessError::Solc)?;
    let mut take =
        |name: &str| compiled.remove(name).ok_or_else(|| HarnessError::Solc(SolcError::Missing(name.into())));
    let (validator_code, account_code) = (take("VeilValidator")?, take("VeilTestAccount")?);
    let tv = chain.deploy(deployer, &scenario.artifacts.threshold_verifier.bytecode, &[], U256::ZERO)?;
    let validator = chain.deploy(deployer, &validator_code.bytecode, &tv.abi_encode(), U256::ZERO)?;
    let entry_point = chain.deploy(deployer, &entry_point_code().map_err(evm)?, &[], U256::ZERO)?;
    let install: Bytes = (root, U256::from(3)).abi_encode_params().into();
    let args = (entry_point, validator, install.clone()).abi_encode_params();
    let account = chain.deploy(deployer, &account_code.bytecode, &args, U256::ZERO)?;
    chain.fund(account, U256::from(10 * ETHER));
    let read = |chain: &mut Chain, to: Address, data: Vec<u8>| -> Result<Bytes, ScenarioError> {
        Ok(expect_success("view", chain.call(deployer, to, data, U256::ZERO)?)?.output)
    };
    let decode = |e: alloy_sol_types::Error| HarnessError::Evm(EvmError(format!("decoding: {e}")));
    let key = crate::validator::nonce_key(validator);
    let out = read(&mut chain, entry_point, aa::IEntryPointV08::getNonceCall { sender: account, key }.abi_encode())?;
    let nonce = aa::IEntryPointV08::getNonceCall::abi_decode_returns(&out).map_err(decode)?;
    let call = crate::validator::execute_single(Address::repeat_byte(0xb1), U256::from(ETHER), &[]);
    let limits: U256 = (U256::from(1_000_000u64) << 128) | U256::from(200_000u64);
    let limits = B256::from(limits.to_be_bytes::<32>());
    let mut op = aa::PackedUserOperation {
        sender: account,
        nonce,
        initCode: Bytes::new(),
        callData: call.into(),
        accountGasLimits: limits,
        preVerificationGas: U256::from(60_000),
        gasFees: B256::ZERO,
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    };
    let out = read(&mut chain, entry_point, aa::IEntryPointV08::getUserOpHashCall { userOp: op.clone() }.abi_encode())?;
    let hash = aa::IEntryPointV08::getUserOpHashCall::abi_decode_returns(&out).map_err(decode)?;
    let intent_call = VeilValidator::userOpIntentCall {
        userOpHash: hash,
        validAfter: alloy_primitives::aliases::U48::ZERO,
        validUntil: alloy_primitives::aliases::U48::ZERO,
    };
    let out = read(&mut chain, validator, intent_call.abi_encode())?;
    let intent = VeilValidator::userOpIntentCall::abi_decode_returns(&out).map_err(decode)?;
    let intent = veil_circuits::Fr::from_be_bytes_mod_order(&intent.to_be_bytes::<32>());
    let proof = scenario.threshold_proof_of(&set, intent, &[0, 2, 4], rng)?;
    op.signature = (U256::from(3), U256::ZERO, U256::ZERO, proof_words(&proof)).abi_encode_params().into();

    // validateUserOp alone, as an account (here an EOA that installed the module) calls it.
    expect_success(
        "onInstall",
        chain.call(eoa_account, validator, VeilValidator::onInstallCall { data: install }.abi_encode(), U256::ZERO)?,
    )?;
    let direct = VeilValidator::validateUserOpCall {
        userOp: crate::validator::PackedUserOperation {
            sender: op.sender,
            nonce: op.nonce,
            initCode: op.initCode.clone(),
            callData: op.callData.clone(),
            accountGasLimits: op.accountGasLimits,
            preVerificationGas: op.preVerificationGas,
            gasFees: op.gasFees,
            paymasterAndData: op.paymasterAndData.clone(),
            signature: op.signature.clone(),
        },
        userOpHash: hash,
    };
    let out = expect_success("validateUserOp", chain.call(eoa_account, validator, direct.abi_encode(), U256::ZERO)?)?;
    rows.push(GasRow::new("VeilValidator.validateUserOp", &out, "Threshold proof, 3 public inputs; returns 0"));
    let handle = aa::IEntryPointV08::handleOpsCall { ops: vec![op], beneficiary: bundler };
    let out = expect_success("handleOps", chain.call(bundler, entry_point, handle.abi_encode(), U256::ZERO)?)?;
    rows.push(GasRow::new(
        "EntryPoint.handleOps (1 op, VeilValidator)",
        &out,
        "OpenZeppelin's ERC-7579 account pays 1 ETH to a new account",
    ));

    // ERC-1271 through the account: the validator's address, then abi.encode(k, proof).
    let message = veil_approver::message::Message {
        chain_id: CHAIN_ID,
        account,
        validator: Some(validator),
        hash: B256::repeat_byte(0x12),
        typed_data: None,
    };
    let proof = scenario.threshold_proof_of(&set, message.field_element(), &[1, 3, 4], rng)?;
    let inner = veil_approver::message::Message::validator_signature(U256::from(3), proof_words(&proof));
    let check = aa::IErc7579Account::isValidSignatureCall {
        hash: message.hash,
        signature: [validator.as_slice(), &inner].concat().into(),
    };
    let out = expect_success("isValidSignature", chain.call(deployer, account, check.abi_encode(), U256::ZERO)?)?;
    let answer = aa::IErc7579Account::isValidSignatureCall::abi_decode_returns(&out.output).map_err(decode)?;
    if answer.0 != veil_approver::message::ERC1271_VALID {
        return Err(HarnessError::Evm(EvmError(format!("isValidSignature answered {answer}"))).into());
    }
    rows.push(GasRow::new(
        "account.isValidSignature (ERC-1271, VeilValidator)",
        &out,
        "OpenZeppelin's ERC-7579 account; a view: gas when called on chain",
    ));
    Ok(rows)
}

/// The rows as a Markdown table.
#[must_use]
pub fn markdown(rows: &[GasRow]) -> String {
    let mut s = String::from(
        "| entry point | execution gas | transaction gas | EIP-1108 floor | snarkjs's verifier | note |\n|---|--:|--:|--:|--:|---|\n",
    );
    // "reference (veil ±difference)".
    let versus = |reference: Option<u64>, ours: u64| {
        reference.map_or_else(String::new, |v| format!("{v} (veil {:+})", i128::from(ours) - i128::from(v)))
    };
    for r in rows {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.entry,
            r.execution_gas,
            r.transaction_gas,
            versus(r.floor, r.execution_gas),
            versus(r.snarkjs, r.execution_gas),
            r.note
        );
    }
    s
}
