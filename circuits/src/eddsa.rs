//! EdDSA-Poseidon over Baby JubJub, exactly as `@zk-kit/eddsa-poseidon` 1.1.0 (its default,
//! BLAKE-512 flavour, which is circomlibjs' `signPoseidon` / `verifyPoseidon`).
//!
//! Reference: <https://github.com/privacy-scaling-explorations/zk-kit/tree/main/packages/eddsa-poseidon>
//! at the npm release pinned in `scripts/package-lock.json`. Defined in [DESIGN §2][design].
//!
//! - expanded key `h = BLAKE-512(private key)`; `s = prune(h[0..32])` read little-endian,
//!   with the low 3 bits and bit 255 cleared and bit 254 set;
//! - secret scalar `(s >> 3) mod l`; public key `A = secret·Base8`;
//! - signature on a field element m: `r = LE(BLAKE-512(h[32..64] ‖ LE32(m))) mod l`,
//!   `R8 = r·Base8`, `hm = Poseidon(R8.x, R8.y, A.x, A.y, m)`, `S = r + hm·s mod l`;
//! - verification: A and R8 on the curve, `S < l`, and `S·Base8 = R8 + (8·hm)·A`.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

pub mod constraints;

use std::fmt;

use ark_ff::{BigInteger, PrimeField};
use blake_hash::Digest;
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    babyjubjub::{self, Point},
    poseidon, Fr, Fs,
};

/// A private key: bytes of any length (32 from [`PrivateKey::random`]), wiped on drop.
/// `Debug` never prints them.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PrivateKey(Vec<u8>);

/// A secret scalar `s < l`, wiped on drop. `Debug` never prints it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretScalar(Fs);

/// An EdDSA-Poseidon signature `(R8, S)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The commitment point `R8 = r·Base8`.
    pub r8: Point,
    /// The response S, an integer that a valid signature keeps below l (held in Fr so that
    /// out-of-range values can be represented and refused).
    pub s: Fr,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").finish_non_exhaustive()
    }
}

impl fmt::Debug for SecretScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretScalar").finish_non_exhaustive()
    }
}

fn blake512(chunks: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    let mut hasher = blake_hash::Blake512::new();
    for c in chunks {
        hasher.update(c);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&hasher.finalize());
    out
}

impl PrivateKey {
    /// A private key from its bytes (as `Buffer.from(privateKey)` in zk-kit: a UTF-8 string
    /// key is its bytes).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// 32 bytes from a cryptographically secure RNG.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = vec![0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `BLAKE-512(key)` and the pruned scalar s (not shifted) as an integer.
    fn expand(&self) -> (Zeroizing<[u8; 64]>, Zeroizing<[u8; 32]>) {
        let h = blake512(&[&self.0]);
        let mut s = Zeroizing::new([0u8; 32]);
        s.copy_from_slice(&h[..32]);
        s[0] &= 0xf8;
        s[31] &= 0x7f;
        s[31] |= 0x40;
        (h, s)
    }

    /// The secret scalar `(prune(h[0..32]) >> 3) mod l` (zk-kit's `deriveSecretScalar`).
    #[must_use]
    pub fn secret_scalar(&self) -> SecretScalar {
        let (_, s) = self.expand();
        // s >> 3 on the little-endian bytes, in place in a wiped buffer.
        let mut shifted = Zeroizing::new([0u8; 32]);
        for i in 0..32 {
            shifted[i] = s[i] >> 3 | s.get(i + 1).map_or(0, |next| next << 5);
        }
        SecretScalar(Fs::from_le_bytes_mod_order(&shifted[..]))
    }

    /// The public key `A = secret·Base8` (zk-kit's `derivePublicKey`).
    pub fn public_key(&self) -> Point {
        self.secret_scalar().public_key()
    }

    /// Signs a field element (zk-kit's `signMessage`).
    #[must_use]
    pub fn sign(&self, message: Fr) -> Signature {
        let (h, s) = self.expand();
        let a = self.public_key();
        let msg = message.into_bigint().to_bytes_le();
        let r_bytes = blake512(&[&h[32..], &msg]);
        let r = Zeroizing::new(Fs::from_le_bytes_mod_order(&r_bytes[..]));
        let r8 = babyjubjub::mul_base(r.into_bigint());
        let hm = poseidon::hash(&[r8.x, r8.y, a.x, a.y, message]);
        let hm = Fs::from_le_bytes_mod_order(&hm.into_bigint().to_bytes_le());
        let s = Zeroizing::new(Fs::from_le_bytes_mod_order(&s[..]));
        let big_s = *r + hm * *s;
        Signature { r8, s: Fr::from_bigint(big_s.into_bigint()).expect("l < r") }
    }
}

impl SecretScalar {
    /// A secret scalar given directly (e.g. from a Semaphore identity export).
    #[must_use]
    pub fn new(s: Fs) -> Self {
        Self(s)
    }

    /// The scalar, as an element of the subgroup's scalar field.
    #[must_use]
    pub fn expose(&self) -> &Fs {
        &self.0
    }

    /// The scalar as a BN254 field element (the value the Approval circuit takes; `< l < r`).
    #[must_use]
    pub fn to_fr(&self) -> Fr {
        Fr::from_bigint(self.0.into_bigint()).expect("l < r")
    }

    /// `A = s·Base8`.
    pub fn public_key(&self) -> Point {
        babyjubjub::mul_base(self.0.into_bigint())
    }
}

/// `Poseidon(R8.x, R8.y, A.x, A.y, m)`, the challenge.
#[must_use]
pub fn challenge(r8: &Point, a: &Point, message: Fr) -> Fr {
    poseidon::hash(&[r8.x, r8.y, a.x, a.y, message])
}

/// zk-kit's `verifySignature`: A and R8 on the curve, `S < l`, `S·Base8 = R8 + (8·hm)·A`.
#[must_use]
pub fn verify(public_key: &Point, message: Fr, signature: &Signature) -> bool {
    if !public_key.is_on_curve() || !signature.r8.is_on_curve() {
        return false;
    }
    if signature.s.into_bigint() >= Fs::MODULUS {
        return false;
    }
    let hm = challenge(&signature.r8, public_key, message);
    let left = babyjubjub::mul_base(signature.s.into_bigint());
    let hm_a = babyjubjub::mul_point(public_key, hm.into_bigint());
    let eight_hm_a = babyjubjub::mul_point(&hm_a, <Fr as PrimeField>::BigInt::from(8u64));
    let right: Point = (signature.r8 + eight_hm_a).into();
    left == right
}

#[cfg(test)]
mod tests;
