//! `veil batch`: exactly-once results, bad lines, resume after a crash or a kill, shards.

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use assert_cmd::{cargo::CommandCargoExt, Command};
use veil_prover::snarkjs::{public_from_json, ProofJson, VerificationKeyJson};

use crate::common::{intent_new, stdout_of, strs, veil_with_passphrase};

const PASSPHRASE: &str = "batch passphrase";

fn veil() -> Command {
    veil_with_passphrase(PASSPHRASE)
}

/// Whether veil verifies the proof of `record` under the verification key in `vk`.
fn verifies_under(vk: &str, record: &serde_json::Value) -> bool {
    let vk: VerificationKeyJson = serde_json::from_str(&std::fs::read_to_string(vk).unwrap()).unwrap();
    let vk = (&vk).try_into().unwrap();
    let proof: ProofJson = serde_json::from_value(record["proof"].clone()).unwrap();
    let public: Vec<String> = serde_json::from_value(record["public"].clone()).unwrap();
    veil_prover::verify(&veil_prover::prepare(&vk), &public_from_json(&public).unwrap(), &(&proof).try_into().unwrap())
        .unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Two keys, a set holding one of them, an intent, and a depth-3 setup.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let f = Self { dir };
        let alice = f.ok(&["key", "new", "--kdf", "light", "--out", &f.p("alice.key")]);
        f.ok(&["key", "new", "--kdf", "light", "--out", &f.p("outsider.key")]);
        f.ok(&["set", "new", "--out", &f.p("set.json"), &alice]);
        f.ok(&strs(&intent_new("1", "1", &[], &f.p("intent.json"))));
        f.ok(&["setup", "approval", "--depth", "3", "--out", &f.p("keys")]);
        f
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn ok(&self, args: &[&str]) -> String {
        stdout_of(veil().args(args))
    }

    fn request(&self, id: &str, key: &str, scope: u64) -> String {
        serde_json::json!({
            "id": id, "circuit": "approval", "key": self.p(key), "set": self.p("set.json"),
            "intent": self.p("intent.json"), "scope": scope.to_string(),
        })
        .to_string()
    }

    fn write_requests(&self, name: &str, lines: &[String]) -> String {
        std::fs::write(self.p(name), lines.join("\n") + "\n").unwrap();
        self.p(name)
    }

    fn batch(&self, input: &str, output: &str, extra: &[&str]) -> i32 {
        let mut args: Vec<String> = vec!["batch".into(), "--pk".into(), self.p("keys")];
        args.extend(["--input", input, "--output", output].map(str::to_owned));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        veil().args(&args).output().unwrap().status.code().unwrap()
    }

    /// Every record of an output file, by id; panics on a repeated id.
    fn records(&self, output: &str) -> HashMap<String, serde_json::Value> {
        let text = std::fs::read_to_string(output).unwrap();
        let mut by_id = HashMap::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            assert!(by_id.insert(id.clone(), v).is_none(), "id {id} appears twice");
        }
        by_id
    }

    fn verifies(&self, record: &serde_json::Value) -> bool {
        verifies_under(&self.p("keys/verification_key.json"), record)
    }
}

#[test]
fn proves_good_lines_records_bad_ones_and_resumes_without_repeating() {
    let f = Fixture::new();
    let mut lines: Vec<String> = (0..8).map(|i| f.request(&format!("r{i}"), "alice.key", i)).collect();
    lines.push("this is not json".into());
    lines.push(f.request("outsider", "outsider.key", 1));
    lines.push(r#"{"circuit":"approval"}"#.into());
    lines.push(f.request("r0", "alice.key", 99)); // a duplicate id: only the first counts
    let input = f.write_requests("req.jsonl", &lines);
    let output = f.p("out.jsonl");
    assert_eq!(f.batch(&input, &output, &[]), 1, "done, with error records");

    let records = f.records(&output);
    assert_eq!(records.len(), 11);
    for i in 0..8 {
        let r = &records[&format!("r{i}")];
        assert_eq!(r["status"], "ok");
        assert!(f.verifies(r), "r{i} verifies");
        assert_eq!(r["public"][3], i.to_string(), "scope of r{i}");
    }
    assert_eq!(records["outsider"]["status"], "error");
    assert!(records["outsider"]["error"].as_str().unwrap().contains("not a member"));
    let errors = records.values().filter(|r| r["status"] == "error").count();
    assert_eq!(errors, 3);

    // A crash mid-write: the last line is cut short, and one record is lost entirely.
    let text = std::fs::read_to_string(&output).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains("\"id\":\"r3\"")).collect();
    let cut = kept.join("\n");
    let cut = &cut[..cut.len() - 25];
    std::fs::write(&output, cut).unwrap();
    assert_eq!(f.batch(&input, &output, &[]), 1);
    let again = f.records(&output);
    assert_eq!(again.len(), 11, "every id exactly once after resuming");
    assert!(again.values().filter(|r| r["status"] == "ok").all(|r| f.verifies(r)));

    // Nothing left to do: no new record.
    assert_eq!(f.batch(&input, &output, &[]), 1, "still reports the error records");
    assert_eq!(std::fs::read_to_string(&output).unwrap().lines().count(), 11);
}

#[test]
fn survives_being_killed_and_rerun() {
    let f = Fixture::new();
    let lines: Vec<String> = (0..120).map(|i| f.request(&format!("k{i}"), "alice.key", i)).collect();
    let input = f.write_requests("req.jsonl", &lines);
    let output = f.p("out.jsonl");
    let mut child = std::process::Command::cargo_bin("veil")
        .unwrap()
        .env("VEIL_PASSPHRASE", PASSPHRASE)
        .args(["batch", "--pk", &f.p("keys"), "--input", &input, "--output", &output])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let n = std::fs::read_to_string(&output).map(|t| t.lines().count()).unwrap_or(0);
        if n >= 10 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill(); // SIGKILL: no cleanup runs
    let _ = child.wait();
    let partial = f.records(&output).len();
    assert!(partial <= 120, "no id twice, none unknown");
    assert_eq!(f.batch(&input, &output, &[]), 0);
    let records = f.records(&output);
    assert_eq!(records.len(), 120, "nothing lost (killed after {partial})");
    assert!(records.values().all(|r| r["status"] == "ok"));
    assert!(f.verifies(&records["k0"]) && f.verifies(&records["k119"]));
}

#[test]
fn shards_split_the_requests_stably() {
    let f = Fixture::new();
    let lines: Vec<String> = (0..12).map(|i| f.request(&format!("s{i}"), "alice.key", i)).collect();
    let input = f.write_requests("req.jsonl", &lines);
    let mut reversed = lines.clone();
    reversed.reverse();
    let reversed_input = f.write_requests("rev.jsonl", &reversed);
    let mut all = HashSet::new();
    for i in 0..3 {
        let out = f.p(&format!("shard{i}.jsonl"));
        assert_eq!(f.batch(&input, &out, &["--shard", &format!("{i}/3"), "--threads", "1"]), 0);
        let ids: HashSet<String> = f.records(&out).into_keys().collect();
        let out_rev = f.p(&format!("shard{i}-rev.jsonl"));
        assert_eq!(f.batch(&reversed_input, &out_rev, &["--shard", &format!("{i}/3")]), 0);
        let ids_rev: HashSet<String> = f.records(&out_rev).into_keys().collect();
        assert_eq!(ids, ids_rev, "shard {i} does not depend on the order of the input");
        assert!(all.is_disjoint(&ids));
        all.extend(ids);
    }
    assert_eq!(all.len(), 12, "the shards cover every request");
    assert_eq!(f.batch(&input, &f.p("x.jsonl"), &["--shard", "3/3"]), 2);
    let auto = veil()
        .args(["batch", "--pk", &f.p("keys"), "--input", &input, "--output", &f.p("auto.jsonl"), "--shard", "auto"])
        .env("JOB_COMPLETION_INDEX", "1")
        .env("VEIL_SHARD_COUNT", "3")
        .output()
        .unwrap();
    assert!(auto.status.success());
    let ids: HashSet<String> = f.records(&f.p("auto.jsonl")).into_keys().collect();
    let ids1: HashSet<String> = f.records(&f.p("shard1.jsonl")).into_keys().collect();
    assert_eq!(ids, ids1);
}

#[test]
fn reads_stdin_and_writes_stdout() {
    let f = Fixture::new();
    let lines = [f.request("a", "alice.key", 1), f.request("b", "alice.key", 2)].join("\n");
    let out = veil()
        .args(["batch", "--pk", &f.p("keys"), "--input", "-", "--output", "-", "--tables", "always"])
        .write_stdin(lines)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Proven with the fixed-base MSM tables: the proofs verify like any other.
    let records: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(records.iter().all(|r| f.verifies(r)));
    let ids: HashSet<String> = records.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, HashSet::from(["a".to_owned(), "b".to_owned()]));
    assert!(!Path::new(&f.p("-")).exists());
}

#[test]
fn proves_threshold_requests_with_a_threshold_key() {
    let f = Fixture::new();
    let bob = f.ok(&["key", "new", "--kdf", "light", "--out", &f.p("bob.key")]);
    let carol = f.ok(&["key", "new", "--kdf", "light", "--out", &f.p("carol.key")]);
    let alice = f.ok(&["key", "show", &f.p("alice.key"), "--json"]);
    let alice: serde_json::Value = serde_json::from_str(&alice).unwrap();
    f.ok(&["set", "new", "--force", "--out", &f.p("set.json"), alice["commitment"].as_str().unwrap(), &bob, &carol]);
    for who in ["alice", "bob", "carol", "outsider"] {
        f.ok(&[
            "sign",
            "--key",
            &f.p(&format!("{who}.key")),
            "--intent",
            &f.p("intent.json"),
            "--out",
            &f.p(&format!("{who}.sig")),
        ]);
    }
    f.ok(&["setup", "threshold", "--depth", "3", "--k-max", "3", "--out", &f.p("tkeys")]);
    let req = |id: &str, sigs: &[&str], k: Option<usize>| {
        let mut r = serde_json::json!({
            "id": id, "circuit": "threshold", "set": f.p("set.json"), "intent": f.p("intent.json"),
            "signatures": sigs.iter().map(|s| f.p(&format!("{s}.sig"))).collect::<Vec<_>>(),
        });
        if let Some(k) = k {
            r["threshold"] = k.into();
        }
        r.to_string()
    };
    let lines = vec![
        req("two", &["alice", "carol"], None),
        req("three", &["carol", "alice", "bob"], Some(3)),
        req("outsider", &["alice", "outsider"], None),
        f.request("approval-on-threshold-key", "alice.key", 1),
    ];
    let input = f.write_requests("treq.jsonl", &lines);
    let output = f.p("tout.jsonl");
    let code = veil()
        .args(["batch", "--pk", &f.p("tkeys"), "--input", &input, "--output", &output])
        .env_remove("VEIL_PASSPHRASE")
        .output()
        .unwrap()
        .status
        .code()
        .unwrap();
    assert_eq!(code, 1, "done, with error records; no passphrase needed for signatures");
    let records = f.records(&output);
    assert_eq!(records.len(), 4);
    let vk = f.p("tkeys/verification_key.json");
    for (id, k) in [("two", "2"), ("three", "3")] {
        let r = &records[id];
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["public"][2], k);
        assert!(verifies_under(&vk, r));
    }
    assert!(records["outsider"]["error"].as_str().unwrap().contains("not a member"));
    assert!(records["approval-on-threshold-key"]["error"].as_str().unwrap().contains("threshold"));
}

/// One writer per results file: a second run on the same output refuses with exit 75,
/// naming the holder's pid, or with `--wait` waits for it; the lock dies with its holder,
/// so a SIGKILLed run never leaves the output locked, and the next run resumes.
#[test]
fn a_second_run_on_the_same_output_refuses_or_waits_and_sigkill_frees_the_output() {
    let f = Fixture::new();
    let input = f.write_requests("req.jsonl", &[f.request("a", "alice.key", 1), f.request("b", "alice.key", 2)]);
    let output = f.p("out.jsonl");
    // A holder that takes the lock, then blocks reading requests from a stdin kept open.
    let spawn_holder = || {
        let mut c = std::process::Command::cargo_bin("veil").unwrap();
        c.env("VEIL_PASSPHRASE", PASSPHRASE).env_remove("VEIL_LOG");
        c.args(["batch", "--pk", &f.p("keys"), "--input", "-", "--output", &output, "--allow-development-key"]);
        let child = c.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        // Wait until it holds the lock (its pid is written into the lock file).
        let lock = format!("{output}.lock");
        let started = Instant::now();
        while !std::fs::read_to_string(&lock).unwrap_or_default().contains(&format!("pid {} ", child.id())) {
            assert!(started.elapsed() < Duration::from_secs(30), "the holder never took the lock");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    };
    let mut holder = spawn_holder();
    let out = veil()
        .args(["batch", "--pk", &f.p("keys"), "--input", &input, "--output", &output, "--allow-development-key"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{err}");
    assert!(err.contains("another veil batch") && err.contains(&format!("pid {}", holder.id())), "{err}");
    assert!(std::fs::read_to_string(&output).unwrap_or_default().is_empty(), "the refused run wrote nothing");
    // SIGKILL the holder: the lock dies with it; the next run proves everything.
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(f.batch(&input, &output, &["--allow-development-key"]), 0);
    assert_eq!(f.records(&output).len(), 2);

    // --wait: the second run waits while the holder lives, then resumes (nothing left to do).
    let mut holder = spawn_holder();
    let mut waiter = std::process::Command::cargo_bin("veil").unwrap();
    waiter.env("VEIL_PASSPHRASE", PASSPHRASE).env_remove("VEIL_LOG");
    waiter.args([
        "batch",
        "--pk",
        &f.p("keys"),
        "--input",
        &input,
        "--output",
        &output,
        "--allow-development-key",
        "--wait",
    ]);
    let mut waiter = waiter.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(waiter.try_wait().unwrap().is_none(), "the waiter did not wait for the holder");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let status = waiter.wait().unwrap();
    assert!(status.success(), "{status}");
    let records = f.records(&output);
    assert_eq!(records.len(), 2, "each id once");
    assert!(records.values().all(|r| f.verifies(r)));
}
