//! Prepared phase-2 powers-of-tau files (`.ptau`, as `snarkjs powersoftau prepare phase2`
//! writes them, and the Perpetual Powers of Tau `ppot_0080_NN.ptau` files).
//!
//! Header (section 1): u32 n8 = 32, q (32 bytes), u32 power p, u32 ceremony power.
//! Sections: 2 τ^i·G1 (2^(p+1) − 1 points), 3 τ^i·G2 (2^p), 4 α·τ^i·G1 (2^p), 5 β·τ^i·G1 (2^p),
//! 6 β·G2 (1), 7 the phase-1 contribution records; and, from `prepare phase2`, the Lagrange
//! forms: 12 of section 2 (blocks k = 0..=p+1), 13 of 3, 14 of 4, 15 of 5 (blocks 0..=p).
//! Block k starts at point 2^k − 1 and holds L_j(τ)·G for the 2^k-point domain, j < 2^k.
//!
//! The file is opened, its table checked against its power, and then only the blocks a
//! circuit needs are read (a seek and one read each); every point read is decoded with
//! its checks (coordinates < q, on the curve, G2 in the subgroup). A power-20 file is
//! 1.2 GB; a circuit of 2^13 reads about 4 MB of it.

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};

use crate::{
    binfile::{read_at, Section, Sections},
    error::FormatError,
    points::{decode_all, FilePoint, G1_LEN, G2_LEN},
};

const KIND: &str = "ptau";

/// An open prepared powers-of-tau file.
#[derive(Debug)]
pub struct Ptau {
    file: File,
    path: PathBuf,
    sections: Sections,
    /// The file's power p: it serves circuits of up to 2^p rows.
    pub power: u32,
    /// The power of the ceremony it was cut from (28 for Perpetual Powers of Tau).
    pub ceremony_power: u32,
    /// The file's size in bytes.
    pub len: u64,
}

impl Ptau {
    /// Opens `path` and checks its header and section table.
    ///
    /// # Errors
    /// [`FormatError`]: another kind of file, another curve, a truncated file, sections
    /// of the wrong size for the power, or a file not prepared for phase 2.
    pub fn open(path: &Path) -> Result<Self, FormatError> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let sections = Sections::read(&mut file, len, KIND)?;
        let h = sections.need_len(1, 4 + 32 + 8)?;
        let head = read_at(&mut file, h.offset, 44)?;
        let n8 = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        if n8 != 32 || head[4..36] != Fq::MODULUS.to_bytes_le()[..] {
            return Err(FormatError::Invalid { kind: KIND, what: "the file is not for BN254 (bn128)".into() });
        }
        let power = u32::from_le_bytes(head[36..40].try_into().expect("4 bytes"));
        let ceremony_power = u32::from_le_bytes(head[40..44].try_into().expect("4 bytes"));
        if !(1..=28).contains(&power) {
            return Err(FormatError::Invalid { kind: KIND, what: format!("power {power} is outside 1..=28") });
        }
        let g1 = G1_LEN as u64;
        let g2 = G2_LEN as u64;
        let n = 1u64 << power;
        sections.need_len(2, (2 * n - 1) * g1)?;
        sections.need_len(3, n * g2)?;
        sections.need_len(4, n * g1)?;
        sections.need_len(5, n * g1)?;
        sections.need_len(6, g2)?;
        if sections.get(12).is_none() {
            return Err(FormatError::NotPrepared);
        }
        sections.need_len(12, (4 * n - 1) * g1)?;
        sections.need_len(13, (2 * n - 1) * g2)?;
        sections.need_len(14, (2 * n - 1) * g1)?;
        sections.need_len(15, (2 * n - 1) * g1)?;
        Ok(Self { file, path: path.to_path_buf(), sections, power, ceremony_power, len })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses a circuit of 2^`log` rows if the file is too small for it.
    ///
    /// # Errors
    /// [`FormatError::TooSmall`].
    pub fn require(&self, log: u32) -> Result<(), FormatError> {
        if log > self.power {
            return Err(FormatError::TooSmall { power: self.power, need: log });
        }
        Ok(())
    }

    fn points<P: FilePoint>(
        &mut self,
        id: u32,
        name: &'static str,
        first: u64,
        count: u64,
    ) -> Result<Vec<P>, FormatError> {
        let s: Section = self.sections.need(id)?;
        let len = P::LEN as u64;
        debug_assert!((first + count) * len <= s.len);
        let bytes = read_at(&mut self.file, s.offset + first * len, (count * len) as usize)?;
        decode_all::<P>(&bytes, KIND, id, name).map_err(|e| match e {
            FormatError::BadPoint { kind, section, name, index, why } => {
                FormatError::BadPoint { kind, section, name, index: index + first as usize, why }
            }
            e => e,
        })
    }

    /// The raw encoded points `first..first + count` of section `id` (for byte copies).
    ///
    /// # Errors
    /// I/O errors.
    pub fn raw(&mut self, id: u32, point_len: usize, first: u64, count: u64) -> Result<Vec<u8>, FormatError> {
        let s = self.sections.need(id)?;
        let len = point_len as u64;
        Ok(read_at(&mut self.file, s.offset + first * len, (count * len) as usize)?)
    }

    /// Block `k` (2^k points) of a Lagrange section: 12 (τ, G1), 14 (ατ, G1) or 15 (βτ, G1).
    ///
    /// # Errors
    /// A point that does not decode, or a block beyond the file's power.
    pub fn lagrange_g1(&mut self, id: u32, k: u32) -> Result<Vec<G1Affine>, FormatError> {
        let top = if id == 12 { self.power + 1 } else { self.power };
        if k > top {
            return Err(FormatError::TooSmall { power: self.power, need: k });
        }
        let name = match id {
            12 => "Lagrange τ·G1",
            14 => "Lagrange α·τ·G1",
            15 => "Lagrange β·τ·G1",
            _ => "Lagrange G1",
        };
        self.points(id, name, (1 << k) - 1, 1 << k)
    }

    /// Block `k` of section 13 (Lagrange τ·G2).
    ///
    /// # Errors
    /// A point that does not decode, or a block beyond the file's power.
    pub fn lagrange_g2(&mut self, k: u32) -> Result<Vec<G2Affine>, FormatError> {
        if k > self.power {
            return Err(FormatError::TooSmall { power: self.power, need: k });
        }
        self.points(13, "Lagrange τ·G2", (1 << k) - 1, 1 << k)
    }

    /// τ^i·G1 for i in `first..first + count` (section 2).
    ///
    /// # Errors
    /// A point that does not decode.
    pub fn tau_g1(&mut self, first: u64, count: u64) -> Result<Vec<G1Affine>, FormatError> {
        self.points(2, "τ·G1", first, count)
    }

    /// α·G1, β·G1 and β·G2 (the first points of sections 4, 5 and 6).
    ///
    /// # Errors
    /// A point that does not decode.
    pub fn alpha_beta(&mut self) -> Result<(G1Affine, G1Affine, G2Affine), FormatError> {
        let a = self.points::<G1Affine>(4, "α·τ·G1", 0, 1)?[0];
        let b = self.points::<G1Affine>(5, "β·τ·G1", 0, 1)?[0];
        let b2 = self.points::<G2Affine>(6, "β·G2", 0, 1)?[0];
        Ok((a, b, b2))
    }
}
