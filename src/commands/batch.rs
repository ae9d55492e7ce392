//! `veil batch`: many proofs from JSON lines, resumable and shardable. The request and
//! result formats, the resume rule and the shards are `veil_approver::batch`'s; this module
//! runs the workers and writes the records.

use std::{
    collections::{HashMap, HashSet},
    fs::OpenOptions,
    io::{BufReader, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use veil_approver::{
    batch::{self, BatchError, Request, RequestLine, Shard},
    keys::Key,
    policy::{units::parse_duration, witness as policy_witness, CompiledPolicy, PolicyWitnessError},
    set::ApproverSet,
    signature::SignedIntent,
    witness,
};
use veil_prover::{
    engine::{Assignment, CircuitId},
    snarkjs::{public_to_json, ProofJson},
    ProverKey,
};

use super::{open_key, prove::DevelopmentKeyFlag, UseTables};
use crate::describe::{describe, Sources};
use crate::exit::{bad_input, BAD_INPUT, FAILURE, OK};

/// Exit code: interrupted or a transient failure; re-running resumes where it stopped.
pub const RETRY: u8 = 75;

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The setup directory (holding proving_key.veil).
    #[arg(long)]
    pk: PathBuf,
    /// Requests, one JSON object per line; `-` for standard input.
    #[arg(long)]
    input: String,
    /// Results, one JSON object per line, appended; `-` for standard output (no resume).
    #[arg(long)]
    output: String,
    /// Worker threads for the whole batch, one proof each at a time; defaults to every core.
    #[arg(long)]
    threads: Option<usize>,
    /// If another `veil batch` is writing the same results file, wait for it to end (and
    /// then resume) instead of exiting 75.
    #[arg(long)]
    wait: bool,
    /// Take only the requests whose id hashes to I mod N (`I/N`), or read I and N from the
    /// scheduler's array job (`auto`: JOB_COMPLETION_INDEX with VEIL_SHARD_COUNT for
    /// Kubernetes Indexed Jobs, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT,
    /// AWS_BATCH_JOB_ARRAY_INDEX/AWS_BATCH_JOB_ARRAY_SIZE).
    #[arg(long)]
    shard: Option<String>,
    /// Validate every point of the proving key and its constraint system.
    #[arg(long)]
    check_key: bool,
    /// Fixed-base MSM tables for the key (about 40% faster Approval proofs, 30% faster
    /// Threshold; 40 MiB for Approval at depth 20, 365 MiB for Threshold K_MAX 8). They are
    /// read from DIR/proving_key.tables (`veil tables`) when it is there; otherwise `auto`
    /// builds them when at least 32 requests are to be proven (about where the build, 1 s
    /// and 12 s for those keys, pays for itself) and `always` builds them whatever the count.
    #[arg(long, value_enum, default_value_t = Tables::Auto)]
    tables: Tables,
    #[command(flatten)]
    dev_key: DevelopmentKeyFlag,
    /// A file holding the passphrase of the requests' key files (else VEIL_PASSPHRASE, else
    /// a prompt); each key file is unlocked once per batch.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// A batch file or shard error as the CLI reports it: reading failures exit 1, the rest 2.
fn batch_error(e: BatchError) -> anyhow::Error {
    match e {
        BatchError::Io { .. } => e.into(),
        BatchError::Shard(m) => bad_input(format!("--shard {m}")),
        BatchError::NotARecord { .. } => bad_input(e),
    }
}

/// Shared, read-only state of a batch: the key and the sets, key files and compiled
/// policies read so far.
struct Context_ {
    prover: ProverKey,
    passphrase: zeroize::Zeroizing<String>,
    sets: Mutex<HashMap<PathBuf, Arc<ApproverSet>>>,
    keys: Mutex<HashMap<PathBuf, Arc<Key>>>,
    policies: Mutex<HashMap<PathBuf, Arc<CompiledPolicy>>>,
}

/// A policy request's refusal as its error record says it: the file each reason is about.
fn policy_refusal(e: PolicyWitnessError, compiled: &Path, intent: &str, signatures: &[PathBuf]) -> String {
    use PolicyWitnessError as E;
    let sig = |i: usize| signatures[i].display().to_string();
    match e {
        E::Shape { .. } | E::Circuit(_) => format!("{}: {e}", compiled.display()),
        E::Intent(e) => format!("{intent}: {e}"),
        E::OtherIntent { index } => format!("{}: signs another intent than {intent}", sig(index)),
        E::BadSignature { index } => format!("{}: the signature does not verify", sig(index)),
        E::SameSigner { first, second } => format!("{} and {} are by the same signer", sig(first), sig(second)),
        // The reasons name rules, roles and their sizes: they stay out of the results, which
        // travel further than the compiled policy (`veil policy explain` gives them).
        E::NoRule(_) => format!(
            "no rule of {} admits {intent} with these signatures (`veil policy explain` says why)",
            compiled.display()
        ),
    }
}

impl Context_ {
    fn set(&self, path: &Path) -> Result<Arc<ApproverSet>, String> {
        if let Some(s) = self.sets.lock().expect("no panics while held").get(path) {
            return Ok(s.clone());
        }
        let set = Arc::new(ApproverSet::load(path).map_err(|e| format!("{e:#}"))?);
        self.sets.lock().expect("no panics while held").insert(path.to_owned(), set.clone());
        Ok(set)
    }

    /// A key file, unlocked once (scrypt is deliberately slow) and kept for the batch.
    fn key(&self, path: &Path) -> Result<Arc<Key>, String> {
        if let Some(k) = self.keys.lock().expect("no panics while held").get(path) {
            return Ok(k.clone());
        }
        let key = Arc::new(Key::load(path, self.passphrase.as_bytes()).map_err(|e| e.to_string())?);
        self.keys.lock().expect("no panics while held").insert(path.to_owned(), key.clone());
        Ok(key)
    }

    /// A compiled policy, read once and kept for the batch.
    fn compiled(&self, path: &Path) -> Result<Arc<CompiledPolicy>, String> {
        if let Some(c) = self.policies.lock().expect("no panics while held").get(path) {
            return Ok(c.clone());
        }
        let compiled = Arc::new(CompiledPolicy::load(path).map_err(|e| format!("{e:#}"))?);
        self.policies.lock().expect("no panics while held").insert(path.to_owned(), compiled.clone());
        Ok(compiled)
    }

    fn prove(&self, req: &Request) -> Result<Value, String> {
        let circuit = self.prover.shape.circuit;
        if req.circuit != circuit.name() {
            return Err(format!("circuit {:?}: this batch's proving key is for {}", req.circuit, self.prover.shape));
        }
        let signed = |name: &str| -> Result<(&[PathBuf], Vec<SignedIntent>), String> {
            let paths = req.signatures.as_deref().ok_or_else(|| format!("{name} requests need \"signatures\""))?;
            let signed =
                paths.iter().map(|p| SignedIntent::load(p)).collect::<Result<_, _>>().map_err(|e| format!("{e:#}"))?;
            Ok((paths, signed))
        };
        let set_path = || req.set.as_deref().ok_or_else(|| format!("{} requests need \"set\"", req.circuit));
        let (intent, intent_name) = req.intent()?;
        let (depth, k_max) = (self.prover.shape.depth as usize, self.prover.shape.k_max as usize);
        let synthesized = match circuit {
            CircuitId::Threshold => {
                let set_path = set_path()?;
                let set = self.set(set_path)?;
                let (paths, signed) = signed("threshold")?;
                let circuit = witness::threshold(&set, intent.field_element(), &signed, req.threshold, depth, k_max)
                    .map_err(|e| describe(&e, &Sources::threshold(set_path, &intent_name, paths)))?;
                Assignment::synthesize(circuit)
            }
            CircuitId::Approval => {
                let set_path = set_path()?;
                let set = self.set(set_path)?;
                let key_path = req.key.as_deref().ok_or("approval requests need \"key\"")?;
                let key = self.key(key_path)?;
                let scope = req.scope.as_deref().map(super::parse_scope).transpose()?;
                let circuit = witness::approval(&key.private, &set, &intent, scope, depth)
                    .map_err(|e| describe(&e, &Sources::approval(key_path, set_path)))?;
                Assignment::synthesize(circuit)
            }
            CircuitId::Policy => {
                let compiled_path = req.compiled.as_deref().ok_or("policy requests need \"compiled\"")?;
                let compiled = self.compiled(compiled_path)?;
                let lead = req.lead.as_deref().map(parse_duration).transpose().map_err(|e| format!("lead: {e}"))?;
                let (paths, signed) = signed("policy")?;
                let shape = self.prover.shape.policy().expect("a policy key");
                let w = policy_witness(&compiled, &intent, &signed, lead.unwrap_or(0), shape)
                    .map_err(|e| policy_refusal(e, compiled_path, &intent_name, paths))?;
                Assignment::synthesize(w.circuit)
            }
        };
        let assignment = synthesized.map_err(|e| e.to_string())?;
        let groth = self.prover.prove_assignment(&assignment, &mut rand::rngs::OsRng).map_err(|e| e.to_string())?;
        Ok(json!({ "proof": ProofJson::from(&groth), "public": public_to_json(assignment.public_inputs()) }))
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} proofs  {per_sec}  ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar
}

/// When `veil batch` uses fixed-base MSM tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tables {
    /// The tables file when it is there (an unusable one is reported and ignored), else
    /// tables built in memory when at least [`TABLES_AUTO_MIN`] requests are to be proven.
    Auto,
    /// The tables file, else tables built in memory.
    Always,
    /// Never.
    Never,
}

/// The number of requests from which `--tables auto` builds the tables (break-even is
/// about 20 proofs at depth 20 and 33 for Threshold, measured in BENCHMARKS.md).
pub const TABLES_AUTO_MIN: usize = 32;

pub fn run(a: &BatchArgs) -> anyhow::Result<u8> {
    let shard = a.shard.as_deref().map(Shard::parse).transpose().map_err(batch_error)?;
    let use_file = if a.tables == Tables::Never { UseTables::Never } else { UseTables::Auto };
    let mut prover = open_key(&a.pk, a.check_key, None, use_file)?;
    a.dev_key.warn(&a.pk, &prover.provenance);

    let to_stdout = a.output == "-";
    // One writer per results file: held until this process ends (the kernel releases it
    // when the holder dies, even by SIGKILL).
    let _lock = if to_stdout { None } else { Some(lock_results(Path::new(&a.output), a.wait)?) };
    let done = if to_stdout {
        HashMap::new()
    } else {
        batch::done_ids(Path::new(&a.output)).map_err(|e| match e {
            BatchError::Io { action, source, .. } => OutputError::new(action, &a.output, source).into(),
            e => batch_error(e),
        })?
    };
    let lines = if a.input == "-" {
        batch::read_requests(BufReader::new(std::io::stdin()), "-")
    } else {
        let f = std::fs::File::open(&a.input).with_context(|| format!("reading requests {}", a.input))?;
        batch::read_requests(BufReader::new(f), &a.input)
    }
    .map_err(batch_error)?;
    let mut seen = HashSet::new();
    let mut errored_before = false;
    let todo: Vec<RequestLine> = lines
        .into_iter()
        .filter(|l| shard.is_none_or(|s| s.takes(&l.id)))
        .filter(|l| {
            if !seen.insert(l.id.clone()) {
                tracing::warn!(id = %l.id, "duplicate request id: only its first line is proven");
                return false;
            }
            match done.get(&l.id) {
                Some(was_error) => {
                    errored_before |= was_error;
                    false
                }
                None => true,
            }
        })
        .collect();
    tracing::info!(todo = todo.len(), already_done = done.len(), "batch");
    let build = a.tables == Tables::Always || (a.tables == Tables::Auto && todo.len() >= TABLES_AUTO_MIN);
    if prover.tables.is_none() && build {
        prover.build_tables(veil_prover::engine::MsmTables::DEFAULT_BUDGET);
    }

    let sink = if to_stdout {
        Sink::Stdout(std::io::stdout())
    } else {
        Sink::File(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&a.output)
                .map_err(|e| OutputError::new("opening results", &a.output, e))?,
        )
    };
    // The results and the first write error: after one, nothing more is written (a write
    // cut short leaves a partial line, which must stay the last one for the next run to
    // drop it).
    let sink: Mutex<(Sink, Option<std::io::Error>)> = Mutex::new((sink, None));
    // Approval requests unlock key files; Threshold and Policy requests carry signatures only.
    let passphrase = if prover.shape.circuit == CircuitId::Approval {
        crate::passphrase::read(
            a.passphrase_file.as_deref(),
            crate::passphrase::ENV,
            crate::passphrase::Purpose::Unlock,
            "the requests' key files",
        )?
    } else {
        zeroize::Zeroizing::new(String::new())
    };
    let ctx = Context_ {
        prover,
        passphrase,
        sets: Mutex::new(HashMap::new()),
        keys: Mutex::new(HashMap::new()),
        policies: Mutex::new(HashMap::new()),
    };
    let threads = match a.threads {
        Some(0) => return Err(bad_input("--threads 0: at least one thread is needed")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let bar = progress_bar(todo.len() as u64);
    let errored = std::sync::atomic::AtomicBool::new(false);

    // One worker per thread, each proving one request at a time on a pool of its own
    // single thread: the thread budget is exact, and a worker never steals another proof
    // while waiting inside one (nested work stealing over thousands of proofs would grow
    // a worker's stack without bound).
    let work = |line: &RequestLine| {
        if sink.lock().expect("no panics while held").1.is_some() {
            return;
        }
        let result = match &line.parsed {
            Err(e) => Err(e.clone()),
            Ok(req) => ctx.prove(req),
        };
        let record = match result {
            Ok(mut body) => {
                body["id"] = json!(line.id);
                body["request_digest"] = json!(line.digest);
                body["status"] = json!("ok");
                body
            }
            Err(error) => {
                errored.store(true, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(id = %line.id, %error, "request failed");
                json!({ "id": line.id, "request_digest": line.digest, "status": "error", "error": error })
            }
        };
        // One write per record: a crash leaves at most one partial line, which the next
        // run drops.
        let text = record.to_string() + "\n";
        let mut out = sink.lock().expect("no panics while held");
        let (w, failed) = &mut *out;
        if failed.is_none() {
            *failed = w.append(text.as_bytes()).err();
        }
        bar.inc(1);
    };
    let spawn_failed = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<(), rayon::ThreadPoolBuildError> {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
                    pool.install(|| loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(line) = todo.get(i) else { break };
                        work(line);
                    });
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).find_map(Result::err)
    });
    bar.finish_and_clear();
    if let Some(e) = spawn_failed {
        return Err(anyhow::Error::new(e).context("starting the worker threads"));
    }

    let (sink, failed) = sink.into_inner().expect("no panics while held");
    if let Some(e) = failed {
        return Err(OutputError::new("writing results", &a.output, e).into());
    }
    // On the disk before success is reported; some file systems report a full disk only here.
    if let Sink::File(f) = sink {
        f.sync_data().map_err(|e| OutputError::new("syncing results", &a.output, e))?;
    }
    let errored = errored.into_inner() || errored_before;
    eprintln!(
        "{} requests processed{}{}",
        todo.len(),
        if done.is_empty() { String::new() } else { format!(", {} already done", done.len()) },
        if errored { "; some have error records" } else { "" }
    );
    Ok(if errored { FAILURE } else { OK })
}

/// Why the results file could not be taken: another run holds it (exit 75).
#[derive(Debug)]
pub struct Busy {
    /// The results file.
    pub path: String,
    /// What the holder wrote in the lock file.
    pub holder: String,
    /// The lock file.
    pub lock: String,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "results {} are being written by another veil batch ({}); it holds {}: retry when it ends, or pass --wait",
            self.path, self.holder, self.lock
        )
    }
}

impl std::error::Error for Busy {}

/// Where the results go: a file opened for appending, or standard output.
enum Sink {
    File(std::fs::File),
    Stdout(std::io::Stdout),
}

impl Sink {
    /// Appends one record with one `write`. A write cut short (the disk full) is cut back
    /// off when it can be, so that the file still ends with a complete line; when it
    /// cannot, or a kill cuts the write, the next run drops the partial line.
    fn append(&mut self, record: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Stdout(s) => s.write_all(record).and_then(|()| s.flush()),
            Self::File(f) => {
                let len = f.metadata()?.len();
                f.write_all(record).inspect_err(|_| {
                    let _ = f.set_len(len);
                })
            }
        }
    }
}

/// The results file (or its lock) could not be opened, read, cut or written. Every
/// complete record already there is kept, so a re-run resumes; the exit code says whether
/// re-running as it is can succeed ([`OutputError::code`]).
#[derive(Debug)]
pub struct OutputError {
    /// What failed, naming the file ("writing results", "opening the lock L of results").
    action: String,
    /// The results file.
    path: String,
    /// The I/O error.
    source: std::io::Error,
}

impl OutputError {
    fn new(action: impl Into<String>, path: &str, source: std::io::Error) -> Self {
        Self { action: action.into(), path: path.to_owned(), source }
    }

    /// 2 when the output must be fixed first (a read-only file system, no permission, no
    /// such directory); 75, retry, otherwise (a full disk, an I/O error).
    #[must_use]
    pub fn code(&self) -> u8 {
        use std::io::ErrorKind as K;
        match self.source.kind() {
            K::ReadOnlyFilesystem | K::PermissionDenied | K::NotFound | K::NotADirectory | K::IsADirectory => BAD_INPUT,
            _ => RETRY,
        }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::io::ErrorKind as K;
        let fix = match self.source.kind() {
            K::StorageFull | K::QuotaExceeded => "free some space, then re-run to resume",
            K::ReadOnlyFilesystem | K::PermissionDenied => "make it writable, then re-run to resume",
            K::NotFound | K::NotADirectory | K::IsADirectory => "check --output, then re-run to resume",
            _ => "re-run to resume",
        };
        write!(f, "{} {}: {}; {fix} (every complete record is kept)", self.action, self.path, self.source)
    }
}

impl std::error::Error for OutputError {}

/// The exit code of a batch error about its output: 75 (retry) when another run holds the
/// results file, else [`OutputError::code`].
pub fn code_for(e: &anyhow::Error) -> Option<u8> {
    e.chain().find_map(|c| {
        if c.is::<Busy>() {
            Some(RETRY)
        } else {
            c.downcast_ref::<OutputError>().map(OutputError::code)
        }
    })
}

/// Takes the exclusive lock of `results` (an advisory lock on `RESULTS.lock`, released by
/// the kernel when this process ends however it ends), writing who holds it into the file.
/// Held by another process: [`Busy`] (exit 75), or with `wait` a wait for it.
fn lock_results(results: &Path, wait: bool) -> anyhow::Result<std::fs::File> {
    use std::io::{Read, Seek, SeekFrom};
    let mut name = results.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let results_name = results.display().to_string();
    let lock_error = |action: &str, e| {
        OutputError::new(format!("{action} the lock {} of results", lock_path.display()), &results_name, e)
    };
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .map_err(|e| lock_error("opening", e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim().to_owned();
            let holder = if holder.is_empty() { "holder unknown".to_owned() } else { holder };
            if !wait {
                return Err(anyhow::Error::new(Busy {
                    path: results.display().to_string(),
                    holder,
                    lock: lock_path.display().to_string(),
                }));
            }
            eprintln!("waiting for the other veil batch writing {} ({holder}) to end", results.display());
            file.lock().map_err(|e| lock_error("waiting for", e))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(lock_error("taking", e).into()),
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let host = if host.is_empty() { "this host" } else { &host };
    let mut write_holder = || -> std::io::Result<()> {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        write!(file, "pid {} on {host}, since unix time {since}", std::process::id())
    };
    write_holder().map_err(|e| lock_error("writing", e))?;
    Ok(file)
}
