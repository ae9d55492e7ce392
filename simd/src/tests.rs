//! The kernel against its native twins: arkworks' field product and group addition, and
//! the affine formula over arkworks' field. On a CPU without AVX-512 IFMA there is nothing
//! to run; each test says so and returns (the callers' scalar paths are tested in theirs).

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, PrimeField, UniformRand};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{available, cpu_has_ifma, AffineBatch, Limbs, Limbs2};

fn no_ifma() -> bool {
    if cpu_has_ifma() {
        assert!(
            available() || std::env::var_os("VEIL_IFMA").is_some_and(|v| v == "0"),
            "the CPU has IFMA and VEIL_IFMA does not turn it off, so the kernel must be on"
        );
        false
    } else {
        eprintln!("this CPU has no AVX-512 IFMA: the kernel cannot run here");
        assert!(!available());
        true
    }
}

fn raw(f: &Fq) -> [u64; 4] {
    f.0 .0
}

fn from_raw(l: [u64; 4]) -> Fq {
    Fq::new_unchecked(BigInt(l))
}

fn limbs(p: &G1Affine) -> Limbs {
    let mut l = [0u64; 8];
    l[..4].copy_from_slice(&raw(&p.x));
    l[4..].copy_from_slice(&raw(&p.y));
    l
}

fn limbs2(p: &G2Affine) -> Limbs2 {
    let mut l = [0u64; 16];
    for (i, c) in [p.x.c0, p.x.c1, p.y.c0, p.y.c1].iter().enumerate() {
        l[4 * i..4 * i + 4].copy_from_slice(&raw(c));
    }
    l
}

/// Raw limbs at the edges: 0, 1, p − 1, and arkworks' one (R mod p) and minus one.
fn edges() -> Vec<[u64; 4]> {
    let mut p_minus_1 = Fq::MODULUS;
    p_minus_1.0[0] -= 1;
    vec![[0; 4], [1, 0, 0, 0], p_minus_1.0, raw(&Fq::ONE), raw(&-Fq::ONE), raw(&Fq::from(2u64))]
}

/// The kernel's product of eight pairs of raw limbs, canonical.
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul_lanes(a: &[[u64; 4]; 8], b: &[[u64; 4]; 8]) -> [[u64; 4]; 8] {
    use crate::ifma::{canonical, from64, lanes, mul, to64, vector};
    let fe = |x: &[[u64; 4]; 8]| from64(core::array::from_fn(|k| vector(x.map(|l| l[k]))));
    let out = to64(&canonical(&mul(&fe(a), &fe(b)))).map(|v| lanes(v));
    core::array::from_fn(|i| [out[0][i], out[1][i], out[2][i], out[3][i]])
}

fn check_products(a: [[u64; 4]; 8], b: [[u64; 4]; 8]) {
    // SAFETY: the callers return first where the CPU lacks the features.
    #[allow(unsafe_code)]
    let got = unsafe { mul_lanes(&a, &b) };
    // Radix 2^52 with five limbs divides by 2^260: arkworks' product (which divides by
    // 2^256) over 16.
    let sixteenth = Fq::from(16u64).inverse().expect("16 is not 0");
    for i in 0..8 {
        let want = from_raw(a[i]) * from_raw(b[i]) * sixteenth;
        assert_eq!(got[i], raw(&want), "lane {i}: {:?} · {:?}", a[i], b[i]);
    }
}

#[test]
fn products_match_arkworks_lane_by_lane_at_the_edges() {
    if no_ifma() {
        return;
    }
    let e = edges();
    for (i, a) in e.iter().enumerate() {
        for (j, b) in e.iter().enumerate() {
            // Every edge against every other, spread over the lanes.
            let lanes_a = core::array::from_fn(|l| e[(i + l) % e.len()]);
            let lanes_b = core::array::from_fn(|l| if l == 0 { *b } else { e[(j + 2 * l) % e.len()] });
            check_products(lanes_a, lanes_b);
            check_products([*a; 8], [*b; 8]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn products_match_arkworks_lane_by_lane(seed in any::<u64>()) {
        if no_ifma() {
            return Ok(());
        }
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut f = || raw(&Fq::rand(&mut rng));
        let a = core::array::from_fn(|_| f());
        let b = core::array::from_fn(|_| f());
        check_products(a, b);
    }

    /// Sums of curve points against arkworks' group addition, for batch lengths that fill
    /// whole vectors and that leave a tail.
    #[test]
    fn affine_sums_match_arkworks(seed in any::<u64>(), len in 0usize..=70) {
        if no_ifma() {
            return Ok(());
        }
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let g = G1Projective::generator();
        let ps: Vec<G1Affine> = (0..len).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
        let qs: Vec<G1Affine> = (0..len).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
        let mut sums: Vec<Limbs> = ps.iter().map(limbs).collect();
        let points: Vec<Limbs> = qs.iter().map(limbs).collect();
        let mut batch = AffineBatch::new();
        batch.add_assign(&mut sums, &points);
        for i in 0..len {
            prop_assert_eq!(sums[i], limbs(&(ps[i] + qs[i]).into_affine()), "pair {}", i);
        }
        // The scratch kept from a longer batch serves a shorter one.
        let mut again: Vec<Limbs> = ps.iter().take(len / 2).map(limbs).collect();
        batch.add_assign(&mut again, &points[..len / 2]);
        for i in 0..len / 2 {
            prop_assert_eq!(again[i], limbs(&(ps[i] + qs[i]).into_affine()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// G2 sums against arkworks' group addition.
    #[test]
    fn g2_affine_sums_match_arkworks(seed in any::<u64>(), len in 0usize..=40) {
        if no_ifma() {
            return Ok(());
        }
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let g = G2Projective::generator();
        let ps: Vec<G2Affine> = (0..len).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
        let qs: Vec<G2Affine> = (0..len).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
        let mut sums: Vec<Limbs2> = ps.iter().map(limbs2).collect();
        let points: Vec<Limbs2> = qs.iter().map(limbs2).collect();
        AffineBatch::new().add_assign_g2(&mut sums, &points);
        for i in 0..len {
            prop_assert_eq!(sums[i], limbs2(&(ps[i] + qs[i]).into_affine()), "pair {}", i);
        }
    }
}

/// The formula over Fq2, on coordinates whose coefficients are the edges, off the curve.
#[test]
fn the_g2_formula_holds_on_edge_coordinates_off_the_curve() {
    if no_ifma() {
        return;
    }
    let e: Vec<Fq> = edges().into_iter().map(from_raw).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let (mut sums, mut points) = (Vec::new(), Vec::new());
    for (i, a) in e.iter().enumerate() {
        for (j, b) in e.iter().enumerate() {
            let xs = Fq2::new(*a, *b);
            // x_q: edges shifted, or random where that would equal x_s.
            let xq = Fq2::new(e[(i + 1) % e.len()], e[(j + 3) % e.len()]);
            let xq = if xq == xs { Fq2::rand(&mut rng) } else { xq };
            let ys = Fq2::new(e[(i + j) % e.len()], Fq::rand(&mut rng));
            let yq = Fq2::new(Fq::rand(&mut rng), e[(2 * i + j) % e.len()]);
            sums.push([xs, ys]);
            points.push([xq, yq]);
        }
    }
    let join = |[x, y]: [Fq2; 2]| -> Limbs2 {
        let mut l = [0u64; 16];
        for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
            l[4 * i..4 * i + 4].copy_from_slice(&raw(c));
        }
        l
    };
    let mut got: Vec<Limbs2> = sums.iter().copied().map(join).collect();
    let pts: Vec<Limbs2> = points.iter().copied().map(join).collect();
    AffineBatch::new().add_assign_g2(&mut got, &pts);
    for (i, (s, q)) in sums.iter().zip(&points).enumerate() {
        let lambda = (q[1] - s[1]) * (q[0] - s[0]).inverse().expect("distinct x");
        let x = lambda.square() - s[0] - q[0];
        let y = lambda * (s[0] - x) - s[1];
        assert_eq!(got[i], join([x, y]), "pair {i}: {s:?} + {q:?}");
    }
}

/// arkworks' affine formula on any coordinates (the kernel never uses the curve equation).
fn formula(p: [Fq; 2], q: [Fq; 2]) -> [Fq; 2] {
    let lambda = (q[1] - p[1]) * (q[0] - p[0]).inverse().expect("distinct x");
    let x = lambda.square() - p[0] - q[0];
    [x, lambda * (p[0] - x) - p[1]]
}

#[test]
fn the_formula_holds_on_edge_coordinates_off_the_curve() {
    if no_ifma() {
        return;
    }
    let e = edges();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut sums = Vec::new();
    let mut points = Vec::new();
    for a in &e {
        for b in &e {
            for c in &e {
                // x from the edges (distinct), y from the edges and random values.
                let d = if a == b { raw(&Fq::rand(&mut rng)) } else { *b };
                let y = raw(&Fq::rand(&mut rng));
                sums.push([*a, *c]);
                points.push([d, if c == a { *c } else { y }]);
            }
        }
    }
    let join = |[x, y]: [[u64; 4]; 2]| -> Limbs { core::array::from_fn(|i| if i < 4 { x[i] } else { y[i - 4] }) };
    let mut got: Vec<Limbs> = sums.iter().copied().map(join).collect();
    let pts: Vec<Limbs> = points.iter().copied().map(join).collect();
    AffineBatch::new().add_assign(&mut got, &pts);
    for (i, (s, q)) in sums.iter().zip(&points).enumerate() {
        let [x, y] = formula(s.map(from_raw), q.map(from_raw));
        assert_eq!(got[i], join([raw(&x), raw(&y)]), "pair {i}: {s:?} + {q:?}");
    }
}

#[test]
#[should_panic(expected = "two x coordinates of a pair are equal")]
fn equal_g2_x_is_refused() {
    if no_ifma() {
        panic!("two x coordinates of a pair are equal (no IFMA here: nothing else to check)");
    }
    let g = G2Projective::generator().into_affine();
    let h = (G2Projective::generator() * Fr::from(5u64)).into_affine();
    let mut sums = vec![limbs2(&g); 3];
    let mut points = vec![limbs2(&h); 3];
    points[1] = limbs2(&g);
    AffineBatch::new().add_assign_g2(&mut sums, &points);
}

#[test]
#[should_panic(expected = "two x coordinates of a pair are equal")]
fn equal_x_is_refused() {
    if no_ifma() {
        panic!("two x coordinates of a pair are equal (no IFMA here: nothing else to check)");
    }
    let g = G1Projective::generator().into_affine();
    let h = (G1Projective::generator() * Fr::from(5u64)).into_affine();
    let mut sums = vec![limbs(&g); 9];
    let mut points = vec![limbs(&h); 9];
    points[4] = limbs(&(-g));
    AffineBatch::new().add_assign(&mut sums, &points);
}

// The scalar field's butterflies, against arkworks' Fr.

/// Raw Fr limbs at the edges: 0, 1, r − 1, arkworks' one and minus one, and 2.
fn fr_edges() -> Vec<Fr> {
    let mut r_minus_1 = Fr::MODULUS;
    r_minus_1.0[0] -= 1;
    [BigInt([0; 4]), BigInt([1, 0, 0, 0]), r_minus_1]
        .into_iter()
        .map(Fr::new_unchecked)
        .chain([Fr::ONE, -Fr::ONE, Fr::from(2u64)])
        .collect()
}

/// `blocks` blocks of values: edges first, then random.
fn fr_blocks(rng: &mut ChaCha20Rng, blocks: usize) -> Vec<Fr> {
    let mut v = fr_edges();
    v.resize_with(8 * blocks, || Fr::rand(rng));
    v.truncate(8 * blocks);
    v
}

/// The values as blocks in arkworks' layout; `plus_r` adds r to those marked (a value
/// below 2r, as the butterflies may hand on).
fn to_blocks(v: &[Fr], plus_r: impl Fn(usize) -> bool) -> Vec<crate::Block> {
    v.chunks(8)
        .enumerate()
        .map(|(i, c)| {
            let mut b = [0u64; 32];
            for (e, x) in c.iter().enumerate() {
                let mut l = x.0;
                if plus_r(8 * i + e) {
                    let _ = ark_ff::BigInteger::add_with_carry(&mut l, &Fr::MODULUS);
                }
                b[4 * e..4 * e + 4].copy_from_slice(&l.0);
            }
            b
        })
        .collect()
}

fn from_blocks(b: &[crate::Block]) -> Vec<[u64; 4]> {
    b.iter().flat_map(|b| (0..8).map(move |e| b[4 * e..4 * e + 4].try_into().unwrap())).collect()
}

#[test]
fn lanes_round_trip_and_reduce_below_r() {
    if no_ifma() {
        return;
    }
    let mut rng = ChaCha20Rng::seed_from_u64(31);
    let v = fr_blocks(&mut rng, 3);
    // Every other value as itself plus r: from_lanes must hand back the canonical limbs.
    let mut blocks = to_blocks(&v, |e| e % 2 == 1);
    crate::to_lanes(&mut blocks);
    crate::from_lanes(&mut blocks);
    assert_eq!(from_blocks(&blocks), v.iter().map(|x| x.0 .0).collect::<Vec<_>>());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Cooley–Tukey and Gentleman–Sande butterflies, and the quotient, lane by lane against
    /// arkworks, on inputs below 2r (edges, random, random plus r) and twiddles at the edges
    /// or random.
    #[test]
    fn fr_butterflies_match_arkworks(seed in any::<u64>(), blocks in 1usize..=5, which in 0usize..8) {
        if no_ifma() {
            return Ok(());
        }
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (u, v, w) = (fr_blocks(&mut rng, blocks), fr_blocks(&mut rng, blocks), fr_blocks(&mut rng, blocks));
        let c = if which < fr_edges().len() { fr_edges()[which] } else { Fr::rand(&mut rng) };
        let lifted = |x: &[Fr], m: u64| to_blocks(x, move |e| (e as u64 + m).is_multiple_of(3));
        let canonical = |b: &mut Vec<crate::Block>| {
            crate::from_lanes(b);
            from_blocks(b).into_iter().map(|l| Fr::new_unchecked(BigInt(l))).collect::<Vec<_>>()
        };
        let lanes = |mut b: Vec<crate::Block>| {
            crate::to_lanes(&mut b);
            b
        };

        let (mut lo, mut hi) = (lanes(lifted(&u, 0)), lanes(lifted(&v, 1)));
        crate::ct(&mut lo, &mut hi, &crate::Twiddle::new(c));
        let want: Vec<(Fr, Fr)> = u.iter().zip(&v).map(|(u, v)| (*u + c * v, *u - c * v)).collect();
        prop_assert_eq!(canonical(&mut lo), want.iter().map(|p| p.0).collect::<Vec<_>>());
        prop_assert_eq!(canonical(&mut hi), want.iter().map(|p| p.1).collect::<Vec<_>>());

        let (mut lo, mut hi) = (lanes(lifted(&u, 2)), lanes(lifted(&v, 0)));
        crate::gs(&mut lo, &mut hi, &crate::Twiddle::new(c));
        let want: Vec<(Fr, Fr)> = u.iter().zip(&v).map(|(u, v)| (*u + v, (*u - v) * c)).collect();
        prop_assert_eq!(canonical(&mut lo), want.iter().map(|p| p.0).collect::<Vec<_>>());
        prop_assert_eq!(canonical(&mut hi), want.iter().map(|p| p.1).collect::<Vec<_>>());

        let mut a = lanes(lifted(&u, 1));
        crate::quotient(&mut a, &lanes(lifted(&v, 2)), &lanes(lifted(&w, 0)), c);
        let want: Vec<Fr> = u.iter().zip(&v).zip(&w).map(|((a, b), cc)| (*a * b - cc) * c).collect();
        prop_assert_eq!(canonical(&mut a), want);
    }
}
