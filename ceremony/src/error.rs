//! Why a ceremony file was refused, and why a transcript does not verify.

use thiserror::Error;

/// A file that is not what it should be: the error names the section and point.
#[derive(Debug, Error)]
pub enum FormatError {
    /// Wrong magic bytes.
    #[error("not a .{kind} file (bad magic bytes)")]
    NotA {
        /// The expected kind.
        kind: &'static str,
    },
    /// A container version other than 1.
    #[error(".{kind} container version {found} is not supported (only version 1 is)")]
    UnsupportedVersion {
        /// The file kind.
        kind: &'static str,
        /// The version found.
        found: u32,
    },
    /// The file ends before a section does.
    #[error("the .{kind} file is truncated{}: {need} bytes needed, {have} present", section.map(|s| format!(" in section {s}")).unwrap_or_default())]
    Truncated {
        /// The file kind.
        kind: &'static str,
        /// The section cut off, if the cut is inside one.
        section: Option<u32>,
        /// Bytes the table announces.
        need: u64,
        /// Bytes present.
        have: u64,
    },
    /// A section id appears twice.
    #[error("the .{kind} file has section {id} twice")]
    DuplicateSection {
        /// The file kind.
        kind: &'static str,
        /// The section id.
        id: u32,
    },
    /// A required section is absent.
    #[error("the .{kind} file has no section {id}")]
    MissingSection {
        /// The file kind.
        kind: &'static str,
        /// The section id.
        id: u32,
    },
    /// A section of the wrong size for the header's parameters.
    #[error("section {id} of the .{kind} file is {found} bytes; its header implies {expected}")]
    SectionSize {
        /// The file kind.
        kind: &'static str,
        /// The section id.
        id: u32,
        /// The size the header implies.
        expected: u64,
        /// The size found.
        found: u64,
    },
    /// A point that does not decode.
    #[error("section {section} ({name}) of the .{kind} file, point {index}: {why}")]
    BadPoint {
        /// The file kind.
        kind: &'static str,
        /// The section id.
        section: u32,
        /// What the section holds.
        name: &'static str,
        /// The point's index in the section.
        index: usize,
        /// What is wrong with it.
        why: PointError,
    },
    /// A powers-of-tau file without the Lagrange sections `snarkjs powersoftau prepare phase2` adds.
    #[error("the .ptau file is not prepared for phase 2 (no section 12): run `snarkjs powersoftau prepare phase2` or use a prepared Perpetual Powers of Tau file (ppot_0080_NN.ptau)")]
    NotPrepared,
    /// A powers-of-tau file too small for the circuit.
    #[error("the .ptau file has power {power}; this circuit needs 2^{need} (a prepared file of power {need} or more)")]
    TooSmall {
        /// The file's power.
        power: u32,
        /// The power the circuit needs.
        need: u32,
    },
    /// Any other inconsistency, described.
    #[error("the .{kind} file is invalid: {what}")]
    Invalid {
        /// The file kind.
        kind: &'static str,
        /// What is wrong.
        what: String,
    },
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What is wrong with an encoded point.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum PointError {
    /// A coordinate is not below the base field's modulus q.
    #[error("a coordinate is not below the field modulus")]
    Coordinate,
    /// The point is not on the curve.
    #[error("the point is not on the curve")]
    NotOnCurve,
    /// A G2 point outside the prime-order subgroup.
    #[error("the point is not in the prime-order subgroup")]
    NotInSubgroup,
}

/// A transcript that does not verify: each variant is one named check.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VerifyError {
    /// A contribution's recorded transcript hash is not the hash of what precedes it.
    #[error("contribution #{index} ({name}): its transcript hash does not recompute (an edited, reordered or dropped contribution, or another circuit)")]
    Transcript {
        /// 1-based position.
        index: usize,
        /// The contributor's name.
        name: String,
    },
    /// A contribution's points include the point at infinity.
    #[error("contribution #{index} ({name}): {which} is the point at infinity")]
    Infinity {
        /// 1-based position.
        index: usize,
        /// The contributor's name.
        name: String,
        /// Which point.
        which: &'static str,
    },
    /// The proof of knowledge fails: s·δ′ and r·δ′ are not in the same ratio.
    #[error("contribution #{index} ({name}): the proof of knowledge of δ′ fails (s, s·δ′ and r, r·δ′ are not in the same ratio)")]
    ProofOfKnowledge {
        /// 1-based position.
        index: usize,
        /// The contributor's name.
        name: String,
    },
    /// δ after this contribution is not δ before it times the contributor's δ′.
    #[error("contribution #{index} ({name}): δ after it does not follow δ before it by the proven δ′")]
    DeltaChain {
        /// 1-based position.
        index: usize,
        /// The contributor's name.
        name: String,
    },
    /// A beacon contribution whose key does not follow from its public hash and exponent.
    #[error("contribution #{index} ({name}): the beacon's key does not follow from its hash and iteration exponent")]
    Beacon {
        /// 1-based position.
        index: usize,
        /// The contributor's name.
        name: String,
    },
    /// A header field differs from a fresh init from the circuit and the ptau.
    #[error(
        "{what} differs from a fresh init from this circuit and ptau (a key for another circuit, shape or ptau file?)"
    )]
    Header {
        /// The field.
        what: &'static str,
    },
    /// The circuit hash differs from a fresh init.
    #[error("the circuit hash differs from a fresh init: this key is for another circuit, shape or ptau file")]
    CircuitHash,
    /// δ₁ is not the last contribution's δ.
    #[error("δ₁ in the header is not the δ after the last contribution")]
    Delta1,
    /// δ₂ does not match δ₁.
    #[error("δ₂ in the header does not match δ₁")]
    Delta2,
    /// A section that contributions never change differs from a fresh init.
    #[error("the {section} section differs from a fresh init")]
    Section {
        /// The section's name.
        section: &'static str,
    },
    /// L or H is not the fresh init's section divided by δ.
    #[error("the {section} section is not a fresh init's {section} divided by δ")]
    Ratio {
        /// "L" or "H".
        section: &'static str,
    },
}
