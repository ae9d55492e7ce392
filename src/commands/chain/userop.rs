//! `veil userop`: ERC-4337 user operations of ERC-7579 accounts whose `VeilValidator`
//! holds the set: build one, prove it from the members' signatures, send it to the
//! EntryPoint (or a bundler).

use std::path::PathBuf;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent};
use clap::{Args, Subcommand};
use veil_approver::{signature::Subject, userop::UserOperation};
use veil_chain::Client;
use veil_verifier_contract::{
    harness::proof_words,
    scenario::word,
    validator::{aa, execute_single, nonce_key},
};

use super::{chain_error, connect, validator_of, RpcArgs, SignerArgs};
use crate::{
    commands::prove::{threshold_of, ThresholdSigners},
    exit::{bad_input, input_error, FAILURE, OK},
};

/// The EntryPoint 0.8's address on every chain where it is deployed (CREATE2).
pub const ENTRY_POINT_V08: &str = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";

/// The file `veil userop prove` writes beside the proof.
const SIGNED_FILE: &str = "userop.json";

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum UserOpCommand {
    /// Write a user-operation file for an ERC-7579 account whose VeilValidator holds the
    /// set: one call (ERC-7579 `execute`, or --call-data as given), the nonce under the
    /// validator's key, gas and fees, and the window the members sign. Prints the field
    /// element they sign (`veil sign --userop`).
    New(NewArgs),
    /// Prove that k members of the set signed the operation (their `veil sign --userop`
    /// files): writes OUT/proof.json, OUT/public.json and OUT/userop.json (the operation
    /// with its signature). Prints the userOpHash.
    Prove(ProveArgs),
    /// Send a proven operation: to the EntryPoint's `handleOps` from the signer's account
    /// (no bundler needed; the signer is paid back as beneficiary), or to a bundler with
    /// --bundler-url (`eth_sendUserOperation`). Checked first: the chain, the nonce, the
    /// window. Exit codes: 0 executed (or accepted by the bundler), 1 refused (validation
    /// failed, a used nonce, a closed window, the account's call reverted), 2 bad input, 75
    /// transient.
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Read the chain id, the EntryPoint's nonce and the fees from this node (JSON-RPC).
    #[arg(long, value_name = "URL")]
    rpc_url: Option<String>,
    /// The chain id (EIP-155); with --rpc-url, read from the node (and checked if given).
    #[arg(long, required_unless_present = "rpc_url")]
    chain_id: Option<u64>,
    /// The EntryPoint (0.8).
    #[arg(long, default_value = ENTRY_POINT_V08)]
    entry_point: Address,
    /// The account (the operation's sender).
    #[arg(long)]
    account: Address,
    /// The account's VeilValidator (its address keys the nonce, which routes the operation
    /// to it).
    #[arg(long, required_unless_present = "deployment")]
    validator: Option<Address>,
    /// Take the validator from this deployment record (`veil deploy --validator`).
    #[arg(long, value_name = "RECORD", conflicts_with = "validator")]
    deployment: Option<PathBuf>,
    /// The call's target (the account calls it through its ERC-7579 `execute`).
    #[arg(long, required_unless_present = "call_data")]
    target: Option<Address>,
    /// Wei sent with the call (decimal, or 0x-hex).
    #[arg(long, default_value = "0")]
    value: U256,
    /// The call's calldata, 0x-hex.
    #[arg(long, default_value = "0x")]
    data: Bytes,
    /// The operation's callData as given, instead of an ERC-7579 `execute` of --target.
    #[arg(long, conflicts_with_all = ["target", "value", "data"])]
    call_data: Option<Bytes>,
    /// The EntryPoint nonce (decimal, or 0x-hex); with --rpc-url, the account's next under
    /// the validator's key.
    #[arg(long, required_unless_present = "rpc_url")]
    nonce: Option<U256>,
    /// First valid second (unix time); 0 for at once.
    #[arg(long, default_value_t = 0)]
    valid_after: u64,
    /// Last valid second (unix time); 0 for no expiry.
    #[arg(long, default_value_t = 0)]
    valid_until: u64,
    /// Gas for the account's execution of the call.
    #[arg(long, default_value_t = 300_000)]
    call_gas_limit: u128,
    /// Gas for validation (the proof's verification is about 215,000 of it).
    #[arg(long, default_value_t = 600_000)]
    verification_gas_limit: u128,
    /// Gas paid for what the EntryPoint does not meter.
    #[arg(long, default_value_t = 60_000)]
    pre_verification_gas: u64,
    /// EIP-1559 fee cap, wei per gas; with --rpc-url, the node's estimate by default.
    #[arg(long, required_unless_present = "rpc_url")]
    max_fee_per_gas: Option<u128>,
    /// EIP-1559 tip, wei per gas; with --rpc-url, the node's estimate by default.
    #[arg(long, required_unless_present = "rpc_url")]
    max_priority_fee_per_gas: Option<u128>,
    /// A factory deploying the account with this operation.
    #[arg(long)]
    factory: Option<Address>,
    /// The factory's calldata.
    #[arg(long, default_value = "0x", requires = "factory")]
    factory_data: Bytes,
    /// A paymaster paying for the operation.
    #[arg(long)]
    paymaster: Option<Address>,
    /// The paymaster's data.
    #[arg(long, default_value = "0x", requires = "paymaster")]
    paymaster_data: Bytes,
    /// The paymaster's validation gas.
    #[arg(long, default_value_t = 0, requires = "paymaster")]
    paymaster_verification_gas_limit: u128,
    /// The paymaster's post-operation gas.
    #[arg(long, default_value_t = 0, requires = "paymaster")]
    paymaster_post_op_gas_limit: u128,
    /// Where to write the operation.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The user-operation file (`veil userop new`).
    #[arg(long)]
    userop: PathBuf,
    #[command(flatten)]
    signers: ThresholdSigners,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// The proven user-operation file (`veil userop prove`: OUT/userop.json).
    #[arg(long)]
    userop: PathBuf,
    /// Send to this bundler (`eth_sendUserOperation`) instead of calling `handleOps`; no
    /// signer is needed then.
    #[arg(long, value_name = "URL")]
    bundler_url: Option<String>,
    /// Who receives the EntryPoint's refund of the gas (default: the signer).
    #[arg(long, conflicts_with = "bundler_url")]
    beneficiary: Option<Address>,
}

pub fn run(c: UserOpCommand) -> anyhow::Result<u8> {
    match c {
        UserOpCommand::New(a) => new(&a),
        UserOpCommand::Prove(a) => prove(&a),
        UserOpCommand::Send(a) => send(&a),
    }
}

fn new(a: &NewArgs) -> anyhow::Result<u8> {
    let validator = validator_of(a.validator, a.deployment.as_deref())?.expect("clap requires one");
    let call_data = match &a.call_data {
        Some(raw) => raw.clone(),
        None => execute_single(a.target.expect("required without --call-data"), a.value, &a.data).into(),
    };
    let (chain_id, nonce, fees) = match &a.rpc_url {
        None => (
            a.chain_id.expect("required without --rpc-url"),
            a.nonce.expect("required without --rpc-url"),
            (
                a.max_fee_per_gas.expect("required without --rpc-url"),
                a.max_priority_fee_per_gas.expect("required without --rpc-url"),
            ),
        ),
        Some(url) => {
            let client = Client::connect(url, None).map_err(chain_error)?;
            if let Some(given) = a.chain_id.filter(|&c| c != client.chain_id) {
                return Err(bad_input(format!(
                    "--chain-id {given}: the node at --rpc-url is chain {}",
                    client.chain_id
                )));
            }
            if !client.has_code(a.entry_point).map_err(chain_error)? {
                return Err(bad_input(format!(
                    "--entry-point {}: no contract there on chain {}",
                    a.entry_point, client.chain_id
                )));
            }
            if a.factory.is_none() && !client.has_code(a.account).map_err(chain_error)? {
                return Err(bad_input(format!(
                    "--account {}: no contract there on chain {} (give --factory to deploy it with the operation)",
                    a.account, client.chain_id
                )));
            }
            let nonce = match a.nonce {
                Some(n) => n,
                None => client
                    .read(
                        a.entry_point,
                        &aa::IEntryPointV08::getNonceCall { sender: a.account, key: nonce_key(validator) },
                    )
                    .map_err(chain_error)?,
            };
            let fees = match (a.max_fee_per_gas, a.max_priority_fee_per_gas) {
                (Some(max), Some(tip)) => (max, tip),
                (max, tip) => {
                    let (est_max, est_tip) = client.fees().map_err(chain_error)?;
                    (max.unwrap_or(est_max), tip.unwrap_or(est_tip))
                }
            };
            (client.chain_id, nonce, fees)
        }
    };
    if nonce >> 96 != U256::from_be_slice(validator.as_slice()) {
        return Err(bad_input(format!(
            "--nonce {nonce:#x}: its key (the top 192 bits) does not name the validator {validator}, so the account \
             would not route the operation to it"
        )));
    }
    let op = UserOperation {
        chain_id,
        entry_point: a.entry_point,
        sender: a.account,
        nonce,
        factory: a.factory,
        factory_data: a.factory_data.clone(),
        call_data,
        call_gas_limit: a.call_gas_limit,
        verification_gas_limit: a.verification_gas_limit,
        pre_verification_gas: U256::from(a.pre_verification_gas),
        max_fee_per_gas: fees.0,
        max_priority_fee_per_gas: fees.1,
        paymaster: a.paymaster,
        paymaster_verification_gas_limit: a.paymaster_verification_gas_limit,
        paymaster_post_op_gas_limit: a.paymaster_post_op_gas_limit,
        paymaster_data: a.paymaster_data.clone(),
        valid_after: a.valid_after,
        valid_until: a.valid_until,
        signature: None,
    };
    op.save(&a.out).map_err(|e| input_error(&e))?;
    eprintln!("wrote {} (userOpHash {})", a.out.display(), op.user_op_hash());
    println!("{}", op.field_element());
    Ok(OK)
}

fn prove(a: &ProveArgs) -> anyhow::Result<u8> {
    let op = UserOperation::load(&a.userop).map_err(|e| input_error(&e))?;
    let (proof, inputs) = threshold_of(&Subject::from(&op), &a.userop, &a.signers)?;
    let signature = op.encode_signature(word(inputs[veil_circuits::threshold::K]), proof_words(&proof));
    let signed = UserOperation { signature: Some(signature), ..op };
    let path = a.signers.proving.out.join(SIGNED_FILE);
    signed.save(&path).map_err(|e| input_error(&e))?;
    eprintln!("wrote {} (the operation with its signature)", path.display());
    println!("{}", signed.user_op_hash());
    Ok(OK)
}

/// The operation as the EntryPoint takes it, signature included.
fn on_chain(op: &UserOperation) -> aa::PackedUserOperation {
    let p = op.packed();
    aa::PackedUserOperation {
        sender: p.sender,
        nonce: p.nonce,
        initCode: p.initCode,
        callData: p.callData,
        accountGasLimits: p.accountGasLimits,
        preVerificationGas: p.preVerificationGas,
        gasFees: p.gasFees,
        paymasterAndData: p.paymasterAndData,
        signature: op.signature.clone().unwrap_or_default(),
    }
}

fn send(a: &SendArgs) -> anyhow::Result<u8> {
    let op = UserOperation::load(&a.userop).map_err(|e| input_error(&e))?;
    let path = a.userop.display();
    match &op.signature {
        Some(s) if s.len() == 11 * 32 => {}
        Some(s) => {
            return Err(bad_input(format!("{path}: field `signature`: {} bytes, not a veil signature's 352", s.len())))
        }
        None => return Err(bad_input(format!("{path}: not proven (no signature): run `veil userop prove` first"))),
    }
    let signer = if a.bundler_url.is_some() { None } else { Some(a.signer.signer()?) };
    let client = connect(&a.rpc, signer)?;
    if op.chain_id != client.chain_id {
        return Err(bad_input(format!(
            "{path}: the operation is for chain {}, the node is chain {}",
            op.chain_id, client.chain_id
        )));
    }
    if !client.has_code(op.entry_point).map_err(chain_error)? {
        return Err(bad_input(format!("{path}: no EntryPoint at {} on chain {}", op.entry_point, client.chain_id)));
    }
    let key = alloy_primitives::Uint::<192, 3>::from(op.nonce >> 64);
    let next = client
        .read(op.entry_point, &aa::IEntryPointV08::getNonceCall { sender: op.sender, key })
        .map_err(chain_error)?;
    if next != op.nonce {
        eprintln!(
            "error: the EntryPoint's next nonce for this account and key is {next:#x}, the operation's {:#x} \
             (already executed, or out of order)",
            op.nonce
        );
        return Ok(FAILURE);
    }
    let now = client.timestamp().map_err(chain_error)?;
    if now < op.valid_after || (op.valid_until != 0 && now > op.valid_until) {
        eprintln!(
            "error: the operation's window [{}, {}] is not open at the chain's time {now}",
            op.valid_after, op.valid_until
        );
        return Ok(FAILURE);
    }
    let hash = op.user_op_hash();
    if let Some(url) = &a.bundler_url {
        let bundler = Client::connect(url, None).map_err(|e| match e {
            veil_chain::ChainError::BadUrl(_) => bad_input(format!("--bundler-url {url:?} is not a URL")),
            e => anyhow::Error::new(e),
        })?;
        let params = serde_json::json!([op.to_rpc(), op.entry_point.to_checksum(None)]);
        let answer = bundler.request("eth_sendUserOperation", params).map_err(chain_error)?;
        if answer.as_str().and_then(|s| s.parse::<alloy_primitives::B256>().ok()) != Some(hash) {
            eprintln!("error: the bundler answered {answer}, not the operation's userOpHash {hash}");
            return Ok(FAILURE);
        }
        println!("sent userOp {hash} to the bundler (eth_getUserOperationReceipt reports its inclusion)");
        return Ok(OK);
    }
    let beneficiary = a.beneficiary.or(client.from()).expect("a signer");
    let call = aa::IEntryPointV08::handleOpsCall { ops: vec![on_chain(&op)], beneficiary };
    let m = client.transact(op.entry_point, call.abi_encode(), U256::ZERO).map_err(chain_error)?;
    let mut outcome = None;
    let mut reason = None;
    for log in &m.logs {
        if log.address != op.entry_point {
            continue;
        }
        if let Ok(e) = aa::IEntryPointV08::UserOperationEvent::decode_log(log) {
            if e.userOpHash == hash {
                outcome = Some(e.data);
            }
        } else if let Ok(e) = aa::IEntryPointV08::UserOperationRevertReason::decode_log(log) {
            if e.userOpHash == hash {
                reason = Some(veil_verifier_contract::describe_revert(&e.revertReason));
            }
        }
    }
    let Some(event) = outcome else {
        eprintln!("error: handleOps (tx {}) emitted no UserOperationEvent for {hash}", m.hash);
        return Ok(FAILURE);
    };
    if !event.success {
        eprintln!(
            "error: the operation was validated and paid for, but the account's call reverted: {} (tx {}, userOp {hash})",
            reason.unwrap_or_else(|| "no reason given".into()),
            m.hash
        );
        return Ok(FAILURE);
    }
    println!(
        "executed userOp {hash}: tx {} (gas {}; the operation used {} gas and paid {} wei)",
        m.hash, m.gas_used, event.actualGasUsed, event.actualGasCost
    );
    Ok(OK)
}
