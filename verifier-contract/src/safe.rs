//! `VeilSafeModule` (`contracts/VeilSafeModule.sol`) and the real Safe on the in-memory chain:
//! the Safe singleton and proxy factory of 1.4.1 and 1.5.0, from their pinned npm packages
//! (`scripts/package-lock.json`: `@safe-global/safe-contracts`, `@safe-global/safe-smart-account`;
//! LGPL-3.0, deployed from their published artifacts, never copied), a Safe made through the
//! factory, the module enabled by a Safe transaction of its owners.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};

use crate::evm::{Chain, EvmError, Outcome};

/// The module's source.
pub const SOURCE: &str = include_str!("../contracts/VeilSafeModule.sol");

alloy_sol_types::sol!(
    #![sol(all_derives)]
    "contracts/VeilSafeModule.sol"
);

alloy_sol_types::sol! {
    /// What the tests and the CLI call on a Safe (1.4.1 and 1.5.0 share these).
    #[sol(all_derives)]
    interface ISafeAdmin {
        function setup(address[] owners, uint256 threshold, address to, bytes data, address fallbackHandler,
            address paymentToken, uint256 payment, address paymentReceiver);
        function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas,
            uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures)
            returns (bool success);
        function enableModule(address module);
        function getThreshold() view returns (uint256);
        function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas,
            uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 nonce)
            view returns (bytes32);
        function disableModule(address prevModule, address module);
        function isModuleEnabled(address module) view returns (bool);
        function getOwners() view returns (address[]);
        function nonce() view returns (uint256);
        function VERSION() view returns (string);
    }

    /// The proxy factory.
    #[sol(all_derives)]
    interface ISafeProxyFactory {
        function createProxyWithNonce(address singleton, bytes initializer, uint256 saltNonce)
            returns (address proxy);
    }
}

/// A Safe release veil supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeVersion {
    /// `@safe-global/safe-contracts@1.4.1`.
    V1_4_1,
    /// `@safe-global/safe-smart-account@1.5.0`.
    V1_5_0,
}

impl SafeVersion {
    /// Both.
    pub const ALL: [Self; 2] = [Self::V1_4_1, Self::V1_5_0];

    /// The npm package that ships it.
    #[must_use]
    pub const fn package(self) -> &'static str {
        match self {
            Self::V1_4_1 => "@safe-global/safe-contracts",
            Self::V1_5_0 => "@safe-global/safe-smart-account",
        }
    }

    /// Its `VERSION()`.
    #[must_use]
    pub const fn version(self) -> &'static str {
        match self {
            Self::V1_4_1 => "1.4.1",
            Self::V1_5_0 => "1.5.0",
        }
    }
}

/// Why the Safe's artifacts could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SafeError {
    /// The package is not installed, or an artifact is missing or unreadable.
    #[error("{path}: {reason} (npm ci --prefix scripts installs the pinned Safe packages)")]
    Artifact { path: PathBuf, reason: String },
    /// The EVM refused a transaction, or a call reverted.
    #[error(transparent)]
    Evm(#[from] EvmError),
}

/// The Safe's creation codes.
#[derive(Clone, Debug)]
pub struct SafeArtifacts {
    pub version: SafeVersion,
    /// `Safe` (the singleton).
    pub singleton: Vec<u8>,
    /// `SafeProxyFactory`.
    pub factory: Vec<u8>,
}

/// The pinned npm packages' folder: `$VEIL_NODE_MODULES`, else `scripts/node_modules` beside
/// this crate in the checkout.
#[must_use]
pub fn node_modules() -> PathBuf {
    std::env::var_os("VEIL_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/node_modules"))
}

/// The creation code in a Hardhat artifact (`{"bytecode": "0x…"}`).
///
/// # Errors
/// [`SafeError::Artifact`] naming the file.
pub fn bytecode(path: &Path) -> Result<Vec<u8>, SafeError> {
    let bad = |reason: String| SafeError::Artifact { path: path.to_owned(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let hex_code = json["bytecode"].as_str().ok_or_else(|| bad("no bytecode".into()))?;
    hex::decode(hex_code.trim_start_matches("0x")).map_err(|e| bad(e.to_string()))
}

impl SafeArtifacts {
    /// Reads `version`'s artifacts from `scripts/node_modules` (beside this crate in the
    /// checkout, or `$VEIL_NODE_MODULES`).
    ///
    /// # Errors
    /// [`SafeError::Artifact`].
    pub fn load(version: SafeVersion) -> Result<Self, SafeError> {
        let artifacts = node_modules().join(version.package()).join("build/artifacts/contracts");
        Ok(Self {
            version,
            singleton: bytecode(&artifacts.join("Safe.sol/Safe.json"))?,
            factory: bytecode(&artifacts.join("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"))?,
        })
    }
}

/// A Safe deployed through its factory.
#[derive(Clone, Copy, Debug)]
pub struct SafeDeployment {
    pub singleton: Address,
    pub factory: Address,
    pub safe: Address,
}

/// Deploys the singleton and the factory from `deployer`, then a Safe owned by `owners`
/// with `threshold`, funded with `funds` wei.
///
/// # Errors
/// [`SafeError::Evm`].
pub fn deploy_safe(
    chain: &mut Chain,
    artifacts: &SafeArtifacts,
    deployer: Address,
    owners: &[Address],
    threshold: u64,
    funds: U256,
) -> Result<SafeDeployment, SafeError> {
    let singleton = chain.deploy(deployer, &artifacts.singleton, &[], U256::ZERO)?;
    let factory = chain.deploy(deployer, &artifacts.factory, &[], U256::ZERO)?;
    let initializer = ISafeAdmin::setupCall {
        owners: owners.to_vec(),
        threshold: U256::from(threshold),
        to: Address::ZERO,
        data: Bytes::new(),
        fallbackHandler: Address::ZERO,
        paymentToken: Address::ZERO,
        payment: U256::ZERO,
        paymentReceiver: Address::ZERO,
    }
    .abi_encode();
    let create = ISafeProxyFactory::createProxyWithNonceCall {
        singleton,
        initializer: initializer.into(),
        saltNonce: U256::ZERO,
    };
    let out = chain.call(deployer, factory, create.abi_encode(), U256::ZERO)?;
    if !out.success {
        return Err(EvmError(format!("createProxyWithNonce reverted: 0x{}", hex::encode(&out.output))).into());
    }
    let safe = ISafeProxyFactory::createProxyWithNonceCall::abi_decode_returns(&out.output)
        .map_err(|e| EvmError(format!("decoding the proxy's address: {e}")))?;
    chain.fund(safe, funds);
    Ok(SafeDeployment { singleton, factory, safe })
}

/// The signatures of a Safe transaction sent by `owners` themselves, sorted as the Safe
/// requires: for each, the "approved by the sender or on chain" form (`r` = the owner,
/// `s` = 0, `v` = 1). The first owner sends the transaction; the others must have approved
/// its hash on chain (`approveHash`) — in the tests, a 1-of-n Safe's owner sends it.
#[must_use]
pub fn owner_signatures(owners: &[Address]) -> Bytes {
    let mut sorted = owners.to_vec();
    sorted.sort();
    let mut out = Vec::with_capacity(65 * sorted.len());
    for o in sorted {
        out.extend_from_slice(&[0u8; 12]);
        out.extend_from_slice(o.as_slice());
        out.extend_from_slice(&[0u8; 32]);
        out.push(1);
    }
    out.into()
}

/// `execTransaction` of a CALL from the Safe, sent by `owner` (a 1-of-n owner), with its
/// approval as signature.
///
/// # Errors
/// [`SafeError::Evm`] when the EVM refuses the transaction (a revert is an outcome).
pub fn exec_as_owner(
    chain: &mut Chain,
    safe: Address,
    owner: Address,
    to: Address,
    data: Vec<u8>,
) -> Result<Outcome, SafeError> {
    let call = ISafeAdmin::execTransactionCall {
        to,
        value: U256::ZERO,
        data: data.into(),
        operation: 0,
        safeTxGas: U256::ZERO,
        baseGas: U256::ZERO,
        gasPrice: U256::ZERO,
        gasToken: Address::ZERO,
        refundReceiver: Address::ZERO,
        signatures: owner_signatures(&[owner]),
    };
    Ok(chain.call(owner, safe, call.abi_encode(), U256::ZERO)?)
}

/// Revert data in words: the module's errors (`CallFailed` with the inner reason), else
/// [`crate::harness::describe_revert`] (verifier errors, `Error(string)` such as the Safe's
/// `GS104`).
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    if let Ok(e) = VeilSafeModule::VeilSafeModuleErrors::abi_decode(data) {
        return match e {
            VeilSafeModule::VeilSafeModuleErrors::CallFailed(c) => {
                format!("CallFailed({})", describe_revert(&c.reason))
            }
            other => format!("{other:?}"),
        };
    }
    crate::harness::describe_revert(data)
}
