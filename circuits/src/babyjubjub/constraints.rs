//! Baby JubJub gadgets: points, on-curve allocation, and scalar multiplication.
//!
//! [`PointVar`] is ark-r1cs-std's twisted Edwards `AffineVar` over [`BabyJubJubConfig`],
//! so generic addition, doubling and variable-base multiplication come from arkworks.
//! [`mul_base8`] is veil's own fixed-base multiplication (arkworks has none this cheap).
//!
//! Cost of `s·Base8` for a 251-bit s: 504 constraints (82 windows of 3 bits in
//! Montgomery form at 6 each, the first window 3, 2 for the change of model, 7 for the
//! last two bits and the offset correction in complete Edwards form).
//!
//! [`mul_prime_order`] multiplies a variable point of the prime-order subgroup (not the
//! identity) by any field element in 1,950 constraints, its scalar decomposition included:
//! signed-digit double-and-add in Montgomery form (6 per bit), the last bits complete.
//! [`mul_point`] stays the complete path for arbitrary points on the curve.

use std::sync::OnceLock;

use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::{Field, One, PrimeField, Zero};
use ark_r1cs_std::{
    alloc::{AllocVar, AllocationMode},
    boolean::Boolean,
    fields::{fp::FpVar, FieldVar},
    groups::{curves::twisted_edwards::AffineVar, CurveVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::{BabyJubJubConfig, Point, PointProjective, BASE8, COEFF_A, COEFF_D};
use crate::Fr;

/// A Baby JubJub point in-circuit (EIP-2494 coordinates).
pub type PointVar = AffineVar<BabyJubJubConfig, FpVar<Fr>>;

/// The number of scalar bits [`mul_base8`] accepts: enough for every scalar below l.
pub const SCALAR_BITS: usize = 251;

/// Windows of three bits accumulated in Montgomery form.
const MONT_WINDOWS: usize = 83;

/// Allocates a point checked to be on the curve (3 constraints for a witness; none for a
/// constant), without any subgroup check.
///
/// # Errors
/// Propagates synthesis errors.
pub fn alloc_point_on_curve(
    cs: impl Into<Namespace<Fr>>,
    value: Option<Point>,
    mode: AllocationMode,
) -> Result<PointVar, SynthesisError> {
    let ns = cs.into();
    let cs = ns.cs();
    let x = FpVar::new_variable(
        ark_relations::ns!(cs, "x"),
        || value.map(|p| p.x).ok_or(SynthesisError::AssignmentMissing),
        mode,
    )?;
    let y = FpVar::new_variable(
        ark_relations::ns!(cs, "y"),
        || value.map(|p| p.y).ok_or(SynthesisError::AssignmentMissing),
        mode,
    )?;
    let p = PointVar::new(x, y);
    enforce_on_curve(&p)?;
    Ok(p)
}

/// Enforces `a·x² + y² = 1 + d·x²·y²` (3 constraints).
///
/// # Errors
/// Propagates synthesis errors.
pub fn enforce_on_curve(p: &PointVar) -> Result<(), SynthesisError> {
    let x2 = p.x.square()?;
    let y2 = p.y.square()?;
    // a·x² + y² − 1 = d·x²·y²
    let lhs = &x2 * COEFF_A + &y2 - Fr::one();
    (x2 * COEFF_D).mul_equals(&y2, &lhs)
}

/// Complete twisted Edwards addition of two points on the curve (6 constraints; 3 when
/// one of them is a constant).
///
/// Complete because d is not a square in Fr and a is, so the denominators
/// `1 ± d·x1·x2·y1·y2` never vanish for points on the curve.
///
/// # Errors
/// Propagates synthesis errors.
pub fn add(p: &PointVar, q: &PointVar) -> Result<PointVar, SynthesisError> {
    // A = x1·x2, B = y1·y2, C = (x1 + y1)(x2 + y2) = A + B + x1·y2 + y1·x2, D = A·B
    let a = &p.x * &q.x;
    let b = &p.y * &q.y;
    let c = (&p.x + &p.y) * (&q.x + &q.y);
    let d_ab = &a * &b * COEFF_D;
    let cs = p.x.cs().or(q.x.cs());
    let value = || -> Result<(Fr, Fr), SynthesisError> {
        let (a, b, c, d) = (a.value()?, b.value()?, c.value()?, d_ab.value()?);
        let x3 = (c - a - b) * (Fr::one() + d).inverse().ok_or(SynthesisError::DivisionByZero)?;
        let y3 = (b - COEFF_A * a) * (Fr::one() - d).inverse().ok_or(SynthesisError::DivisionByZero)?;
        Ok((x3, y3))
    };
    if cs.is_none() {
        let (x3, y3) = value()?;
        return Ok(PointVar::new(FpVar::constant(x3), FpVar::constant(y3)));
    }
    // Total witness generation: off the curve a denominator may vanish; the witness is
    // then 0 and the constraint decides.
    let xy = value().or_else(|e| match e {
        SynthesisError::DivisionByZero => Ok((Fr::zero(), Fr::zero())),
        e => Err(e),
    });
    let x3 = FpVar::new_witness(cs.clone(), || xy.map(|v| v.0))?;
    let y3 = FpVar::new_witness(cs, || xy.map(|v| v.1))?;
    // x3·(1 + D) = C − A − B ; y3·(1 − D) = B − a·A
    x3.mul_equals(&(FpVar::one() + &d_ab), &(&c - &a - &b))?;
    y3.mul_equals(&(FpVar::one() - &d_ab), &(&b - &a * COEFF_A))?;
    Ok(PointVar::new(x3, y3))
}

/// The lookup tables of [`mul_base8`]: for window i < 83 the Montgomery coordinates of
/// `(w + 2)·8^i·Base8`, w = 0..8; for the last window, the Edwards coordinates of
/// `w·8^83·Base8 − Σ_{i<83} 2·8^i·Base8`, w = 0..4.
struct FixedBaseTables {
    mont: Vec<[(Fr, Fr); 8]>,
    last: [(Fr, Fr); 4],
}

/// Builds [`mul_base8`]'s lookup tables now (once per process) instead of at its first call.
pub fn warm_up() {
    let _ = tables();
}

fn tables() -> &'static FixedBaseTables {
    static TABLES: OnceLock<FixedBaseTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // Built once per process, before the first proof: every conversion (to affine, then
        // to Montgomery form) shares one batched inversion instead of ~2,000 single ones.
        let mut base = PointProjective::from(BASE8); // 8^i·Base8
        let mut offset = PointProjective::zero(); // Σ 2·8^i·Base8
        let mut points = Vec::with_capacity(MONT_WINDOWS * 8 + 4);
        for _ in 0..MONT_WINDOWS {
            // (w + 2)·8^i·Base8 for w = 0..8, by additions (no scalar multiplication).
            let two = base.double();
            let mut multiple = two;
            for _ in 0..8 {
                points.push(multiple);
                multiple += base;
            }
            offset += two;
            base = two.double().double();
        }
        let mut multiple = -offset;
        for _ in 0..4 {
            points.push(multiple);
            multiple += base;
        }
        let affine = PointProjective::normalize_batch(&points);
        let (mont_points, last_points) = affine.split_at(MONT_WINDOWS * 8);
        // u = (1 + y)/(1 − y), v = u/x, as `to_montgomery`, with the inverses batched.
        let mut inverses: Vec<Fr> = mont_points.iter().flat_map(|p| [Fr::one() - p.y, p.x]).collect();
        ark_ff::batch_inversion(&mut inverses);
        let mont = mont_points
            .chunks_exact(8)
            .zip(inverses.chunks_exact(16))
            .map(|(row, inv)| {
                let mut out = [(Fr::zero(), Fr::zero()); 8];
                for (w, (p, i)) in row.iter().zip(inv.chunks_exact(2)).enumerate() {
                    let u = (Fr::one() + p.y) * i[0];
                    out[w] = (u, u * i[1]);
                }
                out
            })
            .collect();
        let last = std::array::from_fn(|w| (last_points[w].x, last_points[w].y));
        FixedBaseTables { mont, last }
    })
}

/// `Σ bits[i]·2^i · Base8` for at most [`SCALAR_BITS`] little-endian boolean bits.
///
/// Windows 0..83 (bits 0..=248) add `(w_i + 2)·8^i·Base8` with incomplete Montgomery
/// additions. They are never exceptional: after i windows the accumulator is
/// `a_i·Base8` with `0 < a_i ≤ 9·(8^i − 1)/7 < 2·8^i ≤ q_i`, the multiple being added, and
/// `a_i + q_i ≤ 9·(8^83 − 1)/7 < l`, so `a_i ≢ ±q_i (mod l)` and neither is the identity.
/// The last two bits and the offset correction use complete Edwards addition, so every
/// scalar below 2^251 yields exactly `s·Base8` and no assignment can satisfy the
/// constraints with another point.
///
/// # Errors
/// Propagates synthesis errors.
///
/// # Panics
/// If more than [`SCALAR_BITS`] bits are given.
#[tracing::instrument(target = "gr1cs", skip_all)]
pub fn mul_base8(bits: &[Boolean<Fr>]) -> Result<PointVar, SynthesisError> {
    assert!(bits.len() <= SCALAR_BITS, "at most {SCALAR_BITS} bits");
    let t = tables();
    let bit = |i: usize| bits.get(i).cloned().unwrap_or(Boolean::FALSE);
    let cs = bits.iter().fold(ConstraintSystemRef::None, |cs, b| cs.or(b.cs()));

    let mut acc: Option<(FpVar<Fr>, FpVar<Fr>)> = None;
    for (i, row) in t.mont.iter().enumerate() {
        let (b0, b1, b2) = (bit(3 * i), bit(3 * i + 1), bit(3 * i + 2));
        let q = lookup3(&cs, [&b0, &b1, &b2], row)?;
        acc = Some(match acc {
            None => q,
            Some(p) => montgomery_add(&cs, &p, &q)?,
        });
    }
    let (u, v) = acc.expect("83 windows");

    // Back to Edwards: x = u/v, y = (u − 1)/(u + 1); v ≠ 0 and u ≠ −1 off the 2- and
    // 4-torsion, which the accumulator (of order l) never meets.
    let x = div(&cs, &u, &v)?;
    let y = div(&cs, &(&u - Fr::one()), &(&u + Fr::one()))?;
    let acc = PointVar::new(x, y);

    let (b0, b1) = (bit(3 * MONT_WINDOWS), bit(3 * MONT_WINDOWS + 1));
    let b01 = b0.clone() & b1.clone();
    let (b0, b1, b01) = (FpVar::from(b0), FpVar::from(b1), FpVar::from(b01));
    let lookup2 = |c: [Fr; 4]| -> FpVar<Fr> {
        &b0 * (c[1] - c[0]) + &b1 * (c[2] - c[0]) + &b01 * (c[3] - c[2] - c[1] + c[0]) + c[0]
    };
    let last = PointVar::new(lookup2(t.last.map(|p| p.0)), lookup2(t.last.map(|p| p.1)));
    add(&acc, &last)
}

/// `num / den` as a new witness with one constraint `q·den = num`.
///
/// Witness generation is total: for `den = 0` the witness is 0, so the constraint then
/// holds only if `num = 0` too (where it leaves q free; callers rule that case out).
/// Degenerate inputs thus give an unsatisfied system, never a synthesis error.
fn div(cs: &ConstraintSystemRef<Fr>, num: &FpVar<Fr>, den: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    if cs.is_none() {
        let d = den.value()?.inverse().ok_or(SynthesisError::DivisionByZero)?;
        return Ok(FpVar::constant(num.value()? * d));
    }
    let q = FpVar::new_witness(cs.clone(), || Ok(num.value()? * den.value()?.inverse().unwrap_or_default()))?;
    q.mul_equals(den, num)?;
    Ok(q)
}

/// Selects `table[b0 + 2·b1 + 4·b2]` (3 constraints: `b0·b1`, then one per coordinate).
fn lookup3(
    cs: &ConstraintSystemRef<Fr>,
    b: [&Boolean<Fr>; 3],
    table: &[(Fr, Fr); 8],
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let b01 = FpVar::from(b[0].clone() & b[1].clone());
    let (b0, b1, b2) = (FpVar::from(b[0].clone()), FpVar::from(b[1].clone()), FpVar::from(b[2].clone()));
    let coord = |c: [Fr; 8]| -> Result<FpVar<Fr>, SynthesisError> {
        // c(w) = lo(b0, b1) + b2·(hi(b0, b1) − lo(b0, b1)), each bilinear in b0, b1.
        let bilinear = |c: &[Fr]| &b0 * (c[1] - c[0]) + &b1 * (c[2] - c[0]) + &b01 * (c[3] - c[2] - c[1] + c[0]) + c[0];
        let lo = bilinear(&c[..4]);
        let diff: Vec<Fr> = (0..4).map(|k| c[k + 4] - c[k]).collect();
        let delta = bilinear(&diff);
        if cs.is_none() || b2.is_constant() {
            return Ok(lo + &b2 * &delta);
        }
        let out = FpVar::new_witness(cs.clone(), || Ok(lo.value()? + b2.value()? * delta.value()?))?;
        b2.mul_equals(&delta, &(&out - &lo))?;
        Ok(out)
    };
    Ok((coord(table.map(|p| p.0))?, coord(table.map(|p| p.1))?))
}

/// Incomplete Montgomery addition `p + q` for `p ≠ ±q`, neither the identity (3 constraints):
/// `λ = (v2 − v1)/(u2 − u1)`, `u3 = λ² − A − u1 − u2`, `v3 = λ·(u1 − u3) − v1` (B = 1).
fn montgomery_add(
    cs: &ConstraintSystemRef<Fr>,
    p: &(FpVar<Fr>, FpVar<Fr>),
    q: &(FpVar<Fr>, FpVar<Fr>),
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    use ark_ec::twisted_edwards::MontCurveConfig;
    let mont_a = <BabyJubJubConfig as MontCurveConfig>::COEFF_A;
    let (u1, v1) = p;
    let (u2, v2) = q;
    let lambda = div(cs, &(v2 - v1), &(u2 - u1))?;
    let value = || -> Result<(Fr, Fr), SynthesisError> {
        let l = lambda.value()?;
        let u3 = l.square() - mont_a - u1.value()? - u2.value()?;
        Ok((u3, l * (u1.value()? - u3) - v1.value()?))
    };
    if cs.is_none() {
        let (u3, v3) = value()?;
        return Ok((FpVar::constant(u3), FpVar::constant(v3)));
    }
    let uv = value();
    let u3 = FpVar::new_witness(cs.clone(), || uv.map(|v| v.0))?;
    let v3 = FpVar::new_witness(cs.clone(), || uv.map(|v| v.1))?;
    lambda.mul_equals(&lambda, &(&u3 + mont_a + u1 + u2))?;
    lambda.mul_equals(&(u1 - &u3), &(&v3 + v1))?;
    Ok((u3, v3))
}

/// `s·p` for a variable point `p` and little-endian scalar bits, with arkworks' generic
/// double-and-add (complete formulas, correct for any point on the curve).
///
/// # Errors
/// Propagates synthesis errors.
pub fn mul_point(p: &PointVar, bits: &[Boolean<Fr>]) -> Result<PointVar, SynthesisError> {
    p.scalar_mul_le(bits.iter())
}

/// The scalar `k < r` is multiplied as `s' = k + 12·l`, whose top bit (2^254) is always set.
const SHIFT_MULTIPLE: u64 = 12;
/// The bits of `s'` below its constant top bit.
const SHIFTED_BITS: usize = 254;
/// The low bits of `s'` that [`mul_prime_order`] processes with complete Edwards formulas.
const TAIL_BITS: usize = 6;
/// Constraints of [`mul_prime_order`] for a variable point and scalar.
pub const MUL_PRIME_ORDER_CONSTRAINTS: usize = 1_950;

/// Constants of [`mul_prime_order`], as integers.
struct ShiftedScalar {
    /// `12·l`, as a field element.
    shift: Fr,
    /// `12·l`.
    shift_int: num_bigint::BigUint,
    /// `U = 12·l + r − 1 − 2^254`, the largest admissible low part `x = s' − 2^254`.
    upper: <Fr as PrimeField>::BigInt,
    /// `2^254 − 1 − L` with `L = 12·l − 2^254`, the smallest admissible low part: `x ≥ L`
    /// is enforced as `(2^254 − 1 − x) ≤ 2^254 − 1 − L` on the complemented bits.
    lower_complement: <Fr as PrimeField>::BigInt,
}

fn shifted_scalar() -> &'static ShiftedScalar {
    use num_bigint::BigUint;
    static CONSTANTS: OnceLock<ShiftedScalar> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let l = BigUint::from(crate::Fs::MODULUS);
        let r = BigUint::from(Fr::MODULUS);
        let top = BigUint::from(1u32) << SHIFTED_BITS;
        let shift_int = &l * SHIFT_MULTIPLE;
        let upper = &shift_int + &r - 1u32 - &top;
        let lower = &shift_int - &top;
        let lower_complement = &top - 1u32 - &lower;
        let big = |v: BigUint| <Fr as PrimeField>::BigInt::try_from(v).expect("below 2^256");
        ShiftedScalar {
            shift: Fr::from(shift_int.clone()),
            shift_int,
            upper: big(upper),
            lower_complement: big(lower_complement),
        }
    })
}

/// `k·p` for a point `p` (on the curve) **in the prime-order subgroup and not the
/// identity**, and any field element k (read as its canonical integer `0 ≤ k < r`, so `k ≥ l` is allowed).
///
/// Cost: 1,950 constraints, against 3,607 for a strict 254-bit decomposition and
/// [`mul_point`] (arkworks' complete double-and-add).
///
/// **The scalar.** The prover decomposes `s' = k + 12·l` as `2^254 + x` with 254 witness
/// bits x, and the circuit enforces `2^254 + x = k + 12·l` in Fr together with
/// `12·l − 2^254 ≤ x ≤ 12·l + r − 1 − 2^254`. Then `s' − 12·l` is an integer in
/// `[0, r − 1]` congruent to k mod r, so it is k itself: the decomposition is unique and
/// `s'·p = k·p + 12·(l·p) = k·p`. (Bounds: `2^254 < 12·l` and `12·l + r < 2^255`.)
/// Cost: 254 booleans, 1 equality, 61 + 67 for the two range checks.
///
/// **The multiplication.** With `c_i = 2·b_i − 1 ∈ {±1}` for the bits `b_i` of `s'`,
/// Horner's rule from `Acc = 3·p` (the constant top bit) runs `Acc ← 2·Acc + c_i·p` for
/// i = 253..=1; after bit i the accumulator is `a_i·p` with `a_i = 2·⌊s'/2^i⌋ + 1`, so it
/// ends at `(s' − b_0 + 1)·p`, and a last complete addition of `(b_0 − 1)·p` gives `s'·p`.
/// Steps i ≥ 6 use incomplete Montgomery arithmetic: `2P + Q` as `(P + Q) + P` without
/// the middle ordinate (5 constraints, plus 1 for `v_Q = c_i·v_p`). The low 6 steps and
/// the correction use complete twisted Edwards formulas (12 and 8 constraints).
///
/// **No exceptional case.** p has prime order l, so `a·p` depends on `a mod l` only and
/// `a·p = O` iff `l | a`. A step from `a_{i+1}` to `a_i = 2·a_{i+1} + c_i` computes
/// `P + Q` (needs `a_{i+1} ≢ ±1`, and `P, Q ≠ O`) and then `(P + Q) + P` (needs
/// `a_{i+1} + c_i ≢ ±a_{i+1}`, i.e. `a_i ≢ 0`, as `c_i ≠ 0`), all mod l. Since
/// `s' ≥ 2^254`, `a_{i+1} ≥ 2·2^{253−i} + 1 ≥ 3`; and for i ≥ 6,
/// `a_i ≤ 2·⌊(12·l + r − 1)/2^6⌋ + 1 ≤ l − 2` (checked by a test), so every `a` involved
/// lies in `[3, l − 2]`, none of these congruences can hold, and every denominator
/// (`u_Q − u_P`, `u_P − u_{P+Q}`) is non-zero. The initial doubling divides by `v_p ≠ 0`
/// (p is not of order 2) and `3·p = 2·p + p` by `u_{2p} − u_p ≠ 0` (2 ≢ ±1). The changes
/// of model divide by `1 − y ≠ 0`, `x ≠ 0` (p ≠ O, not of order 2), `v ≠ 0` (the
/// accumulator `a_6·p` is neither O nor of order 2) and `u + 1 ≠ 0` (no point has
/// `u = −1`: `v² = A − 2 = d` is not a square). So every λ and every coordinate is
/// determined by its constraint, by induction equal to the honest value: no assignment
/// can satisfy the constraints with another result. Where the tail's accumulator may be
/// anything mod l (the result may be O, e.g. for k = l), Edwards formulas are complete.
///
/// **Outside the precondition** (p = O or p of small order) the constraints may be
/// unsatisfiable or leave the result free; witness generation still succeeds (it never
/// returns a synthesis error), so only the caller's enforcement of the precondition, or
/// its ignoring the result, makes such a slot harmless.
///
/// # Errors
/// Propagates synthesis errors.
#[tracing::instrument(target = "gr1cs", skip_all)]
pub(crate) fn mul_prime_order(p: &PointVar, k: &FpVar<Fr>) -> Result<PointVar, SynthesisError> {
    let cs = p.x.cs().or(p.y.cs()).or(k.cs());
    if cs.is_none() {
        let value = Point::new_unchecked(p.x.value()?, p.y.value()?);
        return Ok(constant(&super::mul_point(&value, k.value()?.into_bigint())));
    }

    // s' = 2^254 + x = k + 12·l, with x in [12·l − 2^254, 12·l + r − 1 − 2^254].
    let x_bits: Option<Vec<bool>> = k.value().ok().map(|k| {
        let x = num_bigint::BigUint::from(k.into_bigint()) + &shifted_scalar().shift_int
            - (num_bigint::BigUint::from(1u32) << SHIFTED_BITS);
        (0..SHIFTED_BITS as u64).map(|i| x.bit(i)).collect()
    });
    let bits = enforce_shifted_scalar(&cs, k, x_bits)?;

    // p in Montgomery form, then Acc = 3·p = 2·p + p.
    let u_p = div(&cs, &(&p.y + Fr::one()), &(FpVar::one() - &p.y))?;
    let v_p = div(&cs, &u_p, &p.x)?;
    let base = (u_p, v_p);
    let two_v_p = base.1.double()?;
    let mut acc = montgomery_add(&cs, &montgomery_double(&cs, &base)?, &base)?;

    // Incomplete steps: Acc ← 2·Acc + c_i·p for i = 253..=6.
    for b in bits[TAIL_BITS..].iter().rev() {
        // v_Q = (2·b − 1)·v_p
        let v_q = FpVar::from(b.clone()) * &two_v_p - &base.1;
        acc = montgomery_double_add(&cs, &acc, &(base.0.clone(), v_q))?;
    }

    // Back to Edwards: x = u/v, y = (u − 1)/(u + 1).
    let (u, v) = acc;
    let mut acc = PointVar::new(div(&cs, &u, &v)?, div(&cs, &(&u - Fr::one()), &(&u + Fr::one()))?);

    // Complete steps: Acc ← 2·Acc + c_i·p for i = 5..=1, with c_i·p = (c_i·x, y).
    let two_x = p.x.double()?;
    for b in bits[1..TAIL_BITS].iter().rev() {
        let x_q = FpVar::from(b.clone()) * &two_x - &p.x;
        acc = add(&double(&acc)?, &PointVar::new(x_q, p.y.clone()))?;
    }
    // Acc + (b_0 − 1)·p: the identity when b_0 = 1, −p = (−x, y) otherwise.
    let b0 = FpVar::from(bits[0].clone());
    let x_q = &b0 * &p.x - &p.x;
    let y_q = &p.y - &b0 * (&p.y - Fr::one());
    add(&acc, &PointVar::new(x_q, y_q))
}

/// Allocates the 254 low bits x of `s' = 2^254 + x` (from `x_bits` when proving) and
/// enforces `2^254 + x = k + 12·l` in Fr and `12·l − 2^254 ≤ x ≤ 12·l + r − 1 − 2^254`
/// (254 + 1 + 61 + 67 constraints). See [`mul_prime_order`].
fn enforce_shifted_scalar(
    cs: &ConstraintSystemRef<Fr>,
    k: &FpVar<Fr>,
    x_bits: Option<Vec<bool>>,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    use ark_r1cs_std::eq::EqGadget;
    let c = shifted_scalar();
    let bits = (0..SHIFTED_BITS)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || x_bits.as_ref().map(|b| b[i]).ok_or(SynthesisError::AssignmentMissing))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let packed = bits.iter().rev().fold(FpVar::zero(), |acc, b| acc.double().expect("linear") + FpVar::from(b.clone()));
    let top = Fr::from(2u64).pow([SHIFTED_BITS as u64]);
    (packed + top).enforce_equal(&(k + c.shift))?;
    crate::bits::enforce_le_constant(&bits, &c.upper)?;
    let complement: Vec<Boolean<Fr>> = bits.iter().map(|b| !b).collect();
    crate::bits::enforce_le_constant(&complement, &c.lower_complement)?;
    Ok(bits)
}

/// Complete twisted Edwards doubling of a point on the curve (5 constraints):
/// `x3 = 2xy/(a·x² + y²)`, `y3 = (y² − a·x²)/(2 − a·x² − y²)`; on the curve the
/// denominators are `1 ± d·x²·y²`, never zero (d is not a square). Witness generation is
/// total, as in [`add`].
///
/// # Errors
/// Propagates synthesis errors.
pub fn double(p: &PointVar) -> Result<PointVar, SynthesisError> {
    let cs = p.x.cs().or(p.y.cs());
    let xy = &p.x * &p.y;
    let ax2 = p.x.square()? * COEFF_A;
    let y2 = p.y.square()?;
    let x_den = &ax2 + &y2;
    let y_den = FpVar::constant(Fr::from(2u64)) - &ax2 - &y2;
    let (x_num, y_num) = (xy.double()?, &y2 - &ax2);
    Ok(PointVar::new(div(&cs, &x_num, &x_den)?, div(&cs, &y_num, &y_den)?))
}

/// Incomplete Montgomery doubling of a point not of order ≤ 2 (4 constraints):
/// `λ = (3·u² + 2·A·u + 1)/(2·v)`, `u3 = λ² − A − 2·u`, `v3 = λ·(u − u3) − v`.
fn montgomery_double(
    cs: &ConstraintSystemRef<Fr>,
    p: &(FpVar<Fr>, FpVar<Fr>),
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    use ark_ec::twisted_edwards::MontCurveConfig;
    let mont_a = <BabyJubJubConfig as MontCurveConfig>::COEFF_A;
    let (u, v) = p;
    let u2 = u.square()?;
    let lambda = div(cs, &(&u2 * Fr::from(3u64) + u * mont_a.double() + Fr::one()), &v.double()?)?;
    let u3 = FpVar::new_witness(cs.clone(), || Ok(lambda.value()?.square() - mont_a - u.value()?.double()))?;
    lambda.mul_equals(&lambda, &(&u3 + mont_a + u.double()?))?;
    let v3 = FpVar::new_witness(cs.clone(), || Ok(lambda.value()? * (u.value()? - u3.value()?) - v.value()?))?;
    lambda.mul_equals(&(u - &u3), &(&v3 + v))?;
    Ok((u3, v3))
}

/// Incomplete Montgomery `2·P + Q` as `(P + Q) + P`, skipping the ordinate of `P + Q`
/// (5 constraints), for P, Q not the identity with `P ≠ ±Q` and `2·P + Q ≠ O`:
/// `λ1 = (v_Q − v_P)/(u_Q − u_P)`, `u_R = λ1² − A − u_P − u_Q`,
/// `λ2 = 2·v_P/(u_P − u_R) − λ1`, `u_S = λ2² − A − u_R − u_P`, `v_S = λ2·(u_P − u_S) − v_P`.
fn montgomery_double_add(
    cs: &ConstraintSystemRef<Fr>,
    p: &(FpVar<Fr>, FpVar<Fr>),
    q: &(FpVar<Fr>, FpVar<Fr>),
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    use ark_ec::twisted_edwards::MontCurveConfig;
    let mont_a = <BabyJubJubConfig as MontCurveConfig>::COEFF_A;
    let (u_p, v_p) = p;
    let (u_q, v_q) = q;
    let lambda1 = div(cs, &(v_q - v_p), &(u_q - u_p))?;
    let u_r = lambda1.square()? - mont_a - u_p - u_q;
    let lambda2 = div(cs, &v_p.double()?, &(u_p - &u_r))? - &lambda1;
    let u_s =
        FpVar::new_witness(cs.clone(), || Ok(lambda2.value()?.square() - mont_a - u_r.value()? - u_p.value()?))?;
    lambda2.mul_equals(&lambda2, &(&u_s + mont_a + &u_r + u_p))?;
    let v_s = FpVar::new_witness(cs.clone(), || Ok(lambda2.value()? * (u_p.value()? - u_s.value()?) - v_p.value()?))?;
    lambda2.mul_equals(&(u_p - &u_s), &(&v_s + v_p))?;
    Ok((u_s, v_s))
}

/// Enforces that `p` (on the curve) lies in the prime-order subgroup, the identity included:
/// a witness `q` on the curve with `8·q = p` (3 constraints for `q`, three complete
/// doublings, 2 for the equality). Sound because the curve has order 8·l, so `8·q` is always
/// of order dividing l; complete because for `p` of order dividing l, `q = (8⁻¹ mod l)·p`.
///
/// # Errors
/// Propagates synthesis errors.
pub fn enforce_in_subgroup(p: &PointVar) -> Result<(), SynthesisError> {
    use ark_r1cs_std::eq::EqGadget;
    let cs = p.x.cs().or(p.y.cs());
    if cs.is_none() {
        let value = Point::new_unchecked(p.x.value()?, p.y.value()?);
        return if value.is_in_correct_subgroup_assuming_on_curve() {
            Ok(())
        } else {
            Err(SynthesisError::Unsatisfiable)
        };
    }
    let q = p.x.value().and_then(|x| Ok(Point::new_unchecked(x, p.y.value()?))).ok().map(|v| {
        use ark_ec::AffineRepr;
        use ark_ff::Field as _;
        let eight_inv = crate::Fs::from(8u64).inverse().expect("8 is invertible mod l");
        v.mul_bigint(ark_ff::PrimeField::into_bigint(eight_inv)).into_affine()
    });
    let mut eight_q = alloc_point_on_curve(cs, q, AllocationMode::Witness)?;
    for _ in 0..3 {
        eight_q = add(&eight_q, &eight_q)?;
    }
    eight_q.enforce_equal(p)
}

/// A constant point.
pub fn constant(p: &Point) -> PointVar {
    PointVar::new(FpVar::constant(p.x), FpVar::constant(p.y))
}

/// The identity (0, 1).
pub fn identity() -> PointVar {
    constant(&Point::zero())
}

#[cfg(test)]
mod tests {
    use ark_ff::{BigInteger, PrimeField, UniformRand};
    use ark_r1cs_std::prelude::*;
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use num_bigint::BigUint;

    use super::*;
    use crate::{babyjubjub, bits::alloc_bits_le, Fs};

    fn base_mul_in_circuit(s: Fr) -> (Point, bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = alloc_bits_le(cs.clone(), Some(s), SCALAR_BITS).unwrap();
        let before = cs.num_constraints();
        let p = mul_base8(&bits).unwrap();
        let cost = cs.num_constraints() - before;
        let value = Point::new_unchecked(p.x.value().unwrap(), p.y.value().unwrap());
        (value, cs.is_satisfied().unwrap(), cost)
    }

    #[test]
    fn fixed_base_tables_hold_the_native_multiples() {
        // The batched conversions give exactly `to_montgomery` of every window's multiples.
        let t = tables();
        let mut base = PointProjective::from(BASE8);
        let mut offset = PointProjective::zero();
        for row in &t.mont {
            for (w, entry) in row.iter().enumerate() {
                let p = (base * Fs::from(w as u64 + 2)).into_affine();
                assert_eq!(*entry, babyjubjub::to_montgomery(&p));
            }
            offset += base.double();
            base = base.double().double().double();
        }
        for (w, entry) in t.last.iter().enumerate() {
            let p = (base * Fs::from(w as u64) - offset).into_affine();
            assert_eq!(*entry, (p.x, p.y));
        }
    }

    #[test]
    fn mul_base8_matches_native_on_random_and_edge_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        let two_251 = Fr::from(2u64).pow([251]);
        let mut scalars = vec![
            Fr::zero(),
            Fr::one(),
            Fr::from(7u64),
            Fr::from(8u64),
            l - Fr::one(),
            l,
            l + Fr::one(),
            two_251 - Fr::one(),
        ];
        for _ in 0..20 {
            scalars.push(Fr::from_bigint(Fs::rand(&mut rng).into_bigint()).unwrap());
        }
        for s in scalars {
            let (p, ok, cost) = base_mul_in_circuit(s);
            assert!(ok, "unsatisfied for s = {s}");
            assert_eq!(p, babyjubjub::mul_base(s.into_bigint()), "s = {s}");
            assert_eq!(cost, 504);
        }
    }

    #[test]
    fn mul_base8_rejects_a_wrong_point() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let s = Fr::from(123456789u64);
        let bits = alloc_bits_le(cs.clone(), Some(s), SCALAR_BITS).unwrap();
        let p = mul_base8(&bits).unwrap();
        let wrong = babyjubjub::mul_base((s + Fr::one()).into_bigint());
        let claimed = alloc_point_on_curve(cs.clone(), Some(wrong), AllocationMode::Witness).unwrap();
        p.enforce_equal(&claimed).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn add_matches_native() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for _ in 0..10 {
            let p = babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint());
            let q = babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint());
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
            let qv = alloc_point_on_curve(cs.clone(), Some(q), AllocationMode::Witness).unwrap();
            let r = add(&pv, &qv).unwrap();
            assert_eq!(Point::new_unchecked(r.x.value().unwrap(), r.y.value().unwrap()), (p + q).into_affine());
            // doubling and the identity go through the same complete formula
            let d = add(&pv, &pv).unwrap();
            assert_eq!(Point::new_unchecked(d.x.value().unwrap(), d.y.value().unwrap()), (p + p).into_affine());
            let z = add(&pv, &identity()).unwrap();
            assert_eq!(Point::new_unchecked(z.x.value().unwrap(), z.y.value().unwrap()), p);
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn mul_point_matches_native() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for _ in 0..5 {
            let p = babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint());
            let s = Fr::rand(&mut rng);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
            let bits = alloc_bits_le(cs.clone(), Some(s), 254).unwrap();
            let r = mul_point(&pv, &bits).unwrap();
            assert_eq!(
                Point::new_unchecked(r.x.value().unwrap(), r.y.value().unwrap()),
                babyjubjub::mul_point(&p, s.into_bigint())
            );
            assert!(cs.is_satisfied().unwrap());
        }
    }

    /// `k·p` in-circuit with the fast path; (value, satisfied, cost).
    fn mul_prime_order_in_circuit(p: Point, k: Fr) -> (Point, bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
        let kv = FpVar::new_witness(cs.clone(), || Ok(k)).unwrap();
        let before = cs.num_constraints();
        let r = mul_prime_order(&pv, &kv).unwrap();
        let cost = cs.num_constraints() - before;
        (Point::new_unchecked(r.x.value().unwrap(), r.y.value().unwrap()), cs.is_satisfied().unwrap(), cost)
    }

    #[test]
    fn mul_prime_order_matches_native_on_edge_and_random_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        let mut scalars = vec![
            Fr::zero(),
            Fr::one(),
            Fr::from(2u64),
            Fr::from(3u64),
            l - Fr::one(),
            l,
            l + Fr::one(),
            -Fr::one(), // r − 1
            -Fr::from(2u64),
            Fr::from(2u64).pow([253]),
            Fr::from(2u64).pow([253]) - Fr::one(),
            Fr::from(2u64).pow([251]) - Fr::one(),
        ];
        // every multiple of l below r (the result is O), and its neighbours
        for j in 2..8u64 {
            let jl = l * Fr::from(j);
            scalars.extend([jl - Fr::one(), jl, jl + Fr::one()]);
        }
        // low bits all ones or all zeros around the tail boundary
        scalars.extend([Fr::from(63u64), Fr::from(64u64), -Fr::from(64u64), l * Fr::from(7u64) + Fr::from(63u64)]);
        for _ in 0..12 {
            scalars.push(Fr::rand(&mut rng)); // uniform below r: 254-bit values
        }
        let mut points = vec![BASE8, babyjubjub::mul_base((l - Fr::one()).into_bigint())];
        for _ in 0..4 {
            points.push(babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint()));
        }
        for p in points {
            assert!(p.is_in_correct_subgroup_assuming_on_curve() && !ark_ec::AffineRepr::is_zero(&p));
            for &k in &scalars {
                let (q, ok, cost) = mul_prime_order_in_circuit(p, k);
                assert!(ok, "unsatisfied for k = {k}, p = {p}");
                assert_eq!(q, babyjubjub::mul_point(&p, k.into_bigint()), "k = {k}, p = {p}");
                assert_eq!(cost, MUL_PRIME_ORDER_CONSTRAINTS);
            }
        }
    }

    #[test]
    fn mul_prime_order_rejects_a_wrong_point() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let p = babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint());
        for k in [Fr::zero(), Fr::one(), Fr::rand(&mut rng), -Fr::one()] {
            for wrong in [
                babyjubjub::mul_point(&p, (k + Fr::one()).into_bigint()),
                babyjubjub::mul_point(&p, (-k).into_bigint()),
                // the result for k + r (what a non-canonical decomposition would give)
                babyjubjub::mul_point(&p, {
                    let mut k_plus_r = k.into_bigint();
                    k_plus_r.add_with_carry(&Fr::MODULUS); // below 2^255: no carry out
                    k_plus_r
                }),
            ] {
                if wrong == babyjubjub::mul_point(&p, k.into_bigint()) {
                    continue; // −0 = 0
                }
                let cs = ConstraintSystem::<Fr>::new_ref();
                let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
                let kv = FpVar::new_witness(cs.clone(), || Ok(k)).unwrap();
                let r = mul_prime_order(&pv, &kv).unwrap();
                let claimed = alloc_point_on_curve(cs.clone(), Some(wrong), AllocationMode::Witness).unwrap();
                r.enforce_equal(&claimed).unwrap();
                assert!(!cs.is_satisfied().unwrap(), "k = {k}");
            }
        }
    }

    /// Allocates the low bits x of `s'` from a chosen integer and enforces the scalar's
    /// constraints (the decomposition step of [`mul_prime_order`]): whether they hold.
    fn shifted_decomposition_holds(k: Fr, x: &BigUint) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let kv = FpVar::new_witness(cs.clone(), || Ok(k)).unwrap();
        let x_bits: Vec<bool> = (0..SHIFTED_BITS as u64).map(|i| x.bit(i)).collect();
        enforce_shifted_scalar(&cs, &kv, Some(x_bits)).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn the_shifted_scalar_is_the_only_decomposition() {
        // x = k + 12·l − 2^254 holds; x ± r also satisfies the equation in Fr (and fits in
        // 254 bits for some k), but not the range checks: they make the integer unique.
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let c = shifted_scalar();
        let r = BigUint::from(Fr::MODULUS);
        let top = BigUint::from(1u32) << SHIFTED_BITS;
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        let mut ks = vec![Fr::zero(), Fr::one(), -Fr::one(), l, Fr::from(2u64).pow([250])];
        ks.extend((0..6).map(|_| Fr::rand(&mut rng)));
        let (mut below, mut above) = (0, 0);
        for k in ks {
            let x = BigUint::from(k.into_bigint()) + &c.shift_int - &top;
            assert!(shifted_decomposition_holds(k, &x), "honest k = {k}");
            if x >= r {
                below += 1;
                assert!(!shifted_decomposition_holds(k, &(&x - &r)), "x − r for k = {k}");
            }
            if &x + &r < top {
                above += 1;
                assert!(!shifted_decomposition_holds(k, &(&x + &r)), "x + r for k = {k}");
            }
        }
        assert!(below > 0 && above > 0, "both alternatives were exercised");
    }

    #[test]
    fn mul_prime_order_bounds_hold() {
        // The integer facts the non-exceptionality argument of `mul_prime_order` rests on.
        let l = BigUint::from(Fs::MODULUS);
        let r = BigUint::from(Fr::MODULUS);
        let top = BigUint::from(1u32) << SHIFTED_BITS;
        let lo = &l * SHIFT_MULTIPLE;
        let hi = &lo + &r - 1u32;
        assert!(top < lo && hi < &top << 1, "2^254 ≤ s' < 2^255: the top bit is set");
        // largest accumulator of the incomplete steps: a_i for i = TAIL_BITS
        let a_max = |i: usize| (&hi >> i) * 2u32 + 1u32;
        assert!(a_max(TAIL_BITS) <= &l - 2u32, "incomplete steps stay below l − 1");
        assert!(a_max(TAIL_BITS - 1) > &l - 2u32, "the tail is as short as this argument allows");
        // smallest: a_i ≥ 3 from the top bit; the first incomplete step starts at a = 3
        assert_eq!((&lo >> (SHIFTED_BITS)) * 2u32 + 1u32, BigUint::from(3u32));
    }

    #[test]
    fn mul_prime_order_never_errors_outside_its_precondition() {
        // O and the order-2 point: witness generation succeeds; the result is not relied on.
        for p in [Point::zero(), Point::new_unchecked(Fr::zero(), -Fr::one())] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
            let kv = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).unwrap();
            let _ = mul_prime_order(&pv, &kv).unwrap();
            let _ = cs.is_satisfied().unwrap();
        }
    }

    #[test]
    fn double_matches_native() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let t2 = Point::new_unchecked(Fr::zero(), -Fr::one());
        for p in [babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint()), Point::zero(), t2] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
            let d = double(&pv).unwrap();
            assert_eq!(Point::new_unchecked(d.x.value().unwrap(), d.y.value().unwrap()), (p + p).into_affine());
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn subgroup_check_matches_native() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let torsion = babyjubjub::point_on_curve(Fr::zero(), -Fr::one()).unwrap(); // order 2
        for _ in 0..4 {
            let p = babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint());
            for (point, inside) in
                [(p, true), ((p + torsion).into_affine(), false), (Point::zero(), true), (torsion, false)]
            {
                assert_eq!(point.is_in_correct_subgroup_assuming_on_curve(), inside);
                let cs = ConstraintSystem::<Fr>::new_ref();
                let v = alloc_point_on_curve(cs.clone(), Some(point), AllocationMode::Witness).unwrap();
                enforce_in_subgroup(&v).unwrap();
                assert_eq!(cs.is_satisfied().unwrap(), inside, "point {point}");
            }
        }
    }

    #[test]
    fn on_curve_check_rejects_off_curve_points() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bad = Point::new_unchecked(BASE8.x, BASE8.y + Fr::one());
        let _ = alloc_point_on_curve(cs.clone(), Some(bad), AllocationMode::Witness).unwrap();
        assert!(!cs.is_satisfied().unwrap());
        let _ = BigInteger::num_bits(&Fs::MODULUS);
    }

    /// Adversarial check (from the soundness review of `mul_prime_order`): taking p, k and the
    /// 254 scalar bits as given, every other witness is fixed, in order, by a constraint in
    /// which it is the only unknown and appears linearly with a non-zero pivot. What is left
    /// is only the range checks' isolated helpers (each in exactly one constraint, feeding
    /// nothing), so no assignment yields another output than k·p.
    #[test]
    fn mul_prime_order_witnesses_are_determined() {
        use std::collections::{BTreeMap, BTreeSet};

        use ark_ff::{One, Zero};
        use ark_relations::gr1cs::OptimizationGoal;
        let mut rng = ChaCha20Rng::seed_from_u64(100);
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        for (p, k) in [
            (babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint()), Fr::rand(&mut rng)),
            (babyjubjub::BASE8, l),
            (babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint()), -Fr::one()),
            (babyjubjub::mul_base(Fs::rand(&mut rng).into_bigint()), Fr::zero()),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_optimization_goal(OptimizationGoal::Constraints);
            let pv = alloc_point_on_curve(cs.clone(), Some(p), AllocationMode::Witness).unwrap();
            let kv = FpVar::new_witness(cs.clone(), || Ok(k)).unwrap();
            let w0 = cs.num_witness_variables();
            let _ = mul_prime_order(&pv, &kv).unwrap();
            let w1 = cs.num_witness_variables();
            cs.finalize();
            let ni = cs.num_instance_variables();
            let mut z = cs.instance_assignment().unwrap();
            z.extend(cs.witness_assignment().unwrap());
            let m = cs.to_matrices().unwrap();
            let mats = m.values().next().unwrap();
            let coeffs = |row: &Vec<(Fr, usize)>| {
                let mut c: BTreeMap<usize, Fr> = BTreeMap::new();
                for (f, i) in row {
                    *c.entry(*i).or_insert(Fr::zero()) += *f;
                }
                c.retain(|_, f| !f.is_zero());
                c
            };
            let rows: Vec<[BTreeMap<usize, Fr>; 3]> =
                (0..mats[0].len()).map(|r| [coeffs(&mats[0][r]), coeffs(&mats[1][r]), coeffs(&mats[2][r])]).collect();
            let ev = |c: &BTreeMap<usize, Fr>| c.iter().map(|(i, f)| *f * z[*i]).sum::<Fr>();
            let mut unknown: BTreeSet<usize> = (ni + w0 + 254..ni + w1).collect();
            loop {
                let mut progress = false;
                for [a, b, c] in &rows {
                    let vars: BTreeSet<usize> =
                        a.keys().chain(b.keys()).chain(c.keys()).filter(|i| unknown.contains(i)).copied().collect();
                    if vars.len() != 1 {
                        continue;
                    }
                    let v = *vars.iter().next().unwrap();
                    let pivot = match (a.get(&v), b.get(&v)) {
                        (Some(_), Some(_)) => continue,
                        (Some(al), None) => *al * ev(b) - c.get(&v).copied().unwrap_or_default(),
                        (None, Some(be)) => *be * ev(a) - c.get(&v).copied().unwrap_or_default(),
                        (None, None) => -c[&v],
                    };
                    if !pivot.is_zero() {
                        unknown.remove(&v);
                        progress = true;
                    }
                }
                if !progress {
                    break;
                }
            }
            for v in &unknown {
                let uses = rows.iter().filter(|[a, b, c]| a.contains_key(v) || b.contains_key(v) || c.contains_key(v));
                assert_eq!(uses.count(), 1, "k = {k}: witness {} is neither determined nor isolated", v - ni - w0);
            }
            assert!(unknown.len() <= 128, "k = {k}: {} undetermined", unknown.len());
        }
    }
}
