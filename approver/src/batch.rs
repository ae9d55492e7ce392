//! `veil batch`'s files: request lines in, result lines out, and shards.
//!
//! Each input line is a request, for the circuit of the batch's proving key:
//! `{"id": "r1", "circuit": "approval", "key": "alice.key", "set": "set.json", "intent": "intent.json", "scope": "7"}`
//! or `{"id": "t1", "circuit": "threshold", "set": "set.json", "intent": "intent.json", "signatures": ["a.sig.json", …], "threshold": 2}`
//! (`intent` may also be an intent file's JSON object inline; `scope` is optional and
//! defaults to the intent's field element; paths are relative to the working directory).
//! Each output line is a result for one request id, exactly once:
//! `{"id": .., "request_digest": <SHA-256 of the request line>, "status": "ok", "proof": {..}, "public": [..]}`
//! or `{"id": .., "request_digest": .., "status": "error", "error": ".."}`.
//!
//! A results file is resumable: [`done_ids`](crate::batch::done_ids) drops a last line cut short by a crash and
//! lists the ids already answered. A [`Shard`](crate::batch::Shard) keeps the requests whose id hashes to I mod
//! N: the split depends on ids only, so it is stable when the input is reordered or appended.

use std::{
    collections::HashMap,
    fs::OpenOptions,
    io::{self, BufRead, Read},
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::intent::{Intent, IntentFile};

/// Why a batch's files or shard could not be used.
#[derive(Debug, Error)]
pub enum BatchError {
    /// The requests or results could not be read or cut.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("reading requests", "truncating", …).
        action: String,
        /// The file (`-` for standard input).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A line of the results file is not a result record.
    #[error("results {} line {line}: not a result record ({reason})", path.display())]
    NotARecord {
        /// The results file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The JSON error.
        reason: String,
    },
    /// A shard given as text is malformed, or the scheduler's environment lacks it.
    #[error("{0}")]
    Shard(String),
}

/// A request, as its line gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Read again here so that `deny_unknown_fields` accepts it; the line's id is used.
    #[allow(dead_code)]
    id: String,
    /// `"approval"`, `"threshold"` or `"policy"`.
    pub circuit: String,
    /// Approval: the approver's key file.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// Approval and Threshold: the approver set file.
    #[serde(default)]
    pub set: Option<PathBuf>,
    /// Policy: the compiled policy file.
    #[serde(default)]
    pub compiled: Option<PathBuf>,
    /// Policy: the time-lock the proof claims (`0`, `48h`; default 0).
    #[serde(default)]
    pub lead: Option<String>,
    /// The intent: a file's path, or an intent file's JSON object inline.
    pub intent: Value,
    /// Approval: the nullifier's scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Threshold and Policy: the signature files.
    #[serde(default)]
    pub signatures: Option<Vec<PathBuf>>,
    /// Threshold: k (defaults to the number of signatures).
    #[serde(default)]
    pub threshold: Option<usize>,
}

impl Request {
    /// The request's intent, read from its file or its inline object, with a name for
    /// messages (the path, or `(inline intent)`).
    ///
    /// # Errors
    /// Why the intent was refused, as text for the error record.
    pub fn intent(&self) -> Result<(Intent, String), String> {
        match &self.intent {
            Value::String(path) => Ok((Intent::load(path).map_err(|e| format!("{e:#}"))?, path.clone())),
            obj @ Value::Object(_) => {
                let file: IntentFile = serde_json::from_value(obj.clone()).map_err(|e| format!("intent: {e}"))?;
                Ok((Intent::try_from(file).map_err(|e| format!("intent: {e:#}"))?, "(inline intent)".to_owned()))
            }
            _ => Err("intent: expected a path or an intent object".into()),
        }
    }
}

/// One input line, read and classified.
#[derive(Debug)]
pub struct RequestLine {
    /// The request's id, or `sha256:<digest>` for a line without one.
    pub id: String,
    /// The SHA-256 of the line, hex.
    pub digest: String,
    /// The request, or why the line is not one (an error record for its id).
    pub parsed: Result<Request, String>,
}

impl RequestLine {
    /// Classifies line `number` (from 1) of the requests.
    #[must_use]
    pub fn parse(number: usize, line: &str) -> Self {
        let digest = hex::encode(Sha256::digest(line.as_bytes()));
        let value: Result<Value, _> = serde_json::from_str(line);
        let (id, parsed) = match value {
            Err(e) => (format!("sha256:{digest}"), Err(format!("line {number}: not JSON: {e}"))),
            Ok(v) => match v.get("id").and_then(Value::as_str).map(str::to_owned) {
                None => (format!("sha256:{digest}"), Err(format!("line {number}: no string \"id\""))),
                Some(id) => {
                    let parsed = serde_json::from_value::<Request>(v).map_err(|e| format!("line {number}: {e}"));
                    (id, parsed)
                }
            },
        };
        Self { id, digest, parsed }
    }
}

/// Every non-blank line of `reader` (named `name` in errors), classified.
///
/// # Errors
/// [`BatchError::Io`] when reading fails.
pub fn read_requests(reader: impl BufRead, name: &str) -> Result<Vec<RequestLine>, BatchError> {
    let mut lines = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| BatchError::Io {
            action: format!("reading requests, line {}, of", n + 1),
            path: PathBuf::from(name),
            source,
        })?;
        if !line.trim().is_empty() {
            lines.push(RequestLine::parse(n + 1, &line));
        }
    }
    Ok(lines)
}

/// The ids already in a results file (with whether their record is an error), after
/// cutting a last line left incomplete by a crash (a kill or a full disk can stop a write
/// anywhere, even inside a character). A missing file has none.
///
/// # Errors
/// [`BatchError::Io`] (the file exists but cannot be read or cut: never read as empty,
/// which would prove every id again), or [`BatchError::NotARecord`] for a complete line
/// that is not a JSON record.
pub fn done_ids(path: &Path) -> Result<HashMap<String, bool>, BatchError> {
    let io = |action: &str| {
        let path = path.to_owned();
        let action = action.to_owned();
        move |source| BatchError::Io { action, path, source }
    };
    let mut done = HashMap::new();
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(io("opening results")(e)),
    };
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(io("reading results"))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if complete < bytes.len() {
        tracing::warn!(bytes = bytes.len() - complete, "dropping an incomplete last result line");
        f.set_len(complete as u64).map_err(io("cutting the incomplete last line of results"))?;
    }
    // Each line with its newline, which JSON reads as trailing whitespace.
    for (n, line) in bytes[..complete].split_inclusive(|&b| b == b'\n').enumerate() {
        let v: Value = serde_json::from_slice(line).map_err(|e| BatchError::NotARecord {
            path: path.to_owned(),
            line: n + 1,
            reason: e.to_string(),
        })?;
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            done.insert(id.to_owned(), v.get("status").and_then(Value::as_str) != Some("ok"));
        }
    }
    Ok(done)
}

/// A shard: this worker's index and the number of workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This worker's index, below `count`.
    pub index: u64,
    /// The number of workers.
    pub count: u64,
}

impl Shard {
    /// A shard from `I/N`, or `auto`: from the scheduler's array-job environment
    /// ([`Shard::from_env`]).
    ///
    /// # Errors
    /// [`BatchError::Shard`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, BatchError> {
        if s == "auto" {
            return Self::from_env(|k| std::env::var(k).ok());
        }
        let (i, n) = s.split_once('/').ok_or_else(|| BatchError::Shard(format!("{s:?}: expected I/N or auto")))?;
        let (index, count) = (i.parse::<u64>(), n.parse::<u64>());
        match (index, count) {
            (Ok(index), Ok(count)) if count > 0 && index < count => Ok(Self { index, count }),
            _ => Err(BatchError::Shard(format!("{s:?}: expected I/N with 0 ≤ I < N"))),
        }
    }

    /// A shard from an array job's environment (`var` reads a variable): Kubernetes
    /// Indexed Jobs (JOB_COMPLETION_INDEX with VEIL_SHARD_COUNT), SLURM
    /// (SLURM_ARRAY_TASK_ID, _MIN, _COUNT), AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX, _SIZE).
    ///
    /// # Errors
    /// [`BatchError::Shard`] when no index is set, or its count is missing or too small.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, BatchError> {
        let num = |k: &str| var(k).and_then(|v| v.trim().parse::<u64>().ok());
        let found = if let Some(i) = num("JOB_COMPLETION_INDEX") {
            Some((i, num("VEIL_SHARD_COUNT"), "VEIL_SHARD_COUNT"))
        } else if let Some(i) = num("SLURM_ARRAY_TASK_ID") {
            let min = num("SLURM_ARRAY_TASK_MIN").unwrap_or(0);
            Some((i.saturating_sub(min), num("SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_COUNT"))
        } else {
            num("AWS_BATCH_JOB_ARRAY_INDEX").map(|i| (i, num("AWS_BATCH_JOB_ARRAY_SIZE"), "AWS_BATCH_JOB_ARRAY_SIZE"))
        };
        match found {
            None => Err(BatchError::Shard(
                "auto: no array-job index in the environment (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX)".into()
            )),
            Some((_, None, count_var)) => Err(BatchError::Shard(format!("auto: {count_var} is not set"))),
            Some((index, Some(count), count_var)) if count == 0 || index >= count => {
                Err(BatchError::Shard(format!("auto: index {index} is not below {count_var} = {count}")))
            },
            Some((index, Some(count), _)) => Ok(Self { index, count }),
        }
    }

    /// Whether request `id` belongs to this shard: the first 8 bytes of SHA-256(id) mod N.
    #[must_use]
    pub fn takes(&self, id: &str) -> bool {
        let h = Sha256::digest(id.as_bytes());
        u64::from_be_bytes(h[..8].try_into().expect("8 bytes")) % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn request_lines_are_classified() {
        let ok = RequestLine::parse(
            1,
            r#"{"id": "r1", "circuit": "approval", "key": "a.key", "set": "s.json", "intent": "i.json"}"#,
        );
        assert_eq!(ok.id, "r1");
        let req = ok.parsed.unwrap();
        assert_eq!((req.circuit.as_str(), req.key.as_deref()), ("approval", Some(Path::new("a.key"))));
        assert_eq!(ok.digest.len(), 64);
        let unknown =
            RequestLine::parse(2, r#"{"id": "r2", "circuit": "approval", "set": "s", "intent": "i", "extra": 1}"#);
        assert_eq!(unknown.id, "r2", "an invalid request keeps its id for its error record");
        assert!(unknown.parsed.unwrap_err().starts_with("line 2: unknown field `extra`"));
        let no_id = RequestLine::parse(3, r#"{"circuit": "approval"}"#);
        assert!(no_id.id.starts_with("sha256:") && no_id.parsed.unwrap_err().contains("no string \"id\""));
        let not_json = RequestLine::parse(4, "{");
        assert_eq!(not_json.id, format!("sha256:{}", not_json.digest));
        assert!(not_json.parsed.unwrap_err().starts_with("line 4: not JSON"));
        let inline = RequestLine::parse(5, r#"{"id": "r5", "circuit": "threshold", "set": "s", "intent": 7}"#);
        assert_eq!(inline.parsed.unwrap().intent().unwrap_err(), "intent: expected a path or an intent object");
    }

    #[test]
    fn results_resume_after_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        assert!(done_ids(&path).unwrap().is_empty(), "no file, nothing done");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"status\":\"ok\"}\n{\"id\":\"b\",\"status\":\"error\"}\n{\"id\":\"c\",\"sta",
        )
        .unwrap();
        let done = done_ids(&path).unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!((done["a"], done["b"]), (false, true), "error records are marked");
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("\"error\"}\n"), "the cut line is dropped");
        std::fs::write(&path, "not a record\n").unwrap();
        assert!(matches!(done_ids(&path), Err(BatchError::NotARecord { line: 1, .. })));
    }

    #[test]
    fn a_line_cut_inside_a_character_is_dropped_and_an_unreadable_file_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let whole = "{\"id\":\"é1\",\"status\":\"ok\"}\n";
        let cut = "{\"id\":\"é2\"".as_bytes();
        // A kill or a full disk stopped the write after the first byte of `é`.
        let torn = [whole.as_bytes(), &cut[..8]].concat();
        assert!(std::str::from_utf8(&torn).is_err());
        std::fs::write(&path, &torn).unwrap();
        let done = done_ids(&path).unwrap();
        assert_eq!(done.into_keys().collect::<Vec<_>>(), ["é1"]);
        assert_eq!(std::fs::read(&path).unwrap(), whole.as_bytes(), "cut back to the last complete line");
        // A results file that exists but cannot be opened is an error, never "nothing done".
        assert!(matches!(done_ids(dir.path()), Err(BatchError::Io { .. })));
    }

    proptest! {
        #[test]
        fn any_line_is_classified_without_panicking(line in ".{0,200}") {
            let parsed = RequestLine::parse(1, &line);
            prop_assert_eq!(parsed.digest.len(), 64);
            if parsed.parsed.is_ok() {
                let v: Value = serde_json::from_str(&line).unwrap();
                prop_assert_eq!(v["id"].as_str(), Some(parsed.id.as_str()));
            }
        }
    }

    #[test]
    fn shards_partition_ids() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for n in 0..300 {
            let id = format!("request-{n}");
            assert_eq!(shards.iter().filter(|s| s.takes(&id)).count(), 1, "{id}");
        }
        let counts: Vec<usize> =
            shards.iter().map(|s| (0..300).filter(|n| s.takes(&format!("request-{n}"))).count()).collect();
        assert!(counts.iter().all(|&c| c > 60), "roughly even: {counts:?}");
    }

    #[test]
    fn shard_flags_and_environment() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(
            Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "2"), ("VEIL_SHARD_COUNT", "5")])).unwrap(),
            Shard { index: 2, count: 5 }
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("SLURM_ARRAY_TASK_ID", "11"),
                ("SLURM_ARRAY_TASK_MIN", "10"),
                ("SLURM_ARRAY_TASK_COUNT", "4")
            ]))
            .unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert_eq!(
            Shard::from_env(env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")])).unwrap(),
            Shard { index: 0, count: 2 }
        );
        assert!(Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "2")])).is_err(), "count missing");
        assert!(Shard::from_env(env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "3"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")])).is_err());
        assert!(Shard::from_env(env(&[])).is_err());
    }
}
