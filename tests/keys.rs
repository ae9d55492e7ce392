//! Key management through the CLI: mnemonics, Ethereum keystores, Semaphore identities,
//! passphrases, and no secret in any output.

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{intent_new, prove_approval_args, strs, veil, veil_with_passphrase};

const PASSPHRASE: &str = "a long enough passphrase";

fn reference(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/vectors/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vectors() -> Value {
    reference("hd")
}

/// Runs veil with the passphrase in the environment and every log enabled; returns
/// (exit code, stdout + stderr).
fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut c = veil_with_passphrase(PASSPHRASE);
    c.env("VEIL_LOG", "debug");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), text)
}

/// Every form in which a secret of `vector` could leak: a wallet vector's secp256k1 key and
/// veil key (`hd.json`), a Semaphore vector's export, private key and secret scalar
/// (`semaphore.json`).
fn secret_forms(vector: &Value) -> Vec<String> {
    let mut forms: Vec<String> = [
        &vector["private_key"],
        &vector["veil"]["private_key"],
        &vector["veil"]["secret_scalar"],
        &vector["export"],
        &vector["secret_scalar"],
    ]
    .into_iter()
    .filter_map(|v| v.as_str().map(str::to_owned))
    .collect();
    assert!(forms.len() >= 3, "a vector with secrets");
    forms.extend(forms.clone().iter().map(|s| s.to_uppercase()));
    forms.extend(forms.clone().iter().map(|s| s[..16].to_owned()));
    forms
}

#[test]
fn mnemonic_keys_restore_the_same_identity_and_never_print_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let all = vectors();
    let v = all["vectors"].as_array().unwrap().iter().find(|v| v["password"] == "").unwrap();
    std::fs::write(p("backup.txt"), format!("{}\n", v["phrase"].as_str().unwrap())).unwrap();
    let mut transcript = String::new();
    let restore = || {
        run(
            &[
                "key",
                "new",
                "--kdf",
                "light",
                "--from-mnemonic",
                &p("backup.txt"),
                "--path",
                v["path"].as_str().unwrap(),
                "--out",
                &p("k.key"),
            ],
            &[],
        )
    };

    let (code, out) = restore();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(v["veil"]["commitment"].as_str().unwrap()), "the identity of the vector: {out}");
    transcript += &out;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(p("k.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // show needs no passphrase and names the source; export-public leaves the source out
    let (code, out) = run(&["key", "show", &p("k.key"), "--json"], &[("VEIL_PASSPHRASE", "")]);
    assert_eq!(code, 0, "{out}");
    let shown: Value = serde_json::from_str(
        out.lines()
            .take_while(|l| !l.contains("TRACE") && !l.contains("DEBUG"))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    assert_eq!(shown["commitment"], v["veil"]["commitment"]);
    assert_eq!(shown["source"]["address"], v["address"]);
    assert_eq!(shown["source"]["path"], v["path"]);
    transcript += &out;
    let (code, out) = run(&["key", "export-public", &p("k.key")], &[]);
    assert_eq!(code, 0);
    assert!(!out.contains(v["address"].as_str().unwrap()), "export-public must not link to the wallet");
    transcript += &out;

    // restoring again gives the same identity; without --force the file is kept
    let (code, out) = restore();
    assert_eq!(code, 2, "{out}");
    transcript += &out;

    // prove with it; then the wrong passphrase and a damaged file are clear errors (exit 2)
    let commitment = v["veil"]["commitment"].as_str().unwrap();
    assert_eq!(run(&["set", "new", "--out", &p("set.json"), commitment], &[]).0, 0);
    assert_eq!(run(&strs(&intent_new("1", "0", &[], &p("intent.json"))), &[]).0, 0);
    assert_eq!(run(&["setup", "approval", "--depth", "2", "--out", &p("keys")], &[]).0, 0);
    let (set, intent, pk, proof) = (p("set.json"), p("intent.json"), p("keys"), p("proof"));
    let prove = |extra: &[(&str, &str)], key: &str| run(&prove_approval_args(key, &set, &intent, &pk, &proof), extra);
    let (code, out) = prove(&[], &p("k.key"));
    assert_eq!(code, 0, "{out}");
    transcript += &out;
    let (code, out) = prove(&[("VEIL_PASSPHRASE", "not it")], &p("k.key"));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("passphrase") && out.contains("k.key"), "{out}");
    transcript += &out;
    std::fs::write(p("passfile"), "not it either\n").unwrap();
    let with_file = ["--passphrase-file", &p("passfile")];
    let (code, out) =
        run(&[&prove_approval_args(&p("k.key"), &set, &intent, &pk, &proof)[..], &with_file].concat(), &[]);
    assert_eq!(code, 2, "the file wins over the environment: {out}");
    transcript += &out;
    let text = std::fs::read_to_string(p("k.key")).unwrap();
    std::fs::write(p("cut.key"), &text[..text.len() / 2]).unwrap();
    let (code, out) = prove(&[], &p("cut.key"));
    assert_eq!(code, 2);
    assert!(out.contains("cut.key"), "{out}");
    transcript += &out;

    for form in secret_forms(v) {
        assert!(!transcript.contains(&form), "a secret leaked into the output: {form}");
    }
    assert!(!transcript.contains(v["phrase"].as_str().unwrap()), "the mnemonic leaked");
}

#[test]
fn ethereum_keystores_import_as_their_identity() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let all = vectors();
    let v = &all["keystores"][0];
    std::fs::write(p("eth.json"), v["json"].as_str().unwrap()).unwrap();
    std::fs::write(p("eth.pass"), v["passphrase"].as_str().unwrap()).unwrap();
    let (code, out) = run(
        &[
            "key",
            "new",
            "--kdf",
            "light",
            "--from-eth-keystore",
            &p("eth.json"),
            "--eth-passphrase-file",
            &p("eth.pass"),
            "--out",
            &p("k.key"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(v["veil"]["commitment"].as_str().unwrap()));
    let (code, out2) = run(
        &["key", "new", "--kdf", "light", "--from-eth-keystore", &p("eth.json"), "--out", &p("k2.key")],
        &[("VEIL_ETH_PASSPHRASE", "wrong")],
    );
    assert_eq!(code, 2);
    assert!(out2.contains("eth.json"), "{out2}");
    for form in secret_forms(v) {
        assert!(!out.contains(&form) && !out2.contains(&form), "a secret leaked: {form}");
    }
}

#[test]
fn semaphore_identities_import_with_their_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let all = reference("semaphore");
    let v = &all["vectors"][0];
    let commitment = v["commitment"].as_str().unwrap();
    std::fs::write(p("identity.txt"), format!("{}\n", v["export"].as_str().unwrap())).unwrap();
    let new = |file: &str, out: &str| {
        veil_with_passphrase(PASSPHRASE)
            .env("VEIL_LOG", "debug")
            .args(["key", "new", "--kdf", "light", "--from-semaphore", file, "--out", out])
            .output()
            .unwrap()
    };
    let text =
        |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);

    // stdout is the identity's commitment, as Semaphore computes it, and nothing else.
    let out = new(&p("identity.txt"), &p("k.key"));
    let mut transcript = text(&out);
    assert_eq!(out.status.code(), Some(0), "{transcript}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{commitment}\n"));

    // show names the source, needs no passphrase, and has no address or path to show
    let (code, out) = run(&["key", "show", &p("k.key"), "--json"], &[("VEIL_PASSPHRASE", "")]);
    assert_eq!(code, 0, "{out}");
    let shown: Value = serde_json::from_str(
        out.lines()
            .take_while(|l| !l.contains("TRACE") && !l.contains("DEBUG"))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    assert_eq!(shown["commitment"], v["commitment"]);
    assert_eq!(shown["public_key"], v["public_key"]);
    assert_eq!(shown["source"], serde_json::json!({"kind": "semaphore"}));
    transcript += &out;
    let (code, out) = run(&["key", "show", &p("k.key")], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("from semaphore"), "{out}");
    transcript += &out;
    let (code, out) = run(&["key", "export-public", &p("k.key")], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(commitment), "{out}");
    transcript += &out;

    // Anything but what Identity.export() writes exits 2, names the file, and writes no key.
    let mut refused: Vec<(String, Vec<u8>)> = all["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["label"].as_str().unwrap().to_owned(), r["export"].as_str().unwrap().as_bytes().to_vec()))
        .collect();
    refused.push(("not text".into(), b"QUJD\xff\xfeQU\n".to_vec()));
    refused.push(("too long a file".into(), vec![b'A'; 5000]));
    for (i, (label, bad)) in refused.iter().enumerate() {
        let file = p(&format!("bad-{i}.txt"));
        std::fs::write(&file, bad).unwrap();
        let out = new(&file, &p("bad.key"));
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(2), "{label}: {shown}");
        assert!(shown.contains(&format!("bad-{i}.txt")), "{label}: {shown}");
        assert!(!Path::new(&p("bad.key")).exists(), "{label}");
        let trimmed = String::from_utf8_lossy(bad.trim_ascii()).into_owned();
        if trimmed.len() >= 16 {
            assert!(!shown.contains(&trimmed[..16]), "{label}: the text was echoed: {shown}");
        }
        transcript += &shown;
    }
    let out = new(&p("missing.txt"), &p("bad.key"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.txt"), "{}", text(&out));
    // It is one source among the others.
    let (code, out) = run(
        &[
            "key",
            "new",
            "--from-semaphore",
            &p("identity.txt"),
            "--from-mnemonic",
            &p("identity.txt"),
            "--out",
            &p("x.key"),
        ],
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot be used with"), "{out}");
    transcript += &out;

    for form in secret_forms(v) {
        assert!(!transcript.contains(&form), "a secret leaked into the output: {form}");
    }
}

#[test]
fn new_mnemonics_are_shown_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k.key");
    veil_with_passphrase(PASSPHRASE)
        .args(["key", "new", "--mnemonic", "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("terminal"));
    assert!(!out.exists());
}

#[test]
fn no_passphrase_and_no_terminal_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k.key");
    veil()
        .env_remove("VEIL_PASSPHRASE")
        .args(["key", "new", "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("VEIL_PASSPHRASE"));
    assert!(!out.exists());
}
