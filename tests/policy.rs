//! `veil policy`: check, compile, explain and update on the derivatives desk
//! (`approver/src/policy/desk.toml`).

use std::path::{Path, PathBuf};

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use veil_approver::intent::Intent;

use crate::common::{intent_new, stdout_of, strs, veil, ACCOUNT, TARGET};

mod sol {
    alloy_sol_types::sol! {
        function deposit(uint256 amount);
        function setAuthRoot(uint256 newRoot);
    }
}

/// The desk's text.
fn desk_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("approver/src/policy/desk.toml")).unwrap()
}

/// Writes `text` as `name` in `dir`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `veil args…` and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = veil().args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The 1-based line of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn policy_check_accepts_the_desk_and_names_each_error_by_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let desk = write(dir.path(), "desk.toml", &desk_text());
    let (code, out, err) = run(&["policy", "check", s(&desk)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok (5 rules, 3 roles, 5 grants; depth 20, k_max 8, policy_depth 6; 0 warning(s))"), "{out}");
    assert!(out.contains("rule \"margin-deposit\": 1 of trader (1), target 0x2222222222222222222222222222222222222222, function deposit(uint256) (0xb6b55f25), value <= 0, amount <= 50000e6, delay 0s"), "{out}");

    // Errors: exit 2, each as FILE:LINE:COLUMN: error: FIELD (rule "NAME"): MESSAGE, all at once.
    let text = desk_text().replacen("threshold = 2", "threshold = 0", 1).replacen(
        "name = \"liquidate\"",
        "name = \"liquidate\"\neffect = \"deny\"",
        1,
    );
    let bad = write(dir.path(), "bad.toml", &text);
    let (code, out, err) = run(&["policy", "check", s(&bad)]);
    assert_eq!(code, 2, "{out}{err}");
    let threshold = format!(
        "{}:{}:1: error: rule[0].threshold (rule \"treasury-any\"): 0: a rule needs at least one signer",
        s(&bad),
        line_of(&text, "threshold = 0")
    );
    assert!(err.contains(&threshold), "{threshold:?} not in:\n{err}");
    let deny = format!(
        "{}:{}:1: error: rule[3].effect (rule \"liquidate\"): effect = \"deny\": rules are allow-only",
        s(&bad),
        line_of(&text, "effect = \"deny\"")
    );
    assert!(err.contains(&deny) && err.contains("widen authority"), "{deny:?} not in:\n{err}");
    assert!(err.contains("2 error(s), 0 warning(s)"), "{err}");
    assert!(out.is_empty(), "{out}");

    // JSON: the same schema, unknown fields refused at their line.
    let json = desk_json(dir.path()).replacen("\"threshold\": 3", "\"threshold\": 4", 1).replacen(
        "\"chain_id\": 1",
        "\"chain_id\": 1,\n  \"chainId\": 1",
        1,
    );
    let bad = write(dir.path(), "bad.json", &json);
    let (code, _, err) = run(&["policy", "check", s(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}:{}:", s(&bad), line_of(&json, "\"chainId\"")))
            && err.contains("error: chainId: unknown field `chainId`"),
        "{err}"
    );

    let json = desk_json(dir.path()).replacen("\"threshold\": 3", "\"threshold\": 4", 1);
    let bad = write(dir.path(), "bad.json", &json);
    let (code, _, err) = run(&["policy", "check", s(&bad)]);
    assert_eq!(code, 2, "{err}");
    let above = format!("{}:{}:", s(&bad), line_of(&json, "\"threshold\": 4"));
    assert!(
        err.contains(&above)
            && err.contains("rule[4].threshold (rule \"admin\"): 4 is above the size of role \"treasury\""),
        "{err}"
    );

    // Warnings alone: exit 0, on stderr.
    let text = desk_text()
        .replacen("max_value = \"unlimited\"\ndelay = \"48h\"", "max_value = \"unlimited\"", 1)
        .replacen("liquidate(address borrower, uint256 repayAmount)", "multicall(bytes[] data)", 1);
    let warned = write(dir.path(), "warned.toml", &text);
    let (code, out, err) = run(&["policy", "check", s(&warned)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 warning(s)"), "{out}");
    assert!(err.contains("warning: rule[0] (rule \"treasury-any\"): any call to any contract with no delay"), "{err}");
    assert!(
        err.contains("warning: rule[3].function (rule \"liquidate\"): multicall(bytes[]) is a batching entry point"),
        "{err}"
    );

    // A missing file is bad input.
    assert_eq!(run(&["policy", "check", s(&dir.path().join("none.toml"))]).0, 2);
}

/// The desk in JSON, as `veil policy compile` embeds it.
fn desk_json(dir: &Path) -> String {
    let out = dir.join("json-desk");
    let desk = write(dir, "for-json.toml", &desk_text());
    stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&out), "--seed", "1", "--force"]));
    let compiled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("policy.compiled.json")).unwrap()).unwrap();
    serde_json::to_string_pretty(&compiled["policy"]).unwrap()
}

#[test]
fn policy_compile_writes_the_secret_file_0600_and_the_public_root() {
    let dir = tempfile::tempdir().unwrap();
    let desk = write(dir.path(), "desk.toml", &desk_text());
    let out = dir.path().join("out");
    let (code, root, err) = run(&["policy", "compile", s(&desk), "--out", s(&out), "--seed", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--seed 1") && err.contains("none is secret"), "{err}");
    let compiled = out.join("policy.compiled.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&compiled).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("auth.json")).unwrap()).unwrap();
    assert_eq!(auth["format"], "veil-policy-auth");
    assert_eq!(auth["auth_root"].as_str().unwrap(), root.trim());
    assert_eq!(
        (auth["depth"].as_u64(), auth["k_max"].as_u64(), auth["policy_depth"].as_u64()),
        (Some(20), Some(8), Some(6))
    );
    assert_eq!(auth["account"], "0x1111111111111111111111111111111111111111");
    assert_eq!(auth["insecure_seed"], true);

    // Nothing secret on stdout or stderr.
    let secret: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&compiled).unwrap()).unwrap();
    let mut secrets: Vec<String> =
        secret["roles"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    secrets.extend(secret["grants"].as_array().unwrap().iter().map(|g| g["blind"].as_str().unwrap().to_owned()));
    secrets
        .extend(secret["rules"].as_array().unwrap().iter().map(|r| r["fields"]["salt"].as_str().unwrap().to_owned()));
    assert_eq!(secrets.len(), 3 + 5 + 5);
    for x in &secrets {
        assert!(!root.contains(x.as_str()) && !err.contains(x.as_str()));
    }

    // The same seed, the same files; no overwrite without --force.
    let (code, _, err) = run(&["policy", "compile", s(&desk), "--out", s(&out), "--seed", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("exists (pass --force to replace it)"), "{err}");
    let again = dir.path().join("again");
    assert_eq!(stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&again), "--seed", "1"])), root.trim());
    assert_eq!(std::fs::read(&compiled).unwrap(), std::fs::read(again.join("policy.compiled.json")).unwrap());
    // From the OS: another root, and a file that says nothing of a seed.
    let os_root = stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&out), "--force"]));
    assert_ne!(os_root, root.trim());
    assert!(!std::fs::read_to_string(out.join("auth.json")).unwrap().contains("insecure"));

    // A file with errors writes nothing.
    let bad = write(dir.path(), "bad.toml", &desk_text().replacen("threshold = 2", "threshold = 0", 1));
    let none = dir.path().join("none");
    assert_eq!(run(&["policy", "compile", s(&bad), "--out", s(&none)]).0, 2);
    assert!(!none.exists());
}

/// Writes a `veil intent new` intent calling `target` with `data` (hex) to `out`.
fn intent(target: &str, data: &[u8], account: &str, out: &Path) {
    let data = format!("0x{}", hex::encode(data));
    let mut args = intent_new("1", "4", &["--data", &data], s(out));
    let t = args.iter().position(|a| a == "--target").unwrap();
    args[t + 1] = target.to_owned();
    let a = args.iter().position(|a| a == "--account").unwrap();
    args[a + 1] = account.to_owned();
    stdout_of(veil().args(strs(&args)));
}

#[test]
fn policy_explain_names_the_matching_rule_or_why_each_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let desk = write(dir.path(), "desk.toml", &desk_text());
    let out = dir.path().join("out");
    stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&out), "--seed", "1"]));
    let compiled = out.join("policy.compiled.json");
    let deposit = |units: u64| sol::depositCall { amount: U256::from(units) * U256::from(1_000_000u64) }.abi_encode();

    let small = dir.path().join("small.json");
    intent(TARGET, &deposit(40_000), ACCOUNT, &small);
    let (code, out, err) = run(&["policy", "explain", "--compiled", s(&compiled), "--intent", s(&small)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("margin-deposit: admits the call (needs 1 of trader (1 members))"), "{out}");
    assert!(out.contains("admitted by: margin-deposit"), "{out}");
    assert!(out.contains("treasury-any: delay 48h > lead 0s"), "{out}");

    let large = dir.path().join("large.json");
    intent(TARGET, &deposit(60_000), ACCOUNT, &large);
    let (code, out, _) = run(&["policy", "explain", "--compiled", s(&compiled), "--intent", s(&large)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("margin-deposit: amount 60000e6 > 50000e6"), "{out}");
    assert!(out.contains("liquidate: target 0x2222222222222222222222222222222222222222 is not 0x3333333333333333333333333333333333333333"), "{out}");
    assert!(out.contains("no rule admits this call"), "{out}");
    // With a 48 h lead, the treasury's rule (2 of 3) admits it.
    let (code, out, _) =
        run(&["policy", "explain", "--compiled", s(&compiled), "--intent", s(&large), "--lead", "48h"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("admitted by: treasury-any") && out.contains("needs 2 of treasury (3 members)"), "{out}");

    // Bad input: another account's intent, a bad lead.
    let other = dir.path().join("other.json");
    intent(TARGET, &deposit(1), "0x4444444444444444444444444444444444444444", &other);
    let (code, _, err) = run(&["policy", "explain", "--compiled", s(&compiled), "--intent", s(&other)]);
    assert_eq!(code, 2);
    assert!(err.contains("the intent is for account 0x4444444444444444444444444444444444444444"), "{err}");
    assert_eq!(run(&["policy", "explain", "--compiled", s(&compiled), "--intent", s(&small), "--lead", "soon"]).0, 2);
    assert_eq!(run(&["policy", "explain", "--compiled", s(&desk), "--intent", s(&small)]).0, 2);
}

#[test]
fn policy_update_prints_the_diff_and_writes_the_intent() {
    let dir = tempfile::tempdir().unwrap();
    let desk = write(dir.path(), "desk.toml", &desk_text());
    let v1 = dir.path().join("v1");
    stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&v1), "--seed", "1"]));
    let member = "6898606546109511979619728774294667242976501261810695078442892873059735640031";
    let text = desk_text()
        .replacen(
            "\"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
            "\"<= 60000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
            1,
        )
        .replacen("trader = [\"", &format!("trader = [\"{member}\", \""), 1);
    let new = write(dir.path(), "desk2.toml", &text);
    let v2 = dir.path().join("v2");
    let from = v1.join("policy.compiled.json");
    let args =
        ["policy", "update", "--from", s(&from), "--to", s(&new), "--out", s(&v2), "--nonce", "3", "--seed", "2"];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("~ rule \"margin-deposit\": args amount <= 50000e6 → amount <= 60000e6"), "{out}");
    assert!(out.contains(&format!("+ member {member} of role \"trader\"")), "{out}");
    assert!(!out.contains("margin-withdraw"), "{out}");
    assert!(out.contains("authorized under the current policy by: admin (3 of treasury, lead >= 2d)"), "{out}");
    assert!(err.contains("warning: admin needs a lead of 2d") && err.contains("--valid-after"), "{err}");

    // The intent: the account calls itself with setAuthRoot(the new root).
    let intent = Intent::load(v2.join("update.intent.json")).unwrap();
    let auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(v2.join("auth.json")).unwrap()).unwrap();
    let root = auth["auth_root"].as_str().unwrap();
    assert!(out.contains(&format!("→ {root}")), "{out}");
    assert_eq!(intent.target, intent.account);
    assert_eq!(intent.account.to_string(), "0x1111111111111111111111111111111111111111");
    assert_eq!((intent.value, intent.nonce, intent.chain_id), (U256::ZERO, U256::from(3u8), 1));
    assert_eq!(sol::setAuthRootCall::abi_decode(&intent.data).unwrap().newRoot.to_string(), root);
    // The new compiled policy explains the raised limit.
    let large = dir.path().join("large.json");
    intent_for_deposit(55_000, &large);
    assert_eq!(
        run(&["policy", "explain", "--compiled", s(&v2.join("policy.compiled.json")), "--intent", s(&large)]).0,
        0
    );
    assert_eq!(run(&["policy", "explain", "--compiled", s(&from), "--intent", s(&large)]).0, 1);

    // No overwrite without --force; another account is not an update.
    let (code, _, err) = run(&args);
    assert_eq!(code, 2);
    assert!(err.contains("exists (pass --force"), "{err}");
    let moved = write(
        dir.path(),
        "moved.toml",
        &desk_text().replacen(
            "account = \"0x1111111111111111111111111111111111111111\"",
            "account = \"0x5555555555555555555555555555555555555555\"",
            1,
        ),
    );
    let v3 = dir.path().join("v3");
    let (code, _, err) =
        run(&["policy", "update", "--from", s(&from), "--to", s(&moved), "--out", s(&v3), "--nonce", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("an update installs a root on the same account"), "{err}");
    assert!(!v3.exists());
}

fn intent_for_deposit(units: u64, out: &Path) {
    let data = sol::depositCall { amount: U256::from(units) * U256::from(1_000_000u64) }.abi_encode();
    intent(TARGET, &data, ACCOUNT, out);
}
