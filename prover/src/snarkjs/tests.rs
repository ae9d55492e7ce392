use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use ark_bn254::{G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{One, UniformRand};
use ark_groth16::Groth16;
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError, Variable},
    lc,
};
use ark_snark::{CircuitSpecificSetupSNARK, SNARK};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;

/// Knowledge of w with x = w², y = x·w and z = x + y + t, for public (x, y, z, t): a toy
/// statement with four public inputs, like Approval's, that proves in milliseconds and
/// depends on nothing but arkworks.
#[derive(Clone, Copy)]
struct Toy {
    w: Option<Fr>,
    t: Option<Fr>,
}

impl Toy {
    fn public_inputs(self) -> Option<Vec<Fr>> {
        let (w, t) = (self.w?, self.t?);
        let (x, y) = (w * w, w * w * w);
        Some(vec![x, y, x + y + t, t])
    }
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let value = |i: usize| self.public_inputs().map(|v| v[i]).ok_or(SynthesisError::AssignmentMissing);
        let w = cs.new_witness_variable(|| self.w.ok_or(SynthesisError::AssignmentMissing))?;
        let x = cs.new_input_variable(|| value(0))?;
        let y = cs.new_input_variable(|| value(1))?;
        let z = cs.new_input_variable(|| value(2))?;
        let t = cs.new_input_variable(|| value(3))?;
        cs.enforce_r1cs_constraint(|| lc![w], || lc![w], || lc![x])?;
        cs.enforce_r1cs_constraint(|| lc![x], || lc![w], || lc![y])?;
        cs.enforce_r1cs_constraint(|| lc![x, y, t], || lc![Variable::One], || lc![z])?;
        Ok(())
    }
}

/// The index of the input changed in negative tests.
const CHANGED: usize = 1;

fn groth16_verify(vk: &VerifyingKey, inputs: &[Fr], proof: &Proof) -> bool {
    Groth16::<Bn254>::verify(vk, inputs, proof).expect("as many inputs as the key takes")
}

/// A real Groth16 proof of the toy statement, made once for all tests.
struct Fixture {
    vk: VerifyingKey,
    proof: Proof,
    inputs: Vec<Fr>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(197);
        let (pk, vk) = Groth16::<Bn254>::setup(Toy { w: None, t: None }, &mut rng).expect("setup");
        let toy = Toy { w: Some(Fr::rand(&mut rng)), t: Some(Fr::rand(&mut rng)) };
        let inputs = toy.public_inputs().expect("a filled circuit");
        let proof = Groth16::<Bn254>::prove(&pk, toy, &mut rng).expect("proving");
        assert!(groth16_verify(&vk, &inputs, &proof));
        Fixture { vk, proof, inputs }
    })
}

fn vk_json() -> VerificationKeyJson {
    (&fixture().vk).into()
}

fn proof_json() -> ProofJson {
    (&fixture().proof).into()
}

fn vk_err(j: &VerificationKeyJson) -> WireError {
    VerifyingKey::try_from(j).expect_err("the key should be refused")
}

fn proof_err(j: &ProofJson) -> WireError {
    Proof::try_from(j).expect_err("the proof should be refused")
}

/// Asserts the error's variant (a pattern) and its JSON path.
macro_rules! assert_refused {
    ($err:expr, $variant:pat, $path:expr) => {{
        let e = $err;
        assert!(matches!(e, $variant), "unexpected error: {e:?}");
        assert_eq!(e.path(), Some($path), "wrong path in: {e}");
        assert!(e.to_string().starts_with($path), "the message should name the field: {e}");
    }};
}

fn p_decimal() -> U256 {
    U256::from_limbs(Fq::MODULUS.0)
}

fn r_decimal() -> U256 {
    U256::from_limbs(Fr::MODULUS.0)
}

/// A point on the G2 curve outside the prime-order subgroup.
fn g2_outside_subgroup() -> G2Affine {
    (1u64..)
        .filter_map(|i| G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::one()), false))
        .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        .expect("almost every point of the twist is outside the subgroup")
}

// -----------------------------------------------------------------------------------
// Round trips

#[test]
fn vk_proof_public_round_trip_through_json_and_verify() {
    let f = fixture();
    let vk_text = serde_json::to_string_pretty(&VerificationKeyJson::from(&f.vk)).unwrap();
    let proof_text = serde_json::to_string_pretty(&ProofJson::from(&f.proof)).unwrap();
    let public_text = serde_json::to_string(&public_to_json(&f.inputs)).unwrap();

    let vk = VerifyingKey::try_from(&serde_json::from_str::<VerificationKeyJson>(&vk_text).unwrap()).unwrap();
    let proof = Proof::try_from(&serde_json::from_str::<ProofJson>(&proof_text).unwrap()).unwrap();
    let inputs = public_from_json(&serde_json::from_str::<Vec<String>>(&public_text).unwrap()).unwrap();
    assert_eq!(vk, f.vk);
    assert_eq!(proof, f.proof);
    assert_eq!(inputs, f.inputs);
    assert!(groth16_verify(&vk, &inputs, &proof));

    let mut changed = inputs;
    changed[CHANGED] += Fr::one();
    assert!(!groth16_verify(&vk, &changed, &proof));
}

#[test]
fn json_layout_is_snarkjs() {
    let text = serde_json::to_string(&vk_json()).unwrap();
    assert!(text.starts_with(r#"{"protocol":"groth16","curve":"bn128","nPublic":4,"vk_alpha_1":["#), "{text}");
    let keys = ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "vk_alphabeta_12", "IC"];
    let at: Vec<usize> = keys.iter().map(|k| text.find(&format!("\"{k}\":")).expect(k)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "snarkjs's field order: {text}");

    let v: serde_json::Value = serde_json::to_value(vk_json()).unwrap();
    assert_eq!(v["vk_alpha_1"][2], "1");
    assert_eq!(v["vk_beta_2"][2], serde_json::json!(["1", "0"]));
    assert_eq!(v["IC"].as_array().unwrap().len(), 5);
    let gt = v["vk_alphabeta_12"].as_array().unwrap();
    assert_eq!((gt.len(), gt[0].as_array().unwrap().len(), gt[0][0].as_array().unwrap().len()), (2, 3, 2));

    let text = serde_json::to_string(&proof_json()).unwrap();
    assert!(text.ends_with(r#"],"protocol":"groth16","curve":"bn128"}"#), "{text}");
    let at: Vec<usize> = ["pi_a", "pi_b", "pi_c"].iter().map(|k| text.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "snarkjs's field order: {text}");
    // The real part first: pi_b[0] = [x.c0, x.c1].
    let p = proof_json();
    assert_eq!(p.pi_b[0], [decimal(fixture().proof.b.x.c0), decimal(fixture().proof.b.x.c1)]);
}

#[test]
fn infinity_is_written_as_snarkjs_does_and_legal_only_in_ic() {
    let mut vk = fixture().vk.clone();
    vk.gamma_abc_g1[2] = G1Affine::zero();
    let j = VerificationKeyJson::from(&vk);
    assert_eq!(j.ic[2], ["0", "1", "0"]);
    assert_eq!(VerifyingKey::try_from(&j).unwrap(), vk);

    let mut vk = fixture().vk.clone();
    vk.gamma_g2 = G2Affine::zero();
    let j = VerificationKeyJson::from(&vk);
    assert_eq!(j.vk_gamma_2, [["0", "0"], ["1", "0"], ["0", "0"]]);
    assert_refused!(vk_err(&j), WireError::UnexpectedInfinity { .. }, "vk_gamma_2");
    let mut j = vk_json();
    j.vk_alpha_1 = ["0".into(), "1".into(), "0".into()];
    assert_refused!(vk_err(&j), WireError::UnexpectedInfinity { .. }, "vk_alpha_1");

    let mut proof = fixture().proof.clone();
    proof.a = G1Affine::zero();
    assert_refused!(proof_err(&ProofJson::from(&proof)), WireError::UnexpectedInfinity { .. }, "pi_a");
    let mut proof = fixture().proof.clone();
    proof.b = G2Affine::zero();
    assert_refused!(proof_err(&ProofJson::from(&proof)), WireError::UnexpectedInfinity { .. }, "pi_b");
    let mut proof = fixture().proof.clone();
    proof.c = G1Affine::zero();
    assert_refused!(proof_err(&ProofJson::from(&proof)), WireError::UnexpectedInfinity { .. }, "pi_c");

    // Third coordinate 0 with other coordinates than snarkjs's infinity.
    let mut j = proof_json();
    j.pi_a[2] = "0".into();
    assert_refused!(proof_err(&j), WireError::NonCanonicalInfinity { .. }, "pi_a");
    let mut j = vk_json();
    j.ic[1] = ["1".into(), "0".into(), "0".into()];
    assert_refused!(vk_err(&j), WireError::NonCanonicalInfinity { .. }, "IC[1]");
    let mut j = proof_json();
    j.pi_b[2] = ["0".into(), "0".into()];
    assert_refused!(proof_err(&j), WireError::NonCanonicalInfinity { .. }, "pi_b");
}

// -----------------------------------------------------------------------------------
// Refusals

#[test]
fn refuses_non_canonical_decimals() {
    for bad in ["", "+1", "-1", " 1", "1 ", "0x1", "0X1", "01", "00", "1e3", "1.0", "1_000", "١", "abc"] {
        let mut j = proof_json();
        j.pi_b[1][0] = bad.into();
        assert_refused!(proof_err(&j), WireError::NotDecimal { .. }, "pi_b[1][0]");

        let signals = ["1".to_owned(), bad.to_owned()];
        assert_refused!(public_from_json(&signals).unwrap_err(), WireError::NotDecimal { .. }, "public[1]");
    }
    let mut j = vk_json();
    j.vk_alphabeta_12[1][2][0] = format!("0{}", j.vk_alphabeta_12[1][2][0]);
    assert_refused!(vk_err(&j), WireError::NotDecimal { .. }, "vk_alphabeta_12[1][2][0]");
    let mut j = vk_json();
    j.ic[3][1] = "-1".into();
    assert_refused!(vk_err(&j), WireError::NotDecimal { .. }, "IC[3][1]");
    // "0" itself is canonical.
    assert_eq!(public_from_json(&["0".to_owned()]).unwrap(), [Fr::from(0u64)]);
}

#[test]
fn refuses_coordinates_not_below_p() {
    let p = p_decimal();
    let mut j = proof_json();
    j.pi_a[0] = p.to_string();
    assert_refused!(proof_err(&j), WireError::CoordinateNotInField { .. }, "pi_a[0]");
    // x + p names the same residue as x: it must be refused, not reduced.
    let mut j = proof_json();
    let x1: U256 = j.pi_b[0][1].parse().unwrap();
    j.pi_b[0][1] = (x1 + p).to_string();
    assert_refused!(proof_err(&j), WireError::CoordinateNotInField { .. }, "pi_b[0][1]");
    let mut j = proof_json();
    j.pi_c[1] = "1".repeat(100);
    assert_refused!(proof_err(&j), WireError::CoordinateNotInField { .. }, "pi_c[1]");
    let mut j = vk_json();
    j.vk_delta_2[1][1] = (p - U256::from(1u8) + p).to_string();
    assert_refused!(vk_err(&j), WireError::CoordinateNotInField { .. }, "vk_delta_2[1][1]");
    // p - 1 is a field element (and then the point is off the curve).
    let mut j = proof_json();
    j.pi_a[0] = (p - U256::from(1u8)).to_string();
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_a");
}

#[test]
fn refuses_public_inputs_not_below_r() {
    let r = r_decimal();
    let signals = public_to_json(&fixture().inputs);
    for (i, bad) in [r, r + U256::from(5u8), U256::MAX].into_iter().enumerate() {
        let mut s = signals.clone();
        s[i] = bad.to_string();
        assert_refused!(public_from_json(&s).unwrap_err(), WireError::InputNotInField { .. }, &*format!("public[{i}]"));
    }
    let last = public_from_json(&[(r - U256::from(1u8)).to_string()]).unwrap();
    assert_eq!(last, [-Fr::one()]);
}

#[test]
fn refuses_points_off_the_curve() {
    let bump = |s: &mut String| *s = (s.parse::<U256>().unwrap() + U256::from(1u8)).to_string();
    let mut j = proof_json();
    bump(&mut j.pi_a[1]);
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_a");
    let mut j = proof_json();
    bump(&mut j.pi_b[0][0]);
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_b");
    let mut j = vk_json();
    bump(&mut j.ic[4][0]);
    assert_refused!(vk_err(&j), WireError::NotOnCurve { .. }, "IC[4]");
    // (0, 0) is arkworks' encoding of infinity, but a finite (0, 0) is off the curve.
    let mut j = proof_json();
    j.pi_c = ["0".into(), "0".into(), "1".into()];
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_c");
    let mut j = proof_json();
    j.pi_b[0] = ["0".into(), "0".into()];
    j.pi_b[1] = ["0".into(), "0".into()];
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_b");
    // c0 and c1 swapped (the classic G2 ordering bug) is off the curve.
    let mut j = proof_json();
    j.pi_b[0].swap(0, 1);
    j.pi_b[1].swap(0, 1);
    assert_refused!(proof_err(&j), WireError::NotOnCurve { .. }, "pi_b");
}

#[test]
fn refuses_g2_points_outside_the_subgroup() {
    let q = g2_outside_subgroup();
    assert!(q.is_on_curve());
    let mut j = proof_json();
    j.pi_b = g2_to_json(&q);
    assert_refused!(proof_err(&j), WireError::NotInSubgroup { .. }, "pi_b");
    for field in ["vk_beta_2", "vk_gamma_2", "vk_delta_2"] {
        let mut j = vk_json();
        *match field {
            "vk_beta_2" => &mut j.vk_beta_2,
            "vk_gamma_2" => &mut j.vk_gamma_2,
            _ => &mut j.vk_delta_2,
        } = g2_to_json(&q);
        assert_refused!(vk_err(&j), WireError::NotInSubgroup { .. }, field);
    }
}

#[test]
fn refuses_wrong_protocol_and_curve() {
    let mut j = proof_json();
    j.protocol = "plonk".into();
    assert_refused!(proof_err(&j), WireError::Protocol { .. }, "protocol");
    let mut j = proof_json();
    j.curve = "bn254".into();
    assert_refused!(proof_err(&j), WireError::Curve { .. }, "curve");
    let mut j = vk_json();
    j.protocol = "Groth16".into();
    assert_refused!(vk_err(&j), WireError::Protocol { .. }, "protocol");
    let mut j = vk_json();
    j.curve = "bls12381".into();
    assert_refused!(vk_err(&j), WireError::Curve { .. }, "curve");
}

#[test]
fn refuses_ic_of_the_wrong_length() {
    let mut j = vk_json();
    j.n_public = 3;
    let e = vk_err(&j);
    assert!(matches!(e, WireError::IcLength { expected: 4, found: 5, .. }), "{e:?}");
    assert_eq!(e.path(), Some("IC"));
    let mut j = vk_json();
    j.ic.pop();
    assert!(matches!(vk_err(&j), WireError::IcLength { expected: 5, found: 4, .. }));
    let mut j = vk_json();
    j.ic.clear();
    j.n_public = 0;
    assert!(matches!(vk_err(&j), WireError::IcLength { expected: 1, found: 0, .. }));
    let mut j = vk_json();
    j.n_public = usize::MAX;
    assert!(matches!(vk_err(&j), WireError::IcLength { expected: usize::MAX, found: 5, .. }));
}

#[test]
fn refuses_a_third_coordinate_other_than_one() {
    for bad in ["2", "01", "", "+1"] {
        let mut j = proof_json();
        j.pi_a[2] = bad.into();
        assert_refused!(proof_err(&j), WireError::NotAffine { .. }, "pi_a[2]");
    }
    for bad in [["1", "1"], ["0", "1"], ["2", "0"], ["1", ""]] {
        let mut j = proof_json();
        j.pi_b[2] = bad.map(String::from);
        assert_refused!(proof_err(&j), WireError::NotAffine { .. }, "pi_b[2]");
    }
    let mut j = vk_json();
    j.ic[0][2] = "3".into();
    assert_refused!(vk_err(&j), WireError::NotAffine { .. }, "IC[0][2]");
}

#[test]
fn refuses_a_wrong_alphabeta() {
    let mut j = vk_json();
    j.vk_alphabeta_12[0][0][0] = "1".into();
    assert_refused!(vk_err(&j), WireError::AlphaBetaMismatch { .. }, "vk_alphabeta_12");
    // e(α, β)⁻¹ = its conjugate: c1 negated.
    let mut vk = fixture().vk.clone();
    vk.alpha_g1 = (-vk.alpha_g1.into_group()).into_affine();
    let mut j = vk_json();
    j.vk_alpha_1 = g1_to_json(&vk.alpha_g1);
    assert_refused!(vk_err(&j), WireError::AlphaBetaMismatch { .. }, "vk_alphabeta_12");
}

#[test]
fn refuses_malformed_json() {
    let text = serde_json::to_string(&proof_json()).unwrap().replace(r#","1"],"pi_b""#, r#"],"pi_b""#);
    assert!(matches!(serde_json::from_str::<ProofJson>(&text), Err(e) if e.to_string().contains("length 3")));
    assert!(serde_json::from_str::<VerificationKeyJson>(r#"{"protocol":"groth16"}"#).is_err());
}

// -----------------------------------------------------------------------------------
// Calldata

#[test]
fn calldata_round_trip_and_eip197_order() {
    let f = fixture();
    let cd = Calldata::new(&f.proof, &f.inputs);
    let b = &f.proof.b;
    assert_eq!(cd.proof[2..6], [to_u256(b.x.c1), to_u256(b.x.c0), to_u256(b.y.c1), to_u256(b.y.c0)]);
    assert_eq!(cd.proof[0..2], [to_u256(f.proof.a.x), to_u256(f.proof.a.y)]);
    assert_eq!(cd.proof[6..8], [to_u256(f.proof.c.x), to_u256(f.proof.c.y)]);

    let text = cd.to_json();
    assert!(text.starts_with(r#"{"proof":["0x"#) && text.contains(r#"],"inputs":["0x"#), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["proof"].as_array().unwrap().len(), 8);
    assert_eq!(v["inputs"].as_array().unwrap().len(), 4);
    for w in v["proof"].as_array().unwrap().iter().chain(v["inputs"].as_array().unwrap()) {
        assert_eq!(w.as_str().unwrap().len(), 66, "{w}");
    }
    assert_eq!(text, cd.to_string());
    assert_eq!(Calldata::from_json(&text).unwrap(), cd);
    assert_eq!(format!("{cd:#}").parse::<Calldata>().unwrap(), cd);
    let proof = cd.to_proof().unwrap();
    let inputs = cd.to_inputs().unwrap();
    assert_eq!((&proof, &inputs), (&f.proof, &f.inputs));
    assert!(groth16_verify(&f.vk, &inputs, &proof));
}

#[test]
fn calldata_refusals() {
    let cd = Calldata::new(&fixture().proof, &fixture().inputs);
    let text = cd.to_json();
    let word = word_to_hex(&cd.proof[3]);
    for bad in [
        word.to_uppercase().replacen("0X", "0x", 1),
        word[2..].to_owned(),
        word[..65].to_owned(),
        format!("{word}0"),
        format!("0x{}", "g".repeat(64)),
        format!(" {word}"),
        String::new(),
    ] {
        let e = Calldata::from_json(&text.replacen(&word, &bad, 1)).unwrap_err();
        assert_refused!(e, WireError::NotHexWord { .. }, "proof[3]");
    }
    let input = word_to_hex(&cd.inputs[1]);
    let e = Calldata::from_json(&text.replacen(&input, "0x1", 1)).unwrap_err();
    assert_refused!(e, WireError::NotHexWord { .. }, "inputs[1]");
    let seven = text.replacen(&format!("\"{word}\","), "", 1);
    assert!(matches!(Calldata::from_json(&seven), Err(WireError::Json(_))));
    assert!(matches!("{}".parse::<Calldata>(), Err(WireError::Json(_))));

    let refused = |f: &dyn Fn(&mut Calldata)| {
        let mut c = cd.clone();
        f(&mut c);
        c.to_proof().expect_err("the proof should be refused")
    };
    let e = refused(&|c| c.proof[4] = p_decimal());
    assert_refused!(e, WireError::CoordinateNotInField { .. }, "proof[4]");
    let e = refused(&|c| c.proof[1] += U256::from(1u8));
    assert_refused!(e, WireError::NotOnCurve { .. }, "proof[0..2]");
    let e = refused(&|c| c.proof.swap(2, 3));
    assert_refused!(e, WireError::NotOnCurve { .. }, "proof[2..6]");
    let e = refused(&|c| c.proof[0..2].fill(U256::ZERO));
    assert_refused!(e, WireError::UnexpectedInfinity { .. }, "proof[0..2]");
    let e = refused(&|c| c.proof[2..6].fill(U256::ZERO));
    assert_refused!(e, WireError::UnexpectedInfinity { .. }, "proof[2..6]");
    let e = refused(&|c| c.proof[6..8].fill(U256::ZERO));
    assert_refused!(e, WireError::UnexpectedInfinity { .. }, "proof[6..8]");
    let q = Calldata::new(&Proof { b: g2_outside_subgroup(), ..fixture().proof.clone() }, &[]);
    assert_refused!(q.to_proof().unwrap_err(), WireError::NotInSubgroup { .. }, "proof[2..6]");

    let mut c = cd.clone();
    c.inputs[2] = r_decimal();
    assert_refused!(c.to_inputs().unwrap_err(), WireError::InputNotInField { .. }, "inputs[2]");
}

// -----------------------------------------------------------------------------------
// Property tests

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_valid_points_round_trip(seed in any::<u64>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let g1 = |rng: &mut ChaCha20Rng| G1Projective::rand(rng).into_affine();
        let g2 = |rng: &mut ChaCha20Rng| G2Projective::rand(rng).into_affine();
        let proof = Proof { a: g1(&mut rng), b: g2(&mut rng), c: g1(&mut rng) };
        let inputs: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
        let vk = VerifyingKey {
            alpha_g1: g1(&mut rng),
            beta_g2: g2(&mut rng),
            gamma_g2: g2(&mut rng),
            delta_g2: g2(&mut rng),
            gamma_abc_g1: (0..4).map(|_| g1(&mut rng)).collect(),
        };

        let text = serde_json::to_string(&ProofJson::from(&proof)).unwrap();
        prop_assert_eq!(&Proof::try_from(&serde_json::from_str::<ProofJson>(&text).unwrap()).unwrap(), &proof);
        let text = serde_json::to_string(&VerificationKeyJson::from(&vk)).unwrap();
        prop_assert_eq!(
            VerifyingKey::try_from(&serde_json::from_str::<VerificationKeyJson>(&text).unwrap()).unwrap(),
            vk
        );
        prop_assert_eq!(public_from_json(&public_to_json(&inputs)).unwrap(), inputs.clone());
        let cd = Calldata::from_json(&Calldata::new(&proof, &inputs).to_json()).unwrap();
        prop_assert_eq!(cd.to_proof().unwrap(), proof);
        prop_assert_eq!(cd.to_inputs().unwrap(), inputs);
    }
}

// -----------------------------------------------------------------------------------
// The real snarkjs

/// A file under `scripts/node_modules`; fails (never skips) when it is missing.
fn node_module(rel: &str) -> PathBuf {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("scripts/node_modules").join(rel);
    assert!(
        path.is_file(),
        "{} is missing: run `npm ci --prefix scripts` (CI does) to install the pinned snarkjs",
        path.display()
    );
    path
}

#[test]
fn missing_node_modules_fail_with_instructions() {
    let panic = std::panic::catch_unwind(|| node_module("snarkjs/build/no-such-file.cjs")).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("run `npm ci --prefix scripts`"), "{message}");
}

fn node(args: &[&Path]) -> Output {
    Command::new("node")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js, then `npm ci --prefix scripts`"))
}

fn snarkjs(args: &[&Path]) -> Output {
    let cli = node_module("snarkjs/build/cli.cjs");
    node(&[&[cli.as_path()], args].concat())
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

#[test]
fn snarkjs_verifies_veil_proofs_and_rejects_a_changed_input() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let vk = write_json(dir.path(), "vk.json", &VerificationKeyJson::from(&f.vk));
    let proof = write_json(dir.path(), "proof.json", &ProofJson::from(&f.proof));
    let public = write_json(dir.path(), "public.json", &public_to_json(&f.inputs));
    let out = snarkjs(&[Path::new("groth16"), Path::new("verify"), &vk, &public, &proof]);
    assert!(out.status.success() && text(&out).contains("OK!"), "snarkjs refused veil's proof:\n{}", text(&out));

    let mut changed = f.inputs.clone();
    changed[CHANGED] += Fr::one();
    let public = write_json(dir.path(), "public.json", &public_to_json(&changed));
    let out = snarkjs(&[Path::new("groth16"), Path::new("verify"), &vk, &public, &proof]);
    assert!(!out.status.success(), "snarkjs accepted a changed input:\n{}", text(&out));
    assert!(text(&out).contains("Invalid proof"), "{}", text(&out));
}

#[test]
fn calldata_matches_snarkjs_soliditycalldata() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let proof = write_json(dir.path(), "proof.json", &ProofJson::from(&f.proof));
    let public = write_json(dir.path(), "public.json", &public_to_json(&f.inputs));
    let out = snarkjs(&[Path::new("zkey"), Path::new("export"), Path::new("soliditycalldata"), &public, &proof]);
    assert!(out.status.success(), "{}", text(&out));
    // snarkjs prints `[a.x, a.y],[[b.x.c1, b.x.c0],[b.y.c1, b.y.c0]],[c.x, c.y],[inputs…]`.
    let printed: serde_json::Value =
        serde_json::from_str(&format!("[{}]", String::from_utf8_lossy(&out.stdout).trim())).unwrap();
    fn flatten(v: &serde_json::Value, words: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|v| flatten(v, words)),
            serde_json::Value::String(s) => words.push(s.clone()),
            other => panic!("unexpected {other}"),
        }
    }
    let mut theirs = Vec::new();
    flatten(&printed, &mut theirs);
    let cd = Calldata::new(&f.proof, &f.inputs);
    let ours: Vec<String> = cd.proof.iter().chain(&cd.inputs).map(word_to_hex).collect();
    assert_eq!(ours, theirs);
}

#[test]
fn vk_alphabeta_12_is_what_snarkjs_writes() {
    // zkey_export_verificationkey.js writes curve.Gt.toObject(curve.pairing(alpha, beta))
    // with snarkjs's own ffjavascript; run exactly that on veil's key.
    let ffjavascript = node_module("snarkjs/node_modules/ffjavascript/build/main.cjs");
    let dir = tempfile::tempdir().unwrap();
    let vk_json = VerificationKeyJson::from(&fixture().vk);
    let vk = write_json(dir.path(), "vk.json", &vk_json);
    let script = dir.path().join("alphabeta.cjs");
    std::fs::write(
        &script,
        r#"const { buildBn128, utils } = require(process.argv[2]);
const vk = utils.unstringifyBigInts(JSON.parse(require("fs").readFileSync(process.argv[3], "utf8")));
(async () => {
  const curve = await buildBn128(true);
  const ab = await curve.pairing(curve.G1.fromObject(vk.vk_alpha_1), curve.G2.fromObject(vk.vk_beta_2));
  process.stdout.write(JSON.stringify(utils.stringifyBigInts(curve.Gt.toObject(ab))));
  await curve.terminate();
})().catch((e) => { console.error(e); process.exit(1); });
"#,
    )
    .unwrap();
    let out = node(&[&script, &ffjavascript, &vk]);
    assert!(out.status.success(), "{}", text(&out));
    let theirs: GtJson = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(vk_json.vk_alphabeta_12, theirs);
}
