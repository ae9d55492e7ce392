//! A batch of 1,024 affine G1 (and G2) additions (an MSM's largest batch): the IFMA kernel against the
//! scalar path it replaces (Montgomery's batch inversion and arkworks' affine formula over
//! arkworks' assembly field product). And 1,024 Cooley–Tukey butterflies over Fr (one level
//! of a 2^11 transform): the kernel against arkworks' field. `cargo bench -p veil-simd`.

use ark_bn254::{Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, UniformRand};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const N: usize = 1024;

fn limbs(p: &G1Affine) -> [u64; 8] {
    let mut l = [0u64; 8];
    l[..4].copy_from_slice(&p.x.0 .0);
    l[4..].copy_from_slice(&p.y.0 .0);
    l
}

fn limbs2(p: &G2Affine) -> [u64; 16] {
    let mut l = [0u64; 16];
    for (i, c) in [p.x.c0, p.x.c1, p.y.c0, p.y.c1].iter().enumerate() {
        l[4 * i..4 * i + 4].copy_from_slice(&c.0 .0);
    }
    l
}

/// The scalar path: one inversion for the batch, three products apiece for it, three for
/// the formula (arkworks' field, G1 or G2).
fn scalar<P: ark_ec::short_weierstrass::SWCurveConfig>(
    sums: &mut [ark_ec::short_weierstrass::Affine<P>],
    points: &[ark_ec::short_weierstrass::Affine<P>],
    scratch: &mut Vec<P::BaseField>,
) {
    let mut d: Vec<P::BaseField> = sums.iter().zip(points).map(|(s, p)| p.x - s.x).collect();
    scratch.clear();
    let mut product = P::BaseField::ONE;
    for v in &d {
        scratch.push(product);
        product *= v;
    }
    let mut inverse = product.inverse().expect("distinct x");
    for (v, before) in d.iter_mut().zip(scratch.iter()).rev() {
        let next = inverse * *v;
        *v = inverse * before;
        inverse = next;
    }
    for ((s, p), inv) in sums.iter_mut().zip(points).zip(&d) {
        let lambda = (p.y - s.y) * inv;
        let x = lambda.square() - s.x - p.x;
        let y = lambda * (s.x - x) - s.y;
        *s = ark_ec::short_weierstrass::Affine::<P>::new_unchecked(x, y);
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let g = G1Projective::generator();
    let ps: Vec<G1Affine> = (0..N).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
    let qs: Vec<G1Affine> = (0..N).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
    let mut group = c.benchmark_group("affine_batch");
    group.throughput(Throughput::Elements(N as u64));
    let mut scratch = Vec::with_capacity(N);
    group.bench_function("g1_scalar", |b| {
        b.iter_batched_ref(|| ps.clone(), |sums| scalar(sums, &qs, &mut scratch), BatchSize::SmallInput)
    });
    let g2 = G2Projective::generator();
    let ps2: Vec<G2Affine> = (0..N).map(|_| (g2 * Fr::rand(&mut rng)).into_affine()).collect();
    let qs2: Vec<G2Affine> = (0..N).map(|_| (g2 * Fr::rand(&mut rng)).into_affine()).collect();
    let mut scratch2: Vec<Fq2> = Vec::with_capacity(N);
    group.bench_function("g2_scalar", |b| {
        b.iter_batched_ref(|| ps2.clone(), |sums| scalar(sums, &qs2, &mut scratch2), BatchSize::SmallInput)
    });
    if veil_simd::available() {
        let points: Vec<[u64; 8]> = qs.iter().map(limbs).collect();
        let start: Vec<[u64; 8]> = ps.iter().map(limbs).collect();
        let mut kernel = veil_simd::AffineBatch::new();
        group.bench_function("g1_ifma", |b| {
            b.iter_batched_ref(|| start.clone(), |sums| kernel.add_assign(sums, &points), BatchSize::SmallInput)
        });
        let points2: Vec<[u64; 16]> = qs2.iter().map(limbs2).collect();
        let start2: Vec<[u64; 16]> = ps2.iter().map(limbs2).collect();
        group.bench_function("g2_ifma", |b| {
            b.iter_batched_ref(|| start2.clone(), |sums| kernel.add_assign_g2(sums, &points2), BatchSize::SmallInput)
        });
    } else {
        eprintln!("no AVX-512 IFMA here: the kernel is not measured");
    }
    group.finish();
}

/// 1,024 butterflies `(u, v) ← (u + c·v, u − c·v)`, a twiddle per 64: arkworks' Fr against the
/// kernel over blocks in the lanes layout.
fn butterflies(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let u: Vec<Fr> = (0..N).map(|_| Fr::rand(&mut rng)).collect();
    let v: Vec<Fr> = (0..N).map(|_| Fr::rand(&mut rng)).collect();
    let twiddles: Vec<Fr> = (0..N / 64).map(|_| Fr::rand(&mut rng)).collect();
    let mut group = c.benchmark_group("fr_butterflies");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("ct_scalar", |b| {
        b.iter_batched_ref(
            || (u.clone(), v.clone()),
            |(u, v)| {
                for ((u, v), c) in u.chunks_mut(64).zip(v.chunks_mut(64)).zip(&twiddles) {
                    for (u, v) in u.iter_mut().zip(v) {
                        let t = *c * *v;
                        (*u, *v) = (*u + t, *u - t);
                    }
                }
            },
            BatchSize::SmallInput,
        )
    });
    if veil_simd::available() {
        let blocks = |x: &[Fr]| -> Vec<veil_simd::Block> {
            let mut b: Vec<veil_simd::Block> = x
                .chunks(8)
                .map(|c| {
                    let mut b = [0u64; 32];
                    for (e, x) in c.iter().enumerate() {
                        b[4 * e..4 * e + 4].copy_from_slice(&x.0 .0);
                    }
                    b
                })
                .collect();
            veil_simd::to_lanes(&mut b);
            b
        };
        let (lo, hi) = (blocks(&u), blocks(&v));
        let prepared: Vec<veil_simd::Twiddle> = twiddles.iter().map(|c| veil_simd::Twiddle::new(*c)).collect();
        group.bench_function("ct_ifma", |b| {
            b.iter_batched_ref(
                || (lo.clone(), hi.clone()),
                |(lo, hi)| {
                    for ((lo, hi), c) in lo.chunks_mut(8).zip(hi.chunks_mut(8)).zip(&prepared) {
                        veil_simd::ct(lo, hi, c);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench, butterflies);
criterion_main!(benches);
