use ark_bn254::{g1::Config as G1Config, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{Field, One, UniformRand};
use proptest::prelude::*;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::*;

fn special(i: u64) -> Fr {
    match i % 6 {
        0 => Fr::zero(),
        1 => Fr::one(),
        2 => Fr::from(2u64),
        3 => -Fr::one(),
        4 => -Fr::from(2u64),
        _ => Fr::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (i % 60)),
    }
}

fn bases<G: AffineRepr>(n: usize, rng: &mut ChaCha20Rng, zeros: bool) -> Vec<G> {
    (0..n).map(|i| if zeros && i % 7 == 3 { G::zero() } else { G::Group::rand(rng).into_affine() }).collect()
}

/// The table's MSM against arkworks', on the vector path (where the CPU has one) and on the
/// scalar path.
fn check<P: TableCurve<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr], window: usize) {
    let table = FixedBaseMsm::new(bases, window);
    let expected = Projective::<P>::msm_unchecked(bases, scalars);
    assert_eq!(table.msm(scalars), expected, "window {window}, {} bases, {} scalars", bases.len(), scalars.len());
    let scalar = table.on_scalar_path();
    assert_eq!(scalar.msm(scalars), expected, "scalar path, window {window}, {} bases", bases.len());
}

#[test]
fn edge_sizes_and_scalars() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let g1: Vec<G1Affine> = bases(40, &mut rng, true);
    let g2: Vec<G2Affine> = bases(40, &mut rng, true);
    for window in [2, 3, 4, 7, 8, 13, 16] {
        for n in [0, 1, 2, 3, 40] {
            let fixed: [Vec<Fr>; 6] = [
                vec![Fr::zero(); n],
                vec![Fr::one(); n],
                vec![Fr::from(2u64); n],
                vec![-Fr::one(); n],
                (0..n as u64).map(special).collect(),
                (0..n).map(|_| Fr::rand(&mut rng)).collect(),
            ];
            for scalars in &fixed {
                check(&g1[..n], scalars, window);
                check(&g2[..n], scalars, window);
            }
        }
        // Fewer scalars than bases, and more: both truncate to the shorter.
        let scalars: Vec<Fr> = (0..25).map(|_| Fr::rand(&mut rng)).collect();
        check(&g1, &scalars, window);
        check(&g1[..10], &scalars, window);
    }
}

#[test]
fn digits_at_every_window_boundary() {
    // 2^k − 1, 2^k and 2^k + 1 for every k exercise each carry path.
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let g1: Vec<G1Affine> = bases(3 * 254, &mut rng, false);
    let scalars: Vec<Fr> = (0..254u32)
        .flat_map(|k| {
            let p = Fr::from(2u64).pow([u64::from(k)]);
            [p - Fr::one(), p, p + Fr::one()]
        })
        .collect();
    for window in [3, 5, 8, 11, 12, 13, 16, 17, 20] {
        check(&g1, &scalars, window);
    }
}

#[test]
fn equal_and_opposite_points_in_one_bucket() {
    // Duplicate and negated bases put P + P and P + (−P) in the same bucket round.
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G1Projective::rand(&mut rng).into_affine();
    let g1 = vec![p, p, -p, p, q, -q, q, q, p, -p, G1Affine::zero(), p];
    for window in [2, 4, 8, 13] {
        for scalars in [
            vec![Fr::one(); g1.len()],
            vec![Fr::from(3u64); g1.len()],
            vec![-Fr::one(); g1.len()],
            vec![Fr::rand(&mut rng); g1.len()],
            (0..g1.len()).map(|i| Fr::from((i % 2) as u64 + 1)).collect(),
        ] {
            check(&g1, &scalars, window);
            check(&g1[..4], &scalars, window);
            check(&g1[..3], &scalars, window);
        }
    }
}

/// `Σ (i + 1)·B_i` the plain way, against the matrix reduction.
fn check_weighted_sum<P: TableCurve>(sums: Vec<Affine<P>>, overflow: Vec<Projective<P>>) {
    let expected = sums
        .iter()
        .zip(&overflow)
        .enumerate()
        .map(|(i, (s, o))| (*o + s) * P::ScalarField::from((i + 1) as u64))
        .sum::<Projective<P>>();
    for scalar in [false, true] {
        let mut buckets = Buckets::<P>::with_path(sums.len(), scalar);
        buckets.sums = sums.clone();
        buckets.overflow =
            overflow.iter().enumerate().filter(|(_, o)| !o.is_zero()).map(|(b, o)| (b as u32, *o)).collect();
        assert_eq!(buckets.weighted_sum(), expected, "scalar path: {scalar}");
    }
}

/// Points added one by one against `Σ (i + 1)·(points of bucket i)`.
fn check_adds<P: TableCurve>(m: usize, adds: &[(usize, Affine<P>)]) {
    for scalar in [false, true] {
        let mut buckets = Buckets::<P>::with_path(m, scalar);
        let mut expected = Projective::<P>::zero();
        for &(b, p) in adds {
            buckets.add(b, p);
            expected += p * P::ScalarField::from((b + 1) as u64);
        }
        assert_eq!(buckets.weighted_sum(), expected, "{} additions into {m} buckets, scalar {scalar}", adds.len());
    }
}

#[test]
fn busy_buckets_wait_for_the_next_batch_or_overflow() {
    // 32 buckets, batches of 4: a point for a busy bucket waits, a further one
    // overflows; a waiting point may meet its bucket's new sum or its negation.
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let [p, q, r]: [G1Affine; 3] = std::array::from_fn(|_| G1Projective::rand(&mut rng).into_affine());
    let pq = (p + q).into_affine();
    let g2 = G2Projective::rand(&mut rng).into_affine();
    let cases: Vec<Vec<(usize, G1Affine)>> = vec![
        // Bucket 0: P set, Q batched, R waits, P overflows; the batch fills on bucket 1..3.
        vec![(0, p), (0, q), (0, r), (0, p), (1, p), (1, q), (2, p), (2, q), (3, p), (3, q)],
        // The waiting point is −(P + Q), then P + Q: the sum cancels, then restarts.
        vec![(0, p), (0, q), (0, -pq), (1, p), (1, q), (2, p), (2, q), (3, p), (3, q), (0, pq), (0, r)],
        // The waiting point equals the bucket's new sum (a doubling).
        vec![(5, p), (5, q), (5, pq), (6, p), (6, q), (7, p), (7, q), (8, r), (8, p)],
        // Nothing fills the last batch: the waiting points are added by the reduction.
        vec![(0, p), (0, q), (0, r), (31, q), (31, r), (31, p), (31, pq)],
        // A hot bucket: one point after another.
        (0..40).map(|i| (0, if i % 3 == 0 { p } else { q })).collect(),
    ];
    for adds in &cases {
        check_adds(32, adds);
    }
    let random: Vec<(usize, G1Affine)> =
        (0..500).map(|_| (rng.next_u32() as usize % 32, G1Projective::rand(&mut rng).into_affine())).collect();
    check_adds(32, &random);
    let g2s: Vec<(usize, G2Affine)> =
        (0..200).map(|i| (rng.next_u32() as usize % 32, if i % 4 == 0 { -g2 } else { g2 })).collect();
    check_adds(32, &g2s);
}

#[test]
fn bucket_reduction_with_equal_opposite_and_empty_buckets() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G2Projective::rand(&mut rng).into_affine();
    for m in [1usize, 2, 8, 16, 32, 64, 128, 2048, 24] {
        let random: Vec<G1Affine> = (0..m).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        let patterns: Vec<Box<dyn Fn(usize) -> G1Affine>> = vec![
            Box::new(|i| random[i]),
            // Equal rows and columns: every pairwise round meets P + P.
            Box::new(|_| p),
            // P and −P side by side: sums of the identity.
            Box::new(|i| if i % 2 == 0 { p } else { -p }),
            Box::new(|i| if i % 3 == 0 { G1Affine::zero() } else { random[i] }),
            Box::new(|_| G1Affine::zero()),
        ];
        for pattern in &patterns {
            let sums: Vec<G1Affine> = (0..m).map(pattern).collect();
            let none = vec![G1Projective::zero(); m];
            check_weighted_sum(sums.clone(), none);
            // Overflows: on empty buckets, on full ones, and cancelling the bucket.
            let overflow = (0..m)
                .map(|i| match i % 4 {
                    0 => G1Projective::rand(&mut rng),
                    1 => -sums[i].into_group(),
                    2 => sums[i].into_group(),
                    _ => G1Projective::zero(),
                })
                .collect();
            check_weighted_sum(sums, overflow);
        }
        let g2: Vec<G2Affine> = (0..m).map(|i| if i % 5 == 1 { -q } else { q }).collect();
        check_weighted_sum(g2, vec![G2Projective::zero(); m]);
    }
}

/// Halves taken by other threads (each with buckets of its own).
pub(super) static STOLEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn halves_stolen_by_idle_threads() {
    // 1,200 rows split down to 75: idle threads of a 4-thread pool take halves, which
    // are reduced apart and added.
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let g1: Vec<G1Affine> = bases(1_200, &mut rng, true);
    let g2: Vec<G2Affine> = bases(300, &mut rng, true);
    let mut scalars: Vec<Fr> = (0..g1.len()).map(|_| Fr::rand(&mut rng)).collect();
    scalars[5..40].iter_mut().for_each(|s| *s = -Fr::one());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    let before = STOLEN.load(std::sync::atomic::Ordering::Relaxed);
    pool.install(|| {
        for window in [3, 8] {
            for _ in 0..4 {
                check(&g1, &scalars, window);
                check(&g2, &scalars[..300], window);
            }
        }
    });
    assert!(STOLEN.load(std::sync::atomic::Ordering::Relaxed) > before, "no half was stolen");
}

#[test]
fn limbs_round_trip_and_parts_are_checked() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let g1: Vec<G1Affine> = bases(30, &mut rng, true);
    let g2: Vec<G2Affine> = bases(30, &mut rng, true);
    let t1 = FixedBaseMsm::new(&g1, 9);
    let t2 = FixedBaseMsm::new(&g2, 9);
    let nonzero: Vec<usize> = (0..30).filter(|i| !g1[*i].is_zero()).collect();
    for (row, &i) in nonzero.iter().enumerate() {
        assert_eq!(t1.multiple(row, 0), g1[i]);
        assert_eq!(t2.multiple(row, 0), g2[i]);
        assert_eq!(t1.multiple(row, 2), (g1[i] * Fr::from(1u64 << 18)).into_affine());
    }
    let rebuild = |t: &FixedBaseMsm<G1Config>, bases: usize| {
        let (c, w, positions, table) = t.parts();
        FixedBaseMsm::<G1Config>::from_parts(c, w, positions.to_vec(), table.to_vec(), bases)
    };
    let again = rebuild(&t1, 30).unwrap();
    let scalars: Vec<Fr> = (0..30).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(again.msm(&scalars), G1Projective::msm_unchecked(&g1, &scalars));
    // Fewer bases than the positions name, a wrong window count, a short table,
    // positions out of order.
    assert!(rebuild(&t1, *nonzero.last().unwrap()).is_err());
    let (c, w, positions, table) = t1.parts();
    assert!(FixedBaseMsm::<G1Config>::from_parts(c, w + 1, positions.to_vec(), table.to_vec(), 30).is_err());
    assert!(FixedBaseMsm::<G1Config>::from_parts(c, w, positions.to_vec(), table[1..].to_vec(), 30).is_err());
    assert!(FixedBaseMsm::<G1Config>::from_parts(1, w, positions.to_vec(), table.to_vec(), 30).is_err());
    let mut swapped = positions.to_vec();
    swapped.swap(0, 1);
    assert!(FixedBaseMsm::<G1Config>::from_parts(c, w, swapped, table.to_vec(), 30).is_err());
}

#[test]
fn choose_window_respects_the_budget() {
    let c = FixedBaseMsm::<G1Config>::choose_window(6_000, usize::MAX);
    assert!((10..=16).contains(&c), "{c}");
    // 17 windows (c = 15) fit exactly; 19 (c = 14) do not.
    let point = 8 * G1Config::LIMBS;
    let tight = FixedBaseMsm::<G1Config>::choose_window(6_000, 6_000 * 17 * point);
    assert_eq!(tight, 15);
    assert_eq!(FixedBaseMsm::<G1Config>::choose_window(6_000, 0), 20);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn matches_variable_base_msm(seed in any::<u64>(), n in 0usize..80, window in 2usize..18, mix in 0u8..4) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let g1: Vec<G1Affine> = bases(n, &mut rng, seed % 2 == 0);
        let scalars: Vec<Fr> = (0..n as u64)
            .map(|i| match mix {
                0 => Fr::rand(&mut rng),
                1 => special(i + seed),
                2 => Fr::from(u64::from(rng.next_u32() % 3)),
                _ => if i % 2 == 0 { Fr::rand(&mut rng) } else { special(i) },
            })
            .collect();
        check(&g1, &scalars, window);
        if n < 20 {
            let g2: Vec<G2Affine> = bases(n, &mut rng, true);
            check(&g2, &scalars, window);
        }
    }
}
