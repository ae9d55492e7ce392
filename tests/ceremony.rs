//! The production setup, full size: a ceremony for Approval at depth 20 over a 2^13 ptau,
//! with snarkjs in the loop as a contributor and as the independent verifier, then proofs
//! from the finalized key in veil, snarkjs and the exported Solidity verifier.
//!
//! The ptau is made by the pinned snarkjs (`powersoftau new`, one contribution, `prepare
//! phase2`: about two minutes at 2^13) and cached outside the repository in
//! `$VEIL_TEST_CACHE` (default `~/.cache/veil-test`); nothing is downloaded.

use std::{
    path::{Path, PathBuf},
    process::Command as StdCommand,
};

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use predicates::prelude::*;
use veil_prover::snarkjs::Calldata;
use veil_verifier_contract::{account::IApprovalVerifier, evm::Chain, solc::Solc};

use crate::common::{
    assert_snarkjs_verifies, intent_new, light_keys_and_set, prove_approval_args, snarkjs, stdout_of, strs, veil,
    veil_with_passphrase, verify_args,
};

const PASS: &str = "ceremony test passphrase";

/// Runs the pinned snarkjs with `args`; asserts success and returns stdout.
fn snarkjs_run(args: &[&str]) -> String {
    let out = StdCommand::new("node").arg(snarkjs()).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "snarkjs {args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// A prepared ptau of `power`, made once by snarkjs and cached (one maker at a time).
fn ptau(power: u32) -> PathBuf {
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MAKING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::var_os("VEIL_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/veil-test"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("pot{power}.ptau"));
    if !file.exists() {
        let tmp = dir.join(format!("tmp-{}", std::process::id()));
        let t = |i: u32| format!("{}.{i}", tmp.display());
        snarkjs_run(&["powersoftau", "new", "bn128", &power.to_string(), &t(0)]);
        let entropy = format!("veil-test {:?}", std::time::SystemTime::now());
        snarkjs_run(&["powersoftau", "contribute", &t(0), &t(1), "--name=veil-test", &format!("-e={entropy}")]);
        snarkjs_run(&["powersoftau", "prepare", "phase2", &t(1), &t(2)]);
        std::fs::rename(t(2), &file).unwrap();
        for i in 0..2 {
            let _ = std::fs::remove_file(t(i));
        }
    }
    file
}

fn hex_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or_default().to_string();
    assert!(first.len() == 128 && first.chars().all(|c| c.is_ascii_hexdigit()), "not a 64-byte hash: {first:?}");
    first
}

#[test]
fn approval_depth_20_ceremony_with_snarkjs_in_the_loop() {
    let ptau = ptau(13);
    let ptau = ptau.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let shape = ["--circuit", "approval", "--depth", "20"];

    // The R1CS, read by snarkjs.
    let r1cs_hash = stdout_of(veil().args(["export", "r1cs"]).args(shape).args(["--out", &p("a.r1cs")]));
    let bytes = std::fs::read(p("a.r1cs")).unwrap();
    assert_eq!(r1cs_hash, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
    let info = snarkjs_run(&["r1cs", "info", &p("a.r1cs")]);
    let constraints = veil_circuits::approval::num_constraints(20);
    assert!(info.contains(&format!("# of Constraints: {constraints}")), "{info}");
    assert!(info.contains("# of Public Inputs: 4"), "{info}");

    // init is `snarkjs groth16 setup`, byte for byte.
    let cs_hash =
        stdout_of(veil().args(["ceremony", "init"]).args(shape).args(["--ptau", ptau, "--out", &p("0.zkey")]));
    snarkjs_run(&["groth16", "setup", &p("a.r1cs"), ptau, &p("s0.zkey")]);
    assert!(std::fs::read(p("0.zkey")).unwrap() == std::fs::read(p("s0.zkey")).unwrap(), "init differs from snarkjs");

    // veil, snarkjs, veil (with typed entropy), then the beacon.
    let alice =
        hex_line(&stdout_of(veil().args(["ceremony", "contribute", &p("0.zkey"), &p("1.zkey"), "--name", "alice"])));
    snarkjs_run(&["zkey", "contribute", &p("1.zkey"), &p("2.zkey"), "--name=bob", "-e=bob's entropy"]);
    let carol = hex_line(&stdout_of(
        veil()
            .args(["ceremony", "contribute", &p("2.zkey"), &p("3.zkey"), "--name", "carol", "--entropy-prompt"])
            .write_stdin("carol types this\n"),
    ));
    let beacon = "8f3c5e2d0a1b4c6d9e7f00112233445566778899aabbccddeeff0011223344ff";
    let beacon_hash = hex_line(&stdout_of(veil().args([
        "ceremony",
        "beacon",
        &p("3.zkey"),
        &p("4.zkey"),
        "--hash",
        beacon,
        "--exp",
        "10",
        "--name",
        "beacon",
    ])));
    snarkjs_run(&["zkey", "beacon", &p("3.zkey"), &p("s4.zkey"), beacon, "10", "-n=beacon"]);
    assert!(std::fs::read(p("4.zkey")).unwrap() == std::fs::read(p("s4.zkey")).unwrap(), "beacon differs from snarkjs");

    // snarkjs accepts veil's transcript; veil lists every contribution, snarkjs's included.
    let verified = snarkjs_run(&["zkey", "verify", &p("a.r1cs"), ptau, &p("4.zkey")]);
    assert!(verified.contains("ZKey Ok!"), "{verified}");
    let listed = stdout_of(veil().args(["ceremony", "verify", &p("4.zkey")]).args(shape).args(["--ptau", ptau]));
    assert!(listed.contains(&format!("circuit hash: {cs_hash}")), "{listed}");
    assert!(listed.contains(&format!("contribution #1 alice: {alice}")), "{listed}");
    assert!(listed.contains("contribution #2 bob: "), "{listed}");
    assert!(listed.contains(&format!("contribution #3 carol: {carol}")), "{listed}");
    assert!(
        listed.contains(&format!("contribution #4 beacon (beacon {beacon} iterated 2^10): {beacon_hash}")),
        "{listed}"
    );
    // A transcript for another shape is refused with its reason (exit 1).
    veil()
        .args(["ceremony", "verify", &p("4.zkey"), "--circuit", "approval", "--depth", "19", "--ptau", ptau])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("INVALID").and(predicate::str::contains("size")));

    // Finalize: keys, manifest, and snarkjs's verifying key is the same.
    veil()
        .args(["ceremony", "finalize", &p("4.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("keys")])
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("keys/MANIFEST.json")).unwrap()).unwrap();
    assert_eq!(manifest["circuit"]["circuit_hash"], cs_hash.as_str());
    assert_eq!(manifest["circuit"]["r1cs_sha256"], r1cs_hash.as_str());
    assert_eq!(manifest["circuit"]["constraints"], constraints);
    let hashes: Vec<&str> =
        manifest["contributions"].as_array().unwrap().iter().map(|c| c["hash"].as_str().unwrap()).collect();
    assert_eq!(hashes.len(), 4);
    assert_eq!((hashes[0], hashes[2], hashes[3]), (alice.as_str(), carol.as_str(), beacon_hash.as_str()));
    assert_eq!(manifest["contributions"][3]["beacon_hash"], beacon);
    snarkjs_run(&["zkey", "export", "verificationkey", &p("4.zkey"), &p("snarkjs_vk.json")]);
    let ours: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("keys/verification_key.json")).unwrap()).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("snarkjs_vk.json")).unwrap()).unwrap();
    assert_eq!(ours, theirs);
    // Finalizing is deterministic: again, into another directory, the same keys; into the
    // same directory, refused without --force.
    veil()
        .args(["ceremony", "finalize", &p("4.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("again")])
        .assert()
        .success();
    for f in ["proving_key.veil", "verification_key.json", "MANIFEST.json"] {
        assert!(
            std::fs::read(dir.path().join("keys").join(f)).unwrap()
                == std::fs::read(dir.path().join("again").join(f)).unwrap(),
            "{f}"
        );
    }
    veil()
        .args(["ceremony", "finalize", &p("4.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("keys")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    let info = stdout_of(veil().args(["info", "key", "--pk", &p("keys")]));
    assert!(info.contains("ceremony") && info.contains(&cs_hash), "{info}");

    // A proof from the ceremony key, with and without tables: veil, snarkjs, Solidity.
    let member = stdout_of(veil_with_passphrase(PASS).args(["key", "new", "--kdf", "light", "--out", &p("m.key")]));
    stdout_of(veil().args(["set", "new", "--out", &p("set.json"), &member]));
    stdout_of(veil().args(strs(&intent_new("1", "0", &["--value", "5"], &p("intent.json")))));
    for tables in [false, true] {
        if tables {
            veil().args(["tables", "--pk", &p("keys")]).assert().success();
        }
        let out = p(if tables { "proof-t" } else { "proof" });
        veil_with_passphrase(PASS)
            .args(prove_approval_args(&p("m.key"), &p("set.json"), &p("intent.json"), &p("keys"), &out))
            .assert()
            .success()
            .stderr(predicate::str::contains("development").not());
        let (proof, public) = (format!("{out}/proof.json"), format!("{out}/public.json"));
        veil().args(verify_args(&p("keys/verification_key.json"), &proof, &public)).assert().code(0);
        assert_snarkjs_verifies(&p("keys/verification_key.json"), &public, &proof);
    }
    veil()
        .args([
            "export",
            "verifier",
            "--vk",
            &p("keys/verification_key.json"),
            "--out",
            &p("V.sol"),
            "--name",
            "CeremonyVerifier",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("ceremony key (4 contributions)"));
    let calldata = Calldata::from_json(&stdout_of(veil().args([
        "export",
        "calldata",
        "--proof",
        &p("proof/proof.json"),
        "--public",
        &p("proof/public.json"),
    ])))
    .unwrap();
    let solc = Solc::locate().unwrap();
    let sol = std::fs::read_to_string(p("V.sol")).unwrap();
    assert!(
        sol.contains(&format!(
            "/// Verifying key from a multi-party ceremony of 4 contributions (see its MANIFEST.json):\n/// circuit hash 0x{cs_hash},\n/// vk hash 0x{}.\n",
            manifest["vk_hash"].as_str().unwrap()
        )),
        "{sol}"
    );
    // Without the manifest, the key's header still says ceremony (the verifying key checked
    // against the proving key's).
    std::fs::remove_file(p("again/MANIFEST.json")).unwrap();
    veil()
        .args(["export", "verifier", "--vk", &p("again/verification_key.json"), "--out", &p("W.sol")])
        .assert()
        .success()
        .stderr(predicate::str::contains("ceremony key"));
    let artifacts = solc.compile(&[("V.sol", &sol)]).unwrap();
    let artifact = artifacts.get("CeremonyVerifier").expect("the verifier compiled");
    let mut chain = Chain::new(31_337, 1_800_000_000);
    let from = Address::repeat_byte(0x42);
    chain.fund(from, U256::from(10).pow(U256::from(18)));
    let verifier = chain.deploy(from, &artifact.bytecode, &[], U256::ZERO).unwrap();
    let input: [U256; 4] = calldata.inputs.clone().try_into().unwrap();
    let call = |chain: &mut Chain, input: [U256; 4]| {
        chain
            .call(
                from,
                verifier,
                IApprovalVerifier::verifyProofCall { proof: calldata.proof, input }.abi_encode(),
                U256::ZERO,
            )
            .unwrap()
    };
    assert!(call(&mut chain, input).success, "the Solidity verifier accepts the ceremony key's proof");
    let mut changed = input;
    changed[2] += U256::from(1);
    assert!(!call(&mut chain, changed).success, "and refuses another intent");
}

/// The refusals a coordinator meets: a tampered transcript (exit 1, the check named), a
/// file that is not a zkey or a ptau too small (exit 2, the file named), finalize without
/// a secret contribution.
#[test]
fn ceremony_commands_refuse_bad_transcripts_and_files() {
    let ptau_path = ptau(13);
    let ptau = ptau_path.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // Approval at depth 1 is small, and 2^13 serves it.
    let shape = ["--circuit", "approval", "--depth", "1"];
    stdout_of(veil().args(["ceremony", "init"]).args(shape).args(["--ptau", ptau, "--out", &p("0.zkey")]));
    // Refused: an existing output without --force; a beacon alone is no ceremony.
    veil()
        .args(["ceremony", "init"])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("0.zkey")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("0.zkey"));
    stdout_of(veil().args(["ceremony", "beacon", &p("0.zkey"), &p("b.zkey"), "--hash", "01", "--exp", "10"]));
    veil()
        .args(["ceremony", "finalize", &p("b.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("keys")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no contribution with a secret"));
    assert!(!Path::new(&p("keys/proving_key.veil")).exists());

    stdout_of(veil().args(["ceremony", "contribute", &p("0.zkey"), &p("1.zkey"), "--name", "alice"]));
    // A flipped byte in an L point: the point no longer decodes (exit 2, file and section
    // named) or, if it still does, the L check fails (exit 1).
    let mut bytes = std::fs::read(p("1.zkey")).unwrap();
    let n = bytes.len();
    bytes[n - 5000] ^= 0x01;
    std::fs::write(p("bad.zkey"), &bytes).unwrap();
    let out = veil().args(["ceremony", "verify", &p("bad.zkey")]).args(shape).args(["--ptau", ptau]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(1 | 2)) && stderr.contains("bad.zkey"), "{stderr}");
    // Contributing on top of a broken chain is refused before anything is written.
    let mut chain = std::fs::read(p("1.zkey")).unwrap();
    let at = chain.len() - 70; // inside the last record's transcript hash
    chain[at] ^= 0x80;
    std::fs::write(p("broken.zkey"), &chain).unwrap();
    veil()
        .args(["ceremony", "contribute", &p("broken.zkey"), &p("2.zkey")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("transcript"));
    assert!(!Path::new(&p("2.zkey")).exists());
    // Not a zkey; a ptau too small; a truncated ptau.
    std::fs::write(p("junk.zkey"), b"not a zkey at all").unwrap();
    veil()
        .args(["ceremony", "verify", &p("junk.zkey")])
        .args(shape)
        .args(["--ptau", ptau])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junk.zkey").and(predicate::str::contains("not a .zkey")));
    let ptau_bytes = std::fs::read(&ptau_path).unwrap();
    std::fs::write(p("cut.ptau"), &ptau_bytes[..ptau_bytes.len() / 2]).unwrap();
    veil()
        .args(["ceremony", "init"])
        .args(shape)
        .args(["--ptau", &p("cut.ptau"), "--out", &p("x.zkey")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cut.ptau").and(predicate::str::contains("truncated")));
    veil()
        .args([
            "ceremony",
            "init",
            "--circuit",
            "threshold",
            "--depth",
            "20",
            "--k-max",
            "8",
            "--ptau",
            ptau,
            "--out",
            &p("t.zkey"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("power 13").and(predicate::str::contains("2^17")));
    assert!(!Path::new(&p("x.zkey")).exists() && !Path::new(&p("t.zkey")).exists());
}

/// The Threshold statement through the same commands, at depth 2 with K_MAX 2 (7,723
/// constraints: the 2^13 ptau serves it): a ceremony of two contributors and a beacon,
/// verified by veil and snarkjs, finalized, and a 2-of-3 proof from the key, verified by veil
/// and snarkjs.
#[test]
fn threshold_ceremony_proves_through_the_cli() {
    let ptau_path = ptau(13);
    let ptau = ptau_path.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let shape = ["--circuit", "threshold", "--depth", "2", "--k-max", "2"];
    stdout_of(veil().args(["export", "r1cs"]).args(shape).args(["--out", &p("t.r1cs")]));
    stdout_of(veil().args(["ceremony", "init"]).args(shape).args(["--ptau", ptau, "--out", &p("0.zkey")]));
    stdout_of(veil().args(["ceremony", "contribute", &p("0.zkey"), &p("1.zkey"), "--name", "one"]));
    stdout_of(veil().args(["ceremony", "contribute", &p("1.zkey"), &p("2.zkey"), "--name", "two"]));
    stdout_of(veil().args(["ceremony", "beacon", &p("2.zkey"), &p("3.zkey"), "--hash", "abcdef", "--exp", "10"]));
    let verified = snarkjs_run(&["zkey", "verify", &p("t.r1cs"), ptau, &p("3.zkey")]);
    assert!(verified.contains("ZKey Ok!"), "{verified}");
    veil()
        .args(["ceremony", "finalize", &p("3.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("keys")])
        .assert()
        .success();

    light_keys_and_set(dir.path(), PASS, "k", 3);
    stdout_of(veil().args(strs(&intent_new("1", "0", &["--value", "5"], &p("intent.json")))));
    for i in [0, 2] {
        stdout_of(veil_with_passphrase(PASS).args([
            "sign",
            "--key",
            &p(&format!("k{i}.key")),
            "--intent",
            &p("intent.json"),
            "--out",
            &p(&format!("s{i}.json")),
        ]));
    }
    veil()
        .args(["prove", "threshold", "--set", &p("set.json"), "--intent", &p("intent.json"), "--pk", &p("keys")])
        .args(["--out", &p("proof"), &p("s0.json"), &p("s2.json")])
        .assert()
        .success()
        .stderr(predicate::str::contains("development").not());
    let (proof, public) = (p("proof/proof.json"), p("proof/public.json"));
    veil().args(verify_args(&p("keys/verification_key.json"), &proof, &public)).assert().code(0);
    assert_snarkjs_verifies(&p("keys/verification_key.json"), &public, &proof);
}

/// The Policy statement through the same commands, at depth 1, K_MAX 1, policy depth 1
/// (5,875 constraints: the 2^13 ptau serves it): one contributor and a beacon, verified by
/// veil and snarkjs, finalized (the manifest names the policy depth), and a policy proof from
/// the key, verified by veil and snarkjs.
#[test]
fn policy_ceremony_proves_through_the_cli() {
    let ptau_path = ptau(13);
    let ptau = ptau_path.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let shape = ["--circuit", "policy", "--depth", "1", "--k-max", "1", "--policy-depth", "1"];
    stdout_of(veil().args(["export", "r1cs"]).args(shape).args(["--out", &p("p.r1cs")]));
    stdout_of(veil().args(["ceremony", "init"]).args(shape).args(["--ptau", ptau, "--out", &p("0.zkey")]));
    stdout_of(veil().args(["ceremony", "contribute", &p("0.zkey"), &p("1.zkey"), "--name", "one"]));
    stdout_of(veil().args(["ceremony", "beacon", &p("1.zkey"), &p("2.zkey"), "--hash", "abcdef", "--exp", "10"]));
    let verified = snarkjs_run(&["zkey", "verify", &p("p.r1cs"), ptau, &p("2.zkey")]);
    assert!(verified.contains("ZKey Ok!"), "{verified}");
    // Another policy depth is another circuit: the transcript does not verify for it.
    veil()
        .args(["ceremony", "verify", &p("2.zkey"), "--circuit", "policy", "--depth", "1", "--k-max", "1"])
        .args(["--policy-depth", "2", "--ptau", ptau])
        .assert()
        .code(1);
    veil()
        .args(["ceremony", "verify", &p("2.zkey"), "--circuit", "approval", "--depth", "1", "--policy-depth", "1"])
        .args(["--ptau", ptau])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--policy-depth is for --circuit policy only"));
    veil()
        .args(["ceremony", "finalize", &p("2.zkey")])
        .args(shape)
        .args(["--ptau", ptau, "--out", &p("keys")])
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("keys/MANIFEST.json")).unwrap()).unwrap();
    assert_eq!(
        (manifest["circuit"]["name"].as_str(), manifest["circuit"]["policy_depth"].as_u64()),
        (Some("policy"), Some(1))
    );
    let info: serde_json::Value =
        serde_json::from_str(&stdout_of(veil().args(["info", "key", "--pk", &p("keys"), "--json"]))).unwrap();
    assert_eq!((info["provenance"].as_str(), info["policy_depth"].as_u64()), (Some("ceremony"), Some(1)));

    // One member, one rule: a call to the target with no value.
    let (members, _) = light_keys_and_set(dir.path(), PASS, "k", 1);
    let policy = format!(
        "version = 1\naccount = \"{}\"\nchain_id = 1\ndepth = 1\nk_max = 1\npolicy_depth = 1\n\n[[rule]]\n\
         name = \"pay\"\nrole = \"payer\"\nthreshold = 1\ntarget = \"{}\"\nfunction = \"receive\"\nmax_value = \"5\"\n\n\
         [roles]\npayer = [\"{}\"]\n",
        crate::common::ACCOUNT,
        crate::common::TARGET,
        members[0]
    );
    std::fs::write(p("policy.toml"), policy).unwrap();
    stdout_of(veil().args(["policy", "compile", &p("policy.toml"), "--out", &p("policy")]));
    stdout_of(veil().args(strs(&intent_new("1", "0", &["--value", "5"], &p("intent.json")))));
    stdout_of(veil_with_passphrase(PASS).args([
        "sign",
        "--key",
        &p("k0.key"),
        "--intent",
        &p("intent.json"),
        "--out",
        &p("s0.json"),
    ]));
    veil()
        .args(["prove", "policy", "--compiled", &p("policy/policy.compiled.json"), "--intent", &p("intent.json")])
        .args(["--pk", &p("keys"), "--out", &p("proof"), &p("s0.json")])
        .assert()
        .success()
        .stderr(predicate::str::contains("development").not());
    let (proof, public) = (p("proof/proof.json"), p("proof/public.json"));
    veil().args(verify_args(&p("keys/verification_key.json"), &proof, &public)).assert().code(0);
    assert_snarkjs_verifies(&p("keys/verification_key.json"), &public, &proof);
}
