//! What the integration tests share: the arguments of `veil intent new` for a test intent.

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
