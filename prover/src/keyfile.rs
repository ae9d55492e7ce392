//! The proving-key file: a fixed header, then the Groth16 key and the shape's R1CS matrices
//! in arkworks' uncompressed encoding ([DESIGN §5][design]).
//!
//! ```text
//! offset size  field
//!      0    8  magic "VEIL-PK\0"
//!      8    2  format version (1), little-endian like every integer here
//!     10    2  circuit id (1 approval, 2 threshold)
//!     12    4  maximum depth
//!     16    4  k_max (0 for approval)
//!     20    4  flags (bit 0: development setup from a single party's randomness)
//!     24    8  constraints        32 8 instance variables (with the 1)   40 8 witness variables
//!     48   32  shape hash: SHA-256 of the R1CS (sizes and every matrix entry)
//!     80    8  body length        88 32 SHA-256 of the body
//!    120    …  body: ProvingKey (ark-serialize, uncompressed), then A, B, C
//! ```
//!
//! Loading is fast by default: the body hash guards against corruption and truncation,
//! the header against a key of another circuit, shape or veil version (the sizes must
//! equal this build's circuit), and points are read without curve checks; the hash and the
//! decoding of the key and of each matrix run in parallel (6 ms at depth 20 instead of
//! ~0.35 s). [`Check::Full`] also validates every point (on the curve, in the subgroup) and
//! re-derives the shape hash from the matrices and from this build's circuit: use it for
//! keys from elsewhere.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/ARCHITECTURE.md

use std::{io::Read, path::Path};

use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::Matrix;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};
use thiserror::Error;
use veil_circuits::{approval, threshold, Fr};

use crate::{
    engine::{approval_shape, threshold_shape, CircuitId, ProverKey, R1cs, ShapeId},
    ProvingKey,
};

/// The first eight bytes of every veil proving key.
pub const MAGIC: [u8; 8] = *b"VEIL-PK\0";
/// The version of this layout.
pub const FORMAT_VERSION: u16 = 1;
/// The length of the header, before the body.
pub const HEADER_LEN: usize = 120;
const FLAG_DEVELOPMENT: u32 = 1;

/// How much to verify when loading a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Header, sizes and the body hash (for keys this installation wrote).
    Fast,
    /// Also every point's curve and subgroup membership, and the header's shape hash
    /// against the matrices and this build's circuit (for keys from elsewhere).
    Full,
}

/// Why a proving-key file was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyFileError {
    /// The file does not start with veil's magic bytes.
    #[error("not a veil proving key (bad magic bytes)")]
    NotAKey,
    /// A layout this build does not read.
    #[error("proving-key format version {found} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
    },
    /// An unknown circuit id.
    #[error("unknown circuit id {0} in the key header")]
    UnknownCircuit(u16),
    /// The file is shorter than its header says.
    #[error("the key file is truncated: {expected} bytes expected, {found} present")]
    Truncated {
        /// Bytes the header announces.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The body does not match its hash.
    #[error("the key file is corrupted: its content hash does not match")]
    Corrupted,
    /// A key for another shape than the one asked for.
    #[error("this key is for {found}, not {expected}")]
    WrongShape {
        /// The shape asked for.
        expected: String,
        /// The shape in the key.
        found: String,
    },
    /// The key was made for another version of the circuit.
    #[error("this key was made for another version of the {shape} circuit ({detail}); run setup again")]
    StaleCircuit {
        /// The key's shape.
        shape: String,
        /// What differs.
        detail: String,
    },
    /// The body does not decode (bad points, coordinates ≥ p, entries ≥ r).
    #[error("the key body is malformed: {0}")]
    Malformed(String),
}

/// Encodes a key into the file layout.
///
/// # Panics
/// Never for keys made by [`ProverKey::setup`] (serialization into a `Vec` cannot fail).
#[must_use]
pub fn to_bytes(key: &ProverKey) -> Vec<u8> {
    let mut body = Vec::new();
    key.pk.serialize_uncompressed(&mut body).expect("writing to a Vec");
    for m in &key.r1cs.matrices {
        body.extend_from_slice(&(m.len() as u64).to_le_bytes());
        for row in m {
            body.extend_from_slice(&(row.len() as u32).to_le_bytes());
            for (coeff, var) in row {
                body.extend_from_slice(&(*var as u32).to_le_bytes());
                body.extend_from_slice(&coeff.into_bigint().to_bytes_le());
            }
        }
    }
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(key.shape.circuit as u16).to_le_bytes());
    out.extend_from_slice(&key.shape.depth.to_le_bytes());
    out.extend_from_slice(&key.shape.k_max.to_le_bytes());
    out.extend_from_slice(&(if key.development { FLAG_DEVELOPMENT } else { 0 }).to_le_bytes());
    for n in [key.r1cs.num_constraints(), key.r1cs.num_instance, key.r1cs.num_witness] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(&key.r1cs.shape_hash());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&body));
    debug_assert_eq!(out.len(), HEADER_LEN);
    out.extend_from_slice(&body);
    out
}

/// The header fields of a key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The shape.
    pub shape: ShapeId,
    /// Development setup.
    pub development: bool,
    /// Constraints.
    pub num_constraints: usize,
    /// Instance variables (with the constant 1).
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// SHA-256 of the R1CS.
    pub shape_hash: [u8; 32],
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().expect("2 bytes"))
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], at: usize) -> usize {
    usize::try_from(u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))).unwrap_or(usize::MAX)
}

/// Reads and checks the header only (`bytes` may be the header alone).
///
/// # Errors
/// Any [`KeyFileError`] the header alone can show.
pub fn read_header(bytes: &[u8]) -> Result<Header, KeyFileError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(KeyFileError::NotAKey);
    }
    if bytes.len() < HEADER_LEN {
        return Err(KeyFileError::Truncated { expected: HEADER_LEN, found: bytes.len() });
    }
    let version = u16_at(bytes, 8);
    if version != FORMAT_VERSION {
        return Err(KeyFileError::UnsupportedVersion { found: version });
    }
    let id = u16_at(bytes, 10);
    let circuit = CircuitId::from_u16(id).ok_or(KeyFileError::UnknownCircuit(id))?;
    Ok(Header {
        shape: ShapeId { circuit, depth: u32_at(bytes, 12), k_max: u32_at(bytes, 16) },
        development: u32_at(bytes, 20) & FLAG_DEVELOPMENT != 0,
        num_constraints: u64_at(bytes, 24),
        num_instance: u64_at(bytes, 32),
        num_witness: u64_at(bytes, 40),
        shape_hash: bytes[48..80].try_into().expect("32 bytes"),
    })
}

/// Decodes a key, refusing one of another shape than `expected` (when given).
///
/// # Errors
/// Any [`KeyFileError`].
pub fn from_bytes(bytes: &[u8], expected: Option<ShapeId>, check: Check) -> Result<ProverKey, KeyFileError> {
    let header = read_header(bytes)?;
    if let Some(e) = expected {
        if e != header.shape {
            return Err(KeyFileError::WrongShape { expected: e.to_string(), found: header.shape.to_string() });
        }
    }
    let body_len = u64_at(bytes, 80);
    let total = HEADER_LEN.saturating_add(body_len);
    if bytes.len() < total {
        return Err(KeyFileError::Truncated { expected: total, found: bytes.len() });
    }
    if bytes.len() > total {
        return Err(KeyFileError::Corrupted);
    }
    let body = &bytes[HEADER_LEN..];
    let depth = header.shape.depth as usize;
    let k_max = header.shape.k_max as usize;
    let (expected_constraints, blank): (usize, Box<dyn FnOnce() -> Result<R1cs, crate::ProverError>>) =
        match header.shape.circuit {
            CircuitId::Approval => {
                let (_, blank) = approval_shape(depth).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
                (approval::num_constraints(depth), Box::new(move || R1cs::from_blank(blank)))
            }
            CircuitId::Threshold => {
                let (_, blank) = threshold_shape(depth, k_max).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
                (threshold::num_constraints(depth, k_max), Box::new(move || R1cs::from_blank(blank)))
            }
        };
    if header.num_constraints != expected_constraints {
        return Err(KeyFileError::StaleCircuit {
            shape: header.shape.to_string(),
            detail: format!("{} constraints in the key, {expected_constraints} in this build", header.num_constraints),
        });
    }

    let validate = match check {
        Check::Fast => Validate::No,
        Check::Full => Validate::Yes,
    };
    // The hash and the decoding run side by side; a body that fails its hash is reported
    // as corrupted, whatever its decoding found.
    let (digest, decoded) = rayon::join(|| Sha256::digest(body), || decode_body(body, &header, validate));
    if digest[..] != bytes[88..120] {
        return Err(KeyFileError::Corrupted);
    }
    let (pk, matrices) = decoded?;
    let r1cs = R1cs { matrices, num_instance: header.num_instance, num_witness: header.num_witness };
    // The body hash already covers the matrices; the full check also ties them to the
    // header's shape hash and to this build's circuit.
    if check == Check::Full {
        if r1cs.shape_hash() != header.shape_hash {
            return Err(KeyFileError::Corrupted);
        }
        let ours = blank().map_err(|e| KeyFileError::Malformed(e.to_string()))?;
        if ours.shape_hash() != header.shape_hash {
            return Err(KeyFileError::StaleCircuit {
                shape: header.shape.to_string(),
                detail: "its constraint system differs from this build's".into(),
            });
        }
        if pk.vk.gamma_abc_g1.len() != header.num_instance {
            return Err(KeyFileError::Malformed("verifying key input count differs from the header".into()));
        }
    }
    Ok(ProverKey { shape: header.shape, development: header.development, pk, r1cs, tables: None })
}

/// The Groth16 key and the three matrices of a body, each decoded on its own rayon task:
/// the boundaries are found first from the encoded lengths (points and entries have fixed
/// sizes), and each part must decode to exactly its bytes.
fn decode_body(
    body: &[u8],
    header: &Header,
    validate: Validate,
) -> Result<(ProvingKey, [Matrix<Fr>; 3]), KeyFileError> {
    let pk_len = proving_key_len(body)?;
    let (pk_bytes, mut rest) = body.split_at(pk_len);
    let mut parts = [&[][..]; 3];
    for part in &mut parts {
        let len = matrix_len(rest)?;
        (*part, rest) = rest.split_at(len);
    }
    if !rest.is_empty() {
        return Err(KeyFileError::Malformed(format!("{} bytes after the matrices", rest.len())));
    }
    let num_vars = header.num_instance + header.num_witness;
    let matrix = |bytes: &[u8]| decode_matrix(bytes, header.num_constraints, num_vars);
    let (pk, (a, (b, c))) = rayon::join(
        || decode_proving_key(pk_bytes, validate),
        || rayon::join(|| matrix(parts[0]), || rayon::join(|| matrix(parts[1]), || matrix(parts[2]))),
    );
    Ok((pk?, [a?, b?, c?]))
}

/// The uncompressed Groth16 key (ark-serialize's encoding of `ProvingKey`: the verifying
/// key, β₁, δ₁, then five length-prefixed queries), its parts decoded on rayon tasks of
/// their own; each must decode to exactly its bytes.
fn decode_proving_key(bytes: &[u8], validate: Validate) -> Result<ProvingKey, KeyFileError> {
    use ark_bn254::{G1Affine, G2Affine};
    let g1 = G1Affine::default().uncompressed_size();
    let g2 = G2Affine::default().uncompressed_size();
    let bad = |what: &str, e: &dyn std::fmt::Display| KeyFileError::Malformed(format!("Groth16 key, {what}: {e}"));
    // Boundaries: the verifying key ends after its input points (`proving_key_len` has
    // checked every length against the body).
    let vec_len = |at: usize, size: usize| 8 + u64_at(&bytes[at..at + 8], 0) * size;
    let vk_len = g1 + 3 * g2 + vec_len(g1 + 3 * g2, g1);
    let mut at = vk_len + 2 * g1;
    let mut query = |size: usize| {
        let part = &bytes[at..at + vec_len(at, size)];
        at += part.len();
        part
    };
    let (a, b1, b2, h, l) = (query(g1), query(g1), query(g2), query(g1), query(g1));
    fn exact<T: CanonicalDeserialize>(mut part: &[u8], validate: Validate) -> Result<T, String> {
        let value = T::deserialize_with_mode(&mut part, Compress::No, validate).map_err(|e| e.to_string())?;
        if part.is_empty() {
            Ok(value)
        } else {
            Err("longer than its encoding".into())
        }
    }
    let head = &bytes[..vk_len + 2 * g1];
    let ((head, a_query), ((b_g1_query, b_g2_query), (h_query, l_query))) = rayon::join(
        || {
            rayon::join(
                || exact::<(crate::VerifyingKey, G1Affine, G1Affine)>(head, validate),
                || exact::<Vec<G1Affine>>(a, validate),
            )
        },
        || {
            rayon::join(
                || rayon::join(|| exact::<Vec<G1Affine>>(b1, validate), || exact::<Vec<G2Affine>>(b2, validate)),
                || rayon::join(|| exact::<Vec<G1Affine>>(h, validate), || exact::<Vec<G1Affine>>(l, validate)),
            )
        },
    );
    let (vk, beta_g1, delta_g1) = head.map_err(|e| bad("verifying key", &e))?;
    Ok(ProvingKey {
        vk,
        beta_g1,
        delta_g1,
        a_query: a_query.map_err(|e| bad("A query", &e))?,
        b_g1_query: b_g1_query.map_err(|e| bad("B query in G1", &e))?,
        b_g2_query: b_g2_query.map_err(|e| bad("B query in G2", &e))?,
        h_query: h_query.map_err(|e| bad("H query", &e))?,
        l_query: l_query.map_err(|e| bad("L query", &e))?,
    })
}

/// The length of the uncompressed Groth16 key at the start of `body`, from its vector
/// lengths: the verifying key (α₁, β₂, γ₂, δ₂, then the input points), β₁, δ₁, then the
/// A, B₁, B₂, H and L queries.
fn proving_key_len(body: &[u8]) -> Result<usize, KeyFileError> {
    use ark_bn254::{G1Affine, G2Affine};
    let g1 = G1Affine::default().uncompressed_size();
    let g2 = G2Affine::default().uncompressed_size();
    let short = || KeyFileError::Malformed("the Groth16 key ends early".into());
    let mut at = 0usize;
    let mut skip = |fixed: usize, points: Option<usize>| -> Result<(), KeyFileError> {
        at = at.checked_add(fixed).ok_or_else(short)?;
        if let Some(size) = points {
            let n = u64_at(body.get(at..at + 8).ok_or_else(short)?, 0);
            at = n.checked_mul(size).and_then(|b| b.checked_add(at + 8)).ok_or_else(short)?;
        }
        if at > body.len() {
            return Err(short());
        }
        Ok(())
    };
    skip(g1 + 3 * g2, Some(g1))?; // vk, then gamma_abc_g1
    skip(2 * g1, Some(g1))?; // beta_g1, delta_g1, then a_query
    skip(0, Some(g1))?; // b_g1_query
    skip(0, Some(g2))?; // b_g2_query
    skip(0, Some(g1))?; // h_query
    skip(0, Some(g1))?; // l_query
    Ok(at)
}

/// One matrix's encoded length at the start of `bytes`: rows, then per row its length
/// and 36 bytes per entry.
fn matrix_len(bytes: &[u8]) -> Result<usize, KeyFileError> {
    let short = || KeyFileError::Malformed("matrices end early".into());
    let rows = u64_at(bytes.get(..8).ok_or_else(short)?, 0);
    let mut at = 8usize;
    for _ in 0..rows {
        let len = u32_at(bytes.get(at..at + 4).ok_or_else(short)?, 0) as usize;
        at = at + 4 + len * ENTRY_LEN;
        if at > bytes.len() {
            return Err(short());
        }
    }
    Ok(at)
}

/// Bytes per matrix entry: the variable (u32) and the coefficient (32 bytes, canonical).
const ENTRY_LEN: usize = 36;

fn decode_matrix(mut reader: &[u8], num_constraints: usize, num_vars: usize) -> Result<Matrix<Fr>, KeyFileError> {
    let rows = read_u64(&mut reader)?;
    if rows != num_constraints {
        return Err(KeyFileError::Malformed(format!("a matrix has {rows} rows, the header says {num_constraints}")));
    }
    let mut m = Vec::with_capacity(rows);
    for _ in 0..rows {
        let len = read_u32(&mut reader)? as usize;
        let mut row = Vec::with_capacity(len.min(num_vars));
        for _ in 0..len {
            let var = read_u32(&mut reader)? as usize;
            if var >= num_vars {
                return Err(KeyFileError::Malformed(format!("matrix entry for variable {var} of {num_vars}")));
            }
            let mut le = [0u8; 32];
            reader.read_exact(&mut le).map_err(|_| KeyFileError::Malformed("matrix entries end early".into()))?;
            let limbs: [u64; 4] =
                std::array::from_fn(|i| u64::from_le_bytes(le[8 * i..8 * i + 8].try_into().expect("8 bytes")));
            let coeff = Fr::from_bigint(ark_ff::BigInt(limbs))
                .ok_or_else(|| KeyFileError::Malformed("matrix coefficient ≥ r".into()))?;
            row.push((coeff, var));
        }
        m.push(row);
    }
    Ok(m)
}

fn read_u64(r: &mut &[u8]) -> Result<usize, KeyFileError> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b).map_err(|_| KeyFileError::Malformed("matrices end early".into()))?;
    usize::try_from(u64::from_le_bytes(b)).map_err(|_| KeyFileError::Malformed("size overflows".into()))
}

fn read_u32(r: &mut &[u8]) -> Result<u32, KeyFileError> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(|_| KeyFileError::Malformed("matrices end early".into()))?;
    Ok(u32::from_le_bytes(b))
}

/// Writes a key atomically.
///
/// # Errors
/// I/O errors.
pub fn save(key: &ProverKey, path: &Path) -> std::io::Result<()> {
    crate::fs::write_atomic(path, &to_bytes(key), false)
}

/// Reads a key file.
///
/// # Errors
/// [`LoadError::Io`] or [`LoadError::Format`].
pub fn load(path: &Path, expected: Option<ShapeId>, check: Check) -> Result<ProverKey, LoadError> {
    let bytes = std::fs::read(path)?;
    Ok(from_bytes(&bytes, expected, check)?)
}

/// Why a key could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is not a valid key for the shape asked.
    #[error(transparent)]
    Format(#[from] KeyFileError),
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    fn key(depth: usize) -> ProverKey {
        let mut rng = ChaCha20Rng::seed_from_u64(81);
        let (shape, blank) = approval_shape(depth).unwrap();
        ProverKey::setup(shape, blank, &mut rng).unwrap()
    }

    #[test]
    fn round_trips_fast_and_full() {
        let k = key(3);
        let bytes = to_bytes(&k);
        assert_eq!(from_bytes(&bytes, Some(k.shape), Check::Fast).unwrap(), k);
        assert_eq!(from_bytes(&bytes, None, Check::Full).unwrap(), k);
        let header = read_header(&bytes).unwrap();
        assert!(header.development);
        assert_eq!(header.num_constraints, approval::num_constraints(3));
    }

    #[test]
    fn refuses_every_kind_of_bad_file() {
        let k = key(3);
        let bytes = to_bytes(&k);
        let fast = |b: &[u8]| from_bytes(b, Some(k.shape), Check::Fast).unwrap_err();

        assert_eq!(fast(b"hello, world"), KeyFileError::NotAKey);
        let mut v = bytes.clone();
        v[8] = 9;
        assert_eq!(fast(&v), KeyFileError::UnsupportedVersion { found: 9 });
        let mut v = bytes.clone();
        v[10] = 7;
        assert_eq!(fast(&v), KeyFileError::UnknownCircuit(7));
        assert!(matches!(fast(&bytes[..bytes.len() - 10]), KeyFileError::Truncated { .. }));
        assert!(matches!(fast(&bytes[..60]), KeyFileError::Truncated { .. }));
        let mut v = bytes.clone();
        let last = v.len() - 1;
        v[last] ^= 1;
        assert_eq!(fast(&v), KeyFileError::Corrupted);
        let mut v = bytes.clone();
        v.push(0);
        assert_eq!(fast(&v), KeyFileError::Corrupted);

        let other = ShapeId { depth: 4, ..k.shape };
        assert!(matches!(from_bytes(&bytes, Some(other), Check::Fast), Err(KeyFileError::WrongShape { .. })));

        // A header claiming depth 4 for a depth-3 body: the sizes disagree with this build.
        let mut v = bytes.clone();
        v[12] = 4;
        assert!(matches!(from_bytes(&v, None, Check::Fast), Err(KeyFileError::StaleCircuit { .. })));
    }

    #[test]
    fn decoding_finds_every_part_and_refuses_bad_lengths() {
        use ark_bn254::{G1Affine, G2Affine};
        let k = key(3);
        let bytes = to_bytes(&k);
        let body = &bytes[HEADER_LEN..];
        let header = read_header(&bytes).unwrap();
        assert_eq!(proving_key_len(body).unwrap(), k.pk.serialized_size(Compress::No));
        let (pk, matrices) = decode_body(body, &header, Validate::Yes).unwrap();
        assert!(pk == k.pk && matrices == k.r1cs.matrices);
        // Every truncation is refused, none panics.
        for cut in (0..body.len()).step_by(89) {
            assert!(matches!(decode_body(&body[..cut], &header, Validate::No), Err(KeyFileError::Malformed(_))));
        }
        // A vector length running past the end (the input points of the verifying key).
        let at = G1Affine::default().uncompressed_size() + 3 * G2Affine::default().uncompressed_size();
        for n in [u64::MAX, u64::MAX / 64, 1 << 40] {
            let mut v = body.to_vec();
            v[at..at + 8].copy_from_slice(&n.to_le_bytes());
            assert!(matches!(decode_body(&v, &header, Validate::No), Err(KeyFileError::Malformed(_))));
        }
        // Extra bytes after the matrices.
        let mut v = body.to_vec();
        v.push(0);
        assert!(matches!(decode_body(&v, &header, Validate::No), Err(KeyFileError::Malformed(_))));
    }

    #[test]
    fn full_check_refuses_an_off_curve_point_that_fast_load_passes() {
        let k = key(2);
        let mut bytes = to_bytes(&k);
        // The first point of the body is vk.alpha_g1 (x then y, 32 bytes each): change y
        // and re-seal the hash, as someone handing out a doctored key would.
        bytes[HEADER_LEN + 32] ^= 1;
        let digest = Sha256::digest(&bytes[HEADER_LEN..]);
        bytes[88..120].copy_from_slice(&digest);
        assert!(from_bytes(&bytes, None, Check::Fast).is_ok());
        assert!(matches!(from_bytes(&bytes, None, Check::Full), Err(KeyFileError::Malformed(_))));
    }
}
