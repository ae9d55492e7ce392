//! veil's trusted setup: a multi-party Groth16 phase 2 over Perpetual Powers of Tau whose
//! transcript is snarkjs's `.zkey` file, byte for byte, so that `snarkjs zkey verify` is an
//! independent second verifier of every veil ceremony and snarkjs contributors can take
//! part.
//!
//! The path of a ceremony: [`r1cs::Constraints`] (the circuit, exportable as iden3 `.r1cs`)
//! and a prepared [`ptau::Ptau`] give the first key ([`init::init`]); each contributor
//! multiplies δ by a secret δ′ ([`contribute::contribute`]); a public beacon closes it
//! ([`contribute::beacon`]); [`verify::verify`] checks the whole chain against a fresh
//! init; [`finalize::prover_key`] turns the final transcript into veil's proving key.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

pub mod binfile;
pub mod contribute;
pub mod dev;
pub mod error;
pub mod finalize;
pub mod init;
pub mod manifest;
pub mod points;
pub mod ptau;
pub mod r1cs;
pub mod rng;
pub mod scale;
pub mod verify;
pub mod zkey;

#[cfg(test)]
mod tests;

pub use error::{FormatError, PointError, VerifyError};
pub use ptau::Ptau;
pub use r1cs::Constraints;
pub use zkey::Zkey;
