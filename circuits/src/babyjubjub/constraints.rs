//! Baby JubJub gadgets: points, on-curve allocation, and scalar multiplication.
//!
//! [`PointVar`] is ark-r1cs-std's twisted Edwards `AffineVar` over [`BabyJubJubConfig`],
//! so generic addition, doubling and variable-base multiplication come from arkworks.
//! [`mul_base8`] is veil's own fixed-base multiplication (arkworks has none this cheap).
//!
//! Cost of `s·Base8` for a 251-bit s: 504 constraints (82 windows of 3 bits in
//! Montgomery form at 6 each, the first window 3, 2 for the change of model, 7 for the
//! last two bits and the offset correction in complete Edwards form).

use std::sync::OnceLock;

use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::{Field, One, Zero};
use ark_r1cs_std::{
    alloc::{AllocVar, AllocationMode},
    boolean::Boolean,
    fields::{fp::FpVar, FieldVar},
    groups::{curves::twisted_edwards::AffineVar, CurveVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::{to_montgomery, BabyJubJubConfig, Point, PointProjective, BASE8, COEFF_A, COEFF_D};
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
    let xy = value();
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

fn tables() -> &'static FixedBaseTables {
    static TABLES: OnceLock<FixedBaseTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut base = PointProjective::from(BASE8); // 8^i·Base8
        let mut offset = PointProjective::zero(); // Σ 2·8^i·Base8
        let mut mont = Vec::with_capacity(MONT_WINDOWS);
        for _ in 0..MONT_WINDOWS {
            let mut row = [(Fr::zero(), Fr::zero()); 8];
            for (w, entry) in row.iter_mut().enumerate() {
                *entry = to_montgomery(&(base * crate::Fs::from(w as u64 + 2)).into_affine());
            }
            mont.push(row);
            offset += base.double();
            base = base.double().double().double();
        }
        let mut last = [(Fr::zero(), Fr::zero()); 4];
        for (w, entry) in last.iter_mut().enumerate() {
            let p = (base * crate::Fs::from(w as u64) - offset).into_affine();
            *entry = (p.x, p.y);
        }
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
fn div(cs: &ConstraintSystemRef<Fr>, num: &FpVar<Fr>, den: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    if cs.is_none() {
        let d = den.value()?.inverse().ok_or(SynthesisError::DivisionByZero)?;
        return Ok(FpVar::constant(num.value()? * d));
    }
    let q = FpVar::new_witness(cs.clone(), || {
        Ok(num.value()? * den.value()?.inverse().ok_or(SynthesisError::DivisionByZero)?)
    })?;
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
}
