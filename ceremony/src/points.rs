//! Point encodings of the iden3 files.
//!
//! In files ("LEM"): affine x then y, each coordinate as 32 little-endian bytes in
//! Montgomery form (exactly arkworks' internal limbs), G2 coordinates as c0 then c1, the
//! point at infinity as zeros. In hashes ("U"): big-endian standard form, G2 coordinates as
//! c1 then c0, infinity as zeros.

use ark_bn254::{Fq, Fq2};
use ark_ec::{short_weierstrass::Affine, AffineRepr};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use rayon::prelude::*;

use crate::error::{FormatError, PointError};

/// Bytes of an encoded G1 point.
pub const G1_LEN: usize = 64;
/// Bytes of an encoded G2 point.
pub const G2_LEN: usize = 128;

/// A base-field element from its 32 Montgomery bytes, refusing values ≥ q.
fn fq(b: &[u8]) -> Result<Fq, PointError> {
    let mut limbs = [0u64; 4];
    for (l, c) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *l = u64::from_le_bytes(c.try_into().expect("8 bytes"));
    }
    let v = BigInt(limbs);
    if v >= Fq::MODULUS {
        return Err(PointError::Coordinate);
    }
    Ok(Fq::new_unchecked(v))
}

fn put_fq(out: &mut Vec<u8>, x: &Fq) {
    for l in x.0 .0 {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

/// A curve group whose points the iden3 files carry.
pub trait FilePoint: AffineRepr + Send + Sync {
    /// Encoded length.
    const LEN: usize;
    /// Decodes a point: coordinates below q, on the curve, in the prime-order subgroup.
    ///
    /// # Errors
    /// The first property that fails.
    fn decode(b: &[u8]) -> Result<Self, PointError>;
    /// Decodes a point with every check but the subgroup's (G1 has cofactor 1, so that is
    /// [`FilePoint::decode`]; on G2 the subgroup check is most of the cost).
    ///
    /// # Errors
    /// The first property that fails.
    fn decode_on_curve(b: &[u8]) -> Result<Self, PointError> {
        Self::decode(b)
    }
    /// Appends the file encoding.
    fn encode(&self, out: &mut Vec<u8>);
    /// Appends the hash encoding.
    fn encode_u(&self, out: &mut Vec<u8>);
}

impl FilePoint for Affine<ark_bn254::g1::Config> {
    const LEN: usize = G1_LEN;

    fn decode(b: &[u8]) -> Result<Self, PointError> {
        let (x, y) = (fq(&b[..32])?, fq(&b[32..64])?);
        if x.is_zero() && y.is_zero() {
            return Ok(Self::identity());
        }
        let p = Self::new_unchecked(x, y);
        // G1 has cofactor 1: on the curve is in the group.
        if !p.is_on_curve() {
            return Err(PointError::NotOnCurve);
        }
        Ok(p)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self.xy() {
            Some((x, y)) => {
                put_fq(out, &x);
                put_fq(out, &y);
            }
            None => out.extend_from_slice(&[0; G1_LEN]),
        }
    }

    fn encode_u(&self, out: &mut Vec<u8>) {
        match self.xy() {
            Some((x, y)) => {
                out.extend_from_slice(&x.into_bigint().to_bytes_be());
                out.extend_from_slice(&y.into_bigint().to_bytes_be());
            }
            None => out.extend_from_slice(&[0; G1_LEN]),
        }
    }
}

impl FilePoint for Affine<ark_bn254::g2::Config> {
    const LEN: usize = G2_LEN;

    fn decode(b: &[u8]) -> Result<Self, PointError> {
        let p = Self::decode_on_curve(b)?;
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(PointError::NotInSubgroup);
        }
        Ok(p)
    }

    fn decode_on_curve(b: &[u8]) -> Result<Self, PointError> {
        let x = Fq2::new(fq(&b[..32])?, fq(&b[32..64])?);
        let y = Fq2::new(fq(&b[64..96])?, fq(&b[96..128])?);
        if x.is_zero() && y.is_zero() {
            return Ok(Self::identity());
        }
        let p = Self::new_unchecked(x, y);
        if !p.is_on_curve() {
            return Err(PointError::NotOnCurve);
        }
        Ok(p)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self.xy() {
            Some((x, y)) => {
                for c in [x.c0, x.c1, y.c0, y.c1] {
                    put_fq(out, &c);
                }
            }
            None => out.extend_from_slice(&[0; G2_LEN]),
        }
    }

    fn encode_u(&self, out: &mut Vec<u8>) {
        match self.xy() {
            Some((x, y)) => {
                for c in [x.c1, x.c0, y.c1, y.c0] {
                    out.extend_from_slice(&c.into_bigint().to_bytes_be());
                }
            }
            None => out.extend_from_slice(&[0; G2_LEN]),
        }
    }
}

/// The file encoding of one point.
#[must_use]
pub fn to_bytes<P: FilePoint>(p: &P) -> Vec<u8> {
    let mut v = Vec::with_capacity(P::LEN);
    p.encode(&mut v);
    v
}

/// The hash encoding of one point.
#[must_use]
pub fn to_u<P: FilePoint>(p: &P) -> Vec<u8> {
    let mut v = Vec::with_capacity(P::LEN);
    p.encode_u(&mut v);
    v
}

/// Appends the file encodings of `points`.
pub fn encode_all<P: FilePoint>(out: &mut Vec<u8>, points: &[P]) {
    out.reserve(points.len() * P::LEN);
    for p in points {
        p.encode(out);
    }
}

/// The hash encodings of `points`, concatenated.
#[must_use]
pub fn encode_u_all<P: FilePoint>(points: &[P]) -> Vec<u8> {
    let mut v = vec![0u8; points.len() * P::LEN];
    v.par_chunks_mut(P::LEN).zip(points.par_iter()).for_each(|(c, p)| {
        let mut b = Vec::with_capacity(P::LEN);
        p.encode_u(&mut b);
        c.copy_from_slice(&b);
    });
    v
}

/// Decodes every point of `bytes` (a whole number of points), in parallel, naming the
/// first bad one by its index in `section`.
///
/// # Errors
/// [`FormatError::BadPoint`] or [`FormatError::Invalid`] for a partial point.
pub fn decode_all<P: FilePoint>(
    bytes: &[u8],
    kind: &'static str,
    section: u32,
    name: &'static str,
) -> Result<Vec<P>, FormatError> {
    decode_all_with(bytes, kind, section, name, P::decode)
}

/// [`decode_all`] with `decode` for each point.
///
/// # Errors
/// As [`decode_all`].
pub fn decode_all_with<P: FilePoint>(
    bytes: &[u8],
    kind: &'static str,
    section: u32,
    name: &'static str,
    decode: fn(&[u8]) -> Result<P, PointError>,
) -> Result<Vec<P>, FormatError> {
    if !bytes.len().is_multiple_of(P::LEN) {
        return Err(FormatError::Invalid {
            kind,
            what: format!("section {section} ({name}) is not a whole number of {}-byte points", P::LEN),
        });
    }
    bytes
        .par_chunks_exact(P::LEN)
        .enumerate()
        .map(|(index, c)| decode(c).map_err(|why| FormatError::BadPoint { kind, section, name, index, why }))
        .collect()
}
