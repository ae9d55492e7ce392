#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

/// `veil batch`'s request lines, results file and shards.
pub mod batch;
/// The `format`/`version` header every veil document starts with.
mod document;
pub use document::DocumentError;
/// The transaction intent: EIP-712 `VeilIntent`, its field element, intent files.
pub mod intent;
/// Approver keys: generation, BIP-39/32 and keystore derivation, encrypted key files.
#[cfg(feature = "keys")]
pub mod keys;
/// ERC-1271 messages for `VeilValidator`: an account's hash (of EIP-712 typed data) that its
/// set signs, message files.
pub mod message;
/// Signing policies: the policy file (TOML or JSON), its check, its compilation into secret
/// material and a public auth root, the dry run of an intent, and updates.
pub mod policy;
/// The approver set: a Lean IMT of identity commitments, set files.
pub mod set;
/// Intents signed by one approver (EdDSA-Poseidon), signature files.
pub mod signature;
/// ERC-4337 user operations for `VeilValidator`: the EntryPoint 0.8's `userOpHash`, what the
/// set signs, user-operation files.
pub mod userop;
/// Witnesses from these documents: `ApprovalCircuit` and `ThresholdCircuit`, with typed refusals.
pub mod witness;

/// Fixtures shared by the crate's tests.
#[cfg(test)]
mod testing;
