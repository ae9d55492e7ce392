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
fn a_mapped_key_keeps_its_matrices_in_the_map_and_equals_the_decoded_one() {
    let k = key(3);
    let dir = tempfile::tempdir().unwrap();
    for version in [VERSION_1, FORMAT_VERSION] {
        let path = dir.path().join(format!("v{version}.veil"));
        std::fs::write(&path, encode(&k, version)).unwrap();
        let loaded = load(&path, Some(k.shape), Check::Fast).unwrap();
        assert_eq!(loaded, k, "version {version}");
        // Version 2 evaluates from the map, version 1 from its converted copy; both agree
        // with the key's own rows.
        for (m, ours) in loaded.r1cs.matrices.iter().zip(&k.r1cs.matrices) {
            assert_eq!(m.is_mapped(), version == FORMAT_VERSION);
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
    change(&mut v[HEADER_LEN..]);
    let digest = body_hash(read_header(&v).unwrap().version, &v[HEADER_LEN..]);
    v[88..120].copy_from_slice(&digest);
    v
}

#[test]
fn full_check_refuses_an_off_curve_point_that_fast_load_passes() {
    let k = key(2);
    for version in [VERSION_1, FORMAT_VERSION] {
        // The first point of the body is vk.alpha_g1 (x then y, 32 bytes each).
        let bytes = doctored(&encode(&k, version), |body| body[32] ^= 1);
        assert!(from_bytes(&bytes, None, Check::Fast).is_ok(), "version {version}");
        assert!(matches!(from_bytes(&bytes, None, Check::Full), Err(KeyFileError::Malformed(_))), "version {version}");
    }
}

#[test]
fn version_1_files_still_load() {
    let k = key(3);
    let v1 = encode(&k, VERSION_1);
    assert_eq!(read_header(&v1).unwrap().version, VERSION_1);
    assert_eq!(from_bytes(&v1, Some(k.shape), Check::Fast).unwrap(), k);
    assert_eq!(from_bytes(&v1, None, Check::Full).unwrap(), k);
    // Same sizes, other encodings and hash.
    let v2 = to_bytes(&k);
    assert_eq!(v1.len(), v2.len());
    assert_ne!(v1[HEADER_LEN..], v2[HEADER_LEN..]);
    let mut v = v1.clone();
    let last = v.len() - 1;
    v[last] ^= 1;
    assert_eq!(from_bytes(&v, None, Check::Fast).unwrap_err(), KeyFileError::Corrupted);
    // A version-1 body under a version-2 header fails the (BLAKE3) hash.
    let mut v = v1;
    v[8] = FORMAT_VERSION as u8;
    assert_eq!(from_bytes(&v, None, Check::Fast).unwrap_err(), KeyFileError::Corrupted);
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
    let entry = proving_key_len(&bytes[HEADER_LEN..]).unwrap() + 8 + 4;
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
