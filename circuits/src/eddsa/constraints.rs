//! EdDSA-Poseidon verification in-circuit, twin of [`super::verify`].
//!
//! Cost: 4,772 constraints with the key's and R8's curve checks (3 each), S as 251 bits
//! with `S < l` (60), `S·Base8` (504), the challenge Poseidon(5) (321) decomposed strictly
//! into 254 bits (254 + 1 + 53 for `hm < r`), and `hm·A` by arkworks' double-and-add
//! (3,299) followed by three doublings and one addition: the variable-base multiplication
//! dominates. For a key known to be in the prime-order subgroup and not the identity,
//! [`conditional_verify_subgroup_key`] costs 3,115: it multiplies with
//! [`bjj::mul_prime_order`] (1,950, its own scalar decomposition included).
//!
//! Like `@zk-kit/eddsa-poseidon`, verification accepts any public key on the curve. A key of
//! small order (the identity, or a torsion point) makes `8·hm·A` vanish, so `(S·Base8, S)`
//! then verifies for every message: statements that accept keys from an open set must also
//! require the key to be in the prime-order subgroup.

use std::borrow::Borrow;

use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{
    alloc::{AllocVar, AllocationMode},
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    groups::CurveVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::Signature;
use crate::{
    babyjubjub::constraints::{self as bjj, PointVar, SCALAR_BITS},
    bits::{alloc_bits_le, enforce_le_constant, enforce_lt_constant},
    poseidon::constraints::PoseidonGadget,
    Fr, Fs,
};

/// A signature in-circuit: R8 (checked on the curve) and the bits of S (checked `S < l`).
///
/// R8 is allocated in the mode asked for; the bits of S are always witnesses.
#[derive(Clone, Debug)]
pub struct SignatureVar {
    /// `R8`, on the curve.
    pub r8: PointVar,
    /// The little-endian bits of S, with `S < l` enforced.
    pub s_bits: Vec<Boolean<Fr>>,
}

impl AllocVar<Signature, Fr> for SignatureVar {
    fn new_variable<T: Borrow<Signature>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let sig = f().map(|s| *s.borrow()).ok();
        let r8 = bjj::alloc_point_on_curve(ark_relations::ns!(cs, "R8"), sig.map(|s| s.r8), mode)?;
        // S < l is enforced: with S + l accepted, every signature would have a twin.
        let s_bits = alloc_bits_le(ark_relations::ns!(cs, "S").cs(), sig.map(|s| s.s), SCALAR_BITS)?;
        enforce_lt_constant(&s_bits, &Fs::MODULUS)?;
        Ok(Self { r8, s_bits })
    }
}

/// Enforces, when `enabled` holds, that `signature` is a valid EdDSA-Poseidon signature of
/// `message` by `public_key` (which the caller has checked to be on the curve). When
/// `enabled` is false nothing about the signature is required.
///
/// # Errors
/// Propagates synthesis errors.
#[tracing::instrument(target = "gr1cs", skip_all)]
pub fn conditional_verify(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let (left, right) = sides(cs, public_key, message, signature)?;
    left.x.conditional_enforce_equal(&right.x, enabled)?;
    left.y.conditional_enforce_equal(&right.y, enabled)
}

/// [`conditional_verify`] for a key known to be in the prime-order subgroup and not the
/// identity, with the cheaper multiplication [`bjj::mul_prime_order`] (3,115 constraints
/// with the key's and the signature's allocations, against 4,772).
///
/// **Precondition**, which the caller must enforce: `public_key` is in the subgroup of
/// order l and `public_key ≠ O` (for instance `A = 8·A'` with A' on the curve, and
/// `A.x ≠ 0`). Under it the result is exactly that of [`conditional_verify`] (zk-kit's
/// rule). Without it the multiplication is not sound, so an unchecked key could pass with
/// a forged signature; witness generation still succeeds.
///
/// # Errors
/// Propagates synthesis errors.
#[tracing::instrument(target = "gr1cs", skip_all)]
pub(crate) fn conditional_verify_subgroup_key(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let hm = challenge(cs, public_key, message, signature)?;
    let mut eight_hm_a = bjj::mul_prime_order(public_key, &hm)?;
    for _ in 0..3 {
        eight_hm_a = bjj::double(&eight_hm_a)?;
    }
    let right = bjj::add(&signature.r8, &eight_hm_a)?;
    let left = bjj::mul_base8(&signature.s_bits)?;
    left.x.conditional_enforce_equal(&right.x, enabled)?;
    left.y.conditional_enforce_equal(&right.y, enabled)
}

/// Enforces that `signature` is a valid signature of `message` by `public_key`.
///
/// # Errors
/// Propagates synthesis errors.
pub fn verify(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
) -> Result<(), SynthesisError> {
    conditional_verify(cs, public_key, message, signature, &Boolean::TRUE)
}

/// Whether `signature` is valid, as a boolean (the range checks on S and the curve checks
/// are still enforced).
///
/// # Errors
/// Propagates synthesis errors.
pub fn is_valid(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
) -> Result<Boolean<Fr>, SynthesisError> {
    let (left, right) = sides(cs, public_key, message, signature)?;
    left.is_eq(&right)
}

/// The challenge `hm = Poseidon(R8.x, R8.y, A.x, A.y, m)`.
fn challenge(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
) -> Result<FpVar<Fr>, SynthesisError> {
    let r8 = &signature.r8;
    PoseidonGadget::hash(cs, &[r8.x.clone(), r8.y.clone(), public_key.x.clone(), public_key.y.clone(), message.clone()])
}

/// `(S·Base8, R8 + 8·hm·A)`.
fn sides(
    cs: ConstraintSystemRef<Fr>,
    public_key: &PointVar,
    message: &FpVar<Fr>,
    signature: &SignatureVar,
) -> Result<(PointVar, PointVar), SynthesisError> {
    let r8 = &signature.r8;
    // hm decomposed strictly (hm < r) so the prover cannot multiply A by hm + r instead.
    let hm = challenge(cs.clone(), public_key, message, signature)?;
    let hm_bits = alloc_bits_le(cs, ark_r1cs_std::GR1CSVar::value(&hm).ok(), Fr::MODULUS_BIT_SIZE as usize)?;
    // Σ b_i·2^i by hand: `Boolean::le_bits_to_fp` would add its own (costlier) < r check
    // for 254 bits, on top of the one below.
    let packed =
        hm_bits.iter().rev().fold(FpVar::zero(), |acc, b| acc.double().expect("linear") + FpVar::from(b.clone()));
    packed.enforce_equal(&hm)?;
    let mut r_minus_one = Fr::MODULUS;
    r_minus_one.sub_with_borrow(&<Fr as PrimeField>::BigInt::from(1u64));
    enforce_le_constant(&hm_bits, &r_minus_one)?;

    let mut eight_hm_a = bjj::mul_point(public_key, &hm_bits)?;
    for _ in 0..3 {
        eight_hm_a.double_in_place()?;
    }
    let right = bjj::add(r8, &eight_hm_a)?;
    let left = bjj::mul_base8(&signature.s_bits)?;
    Ok((left, right))
}

#[cfg(test)]
mod tests {
    use ark_ff::{One, Zero};
    use ark_r1cs_std::prelude::*;
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::{
        babyjubjub::{self, Point},
        eddsa::{self, PrivateKey},
        test_vectors,
    };

    /// Synthesizes one verification; returns (satisfied, is_valid value, constraints).
    fn check(a: Point, m: Fr, sig: Signature) -> (bool, bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let av = bjj::alloc_point_on_curve(cs.clone(), Some(a), AllocationMode::Witness).unwrap();
        let mv = FpVar::new_input(cs.clone(), || Ok(m)).unwrap();
        let sv = SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
        let valid = is_valid(cs.clone(), &av, &mv, &sv).unwrap().value().unwrap();
        verify(cs.clone(), &av, &mv, &sv).unwrap();
        (cs.is_satisfied().unwrap(), valid, cs.num_constraints())
    }

    #[test]
    fn gadget_agrees_with_zk_kit_vectors() {
        let file = test_vectors::load("eddsa");
        for v in test_vectors::vectors(&file) {
            let a = test_vectors::frs(&v["public_key"]);
            let r8 = test_vectors::frs(&v["signature"]["r8"]);
            let sig = Signature { r8: Point::new_unchecked(r8[0], r8[1]), s: test_vectors::fr(&v["signature"]["s"]) };
            let m = test_vectors::fr(&v["message"]);
            let expected = v["valid"].as_bool().unwrap();
            let (sat, _, _) = check(Point::new_unchecked(a[0], a[1]), m, sig);
            assert_eq!(sat, expected, "vector {v}");
        }
    }

    #[test]
    fn gadget_matches_native_on_random_keys_and_rejects_forgeries() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        for i in 0..3u64 {
            let key = PrivateKey::random(&mut rng);
            let a = key.public_key();
            let m = Fr::from(77 + i);
            let sig = key.sign(m);
            assert!(eddsa::verify(&a, m, &sig));
            let (sat, valid, _) = check(a, m, sig);
            assert!(sat && valid);
            // another message, S + 1, S + l, another key, R8 moved by a torsion point
            assert!(!check(a, m + Fr::one(), sig).0, "other message");
            assert!(!check(a, m, Signature { s: sig.s + Fr::one(), ..sig }).0, "S + 1");
            assert!(!check(a, m, Signature { s: sig.s + l, ..sig }).0, "S + l");
            let other = PrivateKey::random(&mut rng).public_key();
            assert!(!check(other, m, sig).0, "other key");
            let t2 = babyjubjub::point_on_curve(Fr::from(0u64), -Fr::one()).unwrap();
            let moved = Signature { r8: (sig.r8 + t2).into(), ..sig };
            assert!(!eddsa::verify(&a, m, &moved));
            assert!(!check(a, m, moved).0, "R8 + torsion");
        }
    }

    /// [`conditional_verify_subgroup_key`] (enabled) on a key in the subgroup: satisfied?
    fn check_subgroup_key(a: Point, m: Fr, sig: Signature) -> bool {
        assert!(a.is_in_correct_subgroup_assuming_on_curve() && !a.x.is_zero(), "the precondition");
        let cs = ConstraintSystem::<Fr>::new_ref();
        let av = bjj::alloc_point_on_curve(cs.clone(), Some(a), AllocationMode::Witness).unwrap();
        let mv = FpVar::new_input(cs.clone(), || Ok(m)).unwrap();
        let sv = SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
        conditional_verify_subgroup_key(cs.clone(), &av, &mv, &sv, &Boolean::TRUE).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn subgroup_key_gadget_agrees_with_zk_kit_vectors() {
        let file = test_vectors::load("eddsa");
        let mut checked = 0;
        for v in test_vectors::vectors(&file) {
            let a = test_vectors::frs(&v["public_key"]);
            let a = Point::new_unchecked(a[0], a[1]);
            if !a.is_on_curve() || !a.is_in_correct_subgroup_assuming_on_curve() || a.x.is_zero() {
                continue; // outside the precondition
            }
            let r8 = test_vectors::frs(&v["signature"]["r8"]);
            let sig = Signature { r8: Point::new_unchecked(r8[0], r8[1]), s: test_vectors::fr(&v["signature"]["s"]) };
            let m = test_vectors::fr(&v["message"]);
            assert_eq!(check_subgroup_key(a, m, sig), v["valid"].as_bool().unwrap(), "vector {v}");
            checked += 1;
        }
        assert!(checked > 0);
    }

    #[test]
    fn subgroup_key_gadget_matches_native_and_rejects_forgeries() {
        let mut rng = ChaCha20Rng::seed_from_u64(23);
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        let t2 = babyjubjub::point_on_curve(Fr::from(0u64), -Fr::one()).unwrap();
        for i in 0..4u64 {
            let key = PrivateKey::random(&mut rng);
            let a = key.public_key();
            let m = Fr::from(1000 + i);
            let sig = key.sign(m);
            assert!(check_subgroup_key(a, m, sig), "honest");
            assert!(!check_subgroup_key(a, m + Fr::one(), sig), "other message");
            assert!(!check_subgroup_key(a, m, Signature { s: sig.s + Fr::one(), ..sig }), "S + 1");
            assert!(!check_subgroup_key(a, m, Signature { s: sig.s + l, ..sig }), "S + l");
            let other = PrivateKey::random(&mut rng).public_key();
            assert!(!check_subgroup_key(other, m, sig), "other key");
            let moved = Signature { r8: (sig.r8 + t2).into(), ..sig };
            assert!(!check_subgroup_key(a, m, moved), "R8 + torsion");
            // a disabled check holds whatever the signature
            let cs = ConstraintSystem::<Fr>::new_ref();
            let av = bjj::alloc_point_on_curve(cs.clone(), Some(a), AllocationMode::Witness).unwrap();
            let mv = FpVar::new_input(cs.clone(), || Ok(m + Fr::one())).unwrap();
            let sv = SignatureVar::new_witness(cs.clone(), || Ok(sig)).unwrap();
            conditional_verify_subgroup_key(cs.clone(), &av, &mv, &sv, &Boolean::FALSE).unwrap();
            assert!(cs.is_satisfied().unwrap(), "disabled");
        }
    }

    #[test]
    fn small_order_keys_behave_as_zk_kit() {
        // Documented zk-kit semantics: with A of small order, 8·hm·A vanishes and
        // (S·Base8, S) verifies for any message, natively and in-circuit alike.
        let s = Fr::from(4242u64);
        let forged = Signature { r8: babyjubjub::mul_base(s.into_bigint()), s };
        for a in [Point::new_unchecked(Fr::from(0u64), Fr::one()), Point::new_unchecked(Fr::from(0u64), -Fr::one())] {
            assert!(eddsa::verify(&a, Fr::from(1u64), &forged));
            assert!(check(a, Fr::from(1u64), forged).0);
        }
    }

    #[test]
    fn off_curve_r8_is_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(22);
        let key = PrivateKey::random(&mut rng);
        let m = Fr::from(5u64);
        let sig = key.sign(m);
        let bad = Signature { r8: Point::new_unchecked(sig.r8.x, sig.r8.y + Fr::one()), ..sig };
        assert!(!check(key.public_key(), m, bad).0);
        let _ = babyjubjub::BASE8;
        let _ = BigInteger::num_bits(&Fs::MODULUS);
    }
}

#[cfg(test)]
mod cost {
    use ark_r1cs_std::prelude::*;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};

    use super::*;

    /// Constraints of one check by `check`, key allocation (on-curve, 3) and signature
    /// allocation (R8 on-curve 3, S bits 251, S < l 60) included.
    fn cost_of(
        check: impl FnOnce(ConstraintSystemRef<Fr>, &PointVar, &FpVar<Fr>, &SignatureVar) -> Result<(), SynthesisError>,
    ) -> usize {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let a = bjj::alloc_point_on_curve(cs.clone(), None, AllocationMode::Witness).unwrap();
        let m = FpVar::new_input(cs.clone(), || Ok(Fr::from(0u64))).unwrap();
        let s =
            SignatureVar::new_witness(cs.clone(), || Err::<Signature, _>(SynthesisError::AssignmentMissing)).unwrap();
        check(cs.clone(), &a, &m, &s).unwrap();
        cs.num_constraints()
    }

    /// The cost of one `verify`.
    pub(super) fn verify_cost() -> usize {
        cost_of(verify)
    }

    /// The cost of [`conditional_verify_subgroup_key`] (enabled).
    pub(super) fn verify_subgroup_key_cost() -> usize {
        cost_of(|cs, a, m, s| conditional_verify_subgroup_key(cs, a, m, s, &Boolean::TRUE))
    }

    #[test]
    fn verify_cost_is_pinned() {
        assert_eq!(verify_cost(), 4_772, "EdDSA-Poseidon verify");
        assert_eq!(verify_subgroup_key_cost(), 3_115, "EdDSA-Poseidon verify, key in the subgroup");
    }
}
