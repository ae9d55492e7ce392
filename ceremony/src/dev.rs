//! Powers-of-tau files from known τ, α and β: for tests (an oracle: every point of a key
//! is then a known scalar times a generator) and benchmarks at sizes snarkjs takes hours
//! to prepare. **Insecure**: whoever knows τ can forge proofs for every key made from
//! the file. Production keys start from a public ceremony's file (Perpetual Powers of Tau).

use ark_bn254::{Fq, Fr, G1Projective, G2Projective};
use ark_ec::{PrimeGroup, ScalarMul};
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::{binfile::Writer, points::encode_all};

/// L_j(τ) for the 2^k-point domain, j < 2^k: the inverse FFT of τ's powers, the last one
/// zeroed for the top block of section 12 as `snarkjs powersoftau prepare phase2` does
/// (it has one power fewer than the block needs).
fn lagrange(tau: Fr, k: u32, zero_last: bool) -> Vec<Fr> {
    let n = 1usize << k;
    let mut powers = powers(tau, n);
    if zero_last {
        powers[n - 1] = Fr::zero();
    }
    Radix2EvaluationDomain::<Fr>::new(n).expect("a power-of-two domain").ifft(&powers)
}

fn powers(tau: Fr, count: usize) -> Vec<Fr> {
    std::iter::successors(Some(Fr::one()), |p| Some(*p * tau)).take(count).collect()
}

fn times(v: &[Fr], f: Fr) -> Vec<Fr> {
    v.par_iter().map(|x| *x * f).collect()
}

/// A prepared powers-of-tau file of `power` from `tau`, `alpha` and `beta`, laid out as
/// `snarkjs powersoftau prepare phase2` writes one, with an empty record of phase-1
/// contributions. Insecure by construction (see the module documentation).
#[must_use]
pub fn insecure_ptau(power: u32, tau: Fr, alpha: Fr, beta: Fr) -> Vec<u8> {
    let n = 1usize << power;
    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let mut w = Writer::new("ptau", 11);
    let h = w.section(1);
    h.extend_from_slice(&32u32.to_le_bytes());
    h.extend_from_slice(&Fq::MODULUS.to_bytes_le());
    h.extend_from_slice(&power.to_le_bytes());
    h.extend_from_slice(&28u32.to_le_bytes());
    let put1 = |out: &mut Vec<u8>, s: &[Fr]| encode_all(out, &g1.batch_mul(s));
    let put2 = |out: &mut Vec<u8>, s: &[Fr]| encode_all(out, &g2.batch_mul(s));
    let p = powers(tau, 2 * n - 1);
    put1(w.section(2), &p);
    put2(w.section(3), &p[..n]);
    put1(w.section(4), &times(&p[..n], alpha));
    put1(w.section(5), &times(&p[..n], beta));
    put2(w.section(6), &[beta]);
    w.section(7).extend_from_slice(&0u32.to_le_bytes());
    let blocks = |top: u32, f: Fr, zero_top: bool| -> Vec<Fr> {
        (0..=top).flat_map(|k| times(&lagrange(tau, k, zero_top && k == power + 1), f)).collect()
    };
    put1(w.section(12), &blocks(power + 1, Fr::one(), true));
    put2(w.section(13), &blocks(power, Fr::one(), false));
    put1(w.section(14), &blocks(power, alpha, false));
    put1(w.section(15), &blocks(power, beta, false));
    w.finish()
}
