#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

/// The Approval statement: one member of a committed set approves an intent (Semaphore v4's).
pub mod approval;
/// Baby JubJub (EIP-2494) natively, and its point gadgets.
pub mod babyjubjub;
/// Bit decomposition and comparison with constants, in-circuit.
pub mod bits;
/// EdDSA-Poseidon as `@zk-kit/eddsa-poseidon`, natively and in-circuit.
pub mod eddsa;
/// `CircuitError`: refused parameters and witnesses, with the offending value.
pub mod error;
/// Field elements and 256-bit integers as canonical decimal text: the one rule.
pub mod field;
/// The Semaphore v4 identity commitment `Poseidon(A.x, A.y)`.
pub mod identity;
/// The Lean incremental Merkle tree as `@zk-kit/lean-imt`, and its path gadget.
pub mod lean_imt;
/// The Policy statement: a hidden rule of a committed policy admits the call, and k distinct
/// holders of the rule's role signed the intent, in one proof.
pub mod policy;
/// circomlib's Poseidon, natively and in-circuit.
pub mod poseidon;
/// The Threshold statement: k distinct members signed an intent, in one proof.
pub mod threshold;

/// Loader for `tests/vectors/*.json` (tests only).
#[cfg(test)]
pub(crate) mod test_vectors;

pub use error::CircuitError;

/// Enters a tracing span named after a clause of a statement ([DESIGN §3][design]), so that
/// `cs.which_is_unsatisfied()` and a `gr1cs` trace name the clause a constraint belongs to:
/// `let _c = clause!("nullifier = Poseidon(scope, s)");`.
///
/// [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#3-statements
macro_rules! clause {
    ($name:literal) => {
        ark_relations::gr1cs::info_span!(target: "gr1cs", $name).entered()
    };
}
pub(crate) use clause;

/// The BN254 scalar field r: every public input, every Poseidon input, and the base
/// field of Baby JubJub.
pub type Fr = ark_bn254::Fr;

/// The scalar field of Baby JubJub's prime-order subgroup (order l).
pub type Fs = ark_ed_on_bn254::Fr;
