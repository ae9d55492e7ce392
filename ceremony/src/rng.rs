//! The deterministic sampling snarkjs's ceremony uses, reproduced bit for bit: it decides
//! the r of every proof of knowledge (`hash_to_g2`) and the whole key of a beacon, so a
//! verifier must recompute exactly what snarkjs (and phase2-bn254 before it) computed.
//!
//! The stream is ChaCha20 (rand_chacha, 64-bit block counter, stream 0) keyed with eight
//! big-endian words of a hash; a u64 is two words, high word first. A field element is
//! four u64 limbs, masked to 254 bits, redrawn while ≥ the modulus, and then read as a
//! *Montgomery* value (the element is v·R⁻¹), as the WebAssembly field of ffjavascript
//! stores it. A point draws x, then a sign bit, until x³ + b is a square; y is the root
//! whose "negative" flag (value > (q−1)/2, on c1 for G2, or on c0 when c1 = 0) equals the
//! bit; a G2 point is then multiplied by the full cofactor 2q − r.

use ark_bn254::{g2, Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::{short_weierstrass::SWCurveConfig, CurveConfig, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, PrimeField, Zero};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// The ChaCha stream seeded from the first 32 bytes of `seed` read as big-endian words.
#[derive(Debug)]
pub struct SnarkjsRng(ChaCha20Rng);

impl SnarkjsRng {
    /// The stream for `seed` (at least 32 bytes; the rest is ignored).
    ///
    /// # Panics
    /// If `seed` is shorter than 32 bytes.
    #[must_use]
    pub fn new(seed: &[u8]) -> Self {
        let mut key = [0u8; 32];
        for (k, w) in key.chunks_exact_mut(4).zip(seed[..32].chunks_exact(4)) {
            // snarkjs loads the words big-endian; ChaCha's key words are little-endian.
            let word = u32::from_be_bytes(w.try_into().expect("4 bytes"));
            k.copy_from_slice(&word.to_le_bytes());
        }
        Self(ChaCha20Rng::from_seed(key))
    }

    /// The stream of a beacon: `hash` iterated 2^`exp` times through SHA-256.
    #[must_use]
    pub fn beacon(hash: &[u8], exp: u8) -> Self {
        let mut cur: Vec<u8> = hash.to_vec();
        let n: u128 = 1u128 << exp;
        let mut i = 0u128;
        while i < n {
            cur = Sha256::digest(&cur).to_vec();
            i += 1;
        }
        Self::new(&cur)
    }

    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.0.next_u32());
        let lo = u64::from(self.0.next_u32());
        (hi << 32) | lo
    }

    fn next_bool(&mut self) -> bool {
        self.0.next_u32() & 1 == 1
    }

    /// Four masked limbs below `modulus`, as snarkjs draws them.
    fn limbs(&mut self, modulus: BigInt<4>) -> BigInt<4> {
        loop {
            let mut v = [0u64; 4];
            for l in &mut v {
                *l = self.next_u64();
            }
            v[3] &= (1u64 << 62) - 1; // 254 bits: both BN254 moduli are 254-bit
            let v = BigInt(v);
            if v < modulus {
                return v;
            }
        }
    }

    /// A scalar, as snarkjs's `Fr.fromRng`.
    pub fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.limbs(Fr::MODULUS))
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.limbs(Fq::MODULUS))
    }

    /// A G1 point, as snarkjs's `G1.fromRng`.
    pub fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.next_bool();
            let rhs = x * x.square() + ark_bn254::g1::Config::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let y = if negative_fq(&y) == greatest { y } else { -y };
                return G1Affine::new_unchecked(x, y);
            }
        }
    }

    /// A G2 point, as snarkjs's `G2.fromRng`.
    pub fn g2(&mut self) -> G2Affine {
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.next_bool();
            let rhs = x * x.square() + g2::Config::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let y = if negative_fq2(&y) == greatest { y } else { -y };
                let p = G2Affine::new_unchecked(x, y);
                // The full cofactor, not a faster multiple: the point must be snarkjs's.
                return G2Projective::from(p).mul_bigint(g2::Config::COFACTOR).into_affine();
            }
        }
    }
}

fn negative_fq(y: &Fq) -> bool {
    // (q − 1)/2 < y
    y.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

fn negative_fq2(y: &Fq2) -> bool {
    if y.c1.is_zero() {
        negative_fq(&y.c0)
    } else {
        negative_fq(&y.c1)
    }
}

/// snarkjs's `hashToG2`: the r of a proof of knowledge, from the transcript hash.
pub fn hash_to_g2(transcript: &[u8; 64]) -> G2Affine {
    SnarkjsRng::new(transcript).g2()
}
