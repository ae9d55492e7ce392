//! Baby JubJub in the EIP-2494 / circomlib form ([EIP-2494](https://eips.ethereum.org/EIPS/eip-2494)).
//!
//! The twisted Edwards curve `168700·x² + y² = 1 + 168696·x²·y²` over the BN254 scalar
//! field, with circomlib's `Base8` as generator of the prime-order subgroup (order l).
//! ark-ed-on-bn254 models the same curve with a = 1 and another generator, so veil
//! defines its own [`BabyJubJubConfig`](crate::babyjubjub::BabyJubJubConfig) in the coordinates every external tool uses
//! ([DESIGN §2][design]); ark-ec's generic twisted Edwards arithmetic then applies.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

pub mod constraints;

use ark_ec::{
    models::CurveConfig,
    twisted_edwards::{Affine, MontCurveConfig, Projective, TECurveConfig},
    AffineRepr, CurveGroup,
};
use ark_ff::{BigInteger, MontFp, PrimeField};

use crate::{CircuitError, Fr, Fs};

/// Baby JubJub with a = 168700, d = 168696 and generator `Base8`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct BabyJubJubConfig;

/// A Baby JubJub point in affine EIP-2494 coordinates.
pub type Point = Affine<BabyJubJubConfig>;
/// A Baby JubJub point in projective coordinates.
pub type PointProjective = Projective<BabyJubJubConfig>;

/// The curve coefficient a.
pub const COEFF_A: Fr = MontFp!("168700");
/// The curve coefficient d.
pub const COEFF_D: Fr = MontFp!("168696");

/// circomlib's `Base8`, generator of the subgroup of prime order l.
pub const BASE8: Point = Point::new_unchecked(
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553"),
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203"),
);

/// The order l of the prime-order subgroup (`subOrder` in circomlibjs), as a big integer.
#[must_use]
pub fn suborder() -> <Fs as PrimeField>::BigInt {
    Fs::MODULUS
}

impl CurveConfig for BabyJubJubConfig {
    type BaseField = Fr;
    type ScalarField = Fs;

    /// The curve has order 8·l.
    const COFACTOR: &'static [u64] = &[8];

    /// 8⁻¹ mod l.
    const COFACTOR_INV: Fs = MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

impl TECurveConfig for BabyJubJubConfig {
    const COEFF_A: Fr = COEFF_A;
    const COEFF_D: Fr = COEFF_D;
    const GENERATOR: Point = BASE8;
    type MontCurveConfig = BabyJubJubConfig;
}

/// The birationally equivalent Montgomery curve `v² = u³ + 168698·u² + u`.
impl MontCurveConfig for BabyJubJubConfig {
    const COEFF_A: Fr = MontFp!("168698");
    const COEFF_B: Fr = MontFp!("1");
    type TECurveConfig = BabyJubJubConfig;
}

/// A point from its coordinates, checked to be on the curve (any subgroup).
///
/// # Errors
/// [`CircuitError::NotOnCurve`] if `(x, y)` does not satisfy the curve equation.
pub fn point_on_curve(x: Fr, y: Fr) -> Result<Point, CircuitError> {
    let p = Point::new_unchecked(x, y);
    if p.is_on_curve() {
        Ok(p)
    } else {
        Err(CircuitError::NotOnCurve { x: x.to_string(), y: y.to_string() })
    }
}

/// A point from its coordinates, checked to be on the curve and in the prime-order subgroup.
///
/// # Errors
/// [`CircuitError::NotOnCurve`] or [`CircuitError::NotInSubgroup`].
pub fn point_in_subgroup(x: Fr, y: Fr) -> Result<Point, CircuitError> {
    let p = point_on_curve(x, y)?;
    if p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err(CircuitError::NotInSubgroup { x: x.to_string(), y: y.to_string() })
    }
}

/// `s·Base8` for a scalar given as a big integer of any size, as circomlibjs'
/// `mulPointEscalar(Base8, s)`.
pub fn mul_base<B: BigInteger>(s: B) -> Point {
    mul_point(&BASE8, s)
}

/// `s·p` for any point on the curve and a scalar of any size (no reduction mod l, so
/// points outside the subgroup are multiplied exactly), as `mulPointEscalar`.
pub fn mul_point<B: BigInteger>(p: &Point, s: B) -> Point {
    p.mul_bigint(s).into_affine()
}

/// Maps a non-identity point of odd order to the Montgomery model `(u, v)`:
/// `u = (1 + y)/(1 − y)`, `v = u/x`.
///
/// # Panics
/// If `p` is the identity or a point of order 2 or 4 (never for subgroup points ≠ O).
#[must_use]
pub fn to_montgomery(p: &Point) -> (Fr, Fr) {
    let one = <Fr as ark_ff::One>::one();
    let u = (one + p.y) * ark_ff::Field::inverse(&(one - p.y)).expect("y ≠ 1 off the identity");
    let v = u * ark_ff::Field::inverse(&p.x).expect("x ≠ 0 off the 2-torsion");
    (u, v)
}

#[cfg(test)]
mod tests;
