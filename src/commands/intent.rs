//! `veil intent`: transaction intents.

use std::{path::PathBuf, str::FromStr};

use alloy_primitives::{Address, Bytes, U256};
use clap::{Args, Subcommand};
use veil_approver::intent::Intent;

use crate::exit::{bad_input, input_error, OK};

#[derive(Debug, Subcommand)]
pub enum IntentCommand {
    /// Write an intent file: the EIP-712 `VeilIntent` under the domain
    /// {name: "veil", version: "1", chainId, verifyingContract: account}, with its signing
    /// hash and field element (the hash shifted right by 8 bits).
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The chain id (EIP-155); with --rpc-url, read from the node (and checked if given).
    #[arg(long, required_unless_present = "rpc_url")]
    chain_id: Option<u64>,
    /// Read the chain id, and the account's next nonce when --nonce is not given, from this
    /// node (JSON-RPC).
    #[arg(long, value_name = "URL")]
    rpc_url: Option<String>,
    /// The account (settlement contract) that will execute the intent, 0x-hex.
    #[arg(long)]
    account: String,
    /// The call's target, 0x-hex.
    #[arg(long, required_unless_present = "cancel")]
    target: Option<String>,
    /// Build the intent that cancels this queued intent (a call of the account's
    /// `cancel(digest)`, which executes at once when authorized); --target, --value and
    /// --data are then the account, 0 and that call.
    #[arg(long, value_name = "INTENT_FILE", conflicts_with_all = ["target", "data"])]
    cancel: Option<PathBuf>,
    /// Wei sent with the call (decimal).
    #[arg(long, default_value = "0")]
    value: String,
    /// Calldata, 0x-hex.
    #[arg(long, default_value = "0x")]
    data: String,
    /// The account's nonce this intent consumes (decimal); with --rpc-url, the account's
    /// current nonce by default.
    #[arg(long, required_unless_present = "rpc_url")]
    nonce: Option<String>,
    /// First valid second (unix time); 0 for at once.
    #[arg(long, default_value_t = 0)]
    valid_after: u64,
    /// Last valid second (unix time); 0 for no expiry.
    #[arg(long, default_value_t = 0)]
    valid_until: u64,
    /// Where to write the intent.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(c: IntentCommand) -> anyhow::Result<u8> {
    let IntentCommand::New(a) = c;
    let address = |flag: &str, s: &str| {
        Address::from_str(s).map_err(|e| bad_input(format!("--{flag} {s:?}: not an address ({e})")))
    };
    let uint = |flag: &str, s: &str| {
        U256::from_str_radix(s, 10)
            .map_err(|e| bad_input(format!("--{flag} {s:?}: not a decimal 256-bit integer ({e})")))
    };
    let account = address("account", &a.account)?;
    let (target, data) = match &a.cancel {
        Some(queued) => {
            let q = Intent::load(queued).map_err(|e| input_error(&e))?;
            if q.account != account {
                return Err(bad_input(format!(
                    "{}: the intent is for account {}, not {account}",
                    queued.display(),
                    q.account
                )));
            }
            let call = veil_verifier_contract::account::VeilAccount::cancelCall { digest: q.signing_hash() };
            (account, Bytes::from(alloy_sol_types::SolCall::abi_encode(&call)))
        }
        None => (
            address("target", a.target.as_deref().expect("required without --cancel"))?,
            Bytes::from_str(&a.data).map_err(|e| bad_input(format!("--data {:?}: not 0x-hex ({e})", a.data)))?,
        ),
    };
    let (chain_id, nonce) = match &a.rpc_url {
        None => (
            a.chain_id.expect("required without --rpc-url"),
            uint("nonce", a.nonce.as_deref().expect("required without --rpc-url"))?,
        ),
        Some(url) => {
            let (chain_id, on_chain) = super::chain::chain_id_and_nonce(url, account)?;
            if let Some(given) = a.chain_id {
                if given != chain_id {
                    return Err(bad_input(format!("--chain-id {given}: the node at --rpc-url is chain {chain_id}")));
                }
            }
            let nonce = match &a.nonce {
                Some(n) => uint("nonce", n)?,
                None => on_chain,
            };
            (chain_id, nonce)
        }
    };
    let intent = Intent {
        chain_id,
        account,
        target,
        value: if a.cancel.is_some() { U256::ZERO } else { uint("value", &a.value)? },
        data,
        nonce,
        valid_after: a.valid_after,
        valid_until: a.valid_until,
    };
    intent.check_window().map_err(|e| input_error(&e))?;
    intent.save(&a.out)?;
    println!("{}", intent.field_element());
    Ok(OK)
}
