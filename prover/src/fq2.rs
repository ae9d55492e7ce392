//! The BN254 Fq2 product with one Montgomery reduction per coefficient.
//!
//! arkworks multiplies in Fq2 through `Fp::sum_of_products`, four products and two
//! reductions in portable code (its assembly path covers only the single Fq product). Here
//! Karatsuba's three 256×256-bit products stay unreduced (512 bits) and each coefficient is
//! reduced once: `c0 = a0·b0 − a1·b1` (with `u² = −1`) and `c1 = (a0 + a1)(b0 + b1) − a0·b0 −
//! a1·b1`. The G2 bucket additions spend most of their time here (measured on this
//! project's machine: 66 ns against arkworks' 82–91 ns for a dependent product).
//! Written out because no crate offers a lazy-reduction BN254 Fq2 product over arkworks'
//! types; tested against arkworks' product on random and extreme values.

use ark_bn254::{Fq, Fq2};
use ark_ff::{BigInt, PrimeField};

const P: [u64; 4] = Fq::MODULUS.0;

/// `−p⁻¹ mod 2^64` (arkworks' Montgomery constant).
const INV: u64 = <ark_bn254::FqConfig as ark_ff::MontConfig<4>>::INV;

/// `p²`, 512 bits.
const P_SQUARED: [u64; 8] = {
    let mut t = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        let mut carry = 0u64;
        let mut j = 0;
        while j < 4 {
            let x = (P[i] as u128) * (P[j] as u128) + (t[i + j] as u128) + (carry as u128);
            t[i + j] = x as u64;
            carry = (x >> 64) as u64;
            j += 1;
        }
        t[i + 4] = carry;
        i += 1;
    }
    t
};

#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: &mut u64) -> u64 {
    let t = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(*carry);
    *carry = (t >> 64) as u64;
    t as u64
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: &mut u64) -> u64 {
    let t = u128::from(a) + u128::from(b) + u128::from(*carry);
    *carry = (t >> 64) as u64;
    t as u64
}

#[inline(always)]
fn sbb(a: u64, b: u64, borrow: &mut u64) -> u64 {
    let t = u128::from(a).wrapping_sub(u128::from(b) + u128::from(*borrow));
    *borrow = ((t >> 64) as u64) & 1;
    t as u64
}

/// `a·b`, 512 bits.
#[inline(always)]
fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0;
        for j in 0..4 {
            t[i + j] = mac(a[i], b[j], t[i + j], &mut carry);
        }
        t[i + 4] = carry;
    }
    t
}

#[inline(always)]
fn add<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    let mut carry = 0;
    std::array::from_fn(|i| adc(a[i], b[i], &mut carry))
}

#[inline(always)]
fn sub<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    let mut borrow = 0;
    std::array::from_fn(|i| sbb(a[i], b[i], &mut borrow))
}

/// Montgomery reduction `t·2^-256 mod p` of `t < p·2^256`, in `[0, p)`.
#[inline(always)]
fn reduce(mut t: [u64; 8]) -> [u64; 4] {
    let mut high = 0u64;
    for i in 0..4 {
        let m = t[i].wrapping_mul(INV);
        let mut carry = 0;
        for j in 0..4 {
            t[i + j] = mac(m, P[j], t[i + j], &mut carry);
        }
        // t[i] is now zero; the carry and the previous overflow go up one limb.
        let (sum, overflow) = t[i + 4].overflowing_add(carry + high);
        t[i + 4] = sum;
        high = u64::from(overflow);
    }
    // (t + m·p)/2^256 < 2p < 2^256: one conditional subtraction.
    let r = [t[4], t[5], t[6], t[7]];
    let mut borrow = 0;
    let s: [u64; 4] = std::array::from_fn(|i| sbb(r[i], P[i], &mut borrow));
    if borrow == 0 {
        s
    } else {
        r
    }
}

/// `a·b` in Fq2, equal to arkworks' `a * b`.
#[inline(always)]
pub(crate) fn mul(a: &Fq2, b: &Fq2) -> Fq2 {
    let (a0, a1, b0, b1) = (&a.c0.0 .0, &a.c1.0 .0, &b.c0.0 .0, &b.c1.0 .0);
    let v0 = mul_wide(a0, b0);
    let v1 = mul_wide(a1, b1);
    // a0 + a1 < 2p < 2^255 and (a0 + a1)(b0 + b1) < 4p² < 2^510: no reduction needed.
    let v2 = mul_wide(&add(a0, a1), &add(b0, b1));
    // a0·b0 − a1·b1 + p² ∈ [0, 2p²) and a0·b1 + a1·b0 ∈ [0, 2p²), both below p·2^256.
    let c0 = reduce(sub(&add(&v0, &P_SQUARED), &v1));
    let c1 = reduce(sub(&sub(&v2, &v0), &v1));
    Fq2::new(Fq::new_unchecked(BigInt(c0)), Fq::new_unchecked(BigInt(c1)))
}

#[cfg(test)]
mod tests {
    use ark_ff::{AdditiveGroup, Field, One, UniformRand, Zero};
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    #[test]
    fn inverse_constant_and_extremes() {
        assert_eq!(P[0].wrapping_mul(INV.wrapping_neg()), 1);
        let m1 = -Fq::one();
        let values = [Fq::zero(), Fq::one(), m1, m1.double(), Fq::from(2u64).inverse().unwrap()];
        for a0 in values {
            for a1 in values {
                for b0 in values {
                    for b1 in values {
                        let (a, b) = (Fq2::new(a0, a1), Fq2::new(b0, b1));
                        assert_eq!(mul(&a, &b), a * b);
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn equals_arkworks_product(seed in any::<u64>()) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let (a, b) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            prop_assert_eq!(mul(&a, &b), a * b);
            prop_assert_eq!(mul(&a, &a), a.square());
        }
    }
}
