#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// `VeilAccount`'s ABI: alloy `sol!` bindings generated from the contract itself.
pub mod account;
/// An in-memory chain on revm (Cancun, no fees): deploy, call, execution gas.
pub mod evm;
/// The gas of every entry point, with the floor and snarkjs's verifier beside it.
pub mod gas;
/// Both verifiers and `VeilAccount` compiled together; deployments; revert decoding.
pub mod harness;
/// `VeilPolicyAccount` and the derivatives desk on the in-memory chain: mocks, the policy,
/// Policy proofs, the account's entry points.
pub mod policy;
/// The Solidity Groth16 verifier rendered from a verifying key (askama).
pub mod render;
/// `VeilSafeModule` and the real Safe (1.4.1, 1.5.0, from npm) on the in-memory chain.
pub mod safe;
/// Members, a set, development setups and real proofs for intents: the stories the EVM tests, `veil gas` and `veil demo` run.
pub mod scenario;
/// The pinned Solidity compiler from npm (`node scripts/solc.mjs`), cached by input hash.
pub mod solc;
/// `VeilValidator`: the ERC-7579 validator module (ERC-4337 validation, ERC-1271).
pub mod validator;

pub use render::{render_verifier, KeyProvenance, VerifierOptions};

/// Revert data of any of veil's contracts in words: each contract's custom errors by name
/// (`CallFailed` with its inner reason), the verifiers', the demo mocks', `Error(string)`,
/// else the raw bytes. Errors two contracts share read the same.
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    validator::describe_revert(data)
}
