use ark_ff::UniformRand;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::*;

fn random_rows(rng: &mut ChaCha20Rng, rows: usize, vars: usize) -> Matrix<Fr> {
    (0..rows)
        .map(|_| {
            (0..rng.gen_range(0..6))
                .map(|_| {
                    let c = match rng.gen_range(0..4) {
                        0 => Fr::from(1u64),
                        1 => -Fr::from(1u64),
                        2 => Fr::from(rng.gen_range(2..100u64)),
                        _ => Fr::rand(rng),
                    };
                    (c, rng.gen_range(0..vars))
                })
                .collect()
        })
        .collect()
}

#[test]
fn rows_round_trip_and_evaluate_like_the_plain_sum() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for rows in [0, 1, 7, 300] {
        let m = random_rows(&mut rng, rows, 50);
        let s = SparseMatrix::from_rows(&m);
        assert_eq!(s.rows(), rows);
        assert_eq!(s.entries(), m.iter().map(Vec::len).sum::<usize>());
        assert_eq!(s.to_rows(), m);
        let z: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        for (i, row) in m.iter().enumerate() {
            let plain = row.iter().fold(Fr::zero(), |acc, (c, v)| acc + *c * z[*v]);
            assert_eq!(s.evaluate(i, &z), plain, "row {i} of {rows}");
        }
        let again = SparseMatrix::parse(Bytes::Owned(s.encoded().to_vec()), rows, 50).unwrap();
        assert_eq!(again, s);
    }
}

proptest::proptest! {
    /// A valid encoding with one byte changed, cut short or lengthened never panics
    /// the parser, and what it accepts re-encodes to itself.
    #[test]
    fn parse_never_panics_on_damaged_encodings(seed in proptest::prelude::any::<u64>(), at in 0usize..400,
                                               xor in 1u8..=255, how in 0u8..3) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let rows = rng.gen_range(0..8);
        let mut bytes = SparseMatrix::from_rows(&random_rows(&mut rng, rows, 6)).encoded().to_vec();
        match how {
            0 if !bytes.is_empty() => {
                let i = at % bytes.len();
                bytes[i] ^= xor;
            }
            1 => bytes.truncate(at.min(bytes.len())),
            _ => bytes.push(xor),
        }
        if let Ok(m) = SparseMatrix::parse(Bytes::Owned(bytes.clone()), rows, 6) {
            let again = SparseMatrix::from_rows(&m.to_rows());
            proptest::prop_assert_eq!(again.encoded(), &bytes[..]);
            let z = vec![Fr::from(3u64); 6];
            for i in 0..rows {
                let _ = m.evaluate(i, &z);
            }
        }
    }
}

#[test]
fn parse_refuses_bad_encodings() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let mut m = random_rows(&mut rng, 20, 30);
    m[0] = vec![(Fr::from(3u64), 29)];
    let bytes = SparseMatrix::from_rows(&m).encoded().to_vec();
    let parse = |b: &[u8], rows: usize, vars: usize| SparseMatrix::parse(Bytes::Owned(b.to_vec()), rows, vars);
    assert!(parse(&bytes, 20, 30).is_ok());
    // Variable 29 of 29, rows missing or in excess, every truncation, a trailing byte.
    assert!(parse(&bytes, 20, 29).unwrap_err().contains("variable 29 of 29"));
    assert!(parse(&bytes, 19, 30).is_err());
    assert!(parse(&bytes, 21, 30).is_err());
    for cut in 0..bytes.len() {
        assert!(parse(&bytes[..cut], 20, 30).is_err(), "cut at {cut}");
    }
    let mut v = bytes.clone();
    v.push(0);
    assert!(parse(&v, 20, 30).is_err());
    // The first coefficient as r, then as 2^256 − 1.
    for limbs in [Fr::MODULUS.0, [u64::MAX; 4]] {
        let mut v = bytes.clone();
        for (i, l) in limbs.iter().enumerate() {
            v[8 + 8 * i..16 + 8 * i].copy_from_slice(&l.to_le_bytes());
        }
        assert_eq!(parse(&v, 20, 30).unwrap_err(), "matrix coefficient ≥ r");
    }
    // A row length running past the end, and one that overflows.
    for len in [1000u32, u32::MAX] {
        let mut v = bytes.clone();
        v[..4].copy_from_slice(&len.to_le_bytes());
        assert!(parse(&v, 20, 30).is_err());
    }
}
