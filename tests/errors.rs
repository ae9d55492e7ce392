//! Every refusal of a file a user hands veil names the file and the field: one corruption
//! per kind of file (key file, approver set, intent, signature, verification key, proof,
//! public signals, proving key, tables), each through the command a user would run, each
//! asserting exit code 2 and the file's name and the field in the message.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{intent_new, light_keys_and_set, prove_approval_args, strs, veil_with_passphrase, verify_args};

const PASSPHRASE: &str = "errors passphrase";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Two light keys in a set, an intent, a signature, an Approval setup (depth 2, with
    /// tables), a proof of it, and a Threshold setup (depth 2, k_max 2).
    fn new() -> Self {
        let f = Self { dir: tempfile::tempdir().unwrap() };
        light_keys_and_set(f.dir.path(), PASSPHRASE, "k", 2);
        f.run(&strs(&intent_new("31337", "0", &[], &f.p("intent.json"))));
        f.run(&["sign", "--key", &f.p("k0.key"), "--intent", &f.p("intent.json"), "--out", &f.p("k0.sig")]);
        f.run(&["setup", "approval", "--depth", "2", "--tables", "--out", &f.p("ak")]);
        f.run(&["setup", "threshold", "--depth", "2", "--k-max", "2", "--out", &f.p("tk")]);
        let (key, set, intent, pk, out) = (f.p("k0.key"), f.p("set.json"), f.p("intent.json"), f.p("ak"), f.p("proof"));
        f.run(&prove_approval_args(&key, &set, &intent, &pk, &out));
        f
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    fn veil(&self) -> assert_cmd::Command {
        let mut c = veil_with_passphrase(PASSPHRASE);
        c.current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) {
        self.veil().args(args).assert().success();
    }

    /// A copy of `name` as `copy`, its JSON changed by `edit`.
    fn edited(&self, name: &str, copy: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(self.p(name)).unwrap()).unwrap();
        edit(&mut v);
        write_private(&self.p(copy), serde_json::to_string_pretty(&v).unwrap().as_bytes());
        self.p(copy)
    }

    /// A copy of the setup directory `dir` as `copy`, one byte of `file` in it flipped at `at`.
    fn flipped(&self, dir: &str, copy: &str, file: &str, at: usize) -> String {
        let to = PathBuf::from(self.p(copy));
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(self.p(dir)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
        let mut bytes = std::fs::read(to.join(file)).unwrap();
        bytes[at] ^= 0x55;
        std::fs::write(to.join(file), bytes).unwrap();
        to.to_str().unwrap().to_owned()
    }

    /// Runs `args`, expects exit 2 and a message naming `file` and containing each of `says`.
    fn refuses(&self, args: &[&str], file: &str, says: &[&str]) {
        let out = self.veil().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: exit code; stderr: {stderr}");
        assert!(stderr.contains(name), "{args:?}: the message does not name {name}: {stderr}");
        for s in says {
            assert!(stderr.contains(s), "{args:?}: the message does not say {s:?}: {stderr}");
        }
    }
}

fn write_private(path: &str, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn each_refused_file_is_named_with_its_field() {
    let f = Fixture::new();
    let (set, intent, sig) = (f.p("set.json"), f.p("intent.json"), f.p("k0.sig"));
    let (vk, proof, public) = (f.p("ak/verification_key.json"), f.p("proof/proof.json"), f.p("proof/public.json"));
    let out = f.p("out");
    let prove_threshold = |set: &str, pk: &str, sig: &str| {
        vec!["prove", "threshold", "--set", set, "--intent", &intent, "--pk", pk, "--out", &out, sig]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };

    // Approver sets: `veil set root` (the message the issue quoted named no field).
    let bad = f.edited("set.json", "root.json", |v| v["root"] = "12345".into());
    f.refuses(&["set", "root", "--set", &bad], &bad, &["root", "does not match its members"]);
    let bad = f.edited("set.json", "member.json", |v| v["members"][1] = "abc".into());
    f.refuses(&["set", "root", "--set", &bad], &bad, &["members[1]", "\"abc\""]);
    let bad = f.edited("set.json", "depth.json", |v| v["depth"] = 7.into());
    f.refuses(&["set", "add", "--set", &bad, "5"], &bad, &["depth", "is 7"]);
    let bad = f.edited("intent.json", "not-a-set.json", |_| {});
    f.refuses(&["set", "root", "--set", &bad], &bad, &["format", "not an approver set file"]);

    // Intents: `veil sign`.
    let bad = f.edited("intent.json", "target.json", |v| v["target"] = "0x12".into());
    f.refuses(&["sign", "--key", &f.p("k0.key"), "--intent", &bad, "--out", &f.p("x.sig")], &bad, &["target"]);
    let bad = f.edited("intent.json", "nonce.json", |v| v["nonce"] = "-1".into());
    f.refuses(&["sign", "--key", &f.p("k0.key"), "--intent", &bad, "--out", &f.p("x.sig")], &bad, &["nonce"]);
    let bad = f.edited("intent.json", "extra.json", |v| v["extra"] = 1.into());
    f.refuses(&["sign", "--key", &f.p("k0.key"), "--intent", &bad, "--out", &f.p("x.sig")], &bad, &["`extra`"]);

    // Key files: `veil sign`.
    let bad = f.edited("k0.key", "commitment.key", |v| v["veil"]["commitment"] = "5".into());
    f.refuses(&["sign", "--key", &bad, "--intent", &intent, "--out", &f.p("x.sig")], &bad, &["veil.commitment"]);
    let bad = f.edited("k0.key", "kdf.key", |v| v["crypto"]["kdfparams"]["n"] = 3.into());
    f.refuses(&["sign", "--key", &bad, "--intent", &intent, "--out", &f.p("x.sig")], &bad, &["crypto.kdfparams.n"]);
    let bad = f.edited("k0.key", "mac.key", |v| v["crypto"]["mac"] = "00".repeat(32).into());
    f.refuses(&["sign", "--key", &bad, "--intent", &intent, "--out", &f.p("x.sig")], &bad, &["MAC"]);

    // Signatures: `veil prove threshold`.
    let bad = f.edited("k0.sig", "s.sig", |v| v["signature"]["s"] = "1".into());
    f.refuses(&strs(&prove_threshold(&set, &f.p("tk"), &bad)), &bad, &["signature", "does not verify"]);
    let bad = f.edited("k0.sig", "pub.sig", |v| v["public_key"][0] = "7".into());
    f.refuses(&strs(&prove_threshold(&set, &f.p("tk"), &bad)), &bad, &["public_key", "not on Baby JubJub"]);
    let bad = f.edited("k0.sig", "commitment.sig", |v| v["commitment"] = "7".into());
    f.refuses(&strs(&prove_threshold(&set, &f.p("tk"), &bad)), &bad, &["commitment"]);
    assert!(std::fs::metadata(&sig).is_ok());

    // Verifying keys, proofs, public signals: `veil verify`.
    let bad = f.edited("ak/verification_key.json", "vk-alpha.json", |v| v["vk_alpha_1"][0] = "5".into());
    f.refuses(&verify_args(&bad, &proof, &public), &bad, &["vk_alpha_1", "not on the curve"]);
    let bad = f.edited("ak/verification_key.json", "vk-ic.json", |v| {
        v.as_object_mut().unwrap().remove("IC");
    });
    f.refuses(&verify_args(&bad, &proof, &public), &bad, &["IC"]);
    let bad = f.edited("ak/verification_key.json", "vk-protocol.json", |v| v["protocol"] = "plonk".into());
    f.refuses(&verify_args(&bad, &proof, &public), &bad, &["protocol", "plonk"]);
    let bad = f.edited("proof/proof.json", "pi-a.json", |v| v["pi_a"][0] = "5".into());
    f.refuses(&verify_args(&vk, &bad, &public), &bad, &["pi_a", "not on the curve"]);
    let bad = f.edited("proof/proof.json", "pi-b.json", |v| v["pi_b"][0][0] = "x".into());
    f.refuses(&verify_args(&vk, &bad, &public), &bad, &["pi_b[0][0]"]);
    let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    let bad = f.edited("proof/public.json", "public-r.json", |v| v[0] = r.into());
    f.refuses(&verify_args(&vk, &proof, &bad), &bad, &["public[0]", "not below"]);
    let bad = f.edited("proof/public.json", "public-short.json", |v| {
        v.as_array_mut().unwrap().pop();
    });
    f.refuses(&verify_args(&vk, &proof, &bad), &bad, &["public inputs"]);

    // Proving keys and tables: `veil prove approval`.
    let (key, pk) = (f.p("k0.key"), f.flipped("ak", "ak-body", "proving_key.veil", 5000));
    f.refuses(&prove_approval_args(&key, &set, &intent, &pk, &out), "proving_key.veil", &["hash"]);
    let pk = f.flipped("ak", "ak-tables", "proving_key.tables", 40);
    let mut args = prove_approval_args(&key, &set, &intent, &pk, &out).to_vec();
    args.extend(["--tables", "always"]);
    f.refuses(&args, "proving_key.tables", &["another proving key"]);
}

/// User-operation and message files (`veil userop new`, `veil message new`): a nonce whose
/// key does not route to the validator, an empty window, a changed field under recorded
/// hashes, tampered typed data, and a proof's signatures over another operation are each
/// refused with exit 2, naming the file and the field.
#[test]
fn user_operation_and_message_files_are_refused_with_their_field() {
    let f = Fixture::new();
    let validator = "0x1111111111111111111111111111111111111111";
    let routed = format!("0x{}{}", "11".repeat(20), "00".repeat(12));
    let new_op = |nonce: &str, after: &str, until: &str, out: &str| {
        let o = f.p(out);
        let args = [
            "userop",
            "new",
            "--chain-id",
            "31337",
            "--account",
            "0x2222222222222222222222222222222222222222",
            "--validator",
            validator,
            "--target",
            "0x3333333333333333333333333333333333333333",
            "--value",
            "5",
            "--nonce",
            nonce,
            "--max-fee-per-gas",
            "1000",
            "--max-priority-fee-per-gas",
            "10",
            "--valid-after",
            after,
            "--valid-until",
            until,
            "--out",
            &o,
        ];
        f.veil().args(args).output().unwrap()
    };
    let out = new_op("0x05", "0", "0", "bad-nonce.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not name the validator"));
    let out = new_op(&routed, "50", "40", "empty.json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("empty.json") && err.contains("field `validUntil`"), "{err}");
    assert!(!std::path::Path::new(&f.p("empty.json")).exists(), "nothing written");
    assert!(new_op(&routed, "0", "0", "op.json").status.success());
    assert!(new_op(&format!("{}1", &routed[..routed.len() - 1]), "0", "0", "op2.json").status.success());

    let changed = f.edited("op.json", "changed.json", |v| v["callData"] = "0x1234".into());
    let sign = |flag: &str, file: &str, out: &str| {
        vec!["sign".to_owned(), "--key".into(), f.p("k0.key"), flag.into(), file.to_owned(), "--out".into(), f.p(out)]
    };
    f.refuses(&strs(&sign("--userop", &changed, "x.sig")), &changed, &["field `userOpHash`"]);
    let widened = f.edited("op.json", "widened.json", |v| v["validUntil"] = 99.into());
    f.refuses(&strs(&sign("--userop", &widened, "x.sig")), &widened, &["field `signing_hash`"]);
    // Signatures over another operation: the prover names the signature file.
    f.run(&strs(&sign("--userop", &f.p("op2.json"), "op2.sig")));
    let prove = |op: &str, sig: &str| {
        let (op, set, pk, out, sig) = (f.p(op), f.p("set.json"), f.p("tk"), f.p("opp"), f.p(sig));
        ["userop", "prove", "--userop", &op, "--set", &set, "--pk", &pk, "--out", &out, &sig].map(str::to_owned)
    };
    f.refuses(&strs(&prove("op.json", "op2.sig")), &f.p("op2.sig"), &["signs something other than"]);

    // Messages: tampered typed data, and a proof for an account signature with no validator.
    let typed = serde_json::json!({
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}], "Note": [{"name": "text", "type": "string"}]},
        "primaryType": "Note", "domain": {"name": "veil test"}, "message": {"text": "pay 5"}
    });
    write_private(&f.p("note.typed.json"), typed.to_string().as_bytes());
    let account = "0x2222222222222222222222222222222222222222";
    f.run(&[
        "message",
        "new",
        "--chain-id",
        "31337",
        "--account",
        account,
        "--typed-data",
        &f.p("note.typed.json"),
        "--out",
        &f.p("note.json"),
    ]);
    let tampered = f.edited("note.json", "tampered.json", |v| v["typedData"]["message"]["text"] = "pay 500".into());
    f.refuses(&strs(&sign("--message", &tampered, "x.sig")), &tampered, &["field `hash`", "typed data"]);
    f.run(&strs(&sign("--message", &f.p("note.json"), "note.sig")));
    let (note, set, pk, out, sig) = (f.p("note.json"), f.p("set.json"), f.p("tk"), f.p("np"), f.p("note.sig"));
    let args = ["message", "prove", "--message", &note, "--set", &set, "--pk", &pk, "--out", &out, &sig];
    f.refuses(&args, &note, &["names no validator"]);
    let bad_typed = f.p("bad.typed.json");
    write_private(&bad_typed, br#"{"types": {}, "primaryType": "Nope", "domain": {}, "message": {}}"#);
    let args = [
        "message",
        "new",
        "--chain-id",
        "1",
        "--account",
        account,
        "--typed-data",
        &bad_typed,
        "--out",
        &f.p("x.json"),
    ];
    f.refuses(&args, &bad_typed, &[]);
}
