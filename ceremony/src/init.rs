//! A circuit's first phase-2 key from a prepared powers-of-tau file: what
//! `snarkjs groth16 setup` computes, byte for byte.
//!
//! With n the smallest power of two above constraints + ℓ, L_c = L_c(τ)·G1 from block
//! log n of section 12 (and its G2, α- and β-multiples from sections 13, 14, 15), and the
//! ℓ + 1 input-consistency rows m..=m+ℓ that put coefficient 1 on wires 0..=ℓ in A (as
//! arkworks' `LibsnarkReduction` does), for each wire i:
//! A_i = Σ_c A_{c,i}·L_c, B1_i and B2_i the same over B, and
//! K_i = Σ_c (A_{c,i}·βL_c + B_{c,i}·αL_c + C_{c,i}·L_c), which is IC for i ≤ ℓ (γ = 1)
//! and L for i > ℓ (δ = 1 before any contribution). H_j = L_{2j+1}(τ)·G1 on the 2n-point
//! domain, the odd points of block log n + 1 of section 12.
//!
//! The circuit hash is BLAKE2b-512 over α₁, β₁, β₂, γ₂, δ₁, δ₂, then, each after its
//! big-endian u32 count, IC, H in monomial form ((τ^(i+n) − τ^i)·G1 for i < n − 1, from
//! section 2), L, A, B₁ and B₂, every point in the hash encoding.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use std::sync::atomic::{AtomicUsize, Ordering};

use ark_ec::{
    scalar_mul::glv::GLVConfig,
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM,
};
use ark_ff::{BigInteger, One, PrimeField};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use crate::{
    error::FormatError,
    points::{encode_u_all, to_u},
    ptau::Ptau,
    r1cs::Constraints,
    zkey::{Zkey, COEFF_LEN},
};

/// Terms per wire from which a wire's point is one MSM rather than a sum of scalar
/// multiplications.
const MSM_TERMS: usize = 8;

/// Σ vᵢ·Pᵢ for one wire, sequentially (it runs on one of [`combine`]'s threads): ±1 by
/// addition, scalars below 2^64 (or r minus one) by double-and-add over their bits, the
/// rest by GLV multiplication, and many terms by one MSM.
fn lincomb<C>(terms: &[(usize, Fr)], bases: &[Affine<C>]) -> Projective<C>
where
    C: SWCurveConfig<ScalarField = Fr> + GLVConfig,
{
    if terms.len() >= MSM_TERMS {
        let (b, s): (Vec<Affine<C>>, Vec<Fr>) = terms.iter().map(|&(c, v)| (bases[c], v)).unzip();
        return Projective::<C>::msm_unchecked(&b, &s);
    }
    let mut acc = Projective::<C>::zero();
    for &(c, v) in terms {
        let p = bases[c];
        if v.is_one() {
            acc += p;
        } else if (-v).is_one() {
            acc -= p;
        } else {
            let (bv, bn) = (v.into_bigint(), (-v).into_bigint());
            if bv.num_bits() <= 64 {
                acc += p.mul_bigint(bv);
            } else if bn.num_bits() <= 64 {
                acc -= p.mul_bigint(bn);
            } else {
                acc += C::glv_mul_projective(p.into(), v);
            }
        }
    }
    acc
}

/// Σ_terms v·bases[row] for every wire, on one thread per core pulling wires from a
/// shared counter. Each thread runs arkworks' MSMs inside a one-thread rayon pool:
/// nesting its parallel MSM inside a parallel loop over thousands of wires lets rayon
/// stack one MSM on another until a worker's stack overflows.
fn combine<C>(terms: &[&[(usize, Fr)]], bases: &[Affine<C>]) -> Vec<Projective<C>>
where
    C: SWCurveConfig<ScalarField = Fr> + GLVConfig,
{
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut out = vec![Projective::<C>::zero(); terms.len()];
    let parts: Vec<Vec<(usize, Projective<C>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
                    pool.install(|| {
                        let mut done = Vec::new();
                        loop {
                            let w = next.fetch_add(1, Ordering::Relaxed);
                            if w >= terms.len() {
                                break done;
                            }
                            done.push((w, lincomb(terms[w], bases)));
                        }
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a combine thread panicked")).collect()
    });
    for (w, p) in parts.into_iter().flatten() {
        out[w] = p;
    }
    out
}

use ark_ff::Zero as _;
use std::ops::SubAssign;

fn slices(t: &[Vec<(usize, Fr)>]) -> Vec<&[(usize, Fr)]> {
    t.iter().map(Vec::as_slice).collect()
}

/// Terms per wire of one matrix: (row, coefficient).
fn by_wire(rows: &[Vec<(u32, Fr)>], n_wires: usize) -> Vec<Vec<(usize, Fr)>> {
    let mut out = vec![Vec::new(); n_wires];
    for (c, row) in rows.iter().enumerate() {
        for &(w, v) in row {
            out[w as usize].push((c, v));
        }
    }
    out
}

/// The section-4 coefficient entries of A and B, as `snarkjs groth16 setup` writes them.
#[must_use]
pub fn coefficients(cs: &Constraints) -> Vec<u8> {
    let r2 = Fr::from_bigint(Fr::R2).expect("R² mod r is below r");
    let m = cs.n_constraints();
    let count = cs.rows[0].iter().chain(&cs.rows[1]).map(Vec::len).sum::<usize>() + cs.n_public as usize + 1;
    let mut out = Vec::with_capacity(4 + count * COEFF_LEN);
    out.extend_from_slice(&u32::try_from(count).expect("fits").to_le_bytes());
    let mut put = |matrix: u32, row: usize, wire: u32, v: Fr| {
        out.extend_from_slice(&matrix.to_le_bytes());
        out.extend_from_slice(&u32::try_from(row).expect("fits").to_le_bytes());
        out.extend_from_slice(&wire.to_le_bytes());
        out.extend_from_slice(&(v * r2).into_bigint().to_bytes_le());
    };
    for c in 0..m {
        for (matrix, rows) in [(0u32, &cs.rows[0]), (1, &cs.rows[1])] {
            for &(w, v) in &rows[c] {
                put(matrix, c, w, v);
            }
        }
    }
    for s in 0..=cs.n_public {
        put(0, m + s as usize, s, Fr::one());
    }
    out
}

fn normalize<G: CurveGroup>(v: &[G]) -> Vec<G::Affine> {
    G::normalize_batch(v)
}

/// What a circuit's key is computed from: the ptau blocks of its domain.
#[derive(Debug)]
pub struct Bases {
    /// log₂ of the domain size n.
    pub k: u32,
    /// L_c(τ)·G1, c < n (block k of section 12).
    pub lag: Vec<G1Affine>,
    /// L_c(τ)·G2 (block k of section 13).
    pub lag2: Vec<G2Affine>,
    /// α·L_c(τ)·G1 (section 14).
    pub alpha_lag: Vec<G1Affine>,
    /// β·L_c(τ)·G1 (section 15).
    pub beta_lag: Vec<G1Affine>,
    /// The H query before any contribution: the odd points of block k + 1 of section 12.
    pub h: Vec<G1Affine>,
    /// H in monomial form, (τ^(i+n) − τ^i)·G1 for i < n − 1 (section 2), for the hash.
    pub h_mono: Vec<G1Affine>,
    /// α·G1.
    pub alpha1: G1Affine,
    /// β·G1.
    pub beta1: G1Affine,
    /// β·G2.
    pub beta2: G2Affine,
}

impl Bases {
    /// Reads the blocks `cs`'s domain needs from `ptau`, every point checked.
    ///
    /// # Errors
    /// [`FormatError::TooSmall`] for a ptau below the circuit's power, or a bad point.
    pub fn read(cs: &Constraints, ptau: &mut Ptau) -> Result<Self, FormatError> {
        let k = cs.domain_log();
        ptau.require(k)?;
        let n = 1usize << k;
        let lag = ptau.lagrange_g1(12, k)?;
        let lag2 = ptau.lagrange_g2(k)?;
        let alpha_lag = ptau.lagrange_g1(14, k)?;
        let beta_lag = ptau.lagrange_g1(15, k)?;
        let h: Vec<G1Affine> = ptau.lagrange_g1(12, k + 1)?.into_iter().skip(1).step_by(2).collect();
        let (alpha1, beta1, beta2) = ptau.alpha_beta()?;
        let lo = ptau.tau_g1(0, (n - 1) as u64)?;
        let hi = ptau.tau_g1(n as u64, (n - 1) as u64)?;
        let h_mono: Vec<G1Projective> = hi
            .par_iter()
            .zip(lo.par_iter())
            .map(|(h, l)| {
                let mut p = h.into_group();
                p.sub_assign(l);
                p
            })
            .collect();
        Ok(Self { k, lag, lag2, alpha_lag, beta_lag, h, h_mono: normalize(&h_mono), alpha1, beta1, beta2 })
    }
}

/// The per-wire terms of A (with the input-consistency rows), B and C.
fn terms(cs: &Constraints) -> [Vec<Vec<(usize, Fr)>>; 3] {
    let n_wires = cs.n_wires as usize;
    let m = cs.n_constraints();
    let mut a = by_wire(&cs.rows[0], n_wires);
    for (s, t) in a.iter_mut().enumerate().take(cs.n_public as usize + 1) {
        t.push((m + s, Fr::one()));
    }
    [a, by_wire(&cs.rows[1], n_wires), by_wire(&cs.rows[2], n_wires)]
}

/// K_i = Σ_c (A_{c,i}·βL_c + B_{c,i}·αL_c + C_{c,i}·L_c) for every wire: IC for i ≤ ℓ, the
/// L query before any contribution for i > ℓ.
#[must_use]
pub fn k_query(cs: &Constraints, bases: &Bases) -> Vec<G1Affine> {
    let n = bases.lag.len();
    let [a, b, c] = terms(cs);
    // One term list per wire over the bases [βL | αL | L].
    let k_terms: Vec<Vec<(usize, Fr)>> = (0..cs.n_wires as usize)
        .map(|w| {
            let mut t = a[w].clone();
            t.extend(b[w].iter().map(|&(r, v)| (n + r, v)));
            t.extend(c[w].iter().map(|&(r, v)| (2 * n + r, v)));
            t
        })
        .collect();
    let all: Vec<G1Affine> = [&bases.beta_lag[..], &bases.alpha_lag[..], &bases.lag[..]].concat();
    normalize(&combine(&slices(&k_terms), &all))
}

/// The A, B₁ and B₂ queries.
#[must_use]
pub fn ab_queries(cs: &Constraints, bases: &Bases) -> (Vec<G1Affine>, Vec<G1Affine>, Vec<G2Affine>) {
    let [a, b, _] = terms(cs);
    let (a, b) = (slices(&a), slices(&b));
    (normalize(&combine(&a, &bases.lag)), normalize(&combine(&b, &bases.lag)), normalize(&combine(&b, &bases.lag2)))
}

/// snarkjs's circuit hash of a fresh key.
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn circuit_hash(
    bases: &Bases,
    ic: &[G1Affine],
    l: &[G1Affine],
    a: &[G1Affine],
    b1: &[G1Affine],
    b2: &[G2Affine],
) -> [u8; 64] {
    let g1 = G1Projective::generator().into_affine();
    let g2 = G2Projective::generator().into_affine();
    let mut h = Blake2b512::new();
    h.update(to_u(&bases.alpha1));
    h.update(to_u(&bases.beta1));
    h.update(to_u(&bases.beta2));
    h.update(to_u(&g2));
    h.update(to_u(&g1));
    h.update(to_u(&g2));
    let count = |h: &mut Blake2b512, n: usize| h.update(u32::try_from(n).expect("fits").to_be_bytes());
    count(&mut h, ic.len());
    h.update(encode_u_all(ic));
    count(&mut h, bases.h_mono.len());
    h.update(encode_u_all(&bases.h_mono));
    count(&mut h, l.len());
    h.update(encode_u_all(l));
    count(&mut h, a.len());
    h.update(encode_u_all(a));
    count(&mut h, b1.len());
    h.update(encode_u_all(b1));
    count(&mut h, b2.len());
    h.update(encode_u_all(b2));
    h.finalize().into()
}

/// The circuit's fresh phase-2 key (no contributions: δ = 1).
///
/// # Errors
/// [`FormatError::TooSmall`] if the ptau's power is below the circuit's, or any point of
/// the ptau that does not decode.
pub fn init(cs: &Constraints, ptau: &mut Ptau) -> Result<Zkey, FormatError> {
    let _span = tracing::info_span!("init", constraints = cs.n_constraints()).entered();
    let started = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
    let bases = Bases::read(cs, ptau)?;
    lap("ptau blocks read");
    let kq = k_query(cs, &bases);
    lap("K");
    let (a, b1, b2) = ab_queries(cs, &bases);
    lap("A, B₁, B₂");
    let l_pub = cs.n_public as usize;
    let ic = kq[..=l_pub].to_vec();
    let l = kq[l_pub + 1..].to_vec();
    let cs_hash = circuit_hash(&bases, &ic, &l, &a, &b1, &b2);
    lap("circuit hash");
    let g1 = G1Projective::generator().into_affine();
    let g2 = G2Projective::generator().into_affine();
    Ok(Zkey {
        n_vars: cs.n_wires,
        n_public: cs.n_public,
        domain_size: 1 << bases.k,
        alpha1: bases.alpha1,
        beta1: bases.beta1,
        beta2: bases.beta2,
        gamma2: g2,
        delta1: g1,
        delta2: g2,
        ic,
        coeffs: coefficients(cs),
        a,
        b1,
        b2,
        l,
        h: bases.h,
        cs_hash,
        contributions: Vec::new(),
    })
}
