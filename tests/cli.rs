//! The `veil` binary, run as a user would: every command, the documented exit codes, and
//! snarkjs verifying veil's proof.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use veil_circuits::approval;

use crate::common::{
    assert_snarkjs_verifies, intent_new, prove_approval_args, stdout_of, veil_with_passphrase, verify_args, TARGET,
};

const PASSPHRASE: &str = "correct horse battery staple";

/// The binary, with the passphrase of every key file in the environment (the batch-job
/// path) and without VEIL_LOG from the caller.
fn veil() -> Command {
    veil_with_passphrase(PASSPHRASE)
}

#[test]
fn info_approval_json_reports_the_pinned_shape() {
    for depth in [10usize, 20, 32] {
        let out = veil().args(["info", "approval", "--depth", &depth.to_string(), "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["constraints"], approval::num_constraints(depth));
        assert_eq!(report["public_inputs"], 4);
        assert!(report["witness_variables"].as_u64().unwrap() > 0);
        assert_eq!(report["depth"], depth);
    }
}

#[test]
fn info_approval_text_defaults_to_depth_20() {
    veil()
        .args(["info", "approval"])
        .assert()
        .success()
        .stdout(predicate::str::contains("max depth 20"))
        .stdout(predicate::str::contains(approval::num_constraints(20).to_string()));
}

#[test]
fn depth_out_of_range_is_a_usage_error_naming_the_flag() {
    for bad in ["0", "33", "twenty"] {
        veil().args(["info", "approval", "--depth", bad]).assert().code(2).stderr(predicate::str::contains("--depth"));
    }
}

#[test]
fn help_explains_the_commands() {
    let help = stdout_of(veil().arg("--help"));
    for cmd in ["info", "key", "set", "intent", "setup", "prove", "verify", "export"] {
        assert!(help.contains(cmd), "--help does not mention {cmd}");
    }
    veil().args(["prove", "approval", "--help"]).assert().success().stdout(predicate::str::contains("--scope"));
}

/// The README's walk-through, at depth 4 to keep it quick: keys, set, intent, setup, prove,
/// verify (veil and snarkjs), calldata; then tampering.
#[test]
fn walk_through_from_nothing_to_a_verified_proof() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    let alice = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("alice.key")]));
    let bob = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("bob.key")]));
    let shown: serde_json::Value =
        serde_json::from_str(&stdout_of(veil().args(["key", "show", &p("alice.key"), "--json"]))).unwrap();
    assert_eq!(shown["commitment"], alice.as_str());
    assert_eq!(shown["public_key"].as_array().unwrap().len(), 2);
    let key_text = std::fs::read_to_string(p("alice.key")).unwrap();
    assert!(key_text.contains("\"ciphertext\"") && key_text.contains("\"scrypt\""), "the key rests encrypted");

    let root = stdout_of(veil().args(["set", "new", "--out", &p("set.json"), &bob, &alice]));
    assert_eq!(stdout_of(veil().args(["set", "root", "--set", &p("set.json")])), root);

    let intent_fe =
        stdout_of(veil().args(intent_new("1", "7", &["--value", "1000", "--data", "0xdeadbeef"], &p("intent.json"))));

    veil()
        .args(["setup", "approval", "--depth", "4", "--out", &p("keys")])
        .assert()
        .success()
        .stderr(predicate::str::contains("development"));
    let nullifier = stdout_of(veil().args(prove_approval_args(
        &p("alice.key"),
        &p("set.json"),
        &p("intent.json"),
        &p("keys"),
        &p("proof"),
    )));
    let public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(p("proof/public.json")).unwrap()).unwrap();
    assert_eq!(public, vec![root.clone(), nullifier, intent_fe.clone(), intent_fe]);

    let verify = |public: &str| {
        veil().args(verify_args(&p("keys/verification_key.json"), &p("proof/proof.json"), public)).assert()
    };
    verify(&p("proof/public.json")).code(0).stdout("valid\n");

    assert_snarkjs_verifies(&p("keys/verification_key.json"), &p("proof/public.json"), &p("proof/proof.json"));

    let calldata: serde_json::Value = serde_json::from_str(&stdout_of(veil().args([
        "export",
        "calldata",
        "--proof",
        &p("proof/proof.json"),
        "--public",
        &p("proof/public.json"),
    ])))
    .unwrap();
    assert_eq!(calldata["proof"].as_array().unwrap().len(), 8);
    assert_eq!(calldata["inputs"].as_array().unwrap().len(), 4);

    // A changed public input: invalid (exit 1). An input ≥ r: bad input (exit 2).
    let mut changed = public.clone();
    changed[approval::NULLIFIER] = "1".into();
    std::fs::write(p("changed.json"), serde_json::to_string(&changed).unwrap()).unwrap();
    verify(&p("changed.json")).code(1).stdout("invalid\n");
    let mut too_big = public.clone();
    too_big[approval::INTENT] = "21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
    std::fs::write(p("too_big.json"), serde_json::to_string(&too_big).unwrap()).unwrap();
    verify(&p("too_big.json")).code(2).stderr(predicate::str::contains("too_big.json"));
    // A tampered proof is rejected (invalid, or refused as off the curve).
    let proof_text = std::fs::read_to_string(p("proof/proof.json")).unwrap();
    let mut proof: serde_json::Value = serde_json::from_str(&proof_text).unwrap();
    proof["pi_c"] = proof["pi_a"].clone();
    std::fs::write(p("tampered.json"), proof.to_string()).unwrap();
    veil()
        .args(verify_args(&p("keys/verification_key.json"), &p("tampered.json"), &p("proof/public.json")))
        .assert()
        .code(1);
    // A coordinate ≥ p, a point off the curve: bad input naming the field.
    let p_modulus = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    let mut bad = serde_json::from_str::<serde_json::Value>(&proof_text).unwrap();
    bad["pi_a"][0] = p_modulus.into();
    std::fs::write(p("bad_coord.json"), bad.to_string()).unwrap();
    let mut off = serde_json::from_str::<serde_json::Value>(&proof_text).unwrap();
    off["pi_a"][1] = "5".into();
    std::fs::write(p("off_curve.json"), off.to_string()).unwrap();
    for (file, field) in [("bad_coord.json", "pi_a[0]"), ("off_curve.json", "pi_a")] {
        veil()
            .args(verify_args(&p("keys/verification_key.json"), &p(file), &p("proof/public.json")))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(file))
            .stderr(predicate::str::contains(field));
    }
    let mut vk =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(p("keys/verification_key.json")).unwrap())
            .unwrap();
    vk["vk_beta_2"][0][1] = p_modulus.into();
    std::fs::write(p("bad_vk.json"), vk.to_string()).unwrap();
    veil()
        .args(verify_args(&p("bad_vk.json"), &p("proof/proof.json"), &p("proof/public.json")))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("vk_beta_2[0][1]"));
}

#[test]
fn refusals_name_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let alice = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("alice.key")]));
    veil()
        .args(["key", "new", "--kdf", "light", "--out", &p("alice.key")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    let outsider = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("outsider.key")]));
    stdout_of(veil().args(["set", "new", "--out", &p("set.json"), &alice]));
    veil().args(["set", "add", "--set", &p("set.json"), &alice]).assert().code(2);
    veil()
        .args(["set", "add", "--set", &p("set.json"), "12x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("12x"));
    stdout_of(veil().args(intent_new("5", "0", &[], &p("intent.json"))));
    veil()
        .args(["intent", "new", "--chain-id", "5", "--account", "0x11", "--target", TARGET])
        .args(["--nonce", "0", "--out", &p("i2.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--account"));
    assert!(!Path::new(&p("i2.json")).exists(), "nothing written on bad input");
    veil().args(["setup", "approval", "--depth", "3", "--out", &p("keys")]).assert().success();
    let prove = |key: &str, pk: &str| {
        veil().args(prove_approval_args(key, &p("set.json"), &p("intent.json"), pk, &p("out"))).assert()
    };
    prove(&p("outsider.key"), &p("keys")).code(2).stderr(predicate::str::contains("not a member"));
    assert!(!Path::new(&p("out")).exists(), "nothing written on a refused proof");
    // A truncated proving key.
    let pk = std::fs::read(p("keys/proving_key.veil")).unwrap();
    std::fs::create_dir(p("cut")).unwrap();
    std::fs::write(p("cut/proving_key.veil"), &pk[..pk.len() / 2]).unwrap();
    prove(&p("alice.key"), &p("cut"))
        .code(2)
        .stderr(predicate::str::contains("truncated"))
        .stderr(predicate::str::contains("proving_key.veil"));
    // Not a key at all.
    std::fs::write(p("cut/proving_key.veil"), b"garbage").unwrap();
    prove(&p("alice.key"), &p("cut")).code(2).stderr(predicate::str::contains("not a veil proving key"));
    let _ = outsider;
}

/// `veil tables` writes the MSM tables beside the key; `veil prove` reads them (`auto`,
/// `always`) and its proofs verify; a damaged or foreign tables file is reported and
/// ignored under `auto` and refused (exit 2, naming the file) under `always`.
#[test]
fn tables_beside_the_key_serve_prove_and_damage_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let alice = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("alice.key")]));
    let bob = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("bob.key")]));
    stdout_of(veil().args(["set", "new", "--out", &p("set.json"), &alice, &bob]));
    stdout_of(veil().args(intent_new("1", "0", &["--value", "5"], &p("intent.json"))));
    stdout_of(veil().args(["setup", "approval", "--depth", "4", "--out", &p("keys"), "--tables"]));
    let tables = dir.path().join("keys/proving_key.tables");
    assert!(tables.exists(), "setup --tables writes the tables");
    let prove = |mode: &str, out: &str| {
        let mut c = veil();
        c.args(prove_approval_args(&p("alice.key"), &p("set.json"), &p("intent.json"), &p("keys"), &p(out)))
            .args(["--tables", mode]);
        c
    };
    let verifies = |out: &str| {
        let (proof, public) = (p(&format!("{out}/proof.json")), p(&format!("{out}/public.json")));
        veil().args(verify_args(&p("keys/verification_key.json"), &proof, &public)).assert().success();
    };
    for mode in ["auto", "always", "never"] {
        let out = prove(mode, mode).env("VEIL_LOG", "veil=debug").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let read = String::from_utf8_lossy(&out.stderr).contains("MSM tables read");
        assert_eq!(read, mode != "never", "--tables {mode}");
        verifies(mode);
    }
    // `veil tables` rebuilds them in place, within a budget.
    stdout_of(veil().args(["tables", "--pk", &p("keys"), "--budget-mib", "1"]));
    prove("always", "rebuilt").assert().success();
    verifies("rebuilt");

    // A truncated file: `auto` warns and proves without it; `always` refuses.
    let bytes = std::fs::read(&tables).unwrap();
    std::fs::write(&tables, &bytes[..bytes.len() - 8]).unwrap();
    prove("auto", "damaged").assert().success().stderr(predicate::str::contains("proving_key.tables"));
    verifies("damaged");
    prove("always", "refused").assert().code(2).stderr(predicate::str::contains("proving_key.tables"));
    assert!(!dir.path().join("refused").exists(), "nothing written on refusal");

    // Tables of another key (a second setup) are refused the same way.
    stdout_of(veil().args(["setup", "approval", "--depth", "4", "--out", &p("other"), "--tables"]));
    std::fs::copy(dir.path().join("other/proving_key.tables"), &tables).unwrap();
    prove("always", "foreign").assert().code(2).stderr(predicate::str::contains("another proving key"));
    prove("auto", "foreign").assert().success();
    verifies("foreign");
}

/// The lines of `stderr` that warn about a development key.
fn development_warnings(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr).lines().filter(|l| l.contains("is a development key")).map(str::to_owned).collect()
}

/// A development key (`veil setup`) earns `veil prove` and `veil batch` one warning line on
/// stderr, which `--allow-development-key` silences; `veil info key` shows the provenance. A
/// ceremony key (here the same points under a relabelled header: the format does not care
/// where they came from) is shown with its hashes and proven without a warning.
#[test]
fn development_keys_are_warned_about_unless_allowed_and_ceremony_keys_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let alice = stdout_of(veil().args(["key", "new", "--kdf", "light", "--out", &p("alice.key")]));
    stdout_of(veil().args(["set", "new", "--out", &p("set.json"), &alice]));
    stdout_of(veil().args(intent_new("1", "3", &[], &p("intent.json"))));
    stdout_of(veil().args(["setup", "approval", "--depth", "3", "--out", &p("keys")]));
    let prove = |pk: &str, out: &str, extra: &[&str]| {
        let out = veil()
            .args(prove_approval_args(&p("alice.key"), &p("set.json"), &p("intent.json"), &p(pk), &p(out)))
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        development_warnings(&out.stderr)
    };

    let warned = prove("keys", "warned", &[]);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].starts_with("warning: ") && warned[0].contains(&p("keys/proving_key.veil")), "{warned:?}");
    assert!(warned[0].contains("--allow-development-key"), "{warned:?}");
    assert_eq!(prove("keys", "allowed", &["--allow-development-key"]), Vec::<String>::new());

    // `veil batch`: the same line once per batch, and the same flag.
    let request = serde_json::json!({
        "id": "r1", "circuit": "approval", "key": p("alice.key"), "set": p("set.json"), "intent": p("intent.json"),
    });
    std::fs::write(p("requests.jsonl"), format!("{request}\n")).unwrap();
    let batch = |output: &str, extra: &[&str]| {
        let out = veil()
            .args(["batch", "--pk", &p("keys"), "--input", &p("requests.jsonl"), "--output", &p(output)])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        development_warnings(&out.stderr).len()
    };
    assert_eq!(batch("warned.jsonl", &[]), 1);
    assert_eq!(batch("allowed.jsonl", &["--allow-development-key"]), 0);

    let info = |pk: &str| -> serde_json::Value {
        serde_json::from_str(&stdout_of(veil().args(["info", "key", "--pk", &p(pk), "--json"]))).unwrap()
    };
    let dev = info("keys");
    assert_eq!((dev["provenance"].as_str(), dev["format_version"].as_u64()), (Some("development"), Some(4)));
    assert!(dev["r1cs_hash"].is_null() && dev["circuit_hash"].is_null());
    assert_eq!((dev["circuit"].as_str(), dev["depth"].as_u64()), (Some("approval"), Some(3)));
    assert_eq!(dev["constraints"], approval::num_constraints(3));
    veil().args(["info", "key", "--pk", &p("keys")]).assert().success().stdout(predicate::str::contains("development"));

    // The ceremony key: flags bit 1 at offset 20, the r1cs hash at 120, the circuit hash at
    // 152 (DESIGN §5.4); the body and its hash are untouched.
    std::fs::create_dir(p("ceremony")).unwrap();
    let mut key = std::fs::read(p("keys/proving_key.veil")).unwrap();
    key[20..24].copy_from_slice(&2u32.to_le_bytes());
    key[120..152].fill(0xab);
    key[152..216].fill(0xcd);
    std::fs::write(p("ceremony/proving_key.veil"), &key).unwrap();
    std::fs::copy(p("keys/verification_key.json"), p("ceremony/verification_key.json")).unwrap();
    let (r1cs_hash, circuit_hash) = ("ab".repeat(32), "cd".repeat(64));
    let ceremony = info("ceremony");
    assert_eq!(ceremony["provenance"], "ceremony");
    assert_eq!(
        (ceremony["r1cs_hash"].as_str(), ceremony["circuit_hash"].as_str()),
        (Some(&*r1cs_hash), Some(&*circuit_hash))
    );
    veil()
        .args(["info", "key", "--pk", &p("ceremony")])
        .assert()
        .success()
        .stdout(predicate::str::contains("ceremony"))
        .stdout(predicate::str::contains(&r1cs_hash))
        .stdout(predicate::str::contains(&circuit_hash));
    assert_eq!(prove("ceremony", "ceremony-proof", &[]), Vec::<String>::new());
    let proof = |name: &str| p(&format!("ceremony-proof/{name}.json"));
    veil().args(verify_args(&p("ceremony/verification_key.json"), &proof("proof"), &proof("public"))).assert().code(0);

    // Both flags set: refused from the header, naming the file.
    key[20..24].copy_from_slice(&3u32.to_le_bytes());
    std::fs::write(p("ceremony/proving_key.veil"), &key).unwrap();
    veil()
        .args(["info", "key", "--pk", &p("ceremony")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("proving_key.veil"))
        .stderr(predicate::str::contains("both the development"));
}
