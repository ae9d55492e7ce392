//! What the fuzz targets share: a scratch file per process (for parsers that read a path),
//! checksum fix-ups (so that mutations reach past a file's hash), and the small key that
//! the tables target binds to.
//!
//! Every target asserts its parser's contract, not just the absence of a panic: what it
//! accepts re-encodes to an equivalent value, and a refusal is an error value. A panic, an
//! abort, an allocation above libFuzzer's `-malloc_limit_mb`/`-rss_limit_mb` or a run past
//! `-timeout` is a crash (`fuzz/run.sh` sets those bounds).

use std::{
    path::{Path, PathBuf},
    sync::LazyLock,
};

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_prover::ProverKey;

/// A file in the temporary directory (tmpfs where `/dev/shm` exists), named by the process
/// and `slot`, holding `bytes`. Each target uses few slots and overwrites them every run.
#[must_use]
pub fn scratch(slot: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_path(slot);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// The path of scratch file `slot` (not written).
#[must_use]
pub fn scratch_path(slot: &str) -> PathBuf {
    static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = base.join(format!("veil-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    });
    DIR.join(slot)
}

/// Splits off the first byte as a switch: when its low bit is set the target repairs the
/// input's checksums before parsing (so that mutations reach the fields behind them);
/// otherwise the input is parsed as it is (so that the checks themselves are fuzzed).
#[must_use]
pub fn switch(data: &[u8]) -> Option<(bool, &[u8])> {
    data.split_first().map(|(b, rest)| (b & 1 == 1, rest))
}

/// A proving-key file with its body length and body hash made to match its body
/// (BLAKE3, or SHA-256 in version 1), when the header is long enough to hold them.
#[must_use]
pub fn fix_key_file(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if b.len() < 120 || &b[..8] != b"VEIL-PK\0" {
        return b;
    }
    let version = u16::from_le_bytes([b[8], b[9]]);
    let header_len = veil_prover::keyfile::header_len(version);
    if b.len() < header_len {
        return b;
    }
    let body_len = (b.len() - header_len) as u64;
    b[80..88].copy_from_slice(&body_len.to_le_bytes());
    let hash: [u8; 32] = if version == 1 {
        use sha2::Digest;
        sha2::Sha256::digest(&b[header_len..]).into()
    } else {
        *blake3::hash(&b[header_len..]).as_bytes()
    };
    b[88..120].copy_from_slice(&hash);
    b
}

/// The Approval key at depth 1 (a fixed seed: the same key in every process and in
/// `examples/seeds.rs`, so that the committed tables seed belongs to it).
pub static SMALL_KEY: LazyLock<ProverKey> =
    LazyLock::new(|| veil_prover::setup_approval(1, &mut ChaCha20Rng::seed_from_u64(0x5eed)).expect("setup"));

/// The table budget of the tables seed (bytes): small, so that the seed is.
pub const SMALL_TABLE_BUDGET: usize = 1 << 16;
