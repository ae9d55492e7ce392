//! Errors of the native primitives and of circuit construction.

use thiserror::Error;

/// Why a value was refused by a native primitive or a circuit constructor.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum CircuitError {
    /// A point's coordinates do not satisfy the Baby JubJub equation.
    #[error("point ({x}, {y}) is not on Baby JubJub")]
    NotOnCurve {
        /// The x-coordinate, decimal.
        x: String,
        /// The y-coordinate, decimal.
        y: String,
    },
    /// A point on the curve but outside the prime-order subgroup.
    #[error("point ({x}, {y}) is not in Baby JubJub's prime-order subgroup")]
    NotInSubgroup {
        /// The x-coordinate, decimal.
        x: String,
        /// The y-coordinate, decimal.
        y: String,
    },
    /// A secret scalar not below the subgroup order l.
    #[error("secret scalar is not below the subgroup order l")]
    ScalarNotBelowOrder,
    /// The secret scalar 0, whose public key `0·Base8` is the identity (0, 1): everybody
    /// knows it, so the Approval circuit refuses it.
    #[error("secret scalar is 0: its public key is the identity, whose secret everybody knows")]
    ZeroSecret,
    /// A Merkle proof longer than the circuit's maximum depth.
    #[error("Merkle proof has {length} siblings, more than the maximum depth {max_depth}")]
    ProofTooLong {
        /// Siblings in the proof.
        length: usize,
        /// The circuit's maximum depth.
        max_depth: usize,
    },
    /// A Merkle proof whose index does not fit in its length.
    #[error("Merkle proof index {index} needs more than {length} bits")]
    IndexTooLarge {
        /// The proof's (compressed) index.
        index: u64,
        /// Siblings in the proof.
        length: usize,
    },
    /// A depth outside the supported range.
    #[error("maximum depth {0} is outside 1..=32")]
    UnsupportedDepth(usize),
    /// The leaf's proof does not lead to the root given.
    #[error("the Merkle proof does not lead to the given root")]
    ProofDoesNotMatchRoot,
    /// A leaf index past the end of the tree.
    #[error("leaf index {index} is out of range for a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// Leaves in the tree.
        size: usize,
    },
}
