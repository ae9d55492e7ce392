//! `veil message`: ERC-1271 signatures of ERC-7579 accounts whose `VeilValidator` holds the
//! set: a message (EIP-712 typed data, or a bare hash) bound to the account and chain, its
//! proof from the members' signatures, and the account's own answer on chain.

use std::path::PathBuf;

use alloy_primitives::{Address, Bytes, B256};
use clap::{Args, Subcommand};
use veil_approver::{
    message::{Message, ERC1271_VALID},
    signature::Subject,
};
use veil_chain::Client;
use veil_verifier_contract::{harness::proof_words, scenario::word, validator::aa};

use super::{chain_error, connect, validator_of, RpcArgs};
use crate::{
    commands::{
        prove::{threshold_of, ThresholdSigners},
        read_json,
    },
    exit::{bad_input, input_error, FAILURE, OK},
};

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Write a message file: the hash an account's set signs for ERC-1271 (of EIP-712 typed
    /// data, `eth_signTypedData_v4`'s JSON, kept in the file so the members see what they
    /// sign; or a bare --hash), bound to the account and the chain. Prints the field element
    /// the members sign (`veil sign --message`).
    New(NewArgs),
    /// Prove that k members of the set signed the message (their `veil sign --message`
    /// files): writes OUT/proof.json and OUT/public.json, and prints the signature the
    /// account's `isValidSignature` takes: the validator's address, then
    /// `abi.encode(signers, proof)` (an ERC-7579 account's routing; --raw prints the
    /// validator's part alone).
    Prove(ProveArgs),
    /// Ask the account on chain: `isValidSignature(hash, signature)`. Exit codes: 0 valid
    /// (0x1626ba7e), 1 not valid, 2 bad input, 75 transient.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["typed_data", "hash"]))]
pub struct NewArgs {
    /// Read the chain id from this node.
    #[arg(long, value_name = "URL")]
    rpc_url: Option<String>,
    /// The chain id; with --rpc-url, read from the node (and checked if given).
    #[arg(long, required_unless_present = "rpc_url")]
    chain_id: Option<u64>,
    /// The account whose signature this is.
    #[arg(long)]
    account: Address,
    /// The account's VeilValidator (its address leads the account's signature).
    #[arg(long)]
    validator: Option<Address>,
    /// Take the validator from this deployment record (`veil deploy --validator`).
    #[arg(long, value_name = "RECORD", conflicts_with = "validator")]
    deployment: Option<PathBuf>,
    /// EIP-712 typed data (`eth_signTypedData_v4`'s JSON: types, primaryType, domain,
    /// message): the hash is its signing hash.
    #[arg(long, value_name = "FILE")]
    typed_data: Option<PathBuf>,
    /// A bare 32-byte hash, 0x-hex (what the members sign cannot be shown to them then).
    #[arg(long)]
    hash: Option<B256>,
    /// Where to write the message.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The message file (`veil message new`).
    #[arg(long)]
    message: PathBuf,
    /// Print only the validator's signature, `abi.encode(signers, proof)`.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    signers: ThresholdSigners,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    /// The message file.
    #[arg(long)]
    message: PathBuf,
    /// The account's signature, 0x-hex (`veil message prove`).
    #[arg(long)]
    signature: Bytes,
}

pub fn run(c: MessageCommand) -> anyhow::Result<u8> {
    match c {
        MessageCommand::New(a) => new(&a),
        MessageCommand::Prove(a) => prove(&a),
        MessageCommand::Check(a) => check(&a),
    }
}

fn new(a: &NewArgs) -> anyhow::Result<u8> {
    let validator = validator_of(a.validator, a.deployment.as_deref())?;
    let chain_id = match &a.rpc_url {
        None => a.chain_id.expect("required without --rpc-url"),
        Some(url) => {
            let client = Client::connect(url, None).map_err(chain_error)?;
            if let Some(given) = a.chain_id.filter(|&c| c != client.chain_id) {
                return Err(bad_input(format!(
                    "--chain-id {given}: the node at --rpc-url is chain {}",
                    client.chain_id
                )));
            }
            client.chain_id
        }
    };
    let message = match (&a.typed_data, a.hash) {
        (Some(path), _) => {
            let typed: serde_json::Value = read_json(path, "typed data")?;
            Message::typed(chain_id, a.account, validator, typed)
                .map_err(|e| bad_input(format!("{}: {e}", path.display())))?
        }
        (None, Some(hash)) => Message { chain_id, account: a.account, validator, hash, typed_data: None },
        (None, None) => unreachable!("clap requires one"),
    };
    message.save(&a.out).map_err(|e| input_error(&e))?;
    eprintln!("wrote {} (hash {})", a.out.display(), message.hash);
    println!("{}", message.field_element());
    Ok(OK)
}

fn prove(a: &ProveArgs) -> anyhow::Result<u8> {
    let message = Message::load(&a.message).map_err(|e| input_error(&e))?;
    if !a.raw && message.validator.is_none() {
        return Err(bad_input(format!(
            "{}: names no validator, which leads the account's signature (give --validator to `veil message new`, \
             or --raw here)",
            a.message.display()
        )));
    }
    let (proof, inputs) = threshold_of(&Subject::Message(message.clone()), &a.message, &a.signers)?;
    let inner = Message::validator_signature(word(inputs[veil_circuits::threshold::K]), proof_words(&proof));
    let signature: Bytes = match message.validator {
        Some(v) if !a.raw => [v.as_slice(), &inner].concat().into(),
        _ => inner,
    };
    println!("{signature}");
    Ok(OK)
}

fn check(a: &CheckArgs) -> anyhow::Result<u8> {
    let message = Message::load(&a.message).map_err(|e| input_error(&e))?;
    let client = connect(&a.rpc, None)?;
    if message.chain_id != client.chain_id {
        return Err(bad_input(format!(
            "{}: the message is for chain {}, the node is chain {}",
            a.message.display(),
            message.chain_id,
            client.chain_id
        )));
    }
    if !client.has_code(message.account).map_err(chain_error)? {
        return Err(bad_input(format!(
            "{}: no account at {} on chain {}",
            a.message.display(),
            message.account,
            client.chain_id
        )));
    }
    let call = aa::IErc7579Account::isValidSignatureCall { hash: message.hash, signature: a.signature.clone() };
    // A reverting account is an account that does not accept the signature (ERC-1271 asks
    // for the magic value; anything else is a refusal).
    let answer = match client.read(message.account, &call) {
        Ok(v) => Some(v.0),
        Err(veil_chain::ChainError::Reverted(reason)) => {
            eprintln!("the account reverted: {reason}");
            None
        }
        Err(e) => return Err(chain_error(e)),
    };
    if answer == Some(ERC1271_VALID) {
        println!("valid: {} accepts the signature for {} (0x1626ba7e)", message.account, message.hash);
        Ok(OK)
    } else {
        let got = answer.map_or_else(|| "a revert".to_owned(), |v| format!("0x{}", hex::encode(v)));
        eprintln!("error: {} refuses the signature for {} (answered {got})", message.account, message.hash);
        Ok(FAILURE)
    }
}
