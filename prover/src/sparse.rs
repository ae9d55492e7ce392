//! R1CS matrices kept in the proving-key file's own encoding, so a key loaded from a mapped
//! file evaluates its constraints straight from the map: no decoding into fresh memory (the
//! page faults of ~7 MB of row vectors at depth 20 cost more than reading the entries).
//!
//! The encoding ([`crate::keyfile`], version 2), after the matrix's u64 row count: per row
//! a u32 entry count, then per entry a u32 variable and the coefficient's four
//! little-endian Montgomery limbs (arkworks' in-memory form), 36 bytes, all little-endian.

use std::{fmt, ops::Range, sync::Arc};

use ark_ff::{BigInt, Field, PrimeField, Zero};
use ark_relations::gr1cs::Matrix;
use veil_circuits::Fr;

/// Bytes per entry: the variable (u32) and the coefficient (four u64 Montgomery limbs).
pub(crate) const ENTRY_LEN: usize = 36;

/// Bytes owned, or a range of a shared read-only file map.
#[derive(Clone)]
pub(crate) enum Bytes {
    Owned(Vec<u8>),
    Mapped { map: Arc<memmap2::Mmap>, range: Range<usize> },
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Owned(v) => v,
            Self::Mapped { map, range } => &map[range.clone()],
        }
    }
}

/// One R1CS matrix, row-major, in the key file's encoding: `(coefficient, variable)` per
/// non-zero entry, variables numbered instance first (0 is the constant 1), then witness.
#[derive(Clone)]
pub struct SparseMatrix {
    /// The rows as encoded (without the row count).
    bytes: Bytes,
    /// Where each row's entries start in `bytes`, then the end: row `i` is
    /// `bytes[starts[i]..starts[i + 1] - 4]` (the next row's count follows).
    starts: Vec<usize>,
}

impl fmt::Debug for SparseMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SparseMatrix").field("rows", &self.rows()).field("entries", &self.entries()).finish()
    }
}

/// Equal encodings, equal matrices: the limbs of a value below r are unique.
impl PartialEq for SparseMatrix {
    fn eq(&self, other: &Self) -> bool {
        self.bytes[..] == other.bytes[..]
    }
}

impl Eq for SparseMatrix {}

/// One encoded entry: its coefficient and variable.
#[inline]
fn entry(e: &[u8]) -> (Fr, usize) {
    let limb = |i: usize| u64::from_le_bytes(e[4 + 8 * i..12 + 8 * i].try_into().expect("8 bytes"));
    let var = u32::from_le_bytes(e[..4].try_into().expect("4 bytes")) as usize;
    (Fr::new_unchecked(BigInt([limb(0), limb(1), limb(2), limb(3)])), var)
}

impl SparseMatrix {
    /// Releases the pages of a matrix read in place from a mapped key ([`veil_fs::release`]):
    /// for a key that proves once, after its witness map has read them. Reading the matrix
    /// again stays correct (the pages come back from the file).
    pub(crate) fn release(&self) {
        if let Bytes::Mapped { map, range } = &self.bytes {
            veil_fs::release(map, range.clone());
        }
    }

    /// Encodes arkworks' rows.
    ///
    /// # Panics
    /// If a row has 2^32 entries or more, or a variable is 2^32 or more.
    #[must_use]
    pub fn from_rows(rows: &Matrix<Fr>) -> Self {
        let mut bytes = Vec::with_capacity(rows.iter().map(|r| 4 + r.len() * ENTRY_LEN).sum());
        for row in rows {
            bytes.extend_from_slice(&u32::try_from(row.len()).expect("fewer than 2^32 entries").to_le_bytes());
            for (coeff, var) in row {
                bytes.extend_from_slice(&u32::try_from(*var).expect("fewer than 2^32 variables").to_le_bytes());
                // `Fp.0` is the Montgomery form (arkworks exposes it, undocumented).
                for l in coeff.0 .0 {
                    bytes.extend_from_slice(&l.to_le_bytes());
                }
            }
        }
        Self::parse(Bytes::Owned(bytes), rows.len(), usize::MAX).expect("a matrix encodes to a valid one")
    }

    /// Checks an encoding of exactly `rows` rows: every entry's variable below `num_vars`
    /// and coefficient below r, nothing after the last row.
    ///
    /// # Errors
    /// What is wrong, for the key file's error.
    pub(crate) fn parse(bytes: Bytes, rows: usize, num_vars: usize) -> Result<Self, String> {
        let mut starts = Vec::with_capacity(rows + 1);
        let mut at = 0usize;
        for _ in 0..rows {
            let len = bytes.get(at..at + 4).ok_or("matrix entries end early")?;
            let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
            at += 4;
            starts.push(at);
            let end = len.checked_mul(ENTRY_LEN).and_then(|n| n.checked_add(at)).filter(|&e| e <= bytes.len());
            let end = end.ok_or("matrix entries end early")?;
            for e in bytes[at..end].chunks_exact(ENTRY_LEN) {
                let (coeff, var) = entry(e);
                if var >= num_vars {
                    return Err(format!("matrix entry for variable {var} of {num_vars}"));
                }
                // Montgomery limbs of a value below r are themselves below r.
                if coeff.0 >= Fr::MODULUS {
                    return Err("matrix coefficient ≥ r".into());
                }
            }
            at = end;
        }
        if at != bytes.len() {
            return Err(format!("{} bytes after the last matrix row", bytes.len() - at));
        }
        starts.push(at + 4);
        Ok(Self { bytes, starts })
    }

    /// Whether the rows are read from a file map.
    #[cfg(test)]
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.bytes, Bytes::Mapped { .. })
    }

    /// The encoded rows (the key file's matrix after its row count).
    pub(crate) fn encoded(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// The number of non-zero entries.
    #[must_use]
    pub fn entries(&self) -> usize {
        (self.bytes.len() - 4 * self.rows()) / ENTRY_LEN
    }

    /// Row `i`'s `(coefficient, variable)` entries.
    ///
    /// # Panics
    /// If `i` is not below [`Self::rows`].
    pub fn row(&self, i: usize) -> impl ExactSizeIterator<Item = (Fr, usize)> + '_ {
        self.bytes[self.starts[i]..self.starts[i + 1] - 4].chunks_exact(ENTRY_LEN).map(entry)
    }

    /// `Σ coefficient·z[variable]` over row `i`; coefficients 1 and −1 (most of them) cost
    /// an addition or a subtraction instead of a multiplication.
    ///
    /// # Panics
    /// If `i` is not below [`Self::rows`] or `z` is shorter than the variables.
    #[must_use]
    pub fn evaluate(&self, i: usize, z: &[Fr]) -> Fr {
        let (one, minus_one) = (Fr::ONE, -Fr::ONE);
        self.row(i).fold(Fr::zero(), |acc, (c, v)| {
            if c == one {
                acc + z[v]
            } else if c == minus_one {
                acc - z[v]
            } else {
                acc + c * z[v]
            }
        })
    }

    /// arkworks' rows (for ark-groth16's own prover).
    #[must_use]
    pub fn to_rows(&self) -> Matrix<Fr> {
        (0..self.rows()).map(|i| self.row(i).collect()).collect()
    }
}

#[cfg(test)]
mod tests;
