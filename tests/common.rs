//! What the integration tests share: the `veil` binary as they run it, the arguments of its
//! common commands, and snarkjs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The binary, without VEIL_LOG from the caller.
pub fn veil() -> Command {
    let mut c = Command::cargo_bin("veil").expect("the veil binary is built");
    c.env_remove("VEIL_LOG");
    c
}

/// [`veil`] with `passphrase` in the environment for every key file (the batch-job path).
pub fn veil_with_passphrase(passphrase: &str) -> Command {
    let mut c = veil();
    c.env("VEIL_PASSPHRASE", passphrase);
    c
}

/// Runs `cmd`, asserts that it succeeds, and returns its stdout, trimmed.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?} failed: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `n` new keys `DIR/{prefix}{i}.key` (light KDF, under `passphrase`) and the approver set
/// `DIR/set.json` of their commitments; returns the commitments and the set's root.
pub fn light_keys_and_set(dir: &Path, passphrase: &str, prefix: &str, n: usize) -> (Vec<String>, String) {
    let p = |name: &str| dir.join(name).to_str().expect("UTF-8 path").to_owned();
    let commitments: Vec<String> = (0..n)
        .map(|i| {
            let out = p(&format!("{prefix}{i}.key"));
            stdout_of(veil_with_passphrase(passphrase).args(["key", "new", "--kdf", "light", "--out", &out]))
        })
        .collect();
    let mut set = vec!["set".to_owned(), "new".into(), "--out".into(), p("set.json")];
    set.extend(commitments.iter().cloned());
    let root = stdout_of(veil().args(&set));
    (commitments, root)
}

/// The smart account of every test intent.
pub const ACCOUNT: &str = "0x1111111111111111111111111111111111111111";
/// The call target of every test intent.
pub const TARGET: &str = "0x2222222222222222222222222222222222222222";

/// `veil intent new` for a call from [`ACCOUNT`] to [`TARGET`] on `chain_id` with `nonce`,
/// `extra` arguments (e.g. `--value 5`) before the nonce, written to `out`.
pub fn intent_new(chain_id: &str, nonce: &str, extra: &[&str], out: &str) -> Vec<String> {
    let head = ["intent", "new", "--chain-id", chain_id, "--account", ACCOUNT, "--target", TARGET];
    let tail = ["--nonce", nonce, "--out", out];
    head.iter().chain(extra).chain(&tail).map(|s| (*s).to_owned()).collect()
}

/// `args` as the `&str`s the tests' runners take.
pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `veil verify` of `proof` with `public` under `vk`.
pub fn verify_args<'a>(vk: &'a str, proof: &'a str, public: &'a str) -> [&'a str; 7] {
    ["verify", "--vk", vk, "--proof", proof, "--public", public]
}

/// `veil prove approval` by `key` in `set` for `intent` with the proving key in `pk`, written to
/// `out`.
pub fn prove_approval_args<'a>(
    key: &'a str,
    set: &'a str,
    intent: &'a str,
    pk: &'a str,
    out: &'a str,
) -> [&'a str; 12] {
    ["prove", "approval", "--key", key, "--set", set, "--intent", intent, "--pk", pk, "--out", out]
}

/// The pinned snarkjs CLI; fails (never skips) when it is missing.
pub fn snarkjs() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/node_modules/snarkjs/build/cli.cjs");
    assert!(cli.exists(), "snarkjs is missing: run `npm ci --prefix scripts` (CI does)");
    cli
}

/// Asserts that snarkjs verifies `proof` with `public` under `vk`.
pub fn assert_snarkjs_verifies(vk: &str, public: &str, proof: &str) {
    let out = std::process::Command::new("node")
        .arg(snarkjs())
        .args(["groth16", "verify", vk, public, proof])
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK"),
        "snarkjs on {public}: {out:?}"
    );
}

/// Asserts that an in-memory EVM call succeeded (else shows the revert in words).
#[track_caller]
pub fn ok(out: &veil_verifier_contract::evm::Outcome) {
    assert!(out.success, "reverted: {}", veil_verifier_contract::describe_revert(&out.output));
}

/// Asserts that an in-memory EVM call reverted with `expected` in its words (an error's
/// name, with its arguments when given).
#[track_caller]
pub fn reverts(out: &veil_verifier_contract::evm::Outcome, expected: &str) {
    assert!(!out.success, "expected {expected}, but it succeeded");
    let got = veil_verifier_contract::describe_revert(&out.output);
    assert!(got.contains(expected), "expected {expected}, got {got}");
}
