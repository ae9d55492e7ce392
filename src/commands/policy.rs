//! `veil policy`: signing policy files — check, compile, explain, update.

use std::path::{Path, PathBuf};

use alloy_primitives::U256;
use clap::{Args, Subcommand};
use veil_approver::{
    intent::Intent,
    policy::{
        check_path,
        compiled::{AUTH_FILE, COMPILED_FILE},
        explain::explain,
        units::{format_duration, parse_duration},
        update::{authorizing_rules, check_compatible, diff, update_intent},
        Checked, CompileError, CompiledPolicy, Entropy, PolicyFile,
    },
};

use crate::exit::{bad_input, input_error, BAD_INPUT, FAILURE, OK};

/// The update intent's file name in `veil policy update`'s output directory.
const UPDATE_INTENT_FILE: &str = "update.intent.json";

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file (TOML, or JSON with the same schema): every error and warning
    /// with its line and field on stderr, the rules on stdout. Exit codes: 0 valid
    /// (warnings included), 2 errors.
    Check(CheckArgs),
    /// Compile a policy file: draw the secrets (role ids, grant blinds, rule salts, padding)
    /// from the OS, build the grant and policy trees, and write DIR/policy.compiled.json
    /// (secret, mode 0600) and DIR/auth.json (public: the auth root and the circuit shape).
    /// Prints the auth root. Exit codes: 0 written, 2 errors in the file or an existing output.
    Compile(CompileArgs),
    /// Dry-run an intent against a compiled policy: which rules admit its call, or why each
    /// refuses it, in words (signatures are not checked). Exit codes: 0 a rule admits the
    /// call, 1 none does, 2 bad input.
    Explain(ExplainArgs),
    /// Compile a new version of a policy (with fresh secrets), print what changed (rules,
    /// roles, members) and write the intent that installs its root on the account
    /// (setAuthRoot(uint256) on the account itself) as DIR/update.intent.json, beside the new
    /// DIR/policy.compiled.json and DIR/auth.json. Exit codes: 0 written, 2 bad input.
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The policy file (.toml or .json; otherwise told apart by its content).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The policy file.
    file: PathBuf,
    /// The output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// INSECURE, for tests only: derive every secret from this number instead of the OS's
    /// entropy, so that anyone who knows it can recompute the trees (the files say so).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The compiled policy (policy.compiled.json).
    #[arg(long)]
    compiled: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// The time-lock the proof would claim: 48h, 30m, 2d or seconds.
    #[arg(long, default_value = "0")]
    lead: String,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The current compiled policy (policy.compiled.json), whose root the account holds.
    #[arg(long)]
    from: PathBuf,
    /// The new policy file.
    #[arg(long)]
    to: PathBuf,
    /// The output directory for the new compiled policy, its auth file and the intent.
    #[arg(long)]
    out: PathBuf,
    /// The account's nonce the intent consumes (decimal).
    #[arg(long)]
    nonce: String,
    /// The intent's first valid second (unix time); with a time-locked admin rule, at least
    /// the submission time plus the rule's delay.
    #[arg(long, default_value_t = 0)]
    valid_after: u64,
    /// The intent's last valid second (unix time); 0 for no expiry.
    #[arg(long, default_value_t = 0)]
    valid_until: u64,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// INSECURE, for tests only: as `veil policy compile --seed`.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

pub fn run(c: PolicyCommand) -> anyhow::Result<u8> {
    match c {
        PolicyCommand::Check(a) => check(&a),
        PolicyCommand::Compile(a) => compile(&a),
        PolicyCommand::Explain(a) => run_explain(&a),
        PolicyCommand::Update(a) => update(&a),
    }
}

/// Reads and checks a policy file, printing every finding to stderr as `FILE:LINE:COL: …`;
/// the file when it has no error.
fn checked(path: &Path) -> anyhow::Result<Result<(PolicyFile, Checked), u8>> {
    let checked = check_path(path).map_err(|e| bad_input(format!("reading {}: {e}", path.display())))?;
    for d in &checked.diagnostics {
        eprintln!("{}:{d}", path.display());
    }
    let (errors, warnings) = (checked.errors().count(), checked.warnings().count());
    match (&checked.file, checked.policy.is_some()) {
        (Some(file), true) => Ok(Ok((file.clone(), checked))),
        _ => {
            eprintln!("{}: {errors} error(s), {warnings} warning(s)", path.display());
            Ok(Err(BAD_INPUT))
        }
    }
}

fn entropy(seed: Option<u64>) -> Entropy {
    match seed {
        None => Entropy::Os,
        Some(s) => {
            eprintln!("warning: --seed {s}: every secret is derived from the seed, so none is secret (tests only)");
            Entropy::InsecureSeed(s)
        }
    }
}

fn compile_error(e: CompileError) -> anyhow::Error {
    if e.is_bad_input() {
        input_error(&e)
    } else {
        anyhow::Error::new(e)
    }
}

fn check(a: &CheckArgs) -> anyhow::Result<u8> {
    let (_, checked) = match checked(&a.file)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let policy = checked.policy.as_ref().expect("checked");
    println!(
        "{}: ok ({} rules, {} roles, {} grants; depth {}, k_max {}, policy_depth {}; {} warning(s))",
        a.file.display(),
        policy.rules.len(),
        policy.roles.len(),
        policy.grant_count(),
        policy.shape.max_depth,
        policy.shape.k_max,
        policy.shape.policy_depth,
        checked.warnings().count()
    );
    for r in &policy.rules {
        println!("rule {:?}: {}", r.name, r.describe(policy));
    }
    Ok(OK)
}

fn compile(a: &CompileArgs) -> anyhow::Result<u8> {
    let (file, _) = match checked(&a.file)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    refuse_existing(&a.out, &[COMPILED_FILE, AUTH_FILE], a.force)?;
    let compiled = CompiledPolicy::compile(&file, entropy(a.seed)).map_err(compile_error)?;
    let (secret, public) = compiled.save(&a.out, a.force).map_err(compile_error)?;
    eprintln!("wrote {} (secret: role ids, blinds, salts; mode 0600)", secret.display());
    eprintln!("wrote {} (public: the auth root and the circuit shape)", public.display());
    println!("{}", compiled.auth_root());
    Ok(OK)
}

/// Refuses, before anything is written, to replace any of `names` in `dir` without `force`.
fn refuse_existing(dir: &Path, names: &[&str], force: bool) -> anyhow::Result<()> {
    if !force {
        for name in names {
            let path = dir.join(name);
            if path.exists() {
                return Err(bad_input(format!("{} exists (pass --force to replace it)", path.display())));
            }
        }
    }
    Ok(())
}

fn lead(s: &str) -> anyhow::Result<u64> {
    parse_duration(s).map_err(|e| bad_input(format!("--lead: {e}")))
}

fn run_explain(a: &ExplainArgs) -> anyhow::Result<u8> {
    let lead = lead(&a.lead)?;
    let compiled = CompiledPolicy::load(&a.compiled).map_err(compile_error)?;
    let intent = Intent::load(&a.intent).map_err(|e| input_error(&e))?;
    let explanation =
        explain(&compiled, &intent, lead).map_err(|e| bad_input(format!("{}: {e}", a.intent.display())))?;
    print!("{explanation}");
    Ok(if explanation.admitted() { OK } else { FAILURE })
}

fn update(a: &UpdateArgs) -> anyhow::Result<u8> {
    let nonce = U256::from_str_radix(&a.nonce, 10)
        .map_err(|e| bad_input(format!("--nonce {:?}: not a decimal 256-bit integer ({e})", a.nonce)))?;
    let old = CompiledPolicy::load(&a.from).map_err(compile_error)?;
    let (file, _) = match checked(&a.to)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    refuse_existing(&a.out, &[COMPILED_FILE, AUTH_FILE, UPDATE_INTENT_FILE], a.force)?;
    let new = CompiledPolicy::compile(&file, entropy(a.seed)).map_err(compile_error)?;
    check_compatible(old.policy(), new.policy()).map_err(|e| bad_input(format!("{}: {e}", a.to.display())))?;
    let intent = update_intent(&new, nonce, a.valid_after, a.valid_until);
    intent.check_window().map_err(|e| input_error(&e))?;

    print!("{}", diff(old.policy(), new.policy()));
    println!("authRoot {} → {}", old.auth_root(), new.auth_root());
    let rules = authorizing_rules(&old, &intent);
    match rules.iter().min_by_key(|r| r.3) {
        None => eprintln!(
            "warning: no rule of the current policy admits setAuthRoot on the account: this update cannot be authorized"
        ),
        Some((name, _, _, delay)) => {
            let list: Vec<String> = rules
                .iter()
                .map(|(n, k, role, d)| format!("{n} ({k} of {role}, lead >= {})", format_duration(*d)))
                .collect();
            println!("authorized under the current policy by: {}", list.join(", "));
            if *delay > 0 && a.valid_after == 0 {
                eprintln!(
                    "warning: {name} needs a lead of {}: the account queues the intent only if its validAfter is at \
                     least the submission time plus the lead; set --valid-after",
                    format_duration(*delay)
                );
            }
        }
    }
    let (secret, public) = new.save(&a.out, a.force).map_err(compile_error)?;
    let intent_path = a.out.join(UPDATE_INTENT_FILE);
    intent.save(&intent_path)?;
    eprintln!("wrote {} (secret; mode 0600)", secret.display());
    eprintln!("wrote {}", public.display());
    eprintln!("wrote {} (field {})", intent_path.display(), intent.field_element());
    Ok(OK)
}
