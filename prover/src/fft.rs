//! The witness map's transforms on the vector kernel (`veil_simd`): from the evaluations of
//! a, b and c on the domain to the coefficients of h = (a·b − c)/Z, the same values as
//! ark-poly's transforms give (tested), in fewer passes over memory.
//!
//! ark-poly's radix-2 transforms bit-reverse their input, compute their twiddles and scale
//! by 1/n and by the coset's powers in passes of their own, every call. Here each
//! direction is a chain of butterflies with no reordering: Cooley–Tukey butterflies take
//! natural order to bit-reversed order, Gentleman–Sande butterflies take it back, with one
//! twiddle per block of the recursion (`ω^{±brv(b)}`: one table per domain, built once per
//! process). The steps that need neither order (the coset shift, 1/n, Z's inverse and the
//! quotient) sit where the order is whatever it is, so:
//!
//! 1. a, b, c: CT with `ω^{-1}` (evaluations → n·coefficients, bit-reversed), times
//!    `g^{brv(q)}/n` at position q, GS with `ω` (→ evaluations on the coset g·H, natural);
//! 2. `(a·b − c)/Z(g)` on the coset;
//! 3. CT with `ω^{-1}` (→ n·coefficients of h(g·x), bit-reversed), read in natural order
//!    times `g^{-i}/n`.
//!
//! Butterflies whose pairs lie eight elements or more apart run on the vector kernel, eight
//! lanes at a time with the twiddle broadcast (data in [`veil_simd`]'s lanes layout); the
//! last three levels of a CT chain and the first three of a GS chain pair elements inside
//! one block of eight and run in scalar code, block by block, together with the shift.

use std::sync::{Arc, Mutex};

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;
use veil_simd::{Block, Twiddle};

/// Blocks below which a transform's recursion and its butterflies stay on one thread.
const SERIAL_BLOCKS: usize = 256;

/// `i` with its `bits` low bits reversed.
fn brv(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// The constants of the transforms over one domain of size `n = 2^k` (`k ≥ 4`).
pub(crate) struct Domain {
    log_n: u32,
    /// `ω^{−brv(b)}` for `b < n/2`: the twiddle of block b in a CT chain to coefficients.
    to_coefficients: Vec<Fr>,
    /// `ω^{brv(b)}` for `b < n/2`: the twiddle of block b in a GS chain to evaluations.
    to_evaluations: Vec<Fr>,
    /// The same twiddles prepared for the vector kernel, for the blocks it runs (`b < n/16`).
    vector_to_coefficients: Vec<Twiddle>,
    vector_to_evaluations: Vec<Twiddle>,
    /// `g^{brv_{k−3}(B)}/n` for block B of eight elements: with [`Domain::lane_shift`], the
    /// coset shift and 1/n of position `8B + t` (which holds coefficient `brv_k(8B + t)`).
    block_shift: Vec<Fr>,
    /// `(g^{n/8})^{brv_3(t)}` for lane t.
    lane_shift: [Fr; 8],
    /// `1/Z(g) = 1/(g^n − 1)`.
    z_inverse: Fr,
    /// `1/g` and `1/n`: the last step's `g^{−i}/n`.
    g_inverse: Fr,
    n_inverse: Fr,
}

impl Domain {
    /// The domain of size `2^log_n` (`4 ≤ log_n ≤` Fr's two-adicity), built once per
    /// process and shared.
    pub(crate) fn get(log_n: u32) -> Arc<Self> {
        static DOMAINS: Mutex<Vec<Arc<Domain>>> = Mutex::new(Vec::new());
        let lock = || DOMAINS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let find = |domains: &[Arc<Domain>]| domains.iter().find(|d| d.log_n == log_n).cloned();
        if let Some(d) = find(&lock()) {
            return d;
        }
        // Built without the lock: the build runs rayon tasks, and a thread waiting on them
        // may take up another proof's task that asks for a domain (`veil batch`), which must
        // not find the lock held by its own thread. Two builders of one size keep the first.
        let built = Arc::new(Self::new(log_n));
        let mut domains = lock();
        if let Some(d) = find(&domains) {
            return d;
        }
        domains.push(Arc::clone(&built));
        built
    }

    fn new(log_n: u32) -> Self {
        assert!((4..=Fr::TWO_ADICITY).contains(&log_n), "a domain of 2^{log_n} elements");
        let n = 1usize << log_n;
        let omega = Fr::get_root_of_unity(n as u64).expect("n divides r − 1");
        // ω^j for j < n/2; ω^{−j} = −ω^{n/2 − j} for 0 < j < n/2 (ω^{n/2} = −1).
        let omegas = powers(omega, Fr::one(), n / 2);
        let inverse = |j: usize| if j == 0 { Fr::one() } else { -omegas[n / 2 - j] };
        let to_evaluations: Vec<Fr> = (0..n / 2).map(|b| omegas[brv(b, log_n - 1)]).collect();
        let to_coefficients: Vec<Fr> = (0..n / 2).map(|b| inverse(brv(b, log_n - 1))).collect();
        let g = Fr::GENERATOR;
        let n_inverse = Fr::from(n as u64).inverse().expect("n < r");
        let shifts = powers(g, n_inverse, n / 8);
        let block_shift = (0..n / 8).map(|b| shifts[brv(b, log_n - 3)]).collect();
        let g_n8 = g.pow([(n / 8) as u64]);
        let lane_shift = core::array::from_fn(|t| g_n8.pow([brv(t, 3) as u64]));
        let z_inverse = (g.pow([n as u64]) - Fr::one()).inverse().expect("g is not in the domain");
        Self {
            log_n,
            vector_to_coefficients: to_coefficients[..n / 16].iter().map(|c| Twiddle::new(*c)).collect(),
            vector_to_evaluations: to_evaluations[..n / 16].iter().map(|c| Twiddle::new(*c)).collect(),
            to_coefficients,
            to_evaluations,
            block_shift,
            lane_shift,
            z_inverse,
            g_inverse: g.inverse().expect("g ≠ 0"),
            n_inverse,
        }
    }

    /// The coefficients of h = (a·b − c)/Z from a, b and c, the evaluations on the domain in
    /// natural order as blocks in arkworks' layout (`n/8` blocks each). Needs the vector
    /// kernel ([`veil_simd::available`]).
    pub(crate) fn quotient(&self, a: &mut [Block], b: &mut [Block], c: &mut [Block]) -> Vec<Fr> {
        let blocks = 1usize << (self.log_n - 3);
        assert!(a.len() == blocks && b.len() == blocks && c.len() == blocks, "n/8 blocks each");
        rayon::join(|| self.to_coset(a), || rayon::join(|| self.to_coset(b), || self.to_coset(c)));
        let (b, c) = (&*b, &*c);
        let chunk = SERIAL_BLOCKS / 2;
        a.par_chunks_mut(chunk).zip(b.par_chunks(chunk)).zip(c.par_chunks(chunk)).for_each(|((a, b), c)| {
            veil_simd::quotient(a, b, c, self.z_inverse);
        });
        ct_chain(a, 0, &self.vector_to_coefficients);
        a.par_chunks_mut(chunk).enumerate().for_each(|(i, a)| {
            veil_simd::from_lanes(a);
            for (j, block) in a.iter_mut().enumerate() {
                let mut e = elements(block);
                self.ct_in_block(&mut e, chunk * i + j);
                *block = from_elements(&e);
            }
        });
        // Position q holds n·h_{brv(q)}(g·x)'s coefficient: h_i = that · g^{−i}/n.
        let (n, g_inverse) = (1usize << self.log_n, self.g_inverse);
        let per = 1024;
        let mut h = vec![Fr::one(); n];
        h.par_chunks_mut(per).enumerate().for_each(|(k, h)| {
            let mut scale = g_inverse.pow([(k * per) as u64]) * self.n_inverse;
            for (j, h) in h.iter_mut().enumerate() {
                let q = brv(k * per + j, self.log_n);
                let words = &a[q / 8][4 * (q % 8)..4 * (q % 8) + 4];
                *h = Fr::new_unchecked(ark_ff::BigInt(words.try_into().expect("4 words"))) * scale;
                scale *= g_inverse;
            }
        });
        h
    }

    /// Evaluations on the domain (natural order, arkworks' layout) to evaluations on the
    /// coset g·H (natural order, lanes layout).
    fn to_coset(&self, v: &mut [Block]) {
        let chunk = SERIAL_BLOCKS / 2;
        v.par_chunks_mut(chunk).for_each(veil_simd::to_lanes);
        ct_chain(v, 0, &self.vector_to_coefficients);
        v.par_chunks_mut(chunk).enumerate().for_each(|(i, v)| {
            veil_simd::from_lanes(v);
            for (j, block) in v.iter_mut().enumerate() {
                let b = chunk * i + j;
                let mut e = elements(block);
                self.ct_in_block(&mut e, b);
                let shift = self.block_shift[b];
                for (x, lane) in e.iter_mut().zip(&self.lane_shift) {
                    *x *= shift * lane;
                }
                self.gs_in_block(&mut e, b);
                *block = from_elements(&e);
            }
            veil_simd::to_lanes(v);
        });
        gs_chain(v, 0, &self.vector_to_evaluations);
    }

    /// The last three CT levels inside block `b` (pairs 4, 2, 1 apart), twiddles to
    /// coefficients.
    fn ct_in_block(&self, e: &mut [Fr; 8], b: usize) {
        let t = &self.to_coefficients;
        for (half, first) in [(4, b), (2, 2 * b), (1, 4 * b)] {
            for (s, pair) in e.chunks_exact_mut(2 * half).enumerate() {
                let c = t[first + s];
                let (lo, hi) = pair.split_at_mut(half);
                for (u, v) in lo.iter_mut().zip(hi) {
                    let w = c * *v;
                    (*u, *v) = (*u + w, *u - w);
                }
            }
        }
    }

    /// The first three GS levels inside block `b` (pairs 1, 2, 4 apart), twiddles to
    /// evaluations.
    fn gs_in_block(&self, e: &mut [Fr; 8], b: usize) {
        let t = &self.to_evaluations;
        for (half, first) in [(1, 4 * b), (2, 2 * b), (4, b)] {
            for (s, pair) in e.chunks_exact_mut(2 * half).enumerate() {
                let c = t[first + s];
                let (lo, hi) = pair.split_at_mut(half);
                for (u, v) in lo.iter_mut().zip(hi) {
                    (*u, *v) = (*u + *v, (*u - *v) * c);
                }
            }
        }
    }
}

/// `start`, `start·x`, `start·x²`, … (`len` of them), in parallel runs.
fn powers(x: Fr, start: Fr, len: usize) -> Vec<Fr> {
    let per = 1024;
    let mut out = vec![Fr::one(); len];
    out.par_chunks_mut(per).enumerate().for_each(|(k, out)| {
        let mut p = start * x.pow([(k * per) as u64]);
        for o in out {
            *o = p;
            p *= x;
        }
    });
    out
}

/// The eight elements of a block in arkworks' layout.
fn elements(block: &Block) -> [Fr; 8] {
    core::array::from_fn(|e| Fr::new_unchecked(ark_ff::BigInt(block[4 * e..4 * e + 4].try_into().expect("4 words"))))
}

/// A block in arkworks' layout from its eight elements.
fn from_elements(e: &[Fr; 8]) -> Block {
    let mut block = [0u64; 32];
    for (i, x) in e.iter().enumerate() {
        block[4 * i..4 * i + 4].copy_from_slice(&x.0 .0);
    }
    block
}

/// The CT levels of `v` (block `b` of its level, lanes layout) whose pairs are at least a
/// block apart: the halves, then each half as block `2b` and `2b + 1` of the next level.
fn ct_chain(v: &mut [Block], b: usize, twiddles: &[Twiddle]) {
    if v.len() < 2 {
        return;
    }
    let (lo, hi) = v.split_at_mut(v.len() / 2);
    butterflies(lo, hi, |lo, hi| veil_simd::ct(lo, hi, &twiddles[b]));
    if lo.len() >= SERIAL_BLOCKS {
        rayon::join(|| ct_chain(lo, 2 * b, twiddles), || ct_chain(hi, 2 * b + 1, twiddles));
    } else {
        ct_chain(lo, 2 * b, twiddles);
        ct_chain(hi, 2 * b + 1, twiddles);
    }
}

/// The GS levels of `v` whose pairs are at least a block apart: each half first, then the
/// halves.
fn gs_chain(v: &mut [Block], b: usize, twiddles: &[Twiddle]) {
    if v.len() < 2 {
        return;
    }
    let (lo, hi) = v.split_at_mut(v.len() / 2);
    if lo.len() >= SERIAL_BLOCKS {
        rayon::join(|| gs_chain(lo, 2 * b, twiddles), || gs_chain(hi, 2 * b + 1, twiddles));
    } else {
        gs_chain(lo, 2 * b, twiddles);
        gs_chain(hi, 2 * b + 1, twiddles);
    }
    butterflies(lo, hi, |lo, hi| veil_simd::gs(lo, hi, &twiddles[b]));
}

/// `f` over the paired runs `lo` and `hi`, in parallel pieces when they are long.
fn butterflies(lo: &mut [Block], hi: &mut [Block], f: impl Fn(&mut [Block], &mut [Block]) + Sync) {
    if lo.len() >= SERIAL_BLOCKS {
        let piece = SERIAL_BLOCKS / 2;
        lo.par_chunks_mut(piece).zip(hi.par_chunks_mut(piece)).for_each(|(lo, hi)| f(lo, hi));
    } else {
        f(lo, hi);
    }
}

#[cfg(test)]
mod tests {
    use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
    use ark_std::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    /// ark-groth16's reduction from the same evaluations: iFFT, coset FFT, quotient, coset
    /// iFFT.
    fn ark(a: &[Fr], b: &[Fr], c: &[Fr]) -> Vec<Fr> {
        let domain = GeneralEvaluationDomain::<Fr>::new(a.len()).unwrap();
        let coset = domain.get_coset(Fr::GENERATOR).unwrap();
        let to_coset = |v: &[Fr]| {
            let mut v = v.to_vec();
            domain.ifft_in_place(&mut v);
            coset.fft_in_place(&mut v);
            v
        };
        let (a, b, c) = (to_coset(a), to_coset(b), to_coset(c));
        let z = domain.evaluate_vanishing_polynomial(Fr::GENERATOR).inverse().unwrap();
        let mut h: Vec<Fr> = a.iter().zip(&b).zip(&c).map(|((a, b), c)| (*a * b - c) * z).collect();
        coset.ifft_in_place(&mut h);
        h
    }

    fn blocks(v: &[Fr]) -> Vec<Block> {
        v.chunks(8).map(|c| from_elements(c.try_into().unwrap())).collect()
    }

    #[test]
    fn quotient_is_ark_polys_on_every_size() {
        if !veil_simd::available() {
            eprintln!("no AVX-512 IFMA here: the vector transforms cannot run");
            return;
        }
        let mut rng = ChaCha20Rng::seed_from_u64(91);
        // Sizes below and above the serial threshold; values random, with zero, one and
        // r − 1 in front and a zero tail (the rows past the constraints).
        for log_n in [4, 5, 6, 9, 12, 13] {
            let n = 1usize << log_n;
            let v: Vec<Vec<Fr>> = (0..3)
                .map(|_| {
                    let mut v: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                    v[..3].copy_from_slice(&[Fr::from(0u64), Fr::one(), -Fr::one()]);
                    v[n - n / 3..].fill(Fr::from(0u64));
                    v
                })
                .collect();
            let want = ark(&v[0], &v[1], &v[2]);
            let (mut a, mut b, mut c) = (blocks(&v[0]), blocks(&v[1]), blocks(&v[2]));
            assert_eq!(Domain::get(log_n).quotient(&mut a, &mut b, &mut c), want, "2^{log_n}");
        }
    }

    #[test]
    fn tables_hold_their_definitions() {
        let log_n = 6;
        let d = Domain::get(log_n);
        let n = 1usize << log_n;
        let omega = Fr::get_root_of_unity(n as u64).unwrap();
        for b in 0..n / 2 {
            assert_eq!(d.to_evaluations[b], omega.pow([brv(b, log_n - 1) as u64]));
            assert_eq!(d.to_coefficients[b] * d.to_evaluations[b], Fr::one());
        }
        let n_inverse = Fr::from(n as u64).inverse().unwrap();
        for q in 0..n {
            let shift = d.block_shift[q / 8] * d.lane_shift[q % 8];
            assert_eq!(shift, Fr::GENERATOR.pow([brv(q, log_n) as u64]) * n_inverse, "position {q}");
        }
        assert!(Arc::ptr_eq(&d, &Domain::get(log_n)), "built once");
    }
}
