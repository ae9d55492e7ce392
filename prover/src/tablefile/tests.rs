use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{eddsa::PrivateKey, identity, lean_imt::LeanImt, Fr};

use super::*;
use crate::engine::approval_shape;

fn key(depth: usize, seed: u64) -> ProverKey {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (shape, blank) = approval_shape(depth).unwrap();
    ProverKey::setup(shape, blank, &mut rng).unwrap()
}

fn circuit(depth: usize, rng: &mut ChaCha20Rng) -> veil_circuits::approval::ApprovalCircuit {
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let proof = set.proof(1).unwrap();
    veil_circuits::approval::ApprovalCircuit::new(
        depth,
        &keys[1].secret_scalar(),
        &proof,
        Fr::rand(rng),
        Fr::from(5u64),
    )
    .unwrap()
}

#[test]
fn saved_tables_load_and_prove_the_same_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut key = key(3, 1);
    for budget in [MsmTables::DEFAULT_BUDGET, 1 << 22] {
        let built = MsmTables::new(&key.pk, budget);
        save(&key, &built, &path).unwrap();
        let loaded = load(&key, &path).unwrap();
        assert_eq!(loaded.windows(), built.windows());
        assert_eq!(loaded.size_bytes(), built.size_bytes());
        // Same tables, same randomness: the same proof as the stock prover's.
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let stock = key.prove_stock(circuit(3, &mut rng), &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        key.tables = Some(std::sync::Arc::new(loaded));
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let ours = key.prove(circuit(3, &mut rng), &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        assert_eq!(ours, stock);
        key.tables = None;
    }
}

#[test]
fn refuses_other_keys_and_damaged_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let key = key(2, 4);
    save(&key, &MsmTables::new(&key.pk, 1 << 24), &path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let with = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        load(&key, &path).unwrap_err()
    };
    assert!(matches!(load(&self::key(2, 5), &path).unwrap_err(), TableFileError::OtherKey));
    assert!(matches!(with(b"VEIL-PK\0 a proving key"), TableFileError::NotTables));
    assert!(matches!(with(b"VEIL"), TableFileError::NotTables));
    assert!(matches!(with(&good[..100]), TableFileError::Malformed(_)));
    let mut v = good.clone();
    v[8] = 2;
    assert!(matches!(with(&v), TableFileError::UnsupportedVersion { found: 2 }));
    // Every truncation, and a byte too many.
    for cut in [HEADER_LEN, HEADER_LEN + 1, good.len() / 2, good.len() - 1] {
        assert!(matches!(with(&good[..cut]), TableFileError::Malformed(_)), "cut at {cut}");
    }
    let mut v = good.clone();
    v.push(0);
    assert!(matches!(with(&v), TableFileError::Malformed(_)));
    // The reserved header bytes set (fuzzing found these accepted; each byte alone).
    for at in 12..16 {
        let mut v = good.clone();
        v[at] = 0xff;
        assert!(matches!(with(&v), TableFileError::Malformed(_)), "reserved byte {at}");
    }
    // A descriptor field changed: window, windows, rows, bases of each query.
    for q in 0..QUERIES {
        for (field, delta) in [(0, 1u8), (4, 1), (8, 1), (16, 1)] {
            let mut v = good.clone();
            v[48 + 24 * q + field] ^= delta;
            assert!(matches!(with(&v), TableFileError::Malformed(_)), "query {q} field {field}");
        }
    }
    // A first base changed (the first limb of query A's first point).
    let mut v = good.clone();
    let positions_a = {
        let rows = u64::from_le_bytes(good[56..64].try_into().unwrap()) as usize;
        (rows * 4).next_multiple_of(8)
    };
    v[HEADER_LEN + positions_a] ^= 1;
    assert!(matches!(with(&v), TableFileError::Malformed(_)));
    std::fs::write(&path, &good).unwrap();
    assert!(load(&key, &path).is_ok());
}

#[test]
fn damaged_points_cost_time_not_a_wrong_proof() {
    // A point deep inside a table (not a first or last base) is changed: the tables
    // load, their proof fails its check, and the stock prover's proof is returned.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut key = key(3, 6);
    save(&key, &MsmTables::new(&key.pk, 1 << 24), &path).unwrap();
    let mut v = std::fs::read(&path).unwrap();
    let rows = u64::from_le_bytes(v[56..64].try_into().unwrap()) as usize;
    let windows = u32::from_le_bytes(v[52..56].try_into().unwrap()) as usize;
    let limbs_start = HEADER_LEN + (rows * 4).next_multiple_of(8);
    // Row 1, window 1 of query A: limb 0 of its x.
    v[limbs_start + 8 * 8 * (windows + 1)] ^= 1;
    std::fs::write(&path, &v).unwrap();
    let tables = load(&key, &path).unwrap();
    let pvk = crate::prepare(key.verifying_key());
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let c = circuit(3, &mut rng);
    let inputs = c.public_inputs().unwrap();
    let z = key.checked_assignment(c.clone()).unwrap();
    let damaged = key.prove_with_tables(&tables, &z, Fr::rand(&mut rng), Fr::rand(&mut rng)).unwrap();
    assert!(!crate::verify(&pvk, &inputs, &damaged).unwrap(), "the damaged point is used");
    key.tables = Some(std::sync::Arc::new(tables));
    for _ in 0..3 {
        let proof = key.prove(c.clone(), &mut rng).unwrap();
        assert!(crate::verify(&pvk, &inputs, &proof).unwrap());
    }
}
