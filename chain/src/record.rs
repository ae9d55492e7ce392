//! The deployment record `veil deploy` writes: everything needed to find, check and reuse a
//! deployment later (chain id, every address and transaction, the verifying keys' hashes,
//! the compiler and its settings, the account's constructor arguments). It never holds the
//! RPC URL (which may carry an API key) or anything secret.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

/// The format tag.
pub const FORMAT: &str = "veil-deployment";

/// A deployment record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// [`FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The chain the contracts live on.
    pub chain_id: u64,
    /// Who deployed them.
    pub deployer: Address,
    /// The compiler, e.g. `0.8.37+commit.…`, and its settings.
    pub compiler: String,
    /// The Approval verifier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub approval_verifier: Option<Verifier>,
    /// The Threshold verifier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub threshold_verifier: Option<Verifier>,
    /// The account.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<Account>,
    /// The Policy verifier (a policy deployment).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_verifier: Option<Verifier>,
    /// The policy account (a policy deployment).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_account: Option<PolicyAccount>,
    /// The Safe module (a Safe deployment).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub safe_module: Option<SafeModule>,
    /// The ERC-7579 validator module (a validator deployment).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub validator: Option<Validator>,
}

impl Record {
    /// A record of nothing deployed yet, by `deployer` on `chain_id` with `compiler`.
    #[must_use]
    pub fn new(chain_id: u64, deployer: Address, compiler: String) -> Self {
        Self {
            format: FORMAT.into(),
            version: 1,
            chain_id,
            deployer,
            compiler,
            approval_verifier: None,
            threshold_verifier: None,
            account: None,
            policy_verifier: None,
            policy_account: None,
            safe_module: None,
            validator: None,
        }
    }
}

/// A deployed `VeilValidator` (one serves every account; each installs its own set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// Its address.
    pub address: Address,
    /// The deploying transaction.
    pub tx: B256,
    /// Gas used by it.
    pub gas_used: u64,
    /// Constructor: the Threshold verifier.
    pub threshold_verifier: Address,
}

/// A deployed `VeilSafeModule` and its constructor arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeModule {
    /// Its address.
    pub address: Address,
    /// The deploying transaction.
    pub tx: B256,
    /// Gas it used.
    pub gas_used: u64,
    /// Constructor: the Safe whose funds it moves.
    pub safe: Address,
    /// Constructor: the Threshold verifier.
    pub threshold_verifier: Address,
    /// Constructor: the Approval verifier.
    pub approval_verifier: Address,
    /// Constructor: the approver set's root (a 0x-hex word).
    pub root: U256,
    /// Constructor: the threshold.
    pub threshold: u64,
    /// Constructor: the time-lock in seconds.
    pub delay: u64,
    /// The Safe transaction of its owners that enabled it, when `veil deploy` sent it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub enabled_by: Option<B256>,
}

/// A deployed `VeilPolicyAccount` and its constructor arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAccount {
    /// Its address.
    pub address: Address,
    /// The deploying transaction.
    pub tx: B256,
    /// Gas it used.
    pub gas_used: u64,
    /// Constructor: the Policy verifier.
    pub verifier: Address,
    /// Constructor: the auth root (a 0x-hex word).
    pub auth_root: U256,
    /// The policy's shape, from its auth file: grant tree depth, slots, policy tree depth.
    pub depth: u32,
    /// Slots.
    pub k_max: u32,
    /// The policy tree's depth.
    pub policy_depth: u32,
    /// Wei sent with the deployment.
    pub funded: U256,
}

/// A deployed verifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verifier {
    /// Its address.
    pub address: Address,
    /// The deploying transaction.
    pub tx: B256,
    /// Gas it used.
    pub gas_used: u64,
    /// SHA-256 of its verifying key in the contract's byte order (a ceremony's `vk_hash`).
    pub vk_hash: String,
}

/// A deployed `VeilAccount` and its constructor arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Its address.
    pub address: Address,
    /// The deploying transaction.
    pub tx: B256,
    /// Gas it used.
    pub gas_used: u64,
    /// Constructor: the Threshold verifier.
    pub threshold_verifier: Address,
    /// Constructor: the Approval verifier.
    pub approval_verifier: Address,
    /// Constructor: the approver set's root (a 0x-hex word, as alloy writes a U256).
    pub root: U256,
    /// Constructor: the threshold.
    pub threshold: u64,
    /// Constructor: the time-lock in seconds.
    pub delay: u64,
    /// Wei sent with the deployment.
    pub funded: U256,
}
