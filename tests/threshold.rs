//! Threshold proofs through the CLI at full depth: 3-of-5, 8-of-8 and 1-of-1 from one
//! setup (depth 20, K_MAX 8), each verified by veil and by snarkjs; and the refusals.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{assert_snarkjs_verifies, intent_new, stdout_of, strs, veil_with_passphrase, verify_args};

fn veil() -> Command {
    veil_with_passphrase("threshold passphrase")
}

fn ok(args: &[&str]) -> String {
    stdout_of(veil().args(args))
}

#[test]
fn three_of_five_eight_of_eight_one_of_one_at_depth_20() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let commitments: Vec<String> =
        (0..9).map(|i| ok(&["key", "new", "--kdf", "light", "--out", &p(&format!("k{i}.key"))])).collect();
    ok(&strs(&intent_new("10", "3", &["--value", "7"], &p("intent.json"))));
    ok(&strs(&intent_new("10", "4", &["--value", "7"], &p("other.json"))));
    for i in 0..9 {
        ok(&[
            "sign",
            "--key",
            &p(&format!("k{i}.key")),
            "--intent",
            &p("intent.json"),
            "--out",
            &p(&format!("s{i}.json")),
        ]);
    }
    ok(&["sign", "--key", &p("k0.key"), "--intent", &p("other.json"), "--out", &p("s0-other.json")]);
    ok(&["setup", "threshold", "--depth", "20", "--k-max", "8", "--out", &p("keys")]);

    let set = |name: &str, members: std::ops::Range<usize>| {
        let mut args = vec!["set".to_owned(), "new".into(), "--out".into(), p(name)];
        args.extend(members.map(|i| commitments[i].clone()));
        ok(&strs(&args));
    };
    set("set5.json", 0..5);
    set("set8.json", 0..8);
    set("set1.json", 8..9);

    for (set, signers, k) in
        [("set5.json", vec![0, 2, 4], "3"), ("set8.json", (0..8).collect(), "8"), ("set1.json", vec![8], "1")]
    {
        let out = p(&format!("proof-{set}"));
        let mut args = vec![
            "prove".to_owned(),
            "threshold".into(),
            "--set".into(),
            p(set),
            "--intent".into(),
            p("intent.json"),
            "--pk".into(),
            p("keys"),
            "--out".into(),
            out.clone(),
        ];
        args.extend(signers.iter().map(|i| p(&format!("s{i}.json"))));
        assert_eq!(ok(&strs(&args)), k);
        let public = format!("{out}/public.json");
        let proof = format!("{out}/proof.json");
        veil().args(verify_args(&p("keys/verification_key.json"), &proof, &public)).assert().code(0);
        assert_snarkjs_verifies(&p("keys/verification_key.json"), &public, &proof);
        // k is public: claiming another k fails verification
        let mut signals: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
        signals[2] = "2".into();
        std::fs::write(p("changed.json"), serde_json::to_string(&signals).unwrap()).unwrap();
        veil().args(verify_args(&p("keys/verification_key.json"), &proof, &p("changed.json"))).assert().code(1);
    }

    let prove = |extra: &[String]| {
        let mut args = vec![
            "prove".to_owned(),
            "threshold".into(),
            "--set".into(),
            p("set5.json"),
            "--intent".into(),
            p("intent.json"),
            "--pk".into(),
            p("keys"),
            "--out".into(),
            p("refused"),
        ];
        args.extend(extra.iter().cloned());
        veil().args(&args).assert()
    };
    prove(&["--threshold".into(), "3".into(), p("s0.json"), p("s1.json")])
        .code(2)
        .stderr(predicate::str::contains("2 valid signatures"));
    prove(&[p("s0.json"), p("s6.json")]).code(2).stderr(predicate::str::contains("not a member"));
    prove(&[p("s0.json"), p("s0.json")]).code(2).stderr(predicate::str::contains("same signer twice"));
    prove(&[p("s1.json"), p("s0-other.json")]).code(2).stderr(predicate::str::contains("signs something other than"));
    assert!(!Path::new(&p("refused")).exists(), "nothing written on a refusal");
}
