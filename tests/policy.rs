//! `veil policy`: check, compile, explain and update on the derivatives desk
//! (`approver/src/policy/desk.toml`).

use std::path::{Path, PathBuf};

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use veil_approver::intent::Intent;

use crate::common::{
    intent_new, light_keys_and_set, stdout_of, strs, veil, veil_with_passphrase, verify_args, ACCOUNT, TARGET,
};

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

/// The desk at a small shape (grant depth 4, 3 slots, 8 rule slots) with the members
/// `commitments` (treasury 0–2, trader 3, liquidator 4) in place of the fixture's.
fn small_desk(commitments: &[String]) -> String {
    let text = desk_text()
        .replace("depth = 20", "depth = 4")
        .replace("k_max = 8", "k_max = 3")
        .replace("policy_depth = 6", "policy_depth = 3");
    let roles = text.find("[roles]").unwrap();
    let c = |i: usize| format!("\"{}\"", commitments[i]);
    format!(
        "{}[roles]\ntreasury = [{}, {}, {}]\ntrader = [{}]\nliquidator = [{}]\n",
        &text[..roles],
        c(0),
        c(1),
        c(2),
        c(3),
        c(4)
    )
}

#[test]
fn policy_setup_info_prove_verify_export_and_batch_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (members, _) = light_keys_and_set(d, "pw", "m", 5);
    let desk = write(d, "desk.toml", &small_desk(&members));
    let out = d.join("policy");
    let auth_root = stdout_of(veil().args(["policy", "compile", s(&desk), "--out", s(&out)]));
    let compiled = out.join("policy.compiled.json");

    // info: the shape's size; setup: the keys; info key: the header names the shape.
    let (code, info, _) = run(&["info", "policy", "--depth", "4", "--k-max", "3", "--policy-depth", "3", "--json"]);
    assert_eq!(code, 0);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        info["constraints"],
        veil_circuits::policy::num_constraints(veil_circuits::policy::PolicyShape {
            max_depth: 4,
            k_max: 3,
            policy_depth: 3
        })
    );
    assert_eq!(info["public_input_order"], serde_json::json!(["auth_root", "intent", "call", "value", "arg0", "arg1"]));
    let pk = d.join("pk");
    let (code, shape, err) =
        run(&["setup", "policy", "--depth", "4", "--k-max", "3", "--policy-depth", "3", "--out", s(&pk)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(shape.trim(), "policy (depth 4, k_max 3, policy depth 3)");
    let (code, key_info, _) = run(&["info", "key", "--pk", s(&pk), "--json"]);
    assert_eq!(code, 0);
    let key_info: serde_json::Value = serde_json::from_str(&key_info).unwrap();
    assert_eq!(
        (key_info["circuit"].as_str(), key_info["k_max"].as_u64(), key_info["policy_depth"].as_u64()),
        (Some("policy"), Some(3), Some(3))
    );
    assert_eq!(key_info["format_version"], 4);

    let sign = |who: usize, intent: &Path, name: &str| {
        let sig = d.join(name);
        stdout_of(veil_with_passphrase("pw").args([
            "sign",
            "--key",
            s(&d.join(format!("m{who}.key"))),
            "--intent",
            s(intent),
            "--out",
            s(&sig),
        ]));
        sig
    };
    let prove = |intent: &Path, lead: &str, sigs: &[&Path], to: &str| {
        let mut args = vec!["prove", "policy", "--compiled", s(&compiled), "--intent", s(intent), "--pk", s(&pk)];
        args.extend(["--lead", lead, "--allow-development-key", "--out"]);
        let to = d.join(to);
        let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        args.push(s(&to).to_owned());
        args.extend(sigs.iter().map(|p| s(p).to_owned()));
        let out = veil().args(&args).output().unwrap();
        (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), to)
    };
    let vk = pk.join("verification_key.json");
    let verify = |proof_dir: &Path| {
        let (p, q) = (proof_dir.join("proof.json"), proof_dir.join("public.json"));
        run(&verify_args(s(&vk), s(&p), s(&q))).0
    };

    // The trader deposits 40,000 USDC: proven under the deposit rule, verified.
    let small = d.join("small.json");
    intent_for_deposit(40_000, &small);
    let trader = sign(3, &small, "trader.sig");
    let (code, stdout, err, proof) = prove(&small, "0", &[&trader], "p1");
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout.trim(), auth_root);
    assert!(err.contains("proved under rule margin-deposit"), "{err}");
    assert_eq!(verify(&proof), 0);
    let public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(proof.join("public.json")).unwrap()).unwrap();
    assert_eq!(public.len(), 6);
    assert_eq!(public[0], auth_root);
    // The value and the amount argument are public (the chain sees them in the call anyway).
    assert_eq!((public[3].as_str(), public[4].as_str()), ("0", "40000000000"));
    // Changing a public input makes the proof invalid.
    let mut tampered = public.clone();
    tampered[4] = "40000000001".into();
    std::fs::write(proof.join("public.json"), serde_json::to_string(&tampered).unwrap()).unwrap();
    assert_eq!(verify(&proof), 1);

    // 60,000 by the trader: no rule; exit 1 with the reasons, nothing written.
    let large = d.join("large.json");
    intent_for_deposit(60_000, &large);
    let trader_large = sign(3, &large, "trader-large.sig");
    let (code, _, err, proof) = prove(&large, "0", &[&trader_large], "p2");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("margin-deposit: amount 60000e6 > 50000e6"), "{err}");
    assert!(err.contains("no rule of") && err.contains("admits"), "{err}");
    assert!(!proof.exists());
    // Two treasury keys with a 48 h lead: the treasury's rule; with one, its shortfall.
    let t0 = sign(0, &large, "t0.sig");
    let t1 = sign(1, &large, "t1.sig");
    let (code, _, err, _) = prove(&large, "48h", &[&t0], "p3");
    assert_eq!(code, 1);
    assert!(err.contains("treasury-any: admits the call but needs 2 of treasury; 1 of the 1 signatures"), "{err}");
    let (code, _, err, proof) = prove(&large, "48h", &[&t0, &t1], "p4");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("proved under rule treasury-any"), "{err}");
    assert_eq!(verify(&proof), 0);

    // Bad input: a signature on another intent, the same signer twice, a bad lead, a key
    // of another shape.
    let (code, _, err, _) = prove(&large, "48h", &[&t0, &trader], "p5");
    assert_eq!(code, 2);
    assert!(err.contains("trader.sig: signs another intent than"), "{err}");
    let (code, _, err, _) = prove(&large, "48h", &[&t0, &t0], "p6");
    assert!(code == 2 && err.contains("are by the same signer"), "{err}");
    let (code, _, err, _) = prove(&large, "soon", &[&t0], "p7");
    assert!(code == 2 && err.contains("--lead"), "{err}");
    let other = d.join("other-pk");
    stdout_of(veil().args([
        "setup",
        "policy",
        "--depth",
        "4",
        "--k-max",
        "2",
        "--policy-depth",
        "3",
        "--out",
        s(&other),
    ]));
    let mut args = vec!["prove", "policy", "--compiled", s(&compiled), "--intent", s(&small), "--pk", s(&other)];
    let p8 = d.join("p8");
    args.extend(["--allow-development-key", "--out", s(&p8), s(&trader)]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 2);
    assert!(
        err.contains("the policy is compiled for depth 4, k_max 3, policy depth 3") && err.contains("k_max 2"),
        "{err}"
    );
    // An approval key refused for a policy proof.
    let approval = d.join("approval-pk");
    stdout_of(veil().args(["setup", "approval", "--depth", "2", "--out", s(&approval)]));
    let mut args = vec!["prove", "policy", "--compiled", s(&compiled), "--intent", s(&small), "--pk", s(&approval)];
    args.extend(["--out", s(&p8), s(&trader)]);
    assert_eq!(run(&args).0, 2);

    // The exported verifier renders for the policy key (six public inputs).
    let sol = d.join("PolicyVerifier.sol");
    let (code, _, err) = run(&["export", "verifier", "--vk", s(&vk), "--out", s(&sol), "--name", "PolicyVerifier"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&sol).unwrap().contains("uint256[6] calldata"));

    // veil batch: policy requests, proven and verified; a refused one gets its error record.
    let requests = d.join("requests.jsonl");
    let line = |id: &str, intent: &Path, lead: &str, sigs: &[&Path]| {
        serde_json::json!({
            "id": id, "circuit": "policy", "compiled": s(&compiled), "intent": s(intent), "lead": lead,
            "signatures": sigs.iter().map(|p| s(p)).collect::<Vec<_>>(),
        })
        .to_string()
    };
    let lines = [
        line("deposit", &small, "0", &[&trader]),
        line("two-keys", &large, "2d", &[&t1, &t0]),
        line("too-large", &large, "0", &[&trader_large]),
        serde_json::json!({"id": "no-compiled", "circuit": "policy", "intent": s(&small), "signatures": [s(&trader)]})
            .to_string(),
    ];
    std::fs::write(&requests, lines.join("\n") + "\n").unwrap();
    let results = d.join("results.jsonl");
    let (code, _, err) = run(&[
        "batch",
        "--pk",
        s(&pk),
        "--input",
        s(&requests),
        "--output",
        s(&results),
        "--allow-development-key",
        "--threads",
        "2",
    ]);
    assert_eq!(code, 1, "two requests refused: {err}");
    let records: Vec<serde_json::Value> =
        std::fs::read_to_string(&results).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let record = |id: &str| records.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}: {records:?}"));
    for id in ["deposit", "two-keys"] {
        let r = record(id);
        assert_eq!(r["status"], "ok", "{r}");
        let dir = d.join(format!("batch-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("proof.json"), r["proof"].to_string()).unwrap();
        std::fs::write(dir.join("public.json"), r["public"].to_string()).unwrap();
        assert_eq!(verify(&dir), 0, "{id}");
        assert_eq!(r["public"][0], auth_root.as_str());
    }
    let too_large = record("too-large");
    assert_ne!(too_large["status"], "ok");
    let error = too_large["error"].as_str().unwrap();
    assert!(error.contains("admits") && error.contains("veil policy explain"), "{too_large}");
    // The results name no rule, role or threshold of the (secret) policy.
    let text = std::fs::read_to_string(&results).unwrap();
    for secret in ["margin-deposit", "treasury", "trader", "50000e6"] {
        assert!(!text.contains(secret), "{secret} in the results: {text}");
    }
    assert!(record("no-compiled").to_string().contains("policy requests need \\\"compiled\\\""), "{records:?}");
}
