use ark_ff::UniformRand;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

use super::*;
use crate::test_vectors::{self, fr, frs};

fn check_proof(tree: &LeanImt, index: usize, expected: &Value) {
    let proof = tree.proof(index).unwrap();
    assert_eq!(proof.index, expected["index"].as_u64().unwrap(), "index of leaf {index}");
    assert_eq!(proof.leaf, fr(&expected["leaf"]));
    assert_eq!(proof.siblings, frs(&expected["siblings"]), "siblings of leaf {index}");
    assert_eq!(proof.root, fr(&expected["root"]));
    assert!(proof.verify());
}

#[test]
fn matches_lean_imt_and_semaphore_group_for_every_size() {
    let file = test_vectors::load("lean_imt");
    let leaves = frs(&file["leaves"]);
    let mut tree = LeanImt::new();
    assert_eq!(tree.root(), None);
    let mut sizes = 0;
    for (n, v) in test_vectors::vectors(&file).iter().enumerate() {
        tree.insert(leaves[n]);
        assert_eq!(tree.size(), v["size"].as_u64().unwrap() as usize);
        assert_eq!(tree.depth(), v["depth"].as_u64().unwrap() as usize, "depth at size {}", n + 1);
        assert_eq!(tree.root(), Some(fr(&v["root"])), "root at size {}", n + 1);
        assert_eq!(tree.root(), Some(fr(&v["group_root"])), "Semaphore group root at size {}", n + 1);
        assert_eq!(LeanImt::from_leaves(leaves[..=n].iter().copied()), tree, "insert_many at size {}", n + 1);
        for (i, p) in v["proofs"].as_array().unwrap().iter().enumerate() {
            check_proof(&tree, i, p);
        }
        sizes += 1;
    }
    assert_eq!(sizes, 40);

    let many = &file["insert_many"];
    let mut chunked = LeanImt::new();
    let mut start = 0;
    for c in many["chunks"].as_array().unwrap() {
        let c = c.as_u64().unwrap() as usize;
        chunked.insert_many(leaves[start..start + c].iter().copied());
        start += c;
    }
    assert_eq!(chunked.root(), Some(fr(&many["chunked_root"])));
    assert_eq!(chunked, tree);

    for v in file["index_of"].as_array().unwrap() {
        let expected = v["index"].as_i64().unwrap();
        assert_eq!(tree.index_of(&fr(&v["leaf"])).map_or(-1, |i| i as i64), expected);
    }
}

#[test]
fn replays_updates_removals_and_inserts() {
    let file = test_vectors::load("lean_imt");
    let mut tree = LeanImt::from_leaves(frs(&file["leaves"]));
    for op in file["ops"].as_array().unwrap() {
        match op["op"].as_str().unwrap() {
            "insert" => tree.insert(fr(&op["value"])),
            "update" => tree.update(op["index"].as_u64().unwrap() as usize, fr(&op["value"])).unwrap(),
            "remove" => tree.remove(op["index"].as_u64().unwrap() as usize).unwrap(),
            other => panic!("unknown op {other}"),
        }
        assert_eq!(tree.root(), Some(fr(&op["root"])), "after {op}");
        assert_eq!(tree.size(), op["size"].as_u64().unwrap() as usize);
        assert_eq!(tree.depth(), op["depth"].as_u64().unwrap() as usize);
        check_proof(&tree, op["proof_of"].as_u64().unwrap() as usize, &op["proof"]);
        // differential: the same leaves rebuilt from scratch give the same tree
        assert_eq!(LeanImt::from_leaves(tree.leaves().iter().copied()), tree);
    }
}

#[test]
fn random_trees_agree_across_construction_orders() {
    let mut rng = ChaCha20Rng::seed_from_u64(41);
    for _ in 0..10 {
        let n = rng.gen_range(1..100);
        let leaves: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut one_by_one = LeanImt::new();
        for l in &leaves {
            one_by_one.insert(*l);
        }
        let mut split = LeanImt::from_leaves(leaves[..n / 2].iter().copied());
        split.insert_many(leaves[n / 2..].iter().copied());
        assert_eq!(one_by_one, LeanImt::from_leaves(leaves.clone()));
        assert_eq!(split, one_by_one);
        for (i, leaf) in leaves.iter().enumerate() {
            let p = one_by_one.proof(i).unwrap();
            assert!(p.verify());
            assert_eq!(p.compute_root(*leaf), one_by_one.root().unwrap());
            let mut bad = p.clone();
            bad.leaf += Fr::from(1u64);
            assert!(!bad.verify());
        }
    }
}

#[test]
fn out_of_range_indices_are_refused() {
    let mut tree = LeanImt::from_leaves([Fr::from(1u64), Fr::from(2u64)]);
    assert_eq!(tree.proof(2), Err(CircuitError::IndexOutOfRange { index: 2, size: 2 }));
    assert_eq!(tree.update(5, Fr::from(3u64)), Err(CircuitError::IndexOutOfRange { index: 5, size: 2 }));
    let single = LeanImt::from_leaves([Fr::from(9u64)]);
    assert_eq!(single.root(), Some(Fr::from(9u64)));
    assert_eq!(single.proof(0).unwrap().siblings, vec![]);
}
