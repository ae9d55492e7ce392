//! The vector butterflies of the scalar field's transforms (see [`crate::Block`]): the same
//! radix-2^52 product as the bucket additions, over Fr.
//!
//! **The domain.** As for the coordinates, arkworks' limbs `A = a·2^256` read in the
//! R' = 2^260 domain are `a/16`. A product with a twiddle given as arkworks' limbs of `16·c`
//! ([`crate::Twiddle`]) is then exactly arkworks' limbs of `a·c`, so data stays arkworks'
//! limbs throughout; only constants carry the factor.
//!
//! **Bounds.** Data in the lanes layout is kept below 2r: a product of a value below 4r
//! and a constant below r is below 2r, and sums and differences are brought back below 2r
//! by one conditional subtraction of 2r. [`from_lanes`] reduces below r.

use core::arch::x86_64::__m512i;

use ark_bn254::Fr;

use crate::ifma::{add, constant, from64, lanes, mont, reduce_once, sub, to52, to64, vector, Fe, Modulus, Scalar};
use crate::{Block, Twiddle};

/// The lanes-layout element vector of `block`.
#[inline]
#[target_feature(enable = "avx512f")]
fn load(block: &Block) -> Fe {
    from64(core::array::from_fn(|k| vector(block[8 * k..8 * k + 8].try_into().expect("8 words"))))
}

/// Writes `v` (normalized limbs, a value below 2^256) into `block` in the lanes layout.
#[inline]
#[target_feature(enable = "avx512f")]
fn store(block: &mut Block, v: &Fe) {
    let words: [__m512i; 4] = to64(v);
    for (k, w) in words.iter().enumerate() {
        block[8 * k..8 * k + 8].copy_from_slice(&lanes(*w));
    }
}

/// The vector constant of a twiddle.
#[inline]
#[target_feature(enable = "avx512f")]
fn twiddle(c: &Twiddle) -> Fe {
    constant(to52(c.0))
}

/// See [`crate::ct`].
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn ct(lo: &mut [Block], hi: &mut [Block], c: &Twiddle) {
    let c = twiddle(c);
    let p2 = constant(Scalar::P2);
    for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
        let (u, v) = (load(l), load(h));
        let t = mont::<Scalar>(&v, &c);
        store(l, &reduce_once(&add(&u, &t), &p2));
        store(h, &reduce_once(&sub(&u, &t, &p2), &p2));
    }
}

/// See [`crate::gs`].
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn gs(lo: &mut [Block], hi: &mut [Block], c: &Twiddle) {
    let c = twiddle(c);
    let p2 = constant(Scalar::P2);
    for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
        let (u, v) = (load(l), load(h));
        store(l, &reduce_once(&add(&u, &v), &p2));
        store(h, &mont::<Scalar>(&sub(&u, &v, &p2), &c));
    }
}

/// See [`crate::quotient`].
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn quotient(a: &mut [Block], b: &[Block], c: &[Block], scale: Fr) {
    // Products of arkworks' limbs come out over 16: a·b/16, and c/16 as c times arkworks'
    // one (R mod r); their difference times a twiddle of 16·scale is (a·b − c)·scale.
    let one = constant(to52(<Fr as ark_ff::Field>::ONE.0 .0));
    let s = twiddle(&Twiddle::new(scale * Fr::from(16u64)));
    let p2 = constant(Scalar::P2);
    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
        let ab = mont::<Scalar>(&load(a), &load(b));
        let c = mont::<Scalar>(&load(c), &one);
        store(a, &mont::<Scalar>(&sub(&ab, &c, &p2), &s));
    }
}

/// See [`crate::from_lanes`]: the reduction below r.
#[target_feature(enable = "avx512f")]
pub(crate) fn reduce(blocks: &mut [Block]) {
    let p = constant(Scalar::P);
    for b in blocks {
        let v = load(b);
        store(b, &reduce_once(&v, &p));
    }
}
