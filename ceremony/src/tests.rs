//! Unit tests on small circuits and natively written powers-of-tau files of known τ, α, β.
//! snarkjs interop (byte-identical init and beacon, cross-contributions, `zkey verify`)
//! lives in the CLI's integration tests, which run the pinned snarkjs.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, One, UniformRand, Zero};
use ark_groth16::{
    r1cs_to_qap::{LibsnarkReduction, R1CSToQAP},
    Groth16,
};
use ark_poly::Radix2EvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, LinearCombination, OptimizationGoal, SynthesisError,
    SynthesisMode, Variable,
};
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_prover::{CircuitId, Provenance, R1cs, ShapeId};

use crate::{
    contribute::{beacon, contribute, contribute_with},
    error::{FormatError, PointError, VerifyError},
    finalize::{check_h, h_monomial, prover_key},
    init::{init, Bases},
    points::{FilePoint, G1_LEN},
    ptau::Ptau,
    r1cs::Constraints,
    verify::verify,
    zkey::{Kind, Layout, Zkey},
};

/// A small circuit: a chain of products acc ← acc·b + (i + 3) from a, published as an
/// input together with x; a wire t = a² that appears only in C (so its A and B points are
/// the point at infinity, which the hash encodes as zeros).
#[derive(Clone)]
struct Toy {
    a: Option<Fr>,
    b: Option<Fr>,
    rounds: usize,
}

impl Toy {
    fn values(a: Fr, b: Fr, rounds: usize) -> (Fr, Fr) {
        let mut acc = a;
        for i in 0..rounds {
            acc = acc * b + Fr::from(i as u64 + 3);
        }
        (acc, a * b)
    }
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let miss = SynthesisError::AssignmentMissing;
        let (out_v, x_v) = match (self.a, self.b) {
            (Some(a), Some(b)) => {
                let (o, x) = Self::values(a, b, self.rounds);
                (Some(o), Some(x))
            }
            _ => (None, None),
        };
        let out = cs.new_input_variable(|| out_v.ok_or(miss))?;
        let x = cs.new_input_variable(|| x_v.ok_or(miss))?;
        let a = cs.new_witness_variable(|| self.a.ok_or(miss))?;
        let b = cs.new_witness_variable(|| self.b.ok_or(miss))?;
        let t = cs.new_witness_variable(|| self.a.map(|a| a * a).ok_or(miss))?;
        let lc = |v: Vec<(Fr, Variable)>| LinearCombination(v);
        cs.enforce_r1cs_constraint(
            || lc(vec![(Fr::one(), a)]),
            || lc(vec![(Fr::one(), b)]),
            || lc(vec![(Fr::one(), x)]),
        )?;
        cs.enforce_r1cs_constraint(
            || lc(vec![(Fr::one(), a)]),
            || lc(vec![(Fr::one(), a)]),
            || lc(vec![(Fr::one(), t)]),
        )?;
        let (mut acc, mut acc_v) = (a, self.a);
        for i in 0..self.rounds {
            let k = Fr::from(i as u64 + 3);
            let next_v = acc_v.zip(self.b).map(|(u, b)| u * b + k);
            let next = cs.new_witness_variable(|| next_v.ok_or(miss))?;
            cs.enforce_r1cs_constraint(
                || lc(vec![(Fr::one(), acc)]),
                || lc(vec![(Fr::one(), b)]),
                || lc(vec![(Fr::one(), next), (-k, Variable::One)]),
            )?;
            (acc, acc_v) = (next, next_v);
        }
        cs.enforce_r1cs_constraint(
            || lc(vec![(Fr::one(), acc)]),
            || lc(vec![(Fr::one(), Variable::One)]),
            || lc(vec![(Fr::one(), out)]),
        )?;
        Ok(())
    }
}

fn toy_blank(rounds: usize) -> Toy {
    Toy { a: None, b: None, rounds }
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

struct Fixture {
    _dir: tempfile::TempDir,
    ptau_path: std::path::PathBuf,
    tau: Fr,
    alpha: Fr,
    beta: Fr,
}

fn fixture(power: u32) -> Fixture {
    let mut r = rng();
    let (tau, alpha, beta) = (Fr::rand(&mut r), Fr::rand(&mut r), Fr::rand(&mut r));
    let dir = tempfile::tempdir().expect("tempdir");
    let ptau_path = dir.path().join("dev.ptau");
    std::fs::write(&ptau_path, crate::dev::insecure_ptau(power, tau, alpha, beta)).expect("write");
    Fixture { _dir: dir, ptau_path, tau, alpha, beta }
}

fn toy_constraints(rounds: usize) -> (R1cs, Constraints) {
    let r1cs = R1cs::from_blank(toy_blank(rounds)).expect("synthesis");
    let cs = Constraints::from_r1cs(&r1cs);
    (r1cs, cs)
}

fn setup_cs(circuit: Toy) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    cs
}

#[test]
fn init_points_are_the_qap_evaluations_at_a_known_tau() {
    let f = fixture(6);
    let (_, cs) = toy_constraints(20);
    let mut ptau = Ptau::open(&f.ptau_path).expect("open");
    let z = init(&cs, &mut ptau).expect("init");
    let (a, b, c, zt, _, _) = LibsnarkReduction::instance_map_with_evaluation::<Fr, Radix2EvaluationDomain<Fr>>(
        setup_cs(toy_blank(20)),
        &f.tau,
    )
    .expect("qap");
    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let ell = cs.n_public as usize;
    assert_eq!(z.a.len(), a.len());
    for i in 0..a.len() {
        assert_eq!(z.a[i], (g1 * a[i]).into_affine(), "A[{i}]");
        assert_eq!(z.b1[i], (g1 * b[i]).into_affine(), "B1[{i}]");
        assert_eq!(z.b2[i], (g2 * b[i]).into_affine(), "B2[{i}]");
        let k = (g1 * (f.beta * a[i] + f.alpha * b[i] + c[i])).into_affine();
        if i <= ell {
            assert_eq!(z.ic[i], k, "IC[{i}]");
        } else {
            assert_eq!(z.l[i - ell - 1], k, "L[{i}]");
        }
    }
    // The wire only in C has A = B = O.
    assert!(z.a.iter().any(AffineRepr::is_zero), "the toy has a wire absent from A");
    assert_eq!(z.alpha1, (g1 * f.alpha).into_affine());
    assert_eq!(z.beta1, (g1 * f.beta).into_affine());
    assert_eq!(z.beta2, (g2 * f.beta).into_affine());
    // H, converted to monomial form, is τ^i·Z(τ) (δ = 1).
    let h = h_monomial(&z.h);
    assert_eq!(h.len(), z.domain_size as usize - 1);
    let mut t = Fr::one();
    for (i, p) in h.iter().enumerate() {
        assert_eq!(*p, (g1 * (t * zt)).into_affine(), "H[{i}]");
        t *= f.tau;
    }
    assert!(check_h(&h, &z.delta2, &mut ptau, z.domain_size as usize).expect("ptau"));
}

#[test]
fn zkey_round_trips_in_both_layouts() {
    let f = fixture(6);
    let (_, cs) = toy_constraints(20);
    let mut ptau = Ptau::open(&f.ptau_path).expect("open");
    let z0 = init(&cs, &mut ptau).expect("init");
    let (z1, _) = contribute(&z0, Some("alice"), b"typed").expect("contribute");
    let (z2, _) = beacon(&z1, Some("beacon"), &[0xab; 32], 10).expect("beacon");
    for z in [&z0, &z1, &z2] {
        for layout in [Layout::Init, Layout::Contributed] {
            let bytes = z.to_bytes(layout);
            assert_eq!(&Zkey::from_bytes(&bytes).expect("decode"), z);
        }
    }
    assert_ne!(z0.to_bytes(Layout::Init), z0.to_bytes(Layout::Contributed));
}

/// init → 3 contributions → beacon → verify → finalize; the key proves and verifies with
/// arkworks' own Groth16; the odd-coset H used as it is does not.
#[test]
fn a_three_party_ceremony_verifies_and_its_key_proves() {
    let f = fixture(6);
    let (r1cs, cs) = toy_constraints(20);
    let mut ptau = Ptau::open(&f.ptau_path).expect("open");
    let init_key = init(&cs, &mut ptau).expect("init");
    let (z, h1) = contribute(&init_key, Some("alice"), b"").expect("alice");
    let (z, h2) = contribute(&z, Some("bob"), b"entropy").expect("bob");
    let (z, h3) = contribute(&z, None, b"").expect("carol");
    let (z, h4) = beacon(&z, Some("drand round 1"), &hex::decode("0123456789abcdef").unwrap(), 10).expect("beacon");
    let bases = Bases::read(&cs, &mut ptau).expect("bases");
    let report = verify(&z, &cs, &bases).expect("verify");
    assert_eq!(report.contributions.iter().map(|c| c.hash).collect::<Vec<_>>(), vec![h1, h2, h3, h4]);
    assert_eq!(report.contributions[3].kind, Kind::Beacon { hash: hex::decode("0123456789abcdef").unwrap(), exp: 10 });
    assert_eq!(report.contributions[2].name, None);

    let shape = ShapeId { circuit: CircuitId::Approval, depth: 0, k_max: 0, policy_depth: 0 };
    let key = prover_key(&z, shape, r1cs, [1; 32]);
    assert!(matches!(key.provenance, Provenance::Ceremony { circuit_hash, .. } if circuit_hash == z.cs_hash));
    assert!(check_h(&key.pk.h_query, &z.delta2, &mut ptau, z.domain_size as usize).expect("ptau"));
    let (a, b) = (Fr::from(5u64), Fr::from(11u64));
    let (out, x) = Toy::values(a, b, 20);
    let mut r = rng();
    let proof = Groth16::<Bn254, LibsnarkReduction>::prove(&key.pk, Toy { a: Some(a), b: Some(b), rounds: 20 }, &mut r)
        .expect("prove");
    let vk = &key.pk.vk;
    assert!(Groth16::<Bn254, LibsnarkReduction>::verify(vk, &[out, x], &proof).expect("verify"));
    assert!(!Groth16::<Bn254, LibsnarkReduction>::verify(vk, &[out, x + Fr::one()], &proof).expect("verify"));
    // snarkjs's H as it is, with the monomial witness map: the proof is rejected.
    let mut raw = key.pk.clone();
    raw.h_query = z.h[..z.h.len() - 1].to_vec();
    let bad = Groth16::<Bn254, LibsnarkReduction>::prove(&raw, Toy { a: Some(a), b: Some(b), rounds: 20 }, &mut r)
        .expect("prove");
    assert!(!Groth16::<Bn254, LibsnarkReduction>::verify(vk, &[out, x], &bad).expect("verify"));
}

struct Ceremony {
    f: Fixture,
    cs: Constraints,
    bases: Bases,
    init_key: Zkey,
    last: Zkey,
}

fn ceremony() -> Ceremony {
    let f = fixture(6);
    let (_, cs) = toy_constraints(20);
    let mut ptau = Ptau::open(&f.ptau_path).expect("open");
    let init_key = init(&cs, &mut ptau).expect("init");
    let bases = Bases::read(&cs, &mut ptau).expect("bases");
    let (z, _) = contribute_with(&init_key, Some("alice"), Fr::from(3u64), Fr::from(5u64));
    let (z, _) = contribute_with(&z, Some("bob"), Fr::from(7u64), Fr::from(9u64));
    let (z, _) = beacon(&z, Some("beacon"), &[1, 2, 3], 10).expect("beacon");
    verify(&z, &cs, &bases).expect("the untampered ceremony verifies");
    Ceremony { f, cs, bases, init_key, last: z }
}

fn another_g1() -> G1Affine {
    (G1Projective::generator() * Fr::from(1234u64)).into_affine()
}

#[test]
fn every_tampered_transcript_is_refused_with_its_reason() {
    let c = ceremony();
    let check = |what: &str, edit: &dyn Fn(&mut Zkey), want: VerifyError| {
        let mut z = c.last.clone();
        edit(&mut z);
        assert_eq!(verify(&z, &c.cs, &c.bases).map(|_| ()), Err(want), "{what}");
    };
    check("an L point changed", &|z| z.l[3] = another_g1(), VerifyError::Ratio { section: "L" });
    check("two L points swapped", &|z| z.l.swap(1, 2), VerifyError::Ratio { section: "L" });
    check("an H point changed", &|z| z.h[0] = another_g1(), VerifyError::Ratio { section: "H" });
    check("two H points swapped", &|z| z.h.swap(0, 5), VerifyError::Ratio { section: "H" });
    check("δ₁ changed", &|z| z.delta1 = another_g1(), VerifyError::Delta1);
    check("δ₂ changed", &|z| z.delta2 = G2Projective::generator().into_affine(), VerifyError::Delta2);
    check("an IC point changed", &|z| z.ic[1] = another_g1(), VerifyError::Section { section: "IC" });
    check("an A point changed", &|z| z.a[4] = another_g1(), VerifyError::Section { section: "A" });
    check("a B₁ point changed", &|z| z.b1[4] = another_g1(), VerifyError::Section { section: "B₁" });
    check(
        "a B₂ point changed",
        &|z| z.b2[4] = G2Projective::generator().into_affine(),
        VerifyError::Section { section: "B₂" },
    );
    check("a coefficient changed", &|z| z.coeffs[20] ^= 1, VerifyError::Section { section: "coefficients" });
    check("α₁ changed", &|z| z.alpha1 = another_g1(), VerifyError::Header { what: "α₁" });
    check("the circuit hash changed", &|z| z.cs_hash[0] ^= 1, VerifyError::CircuitHash);
    let name = |n: &str| n.to_string();
    check(
        "r·δ′ of the first contribution changed",
        &|z| z.contributions[0].r_delta = G2Projective::generator().into_affine(),
        VerifyError::ProofOfKnowledge { index: 1, name: name("alice") },
    );
    check(
        "r·δ′ of the last contribution changed",
        &|z| z.contributions[2].r_delta = G2Projective::generator().into_affine(),
        VerifyError::ProofOfKnowledge { index: 3, name: name("beacon") },
    );
    check(
        "a transcript hash edited",
        &|z| z.contributions[1].transcript[7] ^= 1,
        VerifyError::Transcript { index: 2, name: name("bob") },
    );
    check(
        "contributions reordered",
        &|z| z.contributions.swap(0, 1),
        VerifyError::Transcript { index: 1, name: name("bob") },
    );
    check(
        "the first contribution dropped",
        &|z| {
            z.contributions.remove(0);
        },
        VerifyError::Transcript { index: 1, name: name("bob") },
    );
    check(
        "the last contribution dropped",
        &|z| {
            z.contributions.pop();
        },
        VerifyError::Delta1,
    );
    check(
        "a wrong beacon exponent",
        &|z| z.contributions[2].kind = Kind::Beacon { hash: vec![1, 2, 3], exp: 11 },
        VerifyError::Beacon { index: 3, name: name("beacon") },
    );
    check(
        "a wrong beacon hash",
        &|z| z.contributions[2].kind = Kind::Beacon { hash: vec![1, 2, 4], exp: 10 },
        VerifyError::Beacon { index: 3, name: name("beacon") },
    );
}

#[test]
fn a_contribution_whose_delta_does_not_follow_is_refused() {
    let c = ceremony();
    // A record whose proof of knowledge is for δ′ = 3 but δ moved by 4.
    let (mut z, _) = contribute_with(&c.init_key, Some("mallory"), Fr::from(3u64), Fr::from(5u64));
    let (other, _) = contribute_with(&c.init_key, Some("mallory"), Fr::from(4u64), Fr::from(5u64));
    z.contributions[0].delta_after = other.contributions[0].delta_after;
    z.delta1 = other.delta1;
    assert_eq!(
        verify(&z, &c.cs, &c.bases).map(|_| ()),
        Err(VerifyError::DeltaChain { index: 1, name: "mallory".into() })
    );
}

#[test]
fn s_at_infinity_is_refused_even_with_a_consistent_transcript() {
    let c = ceremony();
    let (z, _) = contribute_with(&c.init_key, Some("zero"), Fr::from(3u64), Fr::zero());
    assert_eq!(
        verify(&z, &c.cs, &c.bases).map(|_| ()),
        Err(VerifyError::Infinity { index: 1, name: "zero".into(), which: "s" })
    );
}

#[test]
fn the_name_is_a_label_no_hash_covers() {
    // As in snarkjs, a record's name is outside the transcript and the contribution hash:
    // attestations must quote the contribution hash, never only a name.
    let c = ceremony();
    let mut z = c.last.clone();
    let before = verify(&z, &c.cs, &c.bases).expect("valid").contributions[0].hash;
    z.contributions[0].name = Some("eve".into());
    let report = verify(&z, &c.cs, &c.bases).expect("still valid");
    assert_eq!(report.contributions[0].hash, before);
    assert_eq!(report.contributions[0].name.as_deref(), Some("eve"));
}

#[test]
fn another_circuits_transcript_is_refused() {
    let c = ceremony();
    let (_, other) = toy_constraints(21);
    let mut ptau = Ptau::open(&c.f.ptau_path).expect("open");
    let other_bases = Bases::read(&other, &mut ptau).expect("bases");
    assert_eq!(
        verify(&c.last, &other, &other_bases).map(|_| ()),
        Err(VerifyError::Header { what: "the circuit's size (wires, public inputs, domain)" })
    );
    // Same sizes, another C matrix: only the circuit hash tells.
    let mut tweaked = c.cs.clone();
    tweaked.rows[2][3].last_mut().expect("a term").1 += Fr::one();
    assert_eq!(verify(&c.last, &tweaked, &c.bases).map(|_| ()), Err(VerifyError::CircuitHash));
    // Another A or B matrix: the coefficients section tells first.
    let mut tweaked = c.cs.clone();
    tweaked.rows[1][3][0].1 += Fr::one();
    assert_eq!(verify(&c.last, &tweaked, &c.bases).map(|_| ()), Err(VerifyError::Section { section: "coefficients" }));
}

#[test]
fn a_flipped_ptau_point_is_caught() {
    let c = ceremony();
    let bytes = std::fs::read(&c.f.ptau_path).unwrap();
    let sections = crate::binfile::Sections::parse(&bytes, "ptau").unwrap();
    let s12 = sections.get(12).unwrap();
    let (_, cs) = toy_constraints(20);
    let k = cs.domain_log();
    let first = s12.offset as usize + ((1usize << k) - 1) * G1_LEN;
    // Another valid point in the block the circuit uses: the circuit hash changes.
    let mut moved = bytes.clone();
    moved[first + 2 * G1_LEN..first + 3 * G1_LEN].copy_from_slice(&crate::points::to_bytes(&another_g1()));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("moved.ptau");
    std::fs::write(&p, &moved).unwrap();
    let moved = Bases::read(&cs, &mut Ptau::open(&p).unwrap()).unwrap();
    let err = verify(&c.last, &cs, &moved).map(|_| ()).unwrap_err();
    assert!(matches!(err, VerifyError::Section { .. } | VerifyError::CircuitHash), "{err}");
    // A flipped bit: a point off the curve, named by section and index.
    let mut flipped = bytes;
    flipped[first + 2 * G1_LEN + 5] ^= 1;
    std::fs::write(&p, &flipped).unwrap();
    let err = init(&cs, &mut Ptau::open(&p).unwrap()).unwrap_err();
    assert!(
        matches!(err, FormatError::BadPoint { section: 12, index, why: PointError::NotOnCurve, .. } if index == (1 << k) - 1 + 2),
        "{err}"
    );
}

#[test]
fn bad_ptau_files_are_refused_with_a_clear_error() {
    let f = fixture(4);
    let bytes = std::fs::read(&f.ptau_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.ptau");
    let open = |b: &[u8]| {
        std::fs::write(&p, b).unwrap();
        Ptau::open(&p)
    };
    assert!(matches!(open(&bytes[..bytes.len() - 1]), Err(FormatError::Truncated { section: Some(15), .. })));
    assert!(matches!(open(b"zkey\x01\0\0\0\0\0\0\0"), Err(FormatError::NotA { kind: "ptau" })));
    // Not prepared: only sections 1..7.
    let sections = crate::binfile::Sections::parse(&bytes, "ptau").unwrap();
    let end7 = sections.get(7).map(|s| s.offset + s.len).unwrap() as usize;
    let mut unprepared = bytes[..end7].to_vec();
    unprepared[8..12].copy_from_slice(&7u32.to_le_bytes());
    assert!(matches!(open(&unprepared), Err(FormatError::NotPrepared)));
    // Too small: the toy with 20 rounds needs 2^5.
    let mut ptau = open(&bytes).unwrap();
    let (_, cs) = toy_constraints(40);
    assert!(matches!(init(&cs, &mut ptau), Err(FormatError::TooSmall { power: 4, need: 6 })));
}

#[test]
fn points_decode_only_when_valid() {
    let g = G2Projective::generator().into_affine();
    let b = crate::points::to_bytes(&g);
    assert_eq!(G2Affine::decode(&b), Ok(g));
    // A point on the twist outside the subgroup: x = 1 + c·u for the first c that works.
    let mut c = 0u64;
    let off = loop {
        let x = ark_bn254::Fq2::new(ark_bn254::Fq::one(), ark_bn254::Fq::from(c));
        let rhs = x * x.square() + <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        c += 1;
    };
    assert_eq!(G2Affine::decode(&crate::points::to_bytes(&off)), Err(PointError::NotInSubgroup));
    let mut high = b.clone();
    high[31] = 0xff;
    assert_eq!(G2Affine::decode(&high), Err(PointError::Coordinate));
    let mut moved = crate::points::to_bytes(&G1Projective::generator().into_affine());
    moved[0] ^= 1;
    assert_eq!(G1Affine::decode(&moved), Err(PointError::NotOnCurve));
    assert!(G1Affine::decode(&[0; 64]).unwrap().is_zero());
}

#[test]
fn names_and_beacon_parameters_are_checked() {
    let c = ceremony();
    let init_key = &c.init_key;
    assert!(contribute(init_key, Some(&"x".repeat(65)), b"").is_err());
    assert!(contribute(init_key, Some(&"x".repeat(64)), b"").is_ok());
    // 64 characters of 4 bytes each: too long for the record's one-byte length.
    assert!(contribute(init_key, Some(&"😀".repeat(64)), b"").is_err());
    assert!(contribute(init_key, Some(&"é".repeat(64)), b"").is_ok());
    assert!(contribute(init_key, Some("tab\there"), b"").is_err());
    assert!(contribute(init_key, Some("line\nbreak"), b"").is_err());
    assert!(beacon(init_key, None, &[1], 9).is_err());
    assert!(beacon(init_key, None, &[], 10).is_err());
}

#[test]
fn r1cs_export_is_the_provers_matrices() {
    let (r1cs, cs) = toy_constraints(5);
    let file = cs.to_file();
    let sections = crate::binfile::Sections::parse(&file, "r1cs").expect("container");
    let h = sections.slice(&file, 1).unwrap();
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert_eq!(u32_at(h, 36) as usize, r1cs.num_instance + r1cs.num_witness);
    assert_eq!(u32_at(h, 44) as usize, r1cs.num_instance - 1);
    assert_eq!(u32_at(h, 60) as usize, r1cs.num_constraints());
    // Decode section 2 back and compare with the prover's rows.
    let body = sections.slice(&file, 2).unwrap();
    let rows = r1cs.rows();
    let mut at = 0;
    for c in 0..r1cs.num_constraints() {
        for m in 0..3 {
            let n = u32_at(body, at) as usize;
            at += 4;
            let mut got: Vec<(usize, Fr)> = Vec::new();
            for _ in 0..n {
                let w = u32_at(body, at) as usize;
                let v = <Fr as ark_ff::PrimeField>::from_le_bytes_mod_order(&body[at + 4..at + 36]);
                got.push((w, v));
                at += 36;
            }
            let mut want: Vec<(usize, Fr)> = rows[m][c].iter().map(|&(v, w)| (w, v)).collect();
            want.sort_by_key(|e| e.0);
            assert_eq!(got, want, "constraint {c}, matrix {m}");
        }
    }
    assert_eq!(at, body.len());
}

#[test]
fn hash_to_g2_gives_subgroup_points() {
    for i in 0..4u8 {
        let p = crate::rng::hash_to_g2(&[i; 64]);
        assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() && !p.is_zero());
    }
}

/// A ceremony binds its keys to one exact R1CS: the `.r1cs` export of every shape a
/// protocol may run a ceremony for is pinned here (beside the prover's own shape hashes),
/// so that a change in a gadget, in arkworks or in the export fails before any ceremony
/// is wasted on it.
#[test]
fn r1cs_exports_of_the_ceremony_shapes_are_pinned() {
    use veil_prover::engine::{approval_shape, threshold_shape};
    let export = |r1cs: R1cs| hex::encode(crate::r1cs::sha256(&Constraints::from_r1cs(&r1cs).to_file()));
    let approval = |d: usize| export(R1cs::from_blank(approval_shape(d).expect("shape").1).expect("synthesis"));
    let threshold =
        |d: usize, k: usize| export(R1cs::from_blank(threshold_shape(d, k).expect("shape").1).expect("synthesis"));
    assert_eq!(approval(1), "3d5429ec3b7c117e4d89744d59ca785666b7fa696fb261fd643139b77ddf115f");
    assert_eq!(approval(20), "5021e730df4e9a23b4e79e847519313a3d2d80d3e328a3c9aa690120cf1b87f5");
    assert_eq!(threshold(2, 2), "018ec743fedb5599954e9e5517c48508ce55473afc88a6e2c2ccfb3125f88d0a");
    assert_eq!(threshold(20, 8), "73b6e128d8001688acbe7d9f46c76e81ac463e7cb3d7fdf6f91d4c4ad0a15489");
}

#[test]
fn reading_to_contribute_skips_only_the_b2_subgroup_check() {
    let c = ceremony();
    let mut bytes = c.last.to_bytes(Layout::Contributed);
    // A B₂ point on the twist but outside the subgroup.
    let off = {
        let mut x = 0u64;
        loop {
            let xx = ark_bn254::Fq2::new(ark_bn254::Fq::from(x), ark_bn254::Fq::one());
            let rhs = xx * xx.square() + <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let p = G2Affine::new_unchecked(xx, y);
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
            x += 1;
        }
    };
    let sections = crate::binfile::Sections::parse(&bytes, "zkey").unwrap();
    let at = sections.get(7).unwrap().offset as usize;
    bytes[at..at + 128].copy_from_slice(&crate::points::to_bytes(&off));
    assert!(matches!(
        Zkey::from_bytes(&bytes),
        Err(FormatError::BadPoint { section: 7, index: 0, why: PointError::NotInSubgroup, .. })
    ));
    let read = Zkey::from_bytes_to_contribute(&bytes).expect("read to contribute");
    // A contribution carries it along; verification refuses the result.
    let (next, _) = contribute(&read, Some("dave"), b"").expect("contribute");
    assert!(Zkey::from_bytes(&next.to_bytes(Layout::Contributed)).is_err());
    // Off the curve is refused either way.
    bytes[at + 3] ^= 1;
    assert!(Zkey::from_bytes_to_contribute(&bytes).is_err());
}
