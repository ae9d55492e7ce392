//! Bit decompositions and comparisons with constants, the range checks of every statement.
//!
//! Cost: `n` constraints to decompose into `n` bits; comparing bits with a constant costs
//! one constraint per run of zeros in the constant (60 for `s < l`).

use ark_ff::{BigInteger, PrimeField, Zero};
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar, fields::FieldVar, GR1CSVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::Fr;

/// Allocates the `n` little-endian bits of `value` as boolean witnesses (n constraints).
///
/// The bits are unconstrained with respect to any other variable: tie them to a value with
/// [`Boolean::le_bits_to_fp`] (free, a linear combination) and an equality.
///
/// # Errors
/// Propagates synthesis errors; `AssignmentMissing` if `value` is `None` while proving.
pub fn alloc_bits_le(
    cs: ConstraintSystemRef<Fr>,
    value: Option<Fr>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    // The bits may be a secret's: wiped when dropped.
    let bits = value.map(|v| zeroize::Zeroizing::new(v.into_bigint().to_bits_le()));
    (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || bits.as_ref().map(|b| b[i]).ok_or(SynthesisError::AssignmentMissing))
        })
        .collect()
}

/// Enforces `Σ bits[i]·2^i ≤ c` for a constant `c` (bits little-endian, all boolean).
///
/// Scanning from the most significant bit, let `D_j` count the positions above j where c
/// has a one and the value a zero: `D_j = Σ (1 − b_k)`, a linear combination. The value
/// exceeds c exactly when, at some run of zeros of c, the prefix above is equal
/// (`D_j = 0`, which forces the earlier zero runs to zero by induction) and a bit of the
/// run is set. So for each run of zeros one constraint suffices:
/// `Σ run = t·D_j` with a witness t; when `D_j = 0` it forces the run to zero, and
/// otherwise `t = Σ run / D_j` satisfies it. Sums of at most 254 booleans cannot wrap
/// around r, so "= 0" means "all zero" for both sums.
///
/// Cost: one constraint per run of zeros in c (60 for `l − 1`), nothing per run of ones.
///
/// # Errors
/// Propagates synthesis errors.
///
/// # Panics
/// If `c` does not fit in `bits.len()` bits.
pub fn enforce_le_constant<B: BigInteger>(bits: &[Boolean<Fr>], c: &B) -> Result<(), SynthesisError> {
    let n = bits.len();
    assert!(n <= 254, "at most 254 bits");
    assert!(c.num_bits() as usize <= n, "constant has more than {n} bits");
    let c_bits = c.to_bits_le();
    let c_bit = |i: usize| c_bits.get(i).copied().unwrap_or(false);
    let cs = bits.iter().fold(ark_relations::gr1cs::ConstraintSystemRef::None, |cs, b| cs.or(b.cs()));

    let mut mismatches = FpVar::<Fr>::zero(); // D: ones of c above, where the bit is 0
    let mut i = n; // the next position to look at is i − 1
    while i > 0 {
        let bit = c_bit(i - 1);
        let mut j = i;
        while j > 0 && c_bit(j - 1) == bit {
            j -= 1;
        }
        let run = &bits[j..i];
        if bit {
            for b in run {
                mismatches += FpVar::one() - FpVar::from(b.clone());
            }
        } else {
            let sum = run.iter().fold(FpVar::zero(), |acc, b| acc + FpVar::from(b.clone()));
            if mismatches.is_constant() || cs.is_none() {
                // Nothing above can differ yet: the run must be zero outright.
                let d = mismatches.value().unwrap_or_default();
                if d.is_zero() {
                    sum.enforce_equal(&FpVar::zero())?;
                }
            } else {
                let t = FpVar::new_witness(cs.clone(), || {
                    let d = mismatches.value()?;
                    Ok(if d.is_zero() { Fr::zero() } else { sum.value()? / d })
                })?;
                t.mul_equals(&mismatches, &sum)?;
            }
        }
        i = j;
    }
    Ok(())
}

/// Enforces `Σ bits[i]·2^i < c` for a constant `c ≥ 1`.
///
/// # Errors
/// Propagates synthesis errors.
///
/// # Panics
/// If `c` is zero or does not fit in `bits.len()` bits.
pub fn enforce_lt_constant<B: BigInteger>(bits: &[Boolean<Fr>], c: &B) -> Result<(), SynthesisError> {
    let mut c_minus_one = *c;
    assert!(!c.is_zero(), "nothing is below 0");
    c_minus_one.sub_with_borrow(&B::from(1u64));
    enforce_le_constant(bits, &c_minus_one)
}

#[cfg(test)]
mod tests {
    use ark_ff::{BigInteger, Field, PrimeField};
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::Fs;

    fn check_le(value: Fr, c: Fr, n: usize) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = alloc_bits_le(cs.clone(), Some(value), n).unwrap();
        enforce_le_constant(&bits, &c.into_bigint()).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn le_constant_agrees_with_integer_comparison() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for _ in 0..300 {
            let n = rng.gen_range(1..=16);
            let c = rng.gen_range(0..(1u64 << n));
            let v = rng.gen_range(0..(1u64 << n));
            assert_eq!(check_le(Fr::from(v), Fr::from(c), n), v <= c, "v={v} c={c} n={n}");
        }
        // exhaustive for 6 bits, all constants
        for c in 0..64u64 {
            for v in 0..64u64 {
                assert_eq!(check_le(Fr::from(v), Fr::from(c), 6), v <= c, "v={v} c={c}");
            }
        }
    }

    #[test]
    fn lt_suborder_at_the_boundary() {
        let l = Fs::MODULUS;
        let l_fr = Fr::from_bigint(l).unwrap();
        for (v, ok) in [
            (Fr::from(0u64), true),
            (l_fr - Fr::from(1u64), true),
            (l_fr, false),
            (l_fr + Fr::from(1u64), false),
            (Fr::from(2u64).pow([251]) - Fr::from(1u64), false),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = alloc_bits_le(cs.clone(), Some(v), 251).unwrap();
            enforce_lt_constant(&bits, &l).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), ok, "v = {v}");
        }
    }

    #[test]
    fn lt_suborder_on_random_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let l = Fs::MODULUS;
        for _ in 0..50 {
            let v = Fr::from(rng.gen::<u128>()) * Fr::from(rng.gen::<u128>());
            let below = v.into_bigint() < l;
            let cs = ConstraintSystem::<Fr>::new_ref();
            if v.into_bigint().num_bits() > 251 {
                continue;
            }
            let bits = alloc_bits_le(cs.clone(), Some(v), 251).unwrap();
            enforce_lt_constant(&bits, &l).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), below);
        }
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = alloc_bits_le(cs.clone(), Some(Fr::from(1u64)), 251).unwrap();
        let before = cs.num_constraints();
        enforce_lt_constant(&bits, &l).unwrap();
        assert_eq!(cs.num_constraints() - before, 60, "one constraint per run of zeros of l − 1");
    }
}
