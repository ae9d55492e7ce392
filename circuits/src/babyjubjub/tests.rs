use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField, Zero};

use super::*;

#[test]
fn base8_is_on_the_curve_with_order_l() {
    assert!(BASE8.is_on_curve());
    assert!(BASE8.is_in_correct_subgroup_assuming_on_curve());
    assert!(!BASE8.is_zero());
    assert!(mul_base(suborder()).is_zero(), "l·Base8 = O");
}

#[test]
fn montgomery_map_lands_on_the_montgomery_curve() {
    let p = mul_base(Fs::from(12345u64).into_bigint());
    let (u, v) = to_montgomery(&p);
    // v² = u³ + 168698·u² + u
    assert_eq!(v * v, u * u * u + Fr::from(168698u64) * u * u + u);
}

#[test]
fn small_order_points_are_outside_the_subgroup() {
    // (0, -1) has order 2.
    let p = point_on_curve(Fr::zero(), -Fr::one()).unwrap();
    assert!(point_in_subgroup(p.x, p.y).is_err());
    assert!((p + p).into_affine().is_zero());
    assert!(matches!(point_on_curve(Fr::one(), Fr::one()), Err(CircuitError::NotOnCurve { .. })));
}
