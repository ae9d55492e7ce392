//! veil's statements and their gadgets over the BN254 scalar field.
//!
//! Each primitive lives in its own module, natively, with its R1CS gadget in the
//! `constraints` submodule beside it ([DESIGN §7][design]):
//!
//! | module | native | gadget |
//! | --- | --- | --- |
//! | [`poseidon`] | circomlib Poseidon, 1–16 inputs | [`poseidon::constraints::PoseidonGadget`] |
//! | [`babyjubjub`] | Baby JubJub in EIP-2494 coordinates | [`babyjubjub::constraints::PointVar`], fixed- and variable-base multiplication |
//! | [`eddsa`] | EdDSA-Poseidon as `@zk-kit/eddsa-poseidon` | [`eddsa::constraints::verify`] |
//! | [`lean_imt`] | Lean incremental Merkle tree as `@zk-kit/lean-imt` | [`lean_imt::constraints::MerklePathVar`] |
//! | [`identity`] | Semaphore v4 identity commitment | [`identity::commitment_var`] |
//! | [`approval`] | — | the Approval statement ([`approval::ApprovalCircuit`]) |
//! | [`threshold`] | — | the Threshold statement, k of n in one proof ([`threshold::ThresholdCircuit`]) |
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/ARCHITECTURE.md
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

pub mod approval;
pub mod babyjubjub;
pub mod bits;
pub mod eddsa;
pub mod error;
pub mod field;
pub mod identity;
pub mod lean_imt;
pub mod poseidon;
pub mod threshold;

#[cfg(test)]
pub(crate) mod test_vectors;

pub use error::CircuitError;

/// The BN254 scalar field r: every public input, every Poseidon input, and the base
/// field of Baby JubJub.
pub type Fr = ark_bn254::Fr;

/// The scalar field of Baby JubJub's prime-order subgroup (order l).
pub type Fs = ark_ed_on_bn254::Fr;
