use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;

fn key(depth: usize) -> ProverKey {
    let mut rng = ChaCha20Rng::seed_from_u64(81);
    let (shape, blank) = approval_shape(depth).unwrap();
    ProverKey::setup(shape, blank, &mut rng).unwrap()
}

/// Made-up hashes of a ceremony: the file format does not care where the points came from.
const CEREMONY: Provenance = Provenance::Ceremony { r1cs_hash: [0xa1; 32], circuit_hash: [0xc5; 64] };

/// `key` relabelled as a ceremony's.
fn ceremony_key(depth: usize) -> ProverKey {
    ProverKey { provenance: CEREMONY, ..key(depth) }
}

/// `bytes` (version 3 or 4) with its flags set to `flags` and, when given, its r1cs and circuit
/// hashes replaced; the body and its hash are left as they were.
fn with_header(bytes: &[u8], flags: u32, hashes: Option<([u8; 32], [u8; 64])>) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[20..24].copy_from_slice(&flags.to_le_bytes());
    if let Some((r1cs, circuit)) = hashes {
        v[120..152].copy_from_slice(&r1cs);
        v[152..216].copy_from_slice(&circuit);
    }
    v
}

#[test]
fn round_trips_fast_and_full() {
    let k = key(3);
    let bytes = to_bytes(&k);
    assert_eq!(from_bytes(&bytes, Some(k.shape), Check::Fast).unwrap(), k);
    assert_eq!(from_bytes(&bytes, None, Check::Full).unwrap(), k);
    let header = read_header(&bytes).unwrap();
    assert_eq!((header.version, header.provenance), (FORMAT_VERSION, Provenance::Development));
    assert_eq!(header.num_constraints, approval::num_constraints(3));
    // Version 4: flags bit 0 only, both hashes zero, no policy depth, the body at 224.
    assert_eq!(u32_at(&bytes, 20), FLAG_DEVELOPMENT);
    assert!(bytes[120..224].iter().all(|&b| b == 0));
    assert_eq!((header.header_len(), MAX_HEADER_LEN), (224, 224));
    assert_eq!(u64_at(&bytes, 80), bytes.len() - 224);
}

#[test]
fn a_ceremony_key_round_trips_with_its_hashes() {
    let k = ceremony_key(3);
    assert!(!k.provenance.is_development() && Provenance::Development.is_development());
    let bytes = to_bytes(&k);
    let header = read_header(&bytes).unwrap();
    assert_eq!((header.version, header.provenance), (FORMAT_VERSION, CEREMONY));
    assert_eq!(u32_at(&bytes, 20), FLAG_CEREMONY);
    assert_eq!((&bytes[120..152], &bytes[152..216]), (&[0xa1; 32][..], &[0xc5; 64][..]));
    assert_eq!(from_bytes(&bytes, Some(k.shape), Check::Fast).unwrap(), k);
    assert_eq!(from_bytes(&bytes, None, Check::Full).unwrap(), k);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ceremony.veil");
    save(&k, &path).unwrap();
    let loaded = load(&path, Some(k.shape), Check::Fast).unwrap();
    assert_eq!(loaded.provenance, CEREMONY);
    // Provenance is part of a key's identity, not of its points: the development twin
    // differs, its file only in the header, and its tables (bound by fingerprint) serve both.
    let dev = key(3);
    assert_ne!(loaded, dev);
    assert_eq!(loaded.fingerprint(), dev.fingerprint());
    assert_eq!(bytes[216..], to_bytes(&dev)[216..]);
    // A version-3 file of the same key (the body at 216) reads as the same key.
    let v3 = encode(&k, VERSION_3);
    assert_eq!((v3.len() + 8, &v3[216..]), (bytes.len(), &bytes[224..]));
    assert_eq!(from_bytes(&v3, Some(k.shape), Check::Full).unwrap(), k);
    assert_eq!(CEREMONY.to_string(), "ceremony, circuit hash c5c5c5c5c5c5c5c5…");
    assert_eq!(Provenance::Development.to_string(), "development setup");
}

#[test]
fn a_mapped_key_keeps_its_matrices_in_the_map_and_equals_the_decoded_one() {
    let k = key(3);
    let dir = tempfile::tempdir().unwrap();
    for version in [VERSION_1, VERSION_2, VERSION_3, FORMAT_VERSION] {
        let path = dir.path().join(format!("v{version}.veil"));
        std::fs::write(&path, encode(&k, version)).unwrap();
        let loaded = load(&path, Some(k.shape), Check::Fast).unwrap();
        assert_eq!(loaded, k, "version {version}");
        // Versions 2 to 4 evaluate from the map, version 1 from its converted copy; all
        // agree with the key's own rows.
        for (m, ours) in loaded.r1cs.matrices.iter().zip(&k.r1cs.matrices) {
            assert_eq!(m.is_mapped(), version != VERSION_1);
            assert_eq!(m.to_rows(), ours.to_rows());
        }
        assert_eq!(loaded.r1cs.shape_hash(), read_header(&encode(&k, version)).unwrap().shape_hash);
    }
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
    // A version-4 header cut between the end of version 2's and its own.
    for cut in [120, 151, 215, 223] {
        assert_eq!(fast(&bytes[..cut]), KeyFileError::Truncated { expected: 224, found: cut });
        assert_eq!(read_header(&bytes[..cut]).unwrap_err(), KeyFileError::Truncated { expected: 224, found: cut });
    }
    // An Approval key with a policy depth, or a reserved byte set.
    let mut v = bytes.clone();
    v[216] = 6;
    assert_eq!(fast(&v), KeyFileError::Malformed("a key for approval with a policy depth (6)".into()));
    let mut v = bytes.clone();
    v[223] = 1;
    assert_eq!(fast(&v), KeyFileError::Malformed("header bytes 220..224 are reserved and must be zero".into()));

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
    let body = &bytes[header_len(FORMAT_VERSION)..];
    let header = read_header(&bytes).unwrap();
    assert_eq!(proving_key_len(body).unwrap(), k.pk.serialized_size(Compress::No));
    let (pk, matrices) = decode_body(body, None, &header, Validate::Yes).unwrap();
    assert!(pk == k.pk && matrices == k.r1cs.matrices);
    // Every truncation is refused, none panics.
    for cut in (0..body.len()).step_by(89) {
        assert!(matches!(decode_body(&body[..cut], None, &header, Validate::No), Err(KeyFileError::Malformed(_))));
    }
    // A vector length running past the end (the input points of the verifying key).
    let at = G1Affine::default().uncompressed_size() + 3 * G2Affine::default().uncompressed_size();
    for n in [u64::MAX, u64::MAX / 64, 1 << 40] {
        let mut v = body.to_vec();
        v[at..at + 8].copy_from_slice(&n.to_le_bytes());
        assert!(matches!(decode_body(&v, None, &header, Validate::No), Err(KeyFileError::Malformed(_))));
    }
    // Extra bytes after the matrices.
    let mut v = body.to_vec();
    v.push(0);
    assert!(matches!(decode_body(&v, None, &header, Validate::No), Err(KeyFileError::Malformed(_))));
}

/// `bytes` with its body changed by `change` and its hash re-sealed, as someone handing
/// out a doctored key would.
fn doctored(bytes: &[u8], change: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut v = bytes.to_vec();
    let header = read_header(&v).unwrap();
    let at = header.header_len();
    change(&mut v[at..]);
    let digest = body_hash(header.version, &v[at..]);
    v[88..120].copy_from_slice(&digest);
    v
}

#[test]
fn full_check_refuses_an_off_curve_point_that_fast_load_passes() {
    let k = key(2);
    for version in [VERSION_1, VERSION_2, VERSION_3, FORMAT_VERSION] {
        // The first point of the body is vk.alpha_g1 (x then y, 32 bytes each).
        let bytes = doctored(&encode(&k, version), |body| body[32] ^= 1);
        assert!(from_bytes(&bytes, None, Check::Fast).is_ok(), "version {version}");
        assert!(matches!(from_bytes(&bytes, None, Check::Full), Err(KeyFileError::Malformed(_))), "version {version}");
    }
}

#[test]
fn version_1_and_2_files_still_load_as_development_keys() {
    let k = key(3);
    let v1 = encode(&k, VERSION_1);
    let v2 = encode(&k, VERSION_2);
    for (version, bytes) in [(VERSION_1, &v1), (VERSION_2, &v2)] {
        // The header alone is 120 bytes, and reads from those alone.
        let header = read_header(&bytes[..120]).unwrap();
        assert_eq!((header.version, header.provenance, header.header_len()), (version, Provenance::Development, 120));
        assert_eq!(u64_at(bytes, 80), bytes.len() - 120);
        assert_eq!(from_bytes(bytes, Some(k.shape), Check::Fast).unwrap(), k, "version {version}");
        assert_eq!(from_bytes(bytes, None, Check::Full).unwrap(), k, "version {version}");
        // Only development setups wrote them: without the flag, the file is refused.
        let v = with_header(bytes, 0, None);
        let err = from_bytes(&v, None, Check::Fast).unwrap_err();
        assert!(matches!(&err, KeyFileError::Malformed(m) if m.contains("development flag")), "{err}");
    }
    // Same sizes, other encodings and hash; versions 3 and 4 are version 2's body under a
    // longer header.
    assert_eq!(v1.len(), v2.len());
    assert_ne!(v1[120..], v2[120..]);
    let v4 = to_bytes(&k);
    assert_eq!((v4.len() - v2.len(), &v4[224..]), (104, &v2[120..]));
    assert_eq!((&v4[..8], &v4[10..88]), (&v2[..8], &v2[10..88]));
    assert_eq!(u16_at(&v4, 8), 4);
    let mut v = v1.clone();
    let last = v.len() - 1;
    v[last] ^= 1;
    assert_eq!(from_bytes(&v, None, Check::Fast).unwrap_err(), KeyFileError::Corrupted);
    // A version-1 body under a version-2 header fails the (BLAKE3) hash.
    let mut v = v1;
    v[8] = VERSION_2 as u8;
    assert_eq!(from_bytes(&v, None, Check::Fast).unwrap_err(), KeyFileError::Corrupted);
}

#[test]
fn versions_3_and_4_refuse_inconsistent_provenance() {
    let dev = to_bytes(&key(2));
    let ceremony = to_bytes(&ceremony_key(2));
    let malformed = |v: &[u8], what: &str| {
        let err = read_header(v).unwrap_err();
        assert!(matches!(&err, KeyFileError::Malformed(m) if m.contains(what)), "{what}: {err}");
        // Loading refuses it the same way, from the header.
        assert_eq!(from_bytes(v, None, Check::Fast).unwrap_err(), err);
        assert!(err.to_string().starts_with("the key file is malformed: header flags"), "{err}");
    };
    let both = FLAG_DEVELOPMENT | FLAG_CEREMONY;
    malformed(&with_header(&dev, both, None), "both the development (bit 0) and the ceremony (bit 1)");
    malformed(&with_header(&ceremony, both, None), "both the development (bit 0) and the ceremony (bit 1)");
    malformed(&with_header(&dev, 0, None), "neither the development (bit 0) nor the ceremony (bit 1)");
    malformed(&with_header(&ceremony, 0, None), "neither");
    malformed(&with_header(&ceremony, FLAG_CEREMONY | 4, None), "unknown flag bits");
    malformed(&with_header(&dev, FLAG_DEVELOPMENT | 1 << 31, None), "unknown flag bits");
    // A ceremony flag over zero hashes (a development key's header), or over one zero hash.
    malformed(&with_header(&dev, FLAG_CEREMONY, None), "r1cs hash is zero");
    malformed(&with_header(&ceremony, FLAG_CEREMONY, Some(([0; 32], [0; 64]))), "r1cs hash is zero");
    malformed(&with_header(&ceremony, FLAG_CEREMONY, Some(([0; 32], [1; 64]))), "r1cs hash is zero");
    malformed(&with_header(&ceremony, FLAG_CEREMONY, Some(([1; 32], [0; 64]))), "circuit hash is zero");
    // A development flag over a ceremony's hashes.
    malformed(&with_header(&ceremony, FLAG_DEVELOPMENT, None), "a development key with a ceremony's");
    malformed(&with_header(&dev, FLAG_DEVELOPMENT, Some(([0; 32], [1; 64]))), "a development key with a ceremony's");
    // Relabelling is a header change only: the body hash still holds.
    let relabelled = with_header(&dev, FLAG_CEREMONY, Some(([0xa1; 32], [0xc5; 64])));
    assert_eq!(relabelled, ceremony);
}

#[test]
fn version_2_refuses_values_at_or_above_their_modulus_even_fast() {
    let k = key(2);
    // The identity has its own encoding (zeros): the key has some in its queries.
    assert!(k.pk.a_query.iter().any(|p| p.is_zero()) || k.pk.b_g2_query.iter().any(|p| p.is_zero()));
    let bytes = to_bytes(&k);
    let malformed = |b: &[u8]| matches!(from_bytes(b, None, Check::Fast), Err(KeyFileError::Malformed(_)));
    // α₁'s x, then β₂'s x.c1, as p (Montgomery limbs are below p) and as 2^256 − 1.
    let g1 = 8 * <ark_bn254::g1::Config as TableCurve>::LIMBS;
    for at in [0, g1 + 32] {
        for limbs in [ark_bn254::Fq::MODULUS.0, [u64::MAX; 4]] {
            let v = doctored(&bytes, |body| {
                for (i, l) in limbs.iter().enumerate() {
                    body[at + 8 * i..at + 8 * i + 8].copy_from_slice(&l.to_le_bytes());
                }
            });
            assert!(malformed(&v), "offset {at}");
        }
    }
    // The first entry of matrix A (its first row has one): its coefficient as r.
    assert!(k.r1cs.matrices[0].row(0).len() > 0);
    let entry = proving_key_len(&bytes[MAX_HEADER_LEN..]).unwrap() + 8 + 4;
    let v = doctored(&bytes, |body| {
        for (i, l) in Fr::MODULUS.0.iter().enumerate() {
            body[entry + 4 + 8 * i..entry + 12 + 8 * i].copy_from_slice(&l.to_le_bytes());
        }
    });
    assert!(malformed(&v));
    // Its variable past the last one.
    let v = doctored(&bytes, |body| body[entry..entry + 4].copy_from_slice(&u32::MAX.to_le_bytes()));
    assert!(malformed(&v));
}

#[test]
fn a_policy_key_records_its_policy_depth_and_needs_version_4() {
    use veil_circuits::policy::PolicyShape;
    let mut rng = ChaCha20Rng::seed_from_u64(82);
    let shape = PolicyShape { max_depth: 1, k_max: 1, policy_depth: 2 };
    let (id, blank) = policy_shape(shape).unwrap();
    let k = ProverKey::setup(id, blank, &mut rng).unwrap();
    let bytes = to_bytes(&k);
    let header = read_header(&bytes).unwrap();
    assert_eq!((header.shape, header.shape.policy()), (id, Some(shape)));
    assert_eq!((u16_at(&bytes, 10), u32_at(&bytes, 216)), (3, 2));
    assert_eq!(id.to_string(), "policy (depth 1, k_max 1, policy depth 2)");
    assert_eq!(from_bytes(&bytes, Some(id), Check::Full).unwrap(), k);
    let fast = |b: &[u8]| from_bytes(b, None, Check::Fast).unwrap_err();
    // Another policy depth: the sizes disagree with this build's circuit of that shape.
    let mut v = bytes.clone();
    v[216] = 3;
    assert!(matches!(fast(&v), KeyFileError::StaleCircuit { .. }), "{}", fast(&v));
    let other = ShapeId { policy_depth: 3, ..id };
    assert!(matches!(from_bytes(&bytes, Some(other), Check::Fast), Err(KeyFileError::WrongShape { .. })));
    // No policy depth, one beyond the circuit's, and the same key in a version-3 layout.
    let mut v = bytes.clone();
    v[216] = 0;
    assert_eq!(fast(&v), KeyFileError::Malformed("a policy key whose policy depth is 0".into()));
    let mut v = bytes.clone();
    v[216] = 17;
    assert!(matches!(fast(&v), KeyFileError::Malformed(m) if m.contains("policy depth")), "{}", fast(&v));
    let v3 = encode(&k, VERSION_3);
    assert_eq!(
        fast(&v3),
        KeyFileError::Malformed("a policy key in format version 3, which has no policy depth".into())
    );
}
