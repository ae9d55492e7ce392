//! `MANIFEST.json`, written beside a ceremony's final keys: everything a protocol needs to
//! check the keys it deploys against the public transcript.
//!
//! The verifying-key hash is SHA-256 over the verifying key in the byte order the exported
//! Solidity verifier embeds it: α₁, β₂, γ₂, δ₂, then every IC point, each coordinate a
//! 32-byte big-endian word, G2 coordinates as (x.c1, x.c0, y.c1, y.c0).

use std::{fs::File, io::Read, path::Path};

use blake2::{Blake2b512, Digest as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use veil_prover::VerifyingKey;

use crate::{points::to_u, verify::Report, zkey::Kind};

/// The format tag of the manifest.
pub const FORMAT: &str = "veil-ceremony-manifest";

/// The ceremony manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The circuit.
    pub circuit: CircuitEntry,
    /// The phase-1 file.
    pub ptau: PtauEntry,
    /// The contributions, oldest first.
    pub contributions: Vec<ContributionEntry>,
    /// SHA-256 of the final `.zkey`.
    pub zkey_sha256: String,
    /// SHA-256 of the verifying key in the verifier contract's byte order.
    pub vk_hash: String,
    /// The files written beside the manifest.
    pub files: Vec<String>,
}

/// The circuit a ceremony was run for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitEntry {
    /// "approval", "threshold" or "policy".
    pub name: String,
    /// Maximum depth.
    pub depth: u32,
    /// Signature slots (0 for approval).
    pub k_max: u32,
    /// The policy tree's depth (policy only; absent, 0, for the others).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub policy_depth: u32,
    /// Constraints.
    pub constraints: usize,
    /// The QAP domain's power.
    pub power: u32,
    /// SHA-256 of the iden3 `.r1cs` export.
    pub r1cs_sha256: String,
    /// The circuit hash (BLAKE2b-512, snarkjs's csHash).
    pub circuit_hash: String,
}

/// The powers-of-tau file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PtauEntry {
    /// The file name.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Its power.
    pub power: u32,
    /// SHA-256 of the file.
    pub sha256: String,
    /// BLAKE2b-512 of the file (the hash snarkjs's README lists).
    pub blake2b: String,
}

/// One contribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionEntry {
    /// 1-based position.
    pub index: usize,
    /// The name.
    pub name: Option<String>,
    /// "contributor" or "beacon".
    #[serde(rename = "type")]
    pub kind: String,
    /// The contribution hash (BLAKE2b-512).
    pub hash: String,
    /// A beacon's value (hex).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub beacon_hash: Option<String>,
    /// A beacon's iteration exponent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub beacon_exp: Option<u8>,
}

/// SHA-256 and BLAKE2b-512 of a file, read in 1 MiB chunks.
///
/// # Errors
/// I/O errors.
pub fn file_hashes(path: &Path) -> std::io::Result<([u8; 32], [u8; 64])> {
    let mut f = File::open(path)?;
    let mut s = Sha256::new();
    let mut b = Blake2b512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        s.update(&buf[..n]);
        b.update(&buf[..n]);
    }
    Ok((s.finalize().into(), b.finalize().into()))
}

/// SHA-256 of the verifying key in the verifier contract's byte order.
#[must_use]
pub fn vk_hash(vk: &VerifyingKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(to_u(&vk.alpha_g1));
    h.update(to_u(&vk.beta_g2));
    h.update(to_u(&vk.gamma_g2));
    h.update(to_u(&vk.delta_g2));
    for p in &vk.gamma_abc_g1 {
        h.update(to_u(p));
    }
    h.finalize().into()
}

/// The manifest's contribution entries from a verification report.
#[must_use]
pub fn contributions(report: &Report) -> Vec<ContributionEntry> {
    report
        .contributions
        .iter()
        .map(|c| {
            let (kind, beacon_hash, beacon_exp) = match &c.kind {
                Kind::Contributor => ("contributor", None, None),
                Kind::Beacon { hash, exp } => ("beacon", Some(hex::encode(hash)), Some(*exp)),
            };
            ContributionEntry {
                index: c.index,
                name: c.name.clone(),
                kind: kind.into(),
                hash: hex::encode(c.hash),
                beacon_hash,
                beacon_exp,
            }
        })
        .collect()
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}
