//! The proving-key file: a fixed header, then the Groth16 key and the shape's R1CS matrices
//! ([DESIGN §5][design]).
//!
//! ```text
//! offset size  field
//!      0    8  magic "VEIL-PK\0"
//!      8    2  format version (4; 1 to 3 still read), little-endian like every integer here
//!     10    2  circuit id (1 approval, 2 threshold, 3 policy: version 4 only)
//!     12    4  maximum depth
//!     16    4  k_max (0 for approval)
//!     20    4  flags: bit 0 development setup (one party's randomness), bit 1 ceremony;
//!              version 3 sets exactly one and no other bit, versions 1 and 2 always bit 0
//!     24    8  constraints        32 8 instance variables (with the 1)   40 8 witness variables
//!     48   32  shape hash: SHA-256 of the R1CS (sizes and every matrix entry)
//!     80    8  body length        88 32 hash of the body: BLAKE3 (version 1: SHA-256)
//!    120   32  r1cs hash: SHA-256 of the circuit's iden3 .r1cs export (version 3 only;
//!              zeros for a development key)
//!    152   64  circuit hash: the ceremony's snarkjs csHash, BLAKE2b-512 (version 3 only;
//!              zeros for a development key)
//!    216    4  policy depth (version 4; 1..=16 for a policy key, 0 for the others)
//!    220    4  reserved, zero (version 4)
//!    224    …  body: the Groth16 key, then the matrices A, B, C (versions 1 and 2: at 120;
//!              version 3: at 216)
//! ```
//!
//! Version 4 added the policy depth for the Policy statement, whose shape has three
//! parameters; its body is version 3's, so an Approval or Threshold key read from either
//! version is the same key.
//!
//! The provenance ([`Provenance`](crate::Provenance)) is the header's: a ceremony key names
//! the circuit its ceremony ran for, and neither hash may then be zero; a development key
//! carries zeros. The body hash covers the body only, so the body of a version-3 file is
//! exactly version 2's.
//!
//! The body follows arkworks' uncompressed `ProvingKey` layout (verifying key: α₁, β₂, γ₂,
//! δ₂, then the input points; β₁, δ₁; then the A, B₁, B₂, H and L queries, each vector
//! prefixed by its u64 length), then each matrix: u64 rows, and per row a u32 length and
//! its entries (u32 variable, 32-byte coefficient). Version 2 writes every field element
//! as its four little-endian Montgomery limbs (arkworks' in-memory form; points as x then
//! y, the identity as zeros, which no point on BN254's curves is), so loading converts
//! nothing; version 1 wrote canonical values (arkworks' serialization, with flag bits),
//! which cost a field multiplication per coordinate and coefficient to read back. Sizes
//! are the same in both. Version 3 writes version 2's body. Every coordinate and coefficient
//! is checked below its modulus.
//!
//! Loading is fast by default: the body hash guards against corruption and truncation,
//! the header against a key of another circuit, shape or veil version (the sizes must
//! equal this build's circuit), and points are read without curve checks; the hash, the
//! decoding of the key and the check of each matrix run in parallel. A version-2 matrix is
//! the prover's own form ([`crate::sparse`]): loaded with [`from_map`](crate::keyfile::from_map), it stays in the
//! mapped file and is read in place. [`Check::Full`](crate::keyfile::Check::Full) also validates every point (on the curve, in the subgroup) and
//! re-derives the shape hash from the matrices and from this build's circuit: use it for
//! keys from elsewhere.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::{path::Path, sync::Arc};

use ark_bn254::G1Affine;
use ark_ec::{short_weierstrass::Affine, AffineRepr};
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};
use thiserror::Error;
use veil_circuits::{approval, policy, threshold, Fr};

use crate::{
    engine::{approval_shape, policy_shape, threshold_shape, CircuitId, Provenance, ProverKey, R1cs, ShapeId},
    msm::TableCurve,
    sparse::{Bytes, SparseMatrix, ENTRY_LEN},
    ProvingKey,
};

/// The first eight bytes of every veil proving key.
pub const MAGIC: [u8; 8] = *b"VEIL-PK\0";
/// The version this build writes: version 2's body under a header that records the key's
/// provenance and (Policy) the policy depth.
pub const FORMAT_VERSION: u16 = 4;
/// The first version, still read: canonical encodings and a SHA-256 body hash.
const VERSION_1: u16 = 1;
/// The second version, still read: version 3's body under a 120-byte header.
const VERSION_2: u16 = 2;
/// The third version, still read: version 4's header without the policy depth (no Policy keys).
const VERSION_3: u16 = 3;
/// The longest header of any version this build reads: read this much to read any header.
pub const MAX_HEADER_LEN: usize = header_len(FORMAT_VERSION);
/// The header of versions 1 and 2, the shortest.
const MIN_HEADER_LEN: usize = 120;
/// Where version 3's r1cs hash and circuit hash sit.
const R1CS_HASH_AT: usize = 120;
const CIRCUIT_HASH_AT: usize = 152;
/// Where version 4's policy depth and reserved word sit.
const POLICY_DEPTH_AT: usize = 216;
const RESERVED_AT: usize = 220;
const FLAG_DEVELOPMENT: u32 = 1;
const FLAG_CEREMONY: u32 = 2;

/// The length of the header of layout `version`, where the body starts: 120 bytes for
/// versions 1 and 2, 216 for version 3, 224 for version 4.
#[must_use]
pub const fn header_len(version: u16) -> usize {
    if version <= VERSION_2 {
        MIN_HEADER_LEN
    } else if version == VERSION_3 {
        POLICY_DEPTH_AT
    } else {
        RESERVED_AT + 4
    }
}

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
    #[error("proving-key format version {found} is not supported (this build reads versions 1 to {FORMAT_VERSION})")]
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
    /// The header's flags or hashes are inconsistent, or the body does not decode (bad
    /// points, coordinates ≥ p, entries ≥ r).
    #[error("the key file is malformed: {0}")]
    Malformed(String),
}

/// Encodes a key into the file layout (version [`FORMAT_VERSION`]).
///
/// # Panics
/// Never for keys made by [`ProverKey::setup`] (serialization into a `Vec` cannot fail).
#[must_use]
pub fn to_bytes(key: &ProverKey) -> Vec<u8> {
    encode(key, FORMAT_VERSION)
}

/// Encodes a key in layout `version` (1 to 4; versions 1 and 2 have no room for a
/// ceremony's hashes, and were only ever written for development keys; versions 1 to 3 none
/// for a policy depth, and were never written for Policy keys).
fn encode(key: &ProverKey, version: u16) -> Vec<u8> {
    let mut body = Vec::new();
    if version == VERSION_1 {
        key.pk.serialize_uncompressed(&mut body).expect("writing to a Vec");
    } else {
        let pk = &key.pk;
        put_point(&mut body, &pk.vk.alpha_g1);
        for p in [&pk.vk.beta_g2, &pk.vk.gamma_g2, &pk.vk.delta_g2] {
            put_point(&mut body, p);
        }
        put_points(&mut body, &pk.vk.gamma_abc_g1);
        put_point(&mut body, &pk.beta_g1);
        put_point(&mut body, &pk.delta_g1);
        put_points(&mut body, &pk.a_query);
        put_points(&mut body, &pk.b_g1_query);
        put_points(&mut body, &pk.b_g2_query);
        put_points(&mut body, &pk.h_query);
        put_points(&mut body, &pk.l_query);
    }
    for m in &key.r1cs.matrices {
        body.extend_from_slice(&(m.rows() as u64).to_le_bytes());
        if version == VERSION_1 {
            for i in 0..m.rows() {
                let row = m.row(i);
                body.extend_from_slice(&(row.len() as u32).to_le_bytes());
                for (coeff, var) in row {
                    body.extend_from_slice(&(var as u32).to_le_bytes());
                    body.extend_from_slice(&coeff.into_bigint().to_bytes_le());
                }
            }
        } else {
            // The matrices are kept in this layout.
            body.extend_from_slice(m.encoded());
        }
    }
    let header_len = header_len(version);
    let mut out = Vec::with_capacity(header_len + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(key.shape.circuit as u16).to_le_bytes());
    out.extend_from_slice(&key.shape.depth.to_le_bytes());
    out.extend_from_slice(&key.shape.k_max.to_le_bytes());
    let flags = if key.provenance.is_development() { FLAG_DEVELOPMENT } else { FLAG_CEREMONY };
    out.extend_from_slice(&flags.to_le_bytes());
    for n in [key.r1cs.num_constraints(), key.r1cs.num_instance, key.r1cs.num_witness] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(&key.r1cs.shape_hash());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body_hash(version, &body));
    if version >= VERSION_3 {
        let (r1cs_hash, circuit_hash) = match &key.provenance {
            Provenance::Development => ([0; 32], [0; 64]),
            Provenance::Ceremony { r1cs_hash, circuit_hash } => (*r1cs_hash, *circuit_hash),
        };
        out.extend_from_slice(&r1cs_hash);
        out.extend_from_slice(&circuit_hash);
    }
    if version >= FORMAT_VERSION {
        out.extend_from_slice(&key.shape.policy_depth.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
    }
    debug_assert_eq!(out.len(), header_len);
    out.extend_from_slice(&body);
    out
}

/// The body hash of layout `version`.
fn body_hash(version: u16, body: &[u8]) -> [u8; 32] {
    if version == VERSION_1 {
        Sha256::digest(body).into()
    } else {
        blake3::hash(body).into()
    }
}

fn put_limbs(out: &mut Vec<u8>, limbs: &[u64]) {
    for l in limbs {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

/// A point as its coordinates' Montgomery limbs, the identity as zeros.
fn put_point<P: TableCurve>(out: &mut Vec<u8>, p: &Affine<P>) {
    let mut limbs = [0u64; 16];
    if !p.is_zero() {
        P::to_limbs(p, &mut limbs[..P::LIMBS]);
    }
    put_limbs(out, &limbs[..P::LIMBS]);
}

fn put_points<P: TableCurve>(out: &mut Vec<u8>, points: &[Affine<P>]) {
    out.extend_from_slice(&(points.len() as u64).to_le_bytes());
    for p in points {
        put_point(out, p);
    }
}

/// The header fields of a key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The shape.
    pub shape: ShapeId,
    /// The layout version (1 to 4).
    pub version: u16,
    /// Where the key's parameters came from (always [`Provenance::Development`] before
    /// version 3).
    pub provenance: Provenance,
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

impl Header {
    /// The header's length in the file, where the body starts ([`header_len`]).
    #[must_use]
    pub const fn header_len(&self) -> usize {
        header_len(self.version)
    }
}

/// Reads and checks the header only: `bytes` may be the header alone, or the first
/// [`MAX_HEADER_LEN`] bytes of the file (or fewer: a version-1 or -2 header is 120 bytes).
///
/// # Errors
/// Any [`KeyFileError`] the header alone can show: among them
/// [`Malformed`](KeyFileError::Malformed) for flags that are not exactly one of development
/// and ceremony (version 3) or lack the development bit (versions 1 and 2), for a ceremony
/// key with a zero hash and for a development key with a non-zero one.
pub fn read_header(bytes: &[u8]) -> Result<Header, KeyFileError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(KeyFileError::NotAKey);
    }
    if bytes.len() < MAGIC.len() + 2 {
        return Err(KeyFileError::Truncated { expected: MIN_HEADER_LEN, found: bytes.len() });
    }
    let version = u16_at(bytes, 8);
    if !(VERSION_1..=FORMAT_VERSION).contains(&version) {
        return Err(KeyFileError::UnsupportedVersion { found: version });
    }
    let len = header_len(version);
    if bytes.len() < len {
        return Err(KeyFileError::Truncated { expected: len, found: bytes.len() });
    }
    let id = u16_at(bytes, 10);
    let circuit = CircuitId::from_u16(id).ok_or(KeyFileError::UnknownCircuit(id))?;
    let policy_depth = if version >= FORMAT_VERSION {
        if u32_at(bytes, RESERVED_AT) != 0 {
            return Err(KeyFileError::Malformed("header bytes 220..224 are reserved and must be zero".into()));
        }
        u32_at(bytes, POLICY_DEPTH_AT)
    } else if circuit == CircuitId::Policy {
        return Err(KeyFileError::Malformed(format!(
            "a policy key in format version {version}, which has no policy depth"
        )));
    } else {
        0
    };
    match (circuit, policy_depth) {
        (CircuitId::Policy, 0) => return Err(KeyFileError::Malformed("a policy key whose policy depth is 0".into())),
        (CircuitId::Approval | CircuitId::Threshold, d) if d != 0 => {
            return Err(KeyFileError::Malformed(format!("a key for {circuit} with a policy depth ({d})")))
        }
        _ => {}
    }
    Ok(Header {
        shape: ShapeId { circuit, depth: u32_at(bytes, 12), k_max: u32_at(bytes, 16), policy_depth },
        version,
        provenance: provenance(version, u32_at(bytes, 20), &bytes[..len])?,
        num_constraints: u64_at(bytes, 24),
        num_instance: u64_at(bytes, 32),
        num_witness: u64_at(bytes, 40),
        shape_hash: bytes[48..80].try_into().expect("32 bytes"),
    })
}

/// The provenance that `flags` and (version 3) the two hashes at the end of `header` record.
fn provenance(version: u16, flags: u32, header: &[u8]) -> Result<Provenance, KeyFileError> {
    let bad = |what: String| Err(KeyFileError::Malformed(format!("header flags {flags:#x}: {what}")));
    if version <= VERSION_2 {
        // Only development setups wrote these versions.
        return if flags & FLAG_DEVELOPMENT != 0 {
            Ok(Provenance::Development)
        } else {
            bad(format!("a version-{version} key without the development flag (bit 0), which every such key has"))
        };
    }
    let r1cs_hash: [u8; 32] = header[R1CS_HASH_AT..CIRCUIT_HASH_AT].try_into().expect("32 bytes");
    let circuit_hash: [u8; 64] = header[CIRCUIT_HASH_AT..CIRCUIT_HASH_AT + 64].try_into().expect("64 bytes");
    let zero = |h: &[u8]| h.iter().all(|&b| b == 0);
    match (flags & FLAG_DEVELOPMENT != 0, flags & FLAG_CEREMONY != 0) {
        _ if flags & !(FLAG_DEVELOPMENT | FLAG_CEREMONY) != 0 => bad("unknown flag bits are set".into()),
        (true, true) => bad("both the development (bit 0) and the ceremony (bit 1) flag are set".into()),
        (false, false) => bad("neither the development (bit 0) nor the ceremony (bit 1) flag is set".into()),
        (true, false) if !(zero(&r1cs_hash) && zero(&circuit_hash)) => {
            bad("a development key with a ceremony's r1cs or circuit hash".into())
        }
        (true, false) => Ok(Provenance::Development),
        (false, true) if zero(&r1cs_hash) => bad("a ceremony key whose r1cs hash is zero".into()),
        (false, true) if zero(&circuit_hash) => bad("a ceremony key whose circuit hash is zero".into()),
        (false, true) => Ok(Provenance::Ceremony { r1cs_hash, circuit_hash }),
    }
}

/// Decodes a key, refusing one of another shape than `expected` (when given).
///
/// # Errors
/// Any [`KeyFileError`].
pub fn from_bytes(bytes: &[u8], expected: Option<ShapeId>, check: Check) -> Result<ProverKey, KeyFileError> {
    decode(bytes, None, expected, check)
}

/// [`from_bytes`] over a mapped key file, whose matrices the key then evaluates in place
/// (a version-2 file): nothing of them is copied or decoded, only checked.
///
/// # Errors
/// Any [`KeyFileError`].
pub fn from_map(map: &Arc<memmap2::Mmap>, expected: Option<ShapeId>, check: Check) -> Result<ProverKey, KeyFileError> {
    decode(map, Some(map), expected, check)
}

/// Decodes `bytes`, which are all of `map` when given.
fn decode(
    bytes: &[u8],
    map: Option<&Arc<memmap2::Mmap>>,
    expected: Option<ShapeId>,
    check: Check,
) -> Result<ProverKey, KeyFileError> {
    let header = read_header(bytes)?;
    if let Some(e) = expected {
        if e != header.shape {
            return Err(KeyFileError::WrongShape { expected: e.to_string(), found: header.shape.to_string() });
        }
    }
    let body_len = u64_at(bytes, 80);
    let total = header.header_len().saturating_add(body_len);
    if bytes.len() < total {
        return Err(KeyFileError::Truncated { expected: total, found: bytes.len() });
    }
    if bytes.len() > total {
        return Err(KeyFileError::Corrupted);
    }
    let body = &bytes[header.header_len()..];
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
            CircuitId::Policy => {
                let shape = header.shape.policy().expect("a policy shape");
                let (_, blank) = policy_shape(shape).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
                (policy::num_constraints(shape), Box::new(move || R1cs::from_blank(blank)))
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
    let (digest, decoded) =
        rayon::join(|| body_hash(header.version, body), || decode_body(body, map, &header, validate));
    if digest[..] != bytes[88..120] {
        return Err(KeyFileError::Corrupted);
    }
    let (pk, matrices) = decoded?;
    let r1cs = R1cs::new(matrices, header.num_instance, header.num_witness);
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
    if let Some(map) = map {
        // The Groth16 key now lives decoded in memory; only the matrices are read from the
        // map again. Its pages leave this process's memory (a page read again would come
        // back from the file).
        let start = header.header_len();
        veil_fs::release(map, start..start + proving_key_len(body)?);
    }
    Ok(ProverKey { shape: header.shape, provenance: header.provenance, pk, r1cs, tables: None, prove_once: false })
}

/// The Groth16 key and the three matrices of a body, each decoded on its own rayon task:
/// the boundaries are found first from the encoded lengths (points and entries have fixed
/// sizes), and each part must decode to exactly its bytes. With `map` (the whole file,
/// whose body `body` is), version-2 matrices stay in the map.
fn decode_body(
    body: &[u8],
    map: Option<&Arc<memmap2::Mmap>>,
    header: &Header,
    validate: Validate,
) -> Result<(ProvingKey, [SparseMatrix; 3]), KeyFileError> {
    let pk_len = proving_key_len(body)?;
    let (pk_bytes, mut rest) = body.split_at(pk_len);
    // Each matrix and its offset in the file.
    let mut parts = [(&[][..], 0); 3];
    let mut at = header.header_len() + pk_len;
    for part in &mut parts {
        let len = matrix_len(rest)?;
        (part.0, rest) = rest.split_at(len);
        part.1 = at;
        at += len;
    }
    if !rest.is_empty() {
        return Err(KeyFileError::Malformed(format!("{} bytes after the matrices", rest.len())));
    }
    let montgomery = header.version != VERSION_1;
    let matrix = |(bytes, offset): (&[u8], usize)| decode_matrix(bytes, map.map(|m| (m, offset)), header, montgomery);
    let (pk, (a, (b, c))) = rayon::join(
        || decode_proving_key(pk_bytes, validate, montgomery),
        || rayon::join(|| matrix(parts[0]), || rayon::join(|| matrix(parts[1]), || matrix(parts[2]))),
    );
    Ok((pk?, [a?, b?, c?]))
}

/// The Groth16 key in arkworks' uncompressed `ProvingKey` layout (the verifying key, β₁, δ₁,
/// then five length-prefixed queries), its parts decoded on rayon tasks of their own; each
/// must decode to exactly its bytes. Layout 1 holds ark-serialize's canonical encoding,
/// layout 2 the same sizes in Montgomery limbs ([`point`]).
fn decode_proving_key(bytes: &[u8], validate: Validate, montgomery: bool) -> Result<ProvingKey, KeyFileError> {
    use ark_bn254::{g1::Config as G1, g2::Config as G2, G2Affine};
    let (g1, g2) = (8 * G1::LIMBS, 8 * G2::LIMBS);
    debug_assert_eq!((g1, g2), (G1Affine::default().uncompressed_size(), G2Affine::default().uncompressed_size()));
    let bad = |what: &str, e: String| KeyFileError::Malformed(format!("Groth16 key, {what}: {e}"));
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
    let g1s = |part: &[u8]| if montgomery { points::<G1>(part, validate) } else { exact(part, validate) };
    let g2s = |part: &[u8]| if montgomery { points::<G2>(part, validate) } else { exact(part, validate) };
    let head = || -> Result<(crate::VerifyingKey, G1Affine, G1Affine), String> {
        let head = &bytes[..vk_len + 2 * g1];
        if !montgomery {
            return exact(head, validate);
        }
        let g2_at = |i: usize| point::<G2>(&head[g1 + i * g2..g1 + (i + 1) * g2], validate);
        let vk = crate::VerifyingKey {
            alpha_g1: point::<G1>(&head[..g1], validate)?,
            beta_g2: g2_at(0)?,
            gamma_g2: g2_at(1)?,
            delta_g2: g2_at(2)?,
            gamma_abc_g1: points::<G1>(&head[g1 + 3 * g2..vk_len], validate)?,
        };
        Ok((vk, point::<G1>(&head[vk_len..vk_len + g1], validate)?, point::<G1>(&head[vk_len + g1..], validate)?))
    };
    let ((head, a_query), ((b_g1_query, b_g2_query), (h_query, l_query))) = rayon::join(
        || rayon::join(head, || g1s(a)),
        || rayon::join(|| rayon::join(|| g1s(b1), || g2s(b2)), || rayon::join(|| g1s(h), || g1s(l))),
    );
    let (vk, beta_g1, delta_g1) = head.map_err(|e| bad("verifying key", e))?;
    Ok(ProvingKey {
        vk,
        beta_g1,
        delta_g1,
        a_query: a_query.map_err(|e| bad("A query", e))?,
        b_g1_query: b_g1_query.map_err(|e| bad("B query in G1", e))?,
        b_g2_query: b_g2_query.map_err(|e| bad("B query in G2", e))?,
        h_query: h_query.map_err(|e| bad("H query", e))?,
        l_query: l_query.map_err(|e| bad("L query", e))?,
    })
}

/// A length-prefixed vector of points in layout 2, exactly `bytes`.
fn points<P: TableCurve>(bytes: &[u8], validate: Validate) -> Result<Vec<Affine<P>>, String> {
    let size = 8 * P::LIMBS;
    let (n, rest) = bytes.split_at(8);
    if u64_at(n, 0).checked_mul(size) != Some(rest.len()) {
        return Err("its length disagrees with its count".into());
    }
    rest.chunks_exact(size).map(|p| point::<P>(p, validate)).collect()
}

/// A point in layout 2 (`8·LIMBS` bytes): each coordinate's limbs below the base field's
/// modulus, all zeros for the identity.
fn point<P: TableCurve>(bytes: &[u8], validate: Validate) -> Result<Affine<P>, String> {
    let mut limbs = [0u64; 16];
    let limbs = &mut limbs[..P::LIMBS];
    for (l, b) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *l = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    if limbs.iter().all(|&l| l == 0) {
        return Ok(Affine::identity());
    }
    if limbs.chunks_exact(4).any(|c| ark_ff::BigInt::<4>(c.try_into().expect("4 limbs")) >= ark_bn254::Fq::MODULUS) {
        return Err("a coordinate is not below the field modulus".into());
    }
    let p = P::from_limbs(limbs);
    if validate == Validate::Yes && !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()) {
        return Err("a point is not on the curve or not in the subgroup".into());
    }
    Ok(p)
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

/// One matrix (`bytes`: its row count, then its rows; at `source`'s offset in its map when
/// given): checked and kept as it is (version 2, in the map when there is one), or its
/// canonical coefficients converted to Montgomery limbs (version 1).
fn decode_matrix(
    bytes: &[u8],
    source: Option<(&Arc<memmap2::Mmap>, usize)>,
    header: &Header,
    montgomery: bool,
) -> Result<SparseMatrix, KeyFileError> {
    // `matrix_len` found the row count and every row inside `bytes`.
    let rows = u64_at(bytes, 0);
    if rows != header.num_constraints {
        return Err(KeyFileError::Malformed(format!(
            "a matrix has {rows} rows, the header says {}",
            header.num_constraints
        )));
    }
    let encoded = if !montgomery {
        Bytes::Owned(montgomery_rows(&bytes[8..])?)
    } else if let Some((map, offset)) = source {
        Bytes::Mapped { map: Arc::clone(map), range: offset + 8..offset + bytes.len() }
    } else {
        Bytes::Owned(bytes[8..].to_vec())
    };
    SparseMatrix::parse(encoded, rows, header.num_instance + header.num_witness).map_err(KeyFileError::Malformed)
}

/// Version-1 rows (canonical coefficients) in version 2's encoding (Montgomery limbs).
fn montgomery_rows(rows: &[u8]) -> Result<Vec<u8>, KeyFileError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut at = 0;
    while at < rows.len() {
        let len = u32_at(rows, at) as usize;
        out.extend_from_slice(&rows[at..at + 4]);
        at += 4;
        for e in rows[at..at + len * ENTRY_LEN].chunks_exact(ENTRY_LEN) {
            let limbs = ark_ff::BigInt(std::array::from_fn(|i| {
                u64::from_le_bytes(e[4 + 8 * i..12 + 8 * i].try_into().expect("8 bytes"))
            }));
            let coeff =
                Fr::from_bigint(limbs).ok_or_else(|| KeyFileError::Malformed("matrix coefficient ≥ r".into()))?;
            out.extend_from_slice(&e[..4]);
            put_limbs(&mut out, &coeff.0 .0);
        }
        at += len * ENTRY_LEN;
    }
    Ok(out)
}

/// Writes a key atomically.
///
/// # Errors
/// I/O errors.
pub fn save(key: &ProverKey, path: &Path) -> std::io::Result<()> {
    veil_fs::write_atomic(path, &to_bytes(key), false)
}

/// Reads a key file (mapped: see [`from_map`]).
///
/// # Errors
/// [`LoadError::Io`] or [`LoadError::Format`].
pub fn load(path: &Path, expected: Option<ShapeId>, check: Check) -> Result<ProverKey, LoadError> {
    let map = Arc::new(veil_fs::map(&std::fs::File::open(path)?)?);
    Ok(from_map(&map, expected, check)?)
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
mod tests;
