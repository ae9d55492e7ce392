//! The AVX-512 IFMA kernel: eight field elements per vector, each as five 52-bit limbs
//! (one `__m512i` per limb, lane `i` holding element `i`'s limb).
//!
//! **The domain.** A radix-2^52 Montgomery product with five limbs divides by R' = 2^260,
//! where arkworks' limbs are kept with R = 2^256. Reading arkworks' limbs `A = a·2^256` in
//! the R' domain gives `a/16`: every coordinate comes in scaled by 1/16, with no conversion.
//! The affine addition stays exact under that scale if the inverses carry a factor 1/4: with
//! `X = x/16`, `Y = y/16` and `inv = (1/4)/(X_q − X_p)`, `Λ = (Y_q − Y_p)·inv = λ/4` and
//! `X_3 = Λ² − X_p − X_q = x_3/16`, `Y_3 = 4Λ·(X_p − X_3) − Y_p = y_3/16`, which are
//! arkworks' limbs of the result. The factor 1/4 enters once per batch, with the lane
//! totals' inversion ([`crate::invert_lanes`]: times 64 = 2^8·(1/4) in arkworks' terms).
//!
//! **Bounds.** Inputs are canonical (below p). A product of `a, b` with `a·b < p·2^260`
//! is below 2p (`(a·b + m·p)/2^260`, `m < 2^260`); sums and differences are formed as
//! `a + k·p − b` to stay positive; the results are reduced below p before they leave.
//!
//! Written by hand: no crate offers a vectorized BN254 field (the arkworks family's fields
//! are scalar).

use core::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_cmplt_epi64_mask, _mm512_i64gather_epi64,
    _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_mask_blend_epi64, _mm512_or_si512, _mm512_set1_epi64,
    _mm512_setr_epi64, _mm512_setzero_si512, _mm512_slli_epi64, _mm512_srai_epi64, _mm512_srli_epi64, _mm512_sub_epi64,
};

use ark_ff::PrimeField;

use crate::{Limbs, Limbs2};

/// A field element in each of eight lanes: five 52-bit limbs, least significant first.
pub(crate) type Fe = [__m512i; 5];

const MASK: u64 = (1 << 52) - 1;

/// `w` (four 64-bit limbs) as five 52-bit limbs.
pub(crate) const fn to52(w: [u64; 4]) -> [u64; 5] {
    [
        w[0] & MASK,
        ((w[0] >> 52) | (w[1] << 12)) & MASK,
        ((w[1] >> 40) | (w[2] << 24)) & MASK,
        ((w[2] >> 28) | (w[3] << 36)) & MASK,
        w[3] >> 16,
    ]
}

/// `k·m` in four 64-bit limbs (below 2^256 for the multiples used here).
const fn times(m: [u64; 4], k: u64) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    let mut i = 0;
    while i < 4 {
        let v = m[i] as u128 * k as u128 + carry;
        out[i] = v as u64;
        carry = v >> 64;
        i += 1;
    }
    out
}

/// A BN254 field's modulus as the kernel needs it.
pub(crate) trait Modulus {
    /// The modulus, then twice and four times it, in 52-bit limbs.
    const P: [u64; 5];
    const P2: [u64; 5];
    const P4: [u64; 5];
    /// `−p⁻¹ mod 2^52`: the low bits of arkworks' `−p⁻¹ mod 2^64`.
    const PINV: u64;
}

/// The base field Fq (the points' coordinates).
pub(crate) enum Base {}

impl Modulus for Base {
    const P: [u64; 5] = to52(<ark_bn254::Fq as PrimeField>::MODULUS.0);
    const P2: [u64; 5] = to52(times(<ark_bn254::Fq as PrimeField>::MODULUS.0, 2));
    const P4: [u64; 5] = to52(times(<ark_bn254::Fq as PrimeField>::MODULUS.0, 4));
    const PINV: u64 = <ark_bn254::FqConfig as ark_ff::MontConfig<4>>::INV & MASK;
}

/// The scalar field Fr (the transforms of the witness map).
pub(crate) enum Scalar {}

impl Modulus for Scalar {
    const P: [u64; 5] = to52(<ark_bn254::Fr as PrimeField>::MODULUS.0);
    const P2: [u64; 5] = to52(times(<ark_bn254::Fr as PrimeField>::MODULUS.0, 2));
    const P4: [u64; 5] = to52(times(<ark_bn254::Fr as PrimeField>::MODULUS.0, 4));
    const PINV: u64 = <ark_bn254::FrConfig as ark_ff::MontConfig<4>>::INV & MASK;
}

const P: [u64; 5] = Base::P;
const P2: [u64; 5] = Base::P2;
const P4: [u64; 5] = Base::P4;

/// One (R' = 2^260 mod p): the product chains' start. arkworks' limbs of 16 are
/// `16·2^256 mod p`.
const ONE: [u64; 4] = {
    let sixteen: ark_bn254::Fq = ark_ff::MontFp!("16");
    sixteen.0 .0
};

/// Product chains per lane: two keep the core busy while a product's latency runs.
const CHAINS: usize = 2;

#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn splat(v: u64) -> __m512i {
    // The cast reinterprets the bits.
    _mm512_set1_epi64(v as i64)
}

#[target_feature(enable = "avx512f")]
pub(crate) fn constant(v: [u64; 5]) -> Fe {
    v.map(|l| splat(l))
}

/// Propagates carries (signed) so that limbs 0–3 are below 2^52; limb 4 keeps the sign.
#[target_feature(enable = "avx512f")]
fn normalize(mut t: Fe) -> Fe {
    let mask = splat(MASK);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srai_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], mask);
    }
    t
}

/// `a·b/2^260 mod p` in Fq: [`mont`] for the base field.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: &Fe, b: &Fe) -> Fe {
    mont::<Base>(a, b)
}

/// `a·b/2^260 mod p`, below 2p when `a·b < p·2^260`; limbs of `a` and `b` below 2^52.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mont<M: Modulus>(a: &Fe, b: &Fe) -> Fe {
    let zero = _mm512_setzero_si512();
    let p = constant(M::P);
    let pinv = splat(M::PINV);
    let mut t = [zero; 6];
    for &bi in b {
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], a[j], bi);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a[j], bi);
        }
        let m = _mm512_madd52lo_epu64(zero, t[0], pinv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
        }
        // t[0] is now a multiple of 2^52: its carry moves up with the shift.
        let carry = _mm512_srli_epi64::<52>(t[0]);
        t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], zero];
    }
    normalize([t[0], t[1], t[2], t[3], t[4]])
}

/// `a + b`.
#[target_feature(enable = "avx512f")]
pub(crate) fn add(a: &Fe, b: &Fe) -> Fe {
    normalize(core::array::from_fn(|j| _mm512_add_epi64(a[j], b[j])))
}

/// `a + k − b`, with `k` a multiple of p at least `b`.
#[target_feature(enable = "avx512f")]
pub(crate) fn sub(a: &Fe, b: &Fe, k: &Fe) -> Fe {
    normalize(core::array::from_fn(|j| _mm512_sub_epi64(_mm512_add_epi64(a[j], k[j]), b[j])))
}

/// `a − m` where that is not negative, else `a`.
#[target_feature(enable = "avx512f")]
pub(crate) fn reduce_once(a: &Fe, m: &Fe) -> Fe {
    let t = normalize(core::array::from_fn(|j| _mm512_sub_epi64(a[j], m[j])));
    let negative = _mm512_cmplt_epi64_mask(t[4], _mm512_setzero_si512());
    core::array::from_fn(|j| _mm512_mask_blend_epi64(negative, t[j], a[j]))
}

/// `a` below 4p, reduced below p.
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical(a: &Fe) -> Fe {
    reduce_once(&reduce_once(a, &constant(P2)), &constant(P))
}

/// `a` below 8p, reduced below p.
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical8(a: &Fe) -> Fe {
    canonical(&reduce_once(a, &constant(P4)))
}

/// `4·a` (`a` below 2p).
#[target_feature(enable = "avx512f")]
fn times4(a: &Fe) -> Fe {
    normalize(a.map(|l| _mm512_slli_epi64::<2>(l)))
}

/// Four vectors of 64-bit limbs (lane-wise) as five of 52-bit limbs.
#[target_feature(enable = "avx512f")]
pub(crate) fn from64(w: [__m512i; 4]) -> Fe {
    let mask = splat(MASK);
    let or = |a, b| _mm512_and_si512(_mm512_or_si512(a, b), mask);
    [
        _mm512_and_si512(w[0], mask),
        or(_mm512_srli_epi64::<52>(w[0]), _mm512_slli_epi64::<12>(w[1])),
        or(_mm512_srli_epi64::<40>(w[1]), _mm512_slli_epi64::<24>(w[2])),
        or(_mm512_srli_epi64::<28>(w[2]), _mm512_slli_epi64::<36>(w[3])),
        _mm512_srli_epi64::<16>(w[3]),
    ]
}

/// Five vectors of normalized 52-bit limbs (a value below 2^256) as four of 64-bit limbs.
#[target_feature(enable = "avx512f")]
pub(crate) fn to64(l: &Fe) -> [__m512i; 4] {
    [
        _mm512_or_si512(l[0], _mm512_slli_epi64::<52>(l[1])),
        _mm512_or_si512(_mm512_srli_epi64::<12>(l[1]), _mm512_slli_epi64::<40>(l[2])),
        _mm512_or_si512(_mm512_srli_epi64::<24>(l[2]), _mm512_slli_epi64::<28>(l[3])),
        _mm512_or_si512(_mm512_srli_epi64::<36>(l[3]), _mm512_slli_epi64::<16>(l[4])),
    ]
}

/// Coordinate `c` (a base-field element: limbs `4c..4c + 4`) of eight points of `N` limbs,
/// lane `i` from `points[i]`.
#[target_feature(enable = "avx512f")]
fn load<const N: usize>(points: &[[u64; N]; 8], c: usize) -> Fe {
    assert!(4 * c + 4 <= N);
    // u64 offsets of the eight points' first limbs.
    let stride = N as i64;
    let rows = _mm512_setr_epi64(0, stride, 2 * stride, 3 * stride, 4 * stride, 5 * stride, 6 * stride, 7 * stride);
    let base = points.as_ptr().cast::<i64>();
    from64(core::array::from_fn(|k| {
        // SAFETY: offset 4·c + k + N·i (i < 8, k < 4, 4·c + 4 ≤ N) is inside the 8·N u64s.
        #[allow(unsafe_code)]
        unsafe {
            _mm512_i64gather_epi64::<8>(rows, base.add(4 * c + k))
        }
    }))
}

/// The lanes of `v`.
#[target_feature(enable = "avx512f")]
pub(crate) fn lanes(v: __m512i) -> [u64; 8] {
    // SAFETY: `__m512i` and `[u64; 8]` are 64 bytes, and every bit pattern is valid for both.
    #[allow(unsafe_code)]
    unsafe {
        core::mem::transmute::<__m512i, [u64; 8]>(v)
    }
}

/// The vector of `lanes`.
#[target_feature(enable = "avx512f")]
pub(crate) fn vector(lanes: [u64; 8]) -> __m512i {
    // SAFETY: as in `lanes`.
    #[allow(unsafe_code)]
    unsafe {
        core::mem::transmute::<[u64; 8], __m512i>(lanes)
    }
}

/// Writes the canonical coordinates `coords` (`N / 4` of them) of lane `i` into `out[i]`.
#[target_feature(enable = "avx512f")]
fn store<const N: usize>(coords: &[Fe], out: &mut [[u64; N]; 8]) {
    for (c, fe) in coords.iter().enumerate() {
        let words = to64(fe).map(|v| lanes(v));
        for (i, o) in out.iter_mut().enumerate() {
            o[4 * c..4 * c + 4].copy_from_slice(&[words[0][i], words[1][i], words[2][i], words[3][i]]);
        }
    }
}

/// The tail's eight pairs: the real ones, then pairs that cost an addition and are dropped
/// (x_p = 0, x_q = one: a non-zero denominator, also in Fq2).
fn padded<const N: usize>(sums: &[[u64; N]], points: &[[u64; N]]) -> ([[u64; N]; 8], [[u64; N]; 8]) {
    let mut s = [[0u64; N]; 8];
    let mut q = [[0u64; N]; 8];
    for i in 0..8 {
        if i < sums.len() {
            s[i] = sums[i];
            q[i] = points[i];
        } else {
            q[i][..4].copy_from_slice(&ONE);
        }
    }
    (s, q)
}

/// The batch driver: `value` gives the base-field value that a vector of pairs must invert
/// (read from the sums and points); the values are inverted together (lane-wise product
/// chains, `CHAINS` per lane so that their latencies overlap, the totals inverted in scalar
/// code); `add` gets each vector's inverses, times the domain's 1/4 (see above), reads its
/// sums and points again and writes the sums. Only the chains' products are kept between the
/// passes (`steps`: the product before each vector, and its value): reading the pairs again
/// costs less than the memory of keeping them converted.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn batch<const N: usize>(
    steps: &mut Vec<(Fe, Fe)>,
    sums: &mut [[u64; N]],
    points: &[[u64; N]],
    value: impl Fn(&[[u64; N]; 8], &[[u64; N]; 8]) -> Fe,
    add: impl Fn(&mut [[u64; N]; 8], &[[u64; N]; 8], &Fe),
) {
    let full = sums.len() / 8;
    let (mut tail_s, tail_q) = padded(&sums[8 * full..], &points[8 * full..]);
    let vectors = sums.len().div_ceil(8);

    // Forward: the prefix product and value of each vector (vector `v` on chain `v % CHAINS`).
    steps.clear();
    let mut products = [constant(to52(ONE)); CHAINS];
    for v in 0..vectors {
        let value = if v < full {
            let r = 8 * v..8 * v + 8;
            value(sums[r.clone()].try_into().expect("8"), points[r].try_into().expect("8"))
        } else {
            value(&tail_s, &tail_q)
        };
        let product = &mut products[v % CHAINS];
        steps.push((*product, value));
        *product = mul(product, &value);
    }

    // The totals' inverses (times the domain's 1/4).
    let mut totals = [[0u64; 4]; 8 * CHAINS];
    for (c, product) in products.iter().enumerate() {
        let words = to64(&canonical(product)).map(|v| lanes(v));
        for (i, t) in totals[8 * c..8 * c + 8].iter_mut().enumerate() {
            *t = [words[0][i], words[1][i], words[2][i], words[3][i]];
        }
    }
    crate::invert_lanes(&mut totals);
    let mut inverses: [Fe; CHAINS] = core::array::from_fn(|c| {
        from64(core::array::from_fn(|k| vector(core::array::from_fn(|i| totals[8 * c + i][k]))))
    });

    // Backward: each vector's inverses, then its additions.
    for v in (0..vectors).rev() {
        let (prefix, value) = &steps[v];
        let inverse = &mut inverses[v % CHAINS];
        let inv = mul(inverse, prefix);
        *inverse = mul(inverse, value);
        if v < full {
            let r = 8 * v..8 * v + 8;
            add((&mut sums[r.clone()]).try_into().expect("8"), points[r].try_into().expect("8"), &inv);
        } else {
            add(&mut tail_s, &tail_q, &inv);
        }
    }
    let rest = sums.len() - 8 * full;
    sums[8 * full..].copy_from_slice(&tail_s[..rest]);
}

/// See [`crate::AffineBatch::add_assign`]; the CPU must have AVX-512 F and IFMA.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn add_assign(steps: &mut Vec<(Fe, Fe)>, sums: &mut [Limbs], points: &[Limbs]) {
    let p = constant(P);
    let p2 = constant(P2);
    batch(
        steps,
        sums,
        points,
        |s, q| sub(&load(q, 0), &load(s, 0), &p),
        |s, q, inv| {
            let (x, y, xq, yq) = (load(s, 0), load(s, 1), load(q, 0), load(q, 1));
            let lambda = mul(&sub(&yq, &y, &p), inv);
            let x3 = canonical(&sub(&mul(&lambda, &lambda), &add(&x, &xq), &p2));
            let y3 = canonical(&sub(&mul(&times4(&lambda), &sub(&x, &x3, &p)), &y, &p));
            store(&[x3, y3], s);
        },
    );
}

/// An Fq2 element (`c0 + c1·u`, `u² = −1`) in each of eight lanes.
pub(crate) type Fe2 = [Fe; 2];

/// `a·b` in Fq2 (Karatsuba), coefficients below 4p; those of `a` and `b` below 8p.
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul2(a: &Fe2, b: &Fe2) -> Fe2 {
    let (v0, v1) = (mul(&a[0], &b[0]), mul(&a[1], &b[1]));
    let s = mul(&add(&a[0], &a[1]), &add(&b[0], &b[1]));
    let c0 = sub(&v0, &v1, &constant(P2));
    let c1 = reduce_once(&sub(&s, &add(&v0, &v1), &constant(P4)), &constant(P4));
    [c0, c1]
}

/// `a²` in Fq2, coefficients below 4p; those of `a` below 4p.
#[target_feature(enable = "avx512f,avx512ifma")]
fn square2(a: &Fe2) -> Fe2 {
    let c0 = mul(&add(&a[0], &a[1]), &sub(&a[0], &a[1], &constant(P4)));
    let c1 = mul(&a[0], &a[1]);
    [c0, add(&c1, &c1)]
}

/// See [`crate::AffineBatch::add_assign_g2`]; the CPU must have AVX-512 F and IFMA.
///
/// The Fq2 inverse is `conj(d)/N(d)` with the norm `N(d) = d₀² + d₁²` in Fq, so the batch
/// inverts norms, and the domain's factor 1/4 rides on them as on G1's denominators.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn add_assign_g2(steps: &mut Vec<(Fe, Fe)>, sums: &mut [Limbs2], points: &[Limbs2]) {
    let p = constant(P);
    let p2 = constant(P2);
    let each = |f: &dyn Fn(usize) -> Fe| -> Fe2 { [f(0), f(1)] };
    let x_of = |s: &[Limbs2; 8]| -> Fe2 { [load(s, 0), load(s, 1)] };
    let y_of = |s: &[Limbs2; 8]| -> Fe2 { [load(s, 2), load(s, 3)] };
    batch(
        steps,
        sums,
        points,
        |s, q| {
            let (x, xq) = (x_of(s), x_of(q));
            let d = each(&|i| sub(&xq[i], &x[i], &p));
            add(&mul(&d[0], &d[0]), &mul(&d[1], &d[1]))
        },
        |s, q, inv_norm| {
            let (x, y, xq, yq) = (x_of(s), y_of(s), x_of(q), y_of(q));
            let d = each(&|i| sub(&xq[i], &x[i], &p));
            // conj(d)/N(d), its second coefficient as 2p − d₁·(1/N).
            let zero = [_mm512_setzero_si512(); 5];
            let inv = [mul(&d[0], inv_norm), sub(&zero, &mul(&d[1], inv_norm), &p2)];
            // λ below 2p, so 4λ below 8p: Karatsuba's sums stay inside the product's bound.
            let lambda = mul2(&each(&|i| sub(&yq[i], &y[i], &p)), &inv);
            let lambda = [reduce_once(&lambda[0], &p2), reduce_once(&lambda[1], &p2)];
            let l2 = square2(&lambda);
            let x3 = each(&|i| canonical8(&sub(&l2[i], &add(&x[i], &xq[i]), &p2)));
            let t = each(&|i| sub(&x[i], &x3[i], &p));
            let h = mul2(&[times4(&lambda[0]), times4(&lambda[1])], &t);
            let y3 = each(&|i| canonical8(&sub(&h[i], &y[i], &p)));
            store(&[x3[0], x3[1], y3[0], y3[1]], s);
        },
    );
}
