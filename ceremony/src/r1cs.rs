//! A circuit's R1CS in iden3's `.r1cs` format, which `snarkjs r1cs info` and
//! `snarkjs groth16 setup` read.
//!
//! Wire order is arkworks' variable order: wire 0 is the constant one, wires 1..=ℓ the
//! public inputs in allocation order (snarkjs's `public.json` order), then witness j at
//! ℓ + 1 + j. Each row lists its wires ascending, duplicates merged, zeros dropped; values
//! are in standard form, little-endian. Sections: 1 header (field size 32, r, wires, 0
//! public outputs, ℓ public inputs, 0 private inputs — veil's circuits have no circom-style
//! private input signals, every private value is an internal wire —, labels, constraints),
//! 2 constraints, 3 the wire-to-label map (the identity).

use ark_ff::{BigInteger, PrimeField, Zero};
use sha2::{Digest, Sha256};
use veil_circuits::Fr;
use veil_prover::R1cs;

use crate::binfile::Writer;

/// One row of a matrix: (wire, coefficient), wires ascending.
pub type Row = Vec<(u32, Fr)>;

/// A constraint system in the form the `.r1cs` file and the ceremony's init use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraints {
    /// Wires, including the constant one.
    pub n_wires: u32,
    /// Public inputs, without the constant one (ℓ).
    pub n_public: u32,
    /// The rows of A, B and C, one per constraint.
    pub rows: [Vec<Row>; 3],
}

impl Constraints {
    /// The constraints of `r1cs`, rows normalised.
    ///
    /// # Panics
    /// If the circuit has more than 2³² wires (no veil circuit comes near).
    #[must_use]
    pub fn from_r1cs(r1cs: &R1cs) -> Self {
        let n_wires = u32::try_from(r1cs.num_instance + r1cs.num_witness).expect("wires fit in u32");
        let n_public = u32::try_from(r1cs.num_instance - 1).expect("inputs fit in u32");
        let matrices = r1cs.rows();
        let rows = matrices.each_ref().map(|m| {
            m.iter()
                .map(|row| {
                    let mut r: Row =
                        row.iter().map(|&(c, v)| (u32::try_from(v).expect("wire fits in u32"), c)).collect();
                    r.sort_by_key(|&(w, _)| w);
                    let mut merged: Row = Vec::with_capacity(r.len());
                    for (w, c) in r {
                        match merged.last_mut() {
                            Some((lw, lc)) if *lw == w => *lc += c,
                            _ => merged.push((w, c)),
                        }
                    }
                    merged.retain(|(_, c)| !c.is_zero());
                    merged
                })
                .collect()
        });
        Self { n_wires, n_public, rows }
    }

    /// The number of constraints.
    #[must_use]
    pub fn n_constraints(&self) -> usize {
        self.rows[0].len()
    }

    /// The QAP domain's log-size: the smallest n = 2^k with n > constraints + ℓ.
    #[must_use]
    pub fn domain_log(&self) -> u32 {
        let rows = self.n_constraints() + self.n_public as usize + 1;
        rows.next_power_of_two().trailing_zeros()
    }

    /// The `.r1cs` file.
    #[must_use]
    pub fn to_file(&self) -> Vec<u8> {
        let mut w = Writer::new("r1cs", 3);
        let h = w.section(1);
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        for n in [self.n_wires, 0, self.n_public, 0] {
            h.extend_from_slice(&n.to_le_bytes());
        }
        h.extend_from_slice(&u64::from(self.n_wires).to_le_bytes());
        h.extend_from_slice(&u32::try_from(self.n_constraints()).expect("constraints fit in u32").to_le_bytes());
        let c = w.section(2);
        for i in 0..self.n_constraints() {
            for m in &self.rows {
                let row = &m[i];
                c.extend_from_slice(&u32::try_from(row.len()).expect("row fits").to_le_bytes());
                for (wire, v) in row {
                    c.extend_from_slice(&wire.to_le_bytes());
                    c.extend_from_slice(&v.into_bigint().to_bytes_le());
                }
            }
        }
        let l = w.section(3);
        for i in 0..u64::from(self.n_wires) {
            l.extend_from_slice(&i.to_le_bytes());
        }
        w.finish()
    }
}

/// SHA-256 of a file's bytes, the hash veil pins for `.r1cs` files.
#[must_use]
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
