//! veil's on-chain side ([DESIGN §6][design]): the Solidity Groth16 verifier rendered from a
//! verifying key ([`render`]), the settlement contract `VeilAccount` ([`account`]), the
//! pinned Solidity compiler ([`solc`]) and an in-memory EVM ([`evm`]) to run them.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/ARCHITECTURE.md
#![warn(missing_docs)]

pub mod account;
pub mod evm;
pub mod gas;
pub mod harness;
pub mod render;
pub mod scenario;
pub mod solc;

pub use render::{render_verifier, VerifierOptions};
