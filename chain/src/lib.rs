//! veil on a real chain: deploying the verifiers and a `VeilAccount`, submitting intents
//! with their proofs, and reading an account's state, over JSON-RPC with alloy.
//!
//! Every call is blocking for the caller: a [`Client`] owns a current-thread tokio runtime
//! and runs each request on it, so the CLI stays synchronous. Errors say whether a retry can
//! help ([`ChainError::is_transient`]: the node was unreachable or timed out); a retried
//! submission never executes twice, since the account's nonce and nullifiers guard it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(missing_debug_implementations)]

pub mod record;

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    providers::{
        fillers::{ChainIdFiller, GasFiller},
        DynProvider, Provider, ProviderBuilder,
    },
    rpc::types::{Filter, TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    transports::{RpcError, TransportErrorKind},
};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEventInterface};
use thiserror::Error;
use veil_verifier_contract::{account::VeilAccount, describe_revert, policy::VeilPolicyAccount};

/// How long to wait for a transaction's receipt.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a chain operation failed.
#[derive(Debug, Error)]
pub enum ChainError {
    /// The node could not be reached, or did not answer in time: safe to retry.
    #[error("the node at {url} is unreachable: {detail}")]
    Unreachable {
        /// The RPC URL.
        url: String,
        /// What the transport said.
        detail: String,
    },
    /// The node or the contract refused the transaction (a revert, insufficient funds, …).
    #[error("{0}")]
    Refused(String),
    /// A revert with the contract's custom error, decoded.
    #[error("reverted: {0}")]
    Reverted(String),
    /// The RPC URL does not parse.
    #[error("--rpc-url {0:?} is not a URL")]
    BadUrl(String),
    /// A transaction was sent but no receipt came in time: it may still be mined.
    #[error("no receipt for {hash} after {secs} s: it may still be mined (retrying is safe)")]
    Timeout {
        /// The transaction hash.
        hash: B256,
        /// Seconds waited.
        secs: u64,
    },
}

impl ChainError {
    /// Whether retrying the same command can succeed (exit code 75 in the CLI).
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Timeout { .. })
    }
}

/// A mined transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mined {
    /// Its hash.
    pub hash: B256,
    /// Gas used.
    pub gas_used: u64,
    /// The created contract, for a deployment.
    pub created: Option<Address>,
    /// The account's events it emitted, decoded (`Executed(...)`, `Queued(...)`, ...).
    pub events: Vec<String>,
    /// Every log it emitted, raw (for contracts whose events the caller decodes).
    pub logs: Vec<alloy_primitives::Log>,
}

/// A connection to one node, with an optional signer.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
    url: String,
    from: Option<Address>,
    /// The node's chain id, read on connection.
    pub chain_id: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url)
            .field("from", &self.from)
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

impl Client {
    /// Connects to `url` (reading its chain id), signing with `signer` when given.
    ///
    /// # Errors
    /// [`ChainError::BadUrl`], [`ChainError::Unreachable`].
    pub fn connect(url: &str, signer: Option<PrivateKeySigner>) -> Result<Self, ChainError> {
        let parsed = url.parse().map_err(|_| ChainError::BadUrl(url.to_owned()))?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        let from = signer.as_ref().map(PrivateKeySigner::address);
        // The recommended fillers, but with the nonce read from the node for every
        // transaction: the default cache hands out a nonce before the gas estimate, so a
        // transaction refused there (a replay, a bad proof) would leave a gap that stalls
        // every later one.
        let builder = ProviderBuilder::new()
            .disable_recommended_fillers()
            .filler(GasFiller::default())
            .with_simple_nonce_management()
            .filler(ChainIdFiller::default());
        let provider = match signer {
            Some(s) => builder.wallet(EthereumWallet::from(s)).connect_http(parsed).erased(),
            None => builder.connect_http(parsed).erased(),
        };
        let mut client = Self { runtime, provider, url: url.to_owned(), from, chain_id: 0 };
        client.chain_id = client.run(|p| async move { p.get_chain_id().await })?;
        Ok(client)
    }

    /// The signer's address.
    #[must_use]
    pub const fn from(&self) -> Option<Address> {
        self.from
    }

    fn run<T, F, Fut>(&self, f: F) -> Result<T, ChainError>
    where
        F: FnOnce(DynProvider) -> Fut,
        Fut: std::future::Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let p = self.provider.clone();
        let timeout = RECEIPT_TIMEOUT;
        self.runtime
            .block_on(async move { tokio::time::timeout(timeout, f(p)).await })
            .map_err(|_| ChainError::Unreachable { url: self.url.clone(), detail: "timed out".into() })?
            .map_err(|e| self.error(&e))
    }

    /// Maps an RPC error: transport failures are transient; a node's error response is a
    /// refusal, with a revert's custom error decoded by name.
    fn error(&self, e: &RpcError<TransportErrorKind>) -> ChainError {
        match e {
            RpcError::Transport(kind) => ChainError::Unreachable { url: self.url.clone(), detail: kind.to_string() },
            RpcError::ErrorResp(payload) => match payload.as_revert_data() {
                Some(data) => ChainError::Reverted(describe_revert(&data)),
                None => ChainError::Refused(format!("the node refused: {}", payload.message)),
            },
            other => ChainError::Refused(other.to_string()),
        }
    }

    /// The balance of `address`, in wei.
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn balance(&self, address: Address) -> Result<U256, ChainError> {
        self.run(|p| async move { p.get_balance(address).await })
    }

    /// The next nonce of `address` (pending transactions included).
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn nonce(&self, address: Address) -> Result<u64, ChainError> {
        self.run(|p| async move { p.get_transaction_count(address).pending().await })
    }

    /// The latest block's timestamp.
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn timestamp(&self) -> Result<u64, ChainError> {
        let block = self.run(|p| async move { p.get_block_by_number(alloy::eips::BlockNumberOrTag::Latest).await })?;
        block.map(|b| b.header.timestamp).ok_or_else(|| ChainError::Refused("the node has no latest block".into()))
    }

    /// Whether `address` holds code.
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn has_code(&self, address: Address) -> Result<bool, ChainError> {
        Ok(!self.run(|p| async move { p.get_code_at(address).await })?.is_empty())
    }

    /// `eth_call` of `call` on `to`, decoded.
    ///
    /// # Errors
    /// [`ChainError`]; a revert is [`ChainError::Reverted`].
    pub fn read<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, ChainError> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out: Bytes = self.run(|p| async move { p.call(tx).await })?;
        C::abi_decode_returns(&out).map_err(|e| ChainError::Refused(format!("undecodable answer from {to}: {e}")))
    }

    /// Estimates the gas of a transaction (a revert shows here first, decoded).
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn estimate(&self, tx: &TransactionRequest) -> Result<u64, ChainError> {
        let tx = self.with_from(tx.clone());
        self.run(|p| async move { p.estimate_gas(tx).await })
    }

    fn with_from(&self, tx: TransactionRequest) -> TransactionRequest {
        match self.from {
            Some(f) => tx.with_from(f),
            None => tx,
        }
    }

    /// Sends `tx` (EIP-1559 fees, gas estimated by the provider's fillers) and waits for its
    /// receipt.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (from the estimate, or a mined failure),
    /// [`ChainError::Refused`], [`ChainError::Unreachable`], [`ChainError::Timeout`].
    pub fn send(&self, tx: TransactionRequest) -> Result<Mined, ChainError> {
        let tx = self.with_from(tx);
        let pending = self.run(|p| async move { p.send_transaction(tx).await.map(|t| *t.tx_hash()) })?;
        let receipt = self.wait(pending)?;
        let events = decode_events(&receipt);
        if !receipt.status() {
            return Err(ChainError::Refused(format!("transaction {pending} reverted on chain")));
        }
        let logs = receipt.inner.logs().iter().map(|l| l.inner.clone()).collect();
        Ok(Mined { hash: pending, gas_used: receipt.gas_used, created: receipt.contract_address, events, logs })
    }

    fn wait(&self, hash: B256) -> Result<TransactionReceipt, ChainError> {
        let started = std::time::Instant::now();
        loop {
            if let Some(r) = self.run(|p| async move { p.get_transaction_receipt(hash).await })? {
                return Ok(r);
            }
            if started.elapsed() > RECEIPT_TIMEOUT {
                return Err(ChainError::Timeout { hash, secs: RECEIPT_TIMEOUT.as_secs() });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Deploys `code ‖ args` with `value` wei.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn deploy(&self, code: &[u8], args: &[u8], value: U256) -> Result<Mined, ChainError> {
        let mut data = code.to_vec();
        data.extend_from_slice(args);
        let tx = TransactionRequest::default().with_deploy_code(data).with_value(value);
        let m = self.send(tx)?;
        if m.created.is_none() {
            return Err(ChainError::Refused(format!("transaction {} created no contract", m.hash)));
        }
        Ok(m)
    }

    /// Calls `to` with `data` and `value`.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn transact(&self, to: Address, data: Vec<u8>, value: U256) -> Result<Mined, ChainError> {
        self.send(TransactionRequest::default().with_to(to).with_input(data).with_value(value))
    }

    /// The node's EIP-1559 fee estimate: (max fee per gas, max priority fee per gas).
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn fees(&self) -> Result<(u128, u128), ChainError> {
        let e = self.run(|p| async move { p.estimate_eip1559_fees().await })?;
        Ok((e.max_fee_per_gas, e.max_priority_fee_per_gas))
    }

    /// A raw JSON-RPC request (`eth_sendUserOperation` to a bundler, …).
    ///
    /// # Errors
    /// [`ChainError`]: the node's error response is [`ChainError::Refused`] with its message.
    pub fn request(&self, method: &'static str, params: serde_json::Value) -> Result<serde_json::Value, ChainError> {
        self.run(|p| async move { p.raw_request::<_, serde_json::Value>(method.into(), params).await })
    }

    /// Every `VeilAccount` log of `account` from block 0, decoded.
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn account_logs(&self, account: Address) -> Result<Vec<alloy::rpc::types::Log>, ChainError> {
        let filter = Filter::new().address(account).from_block(0);
        self.run(|p| async move { p.get_logs(&filter).await })
    }
}

/// The account's events in a receipt, as `Name(field: value, …)`.
fn decode_events(receipt: &TransactionReceipt) -> Vec<String> {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| {
            VeilAccount::VeilAccountEvents::decode_log(&log.inner).ok().map(|e| describe_event(&e.data)).or_else(|| {
                VeilPolicyAccount::VeilPolicyAccountEvents::decode_log(&log.inner)
                    .ok()
                    .map(|e| describe_policy_event(&e.data))
            })
        })
        .collect()
}

/// A policy account's own event as one line (the events it shares with `VeilAccount`,
/// `Executed`, `Queued`, `Cancelled`, `Received`, decode as those).
#[must_use]
pub fn describe_policy_event(e: &VeilPolicyAccount::VeilPolicyAccountEvents) -> String {
    use VeilPolicyAccount::VeilPolicyAccountEvents as E;
    match e {
        E::Authorized(a) => format!("Authorized(digest {}, nonce {}, lead {} s)", a.digest, a.nonce, a.lead),
        E::AuthRootChanged(r) => format!("AuthRootChanged(auth root {}, epoch {})", r.authRoot, r.epoch),
        E::Executed(x) => format!("Executed(digest {}, target {}, value {} wei)", x.digest, x.target, x.value),
        E::Queued(q) => format!("Queued(digest {}, eta {}, epoch {})", q.digest, q.eta, q.epoch),
        E::Cancelled(c) => format!("Cancelled(digest {})", c.digest),
        E::Received(r) => format!("Received({} wei from {})", r.value, r.from),
    }
}

/// An account event as one line.
#[must_use]
pub fn describe_event(e: &VeilAccount::VeilAccountEvents) -> String {
    use VeilAccount::VeilAccountEvents as E;
    match e {
        E::Authorized(a) => format!("Authorized(digest {}, nonce {})", a.digest, a.nonce),
        E::Executed(x) => format!("Executed(digest {}, target {}, value {} wei)", x.digest, x.target, x.value),
        E::Queued(q) => format!("Queued(digest {}, eta {}, epoch {})", q.digest, q.eta, q.epoch),
        E::Approved(a) => format!("Approved(digest {}, count {} of {})", a.digest, a.count, a.threshold),
        E::Cancelled(c) => format!("Cancelled(digest {})", c.digest),
        E::SetChanged(s) => format!("SetChanged(root {}, threshold {}, epoch {})", s.root, s.threshold, s.epoch),
        E::DelayChanged(d) => format!("DelayChanged({} s)", d.delay),
        E::Received(r) => format!("Received({} wei from {})", r.value, r.from),
    }
}
