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
    verifies_with(&prepared(vk), record)
}

/// The verification key in `vk`, prepared once for many proofs.
fn prepared(vk: &str) -> veil_prover::PreparedVerifyingKey {
    let vk: VerificationKeyJson = serde_json::from_str(&std::fs::read_to_string(vk).unwrap()).unwrap();
    veil_prover::prepare(&(&vk).try_into().unwrap())
}

/// Whether veil verifies the proof of `record` under `pvk`.
fn verifies_with(pvk: &veil_prover::PreparedVerifyingKey, record: &serde_json::Value) -> bool {
    let proof: ProofJson = serde_json::from_value(record["proof"].clone()).unwrap();
    let public: Vec<String> = serde_json::from_value(record["public"].clone()).unwrap();
    veil_prover::verify(pvk, &public_from_json(&public).unwrap(), &(&proof).try_into().unwrap()).unwrap()
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

/// The results as `veil batch` left them: every complete line (each a JSON record ending
/// in a newline, no id twice, every id one of `ids`), and whether a partial last line
/// follows (a write cut short, which the next run drops).
fn complete_records(output: &str, ids: &HashSet<String>, context: &str) -> (HashMap<String, serde_json::Value>, bool) {
    let bytes = std::fs::read(output).unwrap_or_default();
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut by_id = HashMap::new();
    for (n, line) in bytes[..complete].split_inclusive(|&b| b == b'\n').enumerate() {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_else(|e| {
            panic!("{context}: line {} is torn or not JSON ({e}): {:?}", n + 1, String::from_utf8_lossy(line))
        });
        let id = v["id"].as_str().unwrap_or_else(|| panic!("{context}: line {} has no id", n + 1)).to_owned();
        assert!(ids.contains(&id), "{context}: unknown id {id}");
        assert!(by_id.insert(id.clone(), v).is_none(), "{context}: id {id} appears twice");
    }
    (by_id, complete < bytes.len())
}

/// Asserts that `output` is finished: every id of `ids` exactly once, no torn line, every
/// record ok and its proof valid.
fn assert_finished(pvk: &veil_prover::PreparedVerifyingKey, output: &str, ids: &HashSet<String>, context: &str) {
    let (records, torn) = complete_records(output, ids, context);
    assert!(!torn, "{context}: the finished results end with a partial line");
    let missing: Vec<_> = ids.iter().filter(|id| !records.contains_key(*id)).collect();
    assert!(missing.is_empty(), "{context}: ids lost: {missing:?}");
    for (id, r) in &records {
        assert_eq!(r["status"], "ok", "{context}: {id}: {r}");
        assert!(verifies_with(pvk, r), "{context}: the proof of {id} does not verify");
    }
}

/// The seed of a randomized test: VEIL_TEST_SEED, else the clock (printed on failure).
fn test_seed() -> u64 {
    std::env::var("VEIL_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    })
}

/// `veil batch` started, not waited for.
fn spawn_batch(f: &Fixture, input: &str, output: &str, threads: &str) -> std::process::Child {
    std::process::Command::cargo_bin("veil")
        .unwrap()
        .env("VEIL_PASSPHRASE", PASSPHRASE)
        .env_remove("VEIL_LOG")
        .args(["batch", "--pk", &f.p("keys"), "--input", input, "--output", output, "--threads", threads])
        .arg("--allow-development-key")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Requests whose ids are not all ASCII (a write cut short can end inside a character).
fn many_requests(f: &Fixture, n: u64) -> (Vec<String>, HashSet<String>) {
    let ids: Vec<String> = (0..n).map(|i| format!("k{i}-ü")).collect();
    let lines = ids.iter().zip(0..).map(|(id, i)| f.request(id, "alice.key", i)).collect();
    (lines, ids.into_iter().collect())
}

/// SIGKILL at 100 random moments, each followed by a re-run that resumes. The first run
/// measures this machine (the time to its first record and between records) and is killed
/// after its sixth record; the other kills fall, a third of them, while a run starts
/// (locking, cutting a torn line, reading the key) and the rest over its next ten records
/// (proving, appending, syncing at the end). A quarter of the kills also leave a write cut
/// short at a random byte (SIGKILL or a full disk can stop a write anywhere; a real kill
/// seldom lands inside one). After every kill the results hold no torn line but the last
/// and no id twice; at the end every id is there exactly once and every proof verifies. A
/// results file finished under the kills is checked, and the kills go on with a fresh one.
#[test]
fn survives_sigkill_at_random_moments_and_resumes_exactly_once() {
    use rand::{Rng, SeedableRng};
    const KILLS: usize = 100;
    let seed = test_seed();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let f = Fixture::new();
    f.ok(&["tables", "--pk", &f.p("keys")]); // read, not built, at every start
    let pvk = prepared(&f.p("keys/verification_key.json"));
    let (lines, ids) = many_requests(&f, 200);
    let input = f.write_requests("req.jsonl", &lines);
    let mut generation = 0;
    let mut output = f.p("out-0.jsonl");
    let newlines = |output: &str| std::fs::read(output).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());

    // The first run: when its first record comes, and how long a record takes after it.
    let start = Instant::now();
    let mut child = spawn_batch(&f, &input, &output, "2");
    let mut first = None;
    while newlines(&output) < 6 {
        if first.is_none() && newlines(&output) > 0 {
            first = Some(start.elapsed());
        }
        assert!(start.elapsed() < Duration::from_secs(120), "seed {seed}: six records took over two minutes");
        assert!(child.try_wait().unwrap().is_none(), "seed {seed}: the first run ended by itself");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut first = first.unwrap_or_else(|| start.elapsed()).as_secs_f64();
    let mut per_record = (start.elapsed().as_secs_f64() - first) / 5.0;

    let (mut live_kills, mut torn_by_kill, mut torn_by_test) = (1, 0, 0);
    for round in 1..KILLS {
        let context = format!("seed {seed} (VEIL_TEST_SEED={seed} repeats its choices), kill {round}, {output}");
        let starting = rng.gen_ratio(1, 3);
        let at: f64 = rng.gen();
        let delay = if starting { at * first } else { first + at * 10.0 * per_record };
        let threads = if rng.gen_bool(0.5) { "1" } else { "2" };
        let (torn_before, before) = (complete_records(&output, &ids, &context).1, newlines(&output));
        let start = Instant::now();
        let mut child = spawn_batch(&f, &input, &output, threads);
        let mut seen = None;
        while start.elapsed().as_secs_f64() < delay {
            if seen.is_none() && newlines(&output) > before {
                seen = Some(start.elapsed().as_secs_f64());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        match child.try_wait().unwrap() {
            None => {
                live_kills += 1;
                child.kill().unwrap(); // SIGKILL: no cleanup runs
                child.wait().unwrap();
            }
            Some(status) => assert!(status.success(), "{context}: a run ended by itself with {status}"),
        }
        // Follow the machine's pace as the load on it changes.
        let paced = match seen {
            Some(t) => (3.0 * first + t) / 4.0,
            None if !starting => first * 1.25,
            None => first,
        };
        per_record *= paced / first;
        first = paced;
        let (records, torn) = complete_records(&output, &ids, &context);
        torn_by_kill += usize::from(torn && !torn_before);
        if records.len() == ids.len() && !torn {
            assert_finished(&pvk, &output, &ids, &context);
            generation += 1;
            output = f.p(&format!("out-{generation}.jsonl"));
            continue;
        }
        if !torn && rng.gen_ratio(1, 4) {
            // A write cut short at a random byte: of a record already there (the next run
            // must not count it twice) or of one not yet written (it must prove it).
            let text = std::fs::read_to_string(&output).unwrap_or_default();
            let line = match text.lines().last() {
                Some(last) if rng.gen_bool(0.5) => last.to_owned(),
                _ => format!("{{\"id\":\"k{}-ü\",\"proof\":{{\"curve\":\"bn128\",\"pi_a\":[\"1", rng.gen_range(0..200)),
            };
            let cut = rng.gen_range(1..=line.len());
            let mut out = std::fs::OpenOptions::new().create(true).append(true).open(&output).unwrap();
            std::io::Write::write_all(&mut out, &line.as_bytes()[..cut]).unwrap();
            torn_by_test += 1;
        }
    }
    let context = format!("seed {seed} (VEIL_TEST_SEED={seed} repeats its choices), the last run, {output}");
    let left = ids.len() - complete_records(&output, &ids, &context).0.len();
    assert_eq!(f.batch(&input, &output, &["--allow-development-key"]), 0, "{context}");
    assert_finished(&pvk, &output, &ids, &context);
    eprintln!(
        "seed {seed}: first record after {:.0} ms, then one per {:.0} ms at the end; {live_kills} of {KILLS} kills hit a \
         running batch, {torn_by_kill} left a torn line, the test cut {torn_by_test} writes short; \
         {generation} results files finished under the kills, {left} requests left to the last run",
        first * 1000.0,
        per_record * 1000.0
    );
    assert!(live_kills >= KILLS / 2, "seed {seed}: only {live_kills} kills hit a running batch");
}

/// A tmpfs mounted for one test, unmounted when dropped. Mounting needs root (CI and the
/// development containers run as root); without it the test fails, saying so.
struct Tmpfs {
    dir: std::path::PathBuf,
}

impl Tmpfs {
    fn mount(dir: &str, options: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount").args(["-t", "tmpfs", "-o", options, "veil-test", dir]).output();
        match out {
            Ok(o) if o.status.success() => Self { dir: dir.into() },
            Ok(o) => panic!(
                "mount -t tmpfs -o {options} veil-test {dir} failed ({}): this test needs root (or CAP_SYS_ADMIN) \
                 to mount a small file system; it does not skip itself",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("running mount: {e}: this test needs mount(8) and root; it does not skip itself"),
        }
    }

    fn remount(&self, options: &str) {
        let out = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "remount,{options} {}: {}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount").arg(&self.dir).status().is_ok_and(|s| s.success());
        if !unmounted {
            // Busy (a process still inside): detach it now, freed when the last user ends.
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// `veil batch` run to its end: exit code and stderr.
fn batch_output(f: &Fixture, input: &str, output: &str) -> (i32, String) {
    let out = veil()
        .args(["batch", "--pk", &f.p("keys"), "--input", input, "--output", output, "--allow-development-key"])
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The disk fills: before the batch can even write its lock, then partway through the
/// results. Each time it exits 75 (retry) naming the results file and the full disk, keeps
/// every complete record, and a re-run on the still-full disk does the same; once there is
/// room (here the tmpfs grows, as a volume would be resized or files deleted) the re-run
/// finishes: every id exactly once, no torn line, every proof valid.
#[test]
fn a_full_disk_exits_75_naming_the_results_and_loses_nothing() {
    let f = Fixture::new();
    f.ok(&["tables", "--pk", &f.p("keys")]);
    let pvk = prepared(&f.p("keys/verification_key.json"));
    let (lines, ids) = many_requests(&f, 150);
    let input = f.write_requests("req.jsonl", &lines);
    // 64 KiB: about 55 records of 1.1 KB.
    let disk = Tmpfs::mount(&f.p("disk"), "size=64k,mode=0755");
    let output = f.p("disk/out.jsonl");

    // Full before the start: the lock cannot be written.
    let filler = f.p("disk/filler");
    let mut fill = std::fs::File::create(&filler).unwrap();
    while std::io::Write::write_all(&mut fill, &[0u8; 4096]).is_ok() {}
    drop(fill);
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 75, "{err}");
    assert!(err.contains(&format!("of results {output}: No space left on device")), "{err}");
    assert!(complete_records(&output, &ids, "full at the start").0.is_empty());

    // Full partway.
    std::fs::remove_file(&filler).unwrap();
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 75, "{err}");
    assert!(err.contains(&format!("writing results {output}: No space left on device")), "{err}");
    assert!(err.contains("free some space, then re-run to resume"), "{err}");
    let (kept, _) = complete_records(&output, &ids, "full partway");
    assert!(!kept.is_empty() && kept.len() < ids.len(), "{} of {} records fit", kept.len(), ids.len());

    // Re-run while still full (as a scheduler retrying exit 75 would): the same error,
    // every complete record kept.
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 75, "{err}");
    assert!(err.contains(&format!("results {output}: No space left on device")), "{err}");
    let (again, _) = complete_records(&output, &ids, "still full");
    assert!(kept.keys().all(|id| again.contains_key(id)), "a complete record was lost");

    disk.remount("size=4m");
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 0, "{err}");
    assert_finished(&pvk, &output, &ids, "after the disk grew");
}

/// The output directory is read-only (a read-only remount: root ignores permission bits).
/// The batch exits 2, naming the results file and why, and writes nothing: neither the
/// records already there (and a line a kill left torn) nor a new file. Writable again, a
/// re-run finishes: every id exactly once, no torn line, every proof valid.
#[test]
fn a_read_only_output_exits_2_naming_the_results_and_loses_nothing() {
    let f = Fixture::new();
    let pvk = prepared(&f.p("keys/verification_key.json"));
    let (lines, ids) = many_requests(&f, 24);
    let input = f.write_requests("req.jsonl", &lines);
    let first_half = f.write_requests("half.jsonl", &lines[..12]);
    let disk = Tmpfs::mount(&f.p("disk"), "size=4m,mode=0755");
    let output = f.p("disk/out.jsonl");
    assert_eq!(batch_output(&f, &first_half, &output).0, 0);
    let mut torn = std::fs::OpenOptions::new().append(true).open(&output).unwrap();
    std::io::Write::write_all(&mut torn, "{\"id\":\"k12-ü\",\"proof\":{\"cur".as_bytes()).unwrap();
    drop(torn);
    let before = std::fs::read(&output).unwrap();

    disk.remount("ro");
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("of results {output}: Read-only file system")), "{err}");
    assert!(err.contains("make it writable, then re-run to resume"), "{err}");
    assert_eq!(std::fs::read(&output).unwrap(), before, "the results were changed");
    let fresh = f.p("disk/fresh.jsonl");
    let (code, err) = batch_output(&f, &input, &fresh);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("of results {fresh}: Read-only file system")), "{err}");
    assert!(!Path::new(&fresh).exists());

    disk.remount("rw");
    let (code, err) = batch_output(&f, &input, &output);
    assert_eq!(code, 0, "{err}");
    assert_finished(&pvk, &output, &ids, "writable again");
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
