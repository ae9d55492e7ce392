//! Tests of the policy file, its check, compilation, explanations and updates, on the
//! derivatives desk (`desk.toml`).

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use veil_circuits::{
    policy::{auth_root, grant_leaf, ArgOp, RuleViolation},
    Fr,
};

use super::{
    check::parse_address,
    compiled::{CompiledFile, AUTH_FILE, COMPILED_FILE},
    explain::{explain, ExplainError},
    update::{authorizing_rules, check_compatible, diff, update_intent, UpdateError},
    *,
};
use crate::intent::{fr_to_decimal, Intent};

mod sol {
    #![allow(missing_docs)]
    alloy_sol_types::sol! {
        function transfer(address to, uint256 amount);
        function deposit(uint256 amount);
        function withdraw(uint256 amount);
        function liquidate(address borrower, uint256 repayAmount);
        function setAuthRoot(uint256 newRoot);
        function multicall(bytes[] data);
        function multiSend(bytes transactions);
    }
}

/// The derivatives desk.
const DESK: &str = include_str!("desk.toml");
const ACCOUNT: Address = Address::repeat_byte(0x11);
const MARGIN: Address = Address::repeat_byte(0x22);
const POOL: Address = Address::repeat_byte(0x33);
const TOKEN: Address = Address::repeat_byte(0x44);

fn desk() -> Checked {
    check_str(DESK, Format::Toml)
}

fn desk_file() -> PolicyFile {
    desk().file.expect("the desk parses")
}

fn compiled(seed: u64) -> CompiledPolicy {
    CompiledPolicy::compile(&desk_file(), Entropy::InsecureSeed(seed)).expect("the desk compiles")
}

/// The desk with `from` replaced by `to` (which must occur exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(DESK.matches(from).count(), 1, "{from:?} must occur once in desk.toml");
    DESK.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle` in `text` at or after line `after`.
fn line_of(text: &str, needle: &str, after: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(after.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"))
}

/// The one error of `text`, asserted at `line` and `field`, its message containing `words`.
fn assert_error(text: &str, format: Format, line: usize, field: &str, words: &str) {
    let checked = check_str(text, format);
    let errors: Vec<&Diagnostic> = checked.errors().collect();
    assert!(checked.policy.is_none(), "an error must refuse the policy");
    let found = errors.iter().find(|d| d.field.to_string() == field && d.message.contains(words));
    let d = found.unwrap_or_else(|| panic!("no error at {field} saying {words:?}; got:\n{}", show(&checked)));
    assert_eq!(d.position.map(|p| p.line), Some(line), "{d}");
    let printed = d.to_string();
    assert!(
        printed.starts_with(&format!("{line}:")) && printed.contains("error") && printed.contains(field),
        "{printed}"
    );
}

fn show(c: &Checked) -> String {
    c.diagnostics.iter().map(|d| format!("{d}\n")).collect()
}

fn intent(target: Address, value: u128, data: Vec<u8>) -> Intent {
    Intent {
        chain_id: 1,
        account: ACCOUNT,
        target,
        value: U256::from(value),
        data: Bytes::from(data),
        nonce: U256::from(7u8),
        valid_after: 0,
        valid_until: 0,
    }
}

fn usdc(units: u64) -> U256 {
    U256::from(units) * U256::from(1_000_000u64)
}

#[test]
fn the_desk_is_clean_and_resolved() {
    let checked = desk();
    assert!(checked.diagnostics.is_empty(), "{}", show(&checked));
    let p = checked.policy.unwrap();
    assert_eq!((p.account, p.chain_id), (ACCOUNT, 1));
    assert_eq!(p.shape, veil_circuits::policy::PolicyShape::default());
    let names: Vec<&str> = p.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["treasury", "trader", "liquidator"]);
    assert_eq!(p.grant_count(), 5);
    let [any, deposit, withdraw, liquidate, admin] = &p.rules[..] else { panic!("five rules") };
    assert_eq!(
        (any.threshold, any.target, &any.function, any.max_value, any.delay),
        (2, Target::Any, &Function::Any, u128::MAX, 172_800)
    );
    assert_eq!(deposit.target, Target::Address(MARGIN));
    let Function::Selector { selector: sel, signature } = &deposit.function else { panic!() };
    assert_eq!((*sel, signature.as_deref()), (sol::depositCall::SELECTOR, Some("deposit(uint256)")));
    let arg = deposit.arg.as_ref().unwrap();
    assert_eq!((arg.word, arg.op, arg.reference, arg.name.as_deref()), (0, ArgOp::Le, usdc(50_000), Some("amount")));
    assert_eq!(deposit.max_value, 0);
    assert_eq!(
        withdraw.function,
        Function::Selector { selector: sol::withdrawCall::SELECTOR, signature: Some("withdraw(uint256)".into()) }
    );
    assert_eq!(
        liquidate.function,
        Function::Selector {
            selector: sol::liquidateCall::SELECTOR,
            signature: Some("liquidate(address,uint256)".into())
        }
    );
    assert_eq!((liquidate.target, liquidate.arg.is_none()), (Target::Address(POOL), true));
    assert_eq!((admin.threshold, admin.target, admin.delay), (3, Target::Account, 172_800));
    assert_eq!(
        admin.function,
        Function::Selector { selector: sol::setAuthRootCall::SELECTOR, signature: Some(SET_AUTH_ROOT.into()) }
    );
    // The flags the circuit reads.
    assert_eq!(any.flags().bits(), veil_circuits::policy::ANY_TARGET | veil_circuits::policy::ANY_SELECTOR);
    assert_eq!(deposit.flags().bits(), (ArgOp::Le as u64) << veil_circuits::policy::ARG_OP_SHIFT);
}

#[test]
fn signatures_resolve_to_alloys_selectors() {
    // Selectors computed by alloy's `sol!`, never typed by hand.
    assert_eq!(selector("transfer(address,uint256)"), sol::transferCall::SELECTOR);
    assert_eq!(hex::encode(sol::transferCall::SELECTOR), "a9059cbb");
    for (written, expected) in [
        ("transfer(address to, uint256 amount)", sol::transferCall::SELECTOR),
        ("function transfer(address,uint256)", sol::transferCall::SELECTOR),
        ("transfer(address, uint amount)", sol::transferCall::SELECTOR),
        ("deposit(uint256 amount)", sol::depositCall::SELECTOR),
        ("liquidate(address,uint256)", sol::liquidateCall::SELECTOR),
        ("multicall(bytes[] data)", sol::multicallCall::SELECTOR),
    ] {
        let text = edited("function = \"withdraw(uint256 amount)\"", &format!("function = {written:?}")).replace(
            "args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"liquidate\"",
            "\n[[rule]]\nname = \"liquidate\"",
        );
        let checked = check_str(&text, Format::Toml);
        let p = checked.policy.clone().unwrap_or_else(|| panic!("{written}: {}", show(&checked)));
        let Function::Selector { selector: sel, .. } = &p.rules[2].function else { panic!("{written}") };
        assert_eq!(*sel, expected, "{written}");
    }
}

#[test]
fn json_with_the_same_schema_gives_the_same_policy() {
    let file = desk_file();
    let json = serde_json::to_string_pretty(&file).unwrap();
    let checked = check_str(&json, Format::Json);
    assert!(checked.diagnostics.is_empty(), "{}", show(&checked));
    assert_eq!(checked.policy, desk().policy);
    assert_eq!(checked.file.as_ref(), Some(&file));
    assert_eq!(Format::detect(std::path::Path::new("p.json"), "x"), Format::Json);
    assert_eq!(Format::detect(std::path::Path::new("p.toml"), "{"), Format::Toml);
    assert_eq!(Format::detect(std::path::Path::new("p"), "  {\"version\": 1}"), Format::Json);
    assert_eq!(Format::detect(std::path::Path::new("p"), "version = 1"), Format::Toml);

    // An error in JSON is named by its line and field too.
    let bad = json.replacen("\"threshold\": 2", "\"threshold\": 0", 1);
    assert_error(&bad, Format::Json, line_of(&bad, "\"threshold\": 0", 1), "rule[0].threshold", "at least one signer");
    let unknown = json.replacen("\"threshold\": 2", "\"threshold\": 2, \"effect\": \"deny\", \"colour\": 1", 1);
    assert_error(&unknown, Format::Json, line_of(&unknown, "colour", 1), "rule[0].colour", "unknown field `colour`");
    let twice = json.replacen("\"trader\": [", "\"trader\": [], \"trader\": [", 1);
    let checked = check_str(&twice, Format::Json);
    assert!(checked.errors().any(|d| d.message.contains("role \"trader\" is given twice")), "{}", show(&checked));
}

#[test]
fn deny_rules_are_refused_with_the_reason() {
    let rule_line = line_of(DESK, "name = \"treasury-any\"", 1);
    for (marker, field) in [
        ("effect = \"deny\"", "rule[0].effect"),
        ("action = \"block\"", "rule[0].action"),
        ("allow = false", "rule[0].allow"),
        ("deny = true", "rule[0].deny"),
    ] {
        let text = edited("name = \"treasury-any\"\n", &format!("name = \"treasury-any\"\n{marker}\n"));
        assert_error(&text, Format::Toml, rule_line + 1, field, "allow-only");
        assert_error(&text, Format::Toml, rule_line + 1, field, "widen");
    }
    // The allow forms are accepted.
    let text = edited(
        "name = \"treasury-any\"\n",
        "name = \"treasury-any\"\neffect = \"allow\"\nallow = true\ndeny = false\n",
    );
    assert!(check_str(&text, Format::Toml).policy.is_some());
}

#[test]
fn every_error_is_named_with_its_line_and_field() {
    let t = Format::Toml;
    let line = |text: &str, needle: &str| line_of(text, needle, 1);
    // Thresholds.
    let text = edited("threshold = 2", "threshold = 0");
    assert_error(&text, t, line(&text, "threshold = 0"), "rule[0].threshold", "at least one signer");
    let text = edited("threshold = 3", "threshold = 4");
    assert_error(
        &text,
        t,
        line(&text, "threshold = 4"),
        "rule[4].threshold",
        "above the size of role \"treasury\" (3 members)",
    );
    let text = edited("threshold = 3", "threshold = 9");
    assert_error(&text, t, line(&text, "threshold = 9"), "rule[4].threshold", "above k_max (8)");
    let text = edited("k_max = 8", "k_max = 2");
    assert_error(&text, t, line(&text, "threshold = 3"), "rule[4].threshold", "above k_max (2)");
    // Constants out of the circuit's range.
    let text = edited("max_value = \"unlimited\"", "max_value = \"340282366920938463463374607431768211456\"");
    assert_error(&text, t, line(&text, "max_value"), "rule[0].max_value", "not below 2^128");
    let text = edited("max_value = \"unlimited\"", "max_value = 1.5");
    assert_error(&text, t, line(&text, "max_value"), "rule[0].max_value", "as a string");
    let text = edited("max_value = \"unlimited\"", "max_value = \"1.5\"");
    assert_error(&text, t, line(&text, "max_value"), "rule[0].max_value", "whole number");
    let text = edited(
        "delay = \"48h\"\n\n[[rule]]\nname = \"margin-deposit\"",
        "delay = 1099511627776\n\n[[rule]]\nname = \"margin-deposit\"",
    );
    assert_error(&text, t, line(&text, "delay = 1099511627776"), "rule[0].delay", "not below 2^40");
    let text = edited(
        "delay = \"48h\"\n\n[[rule]]\nname = \"margin-deposit\"",
        "delay = \"48 hours\"\n\n[[rule]]\nname = \"margin-deposit\"",
    );
    assert_error(&text, t, line(&text, "48 hours"), "rule[0].delay", "not a duration");
    let text = edited(
        "function = \"deposit(uint256 amount)\"\nargs = { amount = \"<= 50000e6\" }",
        "function = \"deposit(uint256 amount)\"\nargs = { amount = \"<= 340282366920938463463374607431768211456\" }",
    );
    assert_error(
        &text,
        t,
        line(&text, "340282366920938463463374607431768211456"),
        "rule[1].args.amount",
        "not below 2^128",
    );
    let clamp = "14474011154664524427946373126085988481658748083205070504932198000989141204991";
    let text = edited(
        "function = \"deposit(uint256 amount)\"\nargs = { amount = \"<= 50000e6\" }",
        &format!("function = \"deposit(uint256 amount)\"\nargs = {{ amount = \"== {clamp}\" }}"),
    );
    assert_error(&text, t, line(&text, clamp), "rule[1].args.amount", "CLAMP");
    // Names and roles.
    let text = edited("name = \"margin-withdraw\"", "name = \"margin-deposit\"");
    assert_error(
        &text,
        t,
        line_of(&text, "name = \"margin-deposit\"", line(&text, "name = \"margin-deposit\"") + 1),
        "rule[2].name",
        "already rule[1]'s",
    );
    let text = edited("role = \"liquidator\"", "role = \"liquidators\"");
    assert_error(&text, t, line(&text, "liquidators"), "rule[3].role", "unknown role \"liquidators\"");
    let trader = "trader = [\"19452321158783868652116531353216103952246641591341510107593806512381096996545\"]";
    let text = edited(trader, "trader = []");
    assert_error(&text, t, line(&text, "trader = []"), "roles.trader", "empty");
    let text = edited(trader, "trader = [\"19452321158783868652116531353216103952246641591341510107593806512381096996545\", \"19452321158783868652116531353216103952246641591341510107593806512381096996545\"]");
    assert_error(&text, t, line(&text, "trader = ["), "roles.trader[1]", "listed twice");
    let text = edited(trader, "trader = [\"0x4d\"]");
    assert_error(&text, t, line(&text, "trader = ["), "roles.trader[0]", "not an identity commitment");
    let text = edited(trader, &format!("{trader}\ntrader = []"));
    assert_error(&text, t, line(&text, "trader = []"), "roles.trader", "duplicate key");
    // Argument conditions.
    let text = edited("function = \"deposit(uint256 amount)\"", "function = \"deposit(bytes amount)\"");
    assert_error(&text, t, line(&text, "deposit(bytes") + 1, "rule[1].args.amount", "dynamic type");
    let text = edited(
        "function = \"deposit(uint256 amount)\"",
        "function = \"deposit(uint256 a, uint256 b, uint256 amount)\"",
    );
    assert_error(&text, t, line(&text, "deposit(uint256 a") + 1, "rule[1].args.amount", "beyond word 1");
    let text = edited(
        "args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
        "args = { 2 = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
    );
    assert_error(&text, t, line(&text, "args = { 2"), "rule[1].args.2", "beyond word 1");
    let text = edited(
        "args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
        "args = { amount = \"<= 50000e6\", 0 = \">= 1\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
    );
    assert_error(&text, t, line(&text, "0 = \">= 1\""), "rule[1].args.0", "one argument condition");
    let text = edited(
        "args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
        "args = { amt = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
    );
    assert_error(&text, t, line(&text, "amt ="), "rule[1].args.amt", "no parameter is named \"amt\"");
    let text = edited(
        "args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
        "args = { amount = \"< 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"",
    );
    assert_error(&text, t, line(&text, "\"< 50000e6\""), "rule[1].args.amount", "strict comparisons");
    // Targets and functions.
    let text = edited("target = \"self\"", "target = \"0x1111111111111111111111111111111111111111\"");
    assert_error(&text, t, line(&text, "target = \"0x1111"), "rule[4].target", "write target = \"self\"");
    let text = edited(
        "target = \"0x3333333333333333333333333333333333333333\"",
        "target = \"0x3333333333333333333333333333333333333333333\"",
    );
    assert_error(&text, t, line(&text, "0x3333"), "rule[3].target", "not an address");
    let text =
        edited("liquidate(address borrower, uint256 repayAmount)", "liquidate(address borrower, uint256 repayAmount");
    assert_error(&text, t, line(&text, "repayAmount"), "rule[3].function", "not a Solidity function signature");
    // Unknown fields, by the deserializer, at the key.
    let text = edited("name = \"liquidate\"", "name = \"liquidate\"\ncolour = \"red\"");
    assert_error(&text, t, line(&text, "colour"), "rule[3].colour", "unknown field `colour`");
    let text = edited("chain_id = 1", "chain_id = 1\nchain = 1");
    assert_error(&text, t, line(&text, "chain = 1"), "chain", "unknown field `chain`");
    let text = edited(
        "account = \"0x1111111111111111111111111111111111111111\"",
        "account = \"0x1111111111111111111111111111111111111111\"\nversion = 2",
    );
    assert_error(&text, t, line(&text, "version = 2"), "version", "duplicate key");
    let text = edited("version = 1", "version = 2");
    assert_error(&text, t, line(&text, "version = 2"), "version", "not supported");
}

#[test]
fn all_errors_are_reported_at_once_in_file_order() {
    let text = edited("threshold = 2", "threshold = 0").replacen("role = \"liquidator\"", "role = \"nobody\"", 1);
    let checked = check_str(&text, Format::Toml);
    let errors: Vec<String> = checked.errors().map(|d| d.field.to_string()).collect();
    assert_eq!(errors, ["rule[0].threshold", "rule[3].role"], "{}", show(&checked));
    // The liquidator role is now used by no rule: a warning, not an error.
    assert!(checked.warnings().any(|d| d.field.to_string() == "roles.liquidator"), "{}", show(&checked));
}

#[test]
fn warnings_leave_the_policy_valid() {
    // `*`/`*` without a delay.
    let text =
        edited("delay = \"48h\"\n\n[[rule]]\nname = \"margin-deposit\"", "\n[[rule]]\nname = \"margin-deposit\"");
    let checked = check_str(&text, Format::Toml);
    assert!(checked.policy.is_some(), "{}", show(&checked));
    let w: Vec<&Diagnostic> = checked.warnings().collect();
    assert_eq!(w.len(), 1, "{}", show(&checked));
    assert_eq!(
        (w[0].field.to_string(), w[0].position.map(|p| p.line)),
        ("rule[0]".into(), Some(line_of(&text, "[[rule]]", 1)))
    );
    assert!(w[0].message.contains("no delay"), "{}", w[0]);
    // Batching entry points, by signature, by name and by selector.
    let multisend = format!("0x{}", hex::encode(sol::multiSendCall::SELECTOR));
    for function in ["multicall(bytes[] data)", "multicall(uint256 deadline, bytes[] data)", "execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures)", "aggregate3((address,bool,bytes)[])", "multiSend(bytes)", multisend.as_str()] {
        let text = edited("function = \"liquidate(address borrower, uint256 repayAmount)\"", &format!("function = {function:?}"));
        let checked = check_str(&text, Format::Toml);
        assert!(checked.policy.is_some(), "{function}: {}", show(&checked));
        let w: Vec<&Diagnostic> = checked.warnings().collect();
        assert!(
            w.len() == 1 && w[0].message.contains("batching entry point") && w[0].field.to_string() == "rule[3].function",
            "{function}: {}",
            show(&checked)
        );
    }
    // A policy no rule can update.
    let text = edited("function = \"setAuthRoot(uint256 newRoot)\"", "function = \"cancel(bytes32 digest)\"");
    let checked = check_str(&text, Format::Toml);
    assert!(
        checked.policy.is_some() && checked.warnings().any(|d| d.message.contains("can never be changed")),
        "{}",
        show(&checked)
    );
}

#[test]
fn addresses_take_lowercase_or_a_valid_checksum() {
    let a = Address::repeat_byte(0xab);
    assert_eq!(parse_address(&a.to_checksum(None)), Ok(a));
    assert_eq!(parse_address("0xabababababababababababababababababababab"), Ok(a));
    let wrong = a.to_checksum(None).replacen('A', "a", 1).replacen('b', "B", 1);
    assert!(parse_address(&wrong).unwrap_err().contains("checksum"));
}

#[test]
fn compiling_with_a_seed_is_deterministic_and_the_trees_are_the_statements() {
    let (a, b) = (compiled(7), compiled(7));
    assert_eq!(serde_json::to_string(&a.to_file()).unwrap(), serde_json::to_string(&b.to_file()).unwrap());
    assert_ne!(a.auth_root(), compiled(8).auth_root());
    let os = CompiledPolicy::compile(&desk_file(), Entropy::Os).unwrap();
    assert!(!os.is_insecure() && a.is_insecure());
    assert_ne!(os.auth_root(), a.auth_root());

    // authRoot = Poseidon(grantRoot, policyRoot).
    assert_eq!(a.auth_root(), auth_root(a.grant_root(), a.policy_root()));
    // One grant per (member, role), in role order; leaves Poseidon(idc, roleId, blind).
    let p = a.policy();
    assert_eq!(a.grants().len(), 5);
    for (i, g) in a.grants().iter().enumerate() {
        assert_eq!(a.grant_tree().leaves()[i], grant_leaf(g.member, a.role_ids()[g.role], g.blind));
        let (blind, proof) = a.grant(g.role, g.member).unwrap();
        assert_eq!(
            (blind, proof.root, proof.compute_root(a.grant_tree().leaves()[i])),
            (g.blind, a.grant_root(), a.grant_root())
        );
    }
    assert_eq!(a.grants().iter().map(|g| g.role).collect::<Vec<_>>(), [0, 0, 0, 1, 2]);
    assert!(a.grant(1, p.roles[0].members[0]).is_none(), "a treasury key holds no trader grant");
    for id in a.role_ids() {
        assert!(ark_ff::BigInteger::num_bits(&ark_ff::PrimeField::into_bigint(*id)) <= 128);
    }
    // The rules are leaves 0..5 in file order, under the role's id; the rest is random padding.
    assert_eq!(a.policy_tree().leaves().len(), 64);
    for (i, (rule, spec)) in a.rules().iter().zip(&p.rules).enumerate() {
        assert_eq!(rule.role_id, a.role_ids()[spec.role]);
        assert_eq!(rule.k, Fr::from(spec.threshold as u64));
        assert_eq!(a.policy_tree().leaves()[i], rule.leaf());
        assert_eq!(a.rule_path(i).root(rule.leaf()), a.policy_root());
    }
    let salts: Vec<Fr> = a.rules().iter().map(|r| r.salt).collect();
    assert!(salts.iter().enumerate().all(|(i, s)| !salts[..i].contains(s)));
    let padding = &a.policy_tree().leaves()[5..];
    assert!(padding.iter().all(|l| !a.rules().iter().any(|r| r.leaf() == *l)));
    // The public file: the root and the shape, nothing secret.
    let auth = a.auth_file();
    assert_eq!(auth.auth_root, fr_to_decimal(&a.auth_root()));
    assert_eq!((auth.depth, auth.k_max, auth.policy_depth, auth.chain_id), (20, 8, 6, 1));
    assert!(auth.insecure_seed);
    let public = serde_json::to_string(&auth).unwrap();
    for secret in a.role_ids().iter().chain(a.grants().iter().map(|g| &g.blind)).chain(&salts).chain(padding) {
        assert!(!public.contains(&fr_to_decimal(secret)));
    }
    for root in [a.grant_root(), a.policy_root()] {
        assert!(!public.contains(&fr_to_decimal(&root)), "only authRoot is published");
    }
    // Debug prints no secret.
    let debug = format!("{a:?}");
    assert!(!debug.contains(&fr_to_decimal(&salts[0])) && !debug.contains("salt"), "{debug}");
}

#[test]
fn the_compiled_file_round_trips_and_every_tampering_is_named() {
    let a = compiled(3);
    let file = a.to_file();
    let text = serde_json::to_string_pretty(&file).unwrap();
    let back = CompiledPolicy::from_file(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(back.to_file(), file);
    assert_eq!((back.auth_root(), back.policy(), back.is_insecure()), (a.auth_root(), a.policy(), true));

    let refused = |edit: &dyn Fn(&mut CompiledFile)| {
        let mut f = file.clone();
        edit(&mut f);
        CompiledPolicy::from_file(&f).expect_err("tampering must be refused").to_string()
    };
    assert!(refused(&|f| f.grants[0].blind = "1".into()).starts_with("grants[0].leaf"));
    assert!(refused(&|f| f.rules[1].fields.max_value = "1".into()).starts_with("rules[1].fields"));
    assert!(refused(&|f| f.policy.rule[1].threshold = 2).contains("above the size of role"));
    assert!(refused(&|f| f.policy.rule[1].args = Args(vec![("amount".into(), "<= 60000e6".into())]))
        .starts_with("rules[1].fields"));
    assert!(refused(&|f| f.padding[0] = "1".into()).starts_with("policy_root"));
    assert!(refused(&|f| {
        f.padding.pop();
    })
    .starts_with("padding"));
    assert!(refused(&|f| f.auth_root = "1".into()).starts_with("auth_root"));
    assert!(refused(&|f| f.roles[0].id = fr_to_decimal(&(Fr::from(u128::MAX) + Fr::from(u128::MAX))))
        .starts_with("roles[0].id"));
    assert!(refused(&|f| f.grants.swap(0, 1)).starts_with("grants[0]"));
    assert!(refused(&|f| f.format = "veil-intent".into()).contains("not a compiled policy file"));
    // Unknown fields are refused.
    let extra = text.replacen("\"padding\"", "\"extra\": 1, \"padding\"", 1);
    assert!(serde_json::from_str::<CompiledFile>(&extra).is_err());
}

#[test]
fn save_writes_the_secret_file_private_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let a = compiled(5);
    let (compiled_path, auth_path) = a.save(&out, false).unwrap();
    assert_eq!(
        (compiled_path.file_name().unwrap(), auth_path.file_name().unwrap()),
        (COMPILED_FILE.as_ref(), AUTH_FILE.as_ref())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&compiled_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(CompiledPolicy::load(&compiled_path).unwrap().auth_root(), a.auth_root());
    assert_eq!(AuthFile::load(&auth_path).unwrap(), a.auth_file());
    let b = compiled(6);
    assert!(matches!(b.save(&out, false), Err(CompileError::Exists(_))));
    assert_eq!(CompiledPolicy::load(&compiled_path).unwrap().auth_root(), a.auth_root(), "nothing was replaced");
    b.save(&out, true).unwrap();
    assert_eq!(CompiledPolicy::load(&compiled_path).unwrap().auth_root(), b.auth_root());
    assert!(AuthFile::load(&compiled_path).is_err() && CompiledPolicy::load(&auth_path).is_err());
}

/// The explanation's words for `name`.
fn words(e: &explain::Explanation, name: &str) -> String {
    let v = e.verdicts.iter().find(|v| v.name == name).unwrap();
    match &v.outcome {
        Ok(()) => "admits".into(),
        Err((_, why)) => why.clone(),
    }
}

#[test]
fn explain_the_desk() {
    let c = compiled(1);
    let deposit = |units: u64| sol::depositCall { amount: usdc(units) }.abi_encode();

    // The trader deposits 40,000 USDC at once: margin-deposit.
    let e = explain(&c, &intent(MARGIN, 0, deposit(40_000)), 0).unwrap();
    assert_eq!(e.matching().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["margin-deposit"]);
    assert_eq!(
        words(&e, "treasury-any"),
        "delay 48h > lead 0s (prove with --lead 48h: the account then queues the intent until its validAfter)"
    );
    assert!(words(&e, "margin-withdraw").starts_with(&format!(
        "selector 0x{} is not withdraw(uint256) (0x{})",
        hex::encode(sol::depositCall::SELECTOR),
        hex::encode(sol::withdrawCall::SELECTOR)
    )));
    assert_eq!(words(&e, "liquidate"), format!("target {MARGIN} is not {POOL}"));
    assert_eq!(words(&e, "admin"), format!("target {MARGIN} is not the account itself (self)"));
    let text = e.to_string();
    assert!(
        text.contains("margin-deposit: admits the call (needs 1 of trader (1 members))")
            && text.contains("admitted by: margin-deposit"),
        "{text}"
    );

    // 60,000 USDC: over the limit, and no rule admits it at once.
    let e = explain(&c, &intent(MARGIN, 0, deposit(60_000)), 0).unwrap();
    assert!(!e.admitted());
    assert_eq!(words(&e, "margin-deposit"), "amount 60000e6 > 50000e6");
    assert_eq!(e.verdicts[1].outcome.as_ref().unwrap_err().0, RuleViolation::ArgAboveRef);
    assert!(e.to_string().contains("no rule admits this call"));
    // With a 48 h lead, the treasury's rule admits it (it still needs 2 treasury keys).
    let e = explain(&c, &intent(MARGIN, 0, deposit(60_000)), 172_800).unwrap();
    assert_eq!(e.matching().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["treasury-any"]);
    assert!(e.to_string().contains("needs 2 of treasury (3 members)"));
    assert!(e.note.as_ref().is_some_and(|n| n.contains("validAfter")), "{e}");
    // Value sent with a deposit: the trader's rules send none.
    let e = explain(&c, &intent(MARGIN, 1, deposit(1)), 0).unwrap();
    assert_eq!(words(&e, "margin-deposit"), "value 1 > 0 (the rule sends no value)");

    // The liquidator.
    let liquidate = sol::liquidateCall { borrower: TOKEN, repayAmount: U256::from(5u8) }.abi_encode();
    let e = explain(&c, &intent(POOL, 0, liquidate), 0).unwrap();
    assert_eq!(e.matching().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["liquidate"]);
    let withdraw = sol::withdrawCall { amount: usdc(1) }.abi_encode();
    let e = explain(&c, &intent(POOL, 0, withdraw), 0).unwrap();
    assert_eq!(
        words(&e, "liquidate"),
        format!(
            "selector 0x{} is not liquidate(address,uint256) (0x{})",
            hex::encode(sol::withdrawCall::SELECTOR),
            hex::encode(sol::liquidateCall::SELECTOR)
        )
    );
    let e = explain(&c, &intent(POOL, 0, Vec::new()), 0).unwrap();
    assert!(words(&e, "liquidate").starts_with("the call has no data"), "{e}");

    // Changing the policy: only admin (3 of treasury, 48 h); never treasury-any.
    let set_root = sol::setAuthRootCall { newRoot: U256::from(9u8) }.abi_encode();
    let e = explain(&c, &intent(ACCOUNT, 0, set_root.clone()), 172_800).unwrap();
    assert_eq!(e.matching().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["admin"]);
    assert!(words(&e, "treasury-any").starts_with("target * never admits the account itself"));
    let e = explain(&c, &intent(ACCOUNT, 0, set_root), 3_600).unwrap();
    assert_eq!(
        words(&e, "admin"),
        "delay 48h > lead 1h (prove with --lead 48h: the account then queues the intent until its validAfter)"
    );

    // An argument word that is absent.
    let e = explain(&c, &intent(MARGIN, 0, sol::depositCall::SELECTOR.to_vec()), 0).unwrap();
    assert_eq!(words(&e, "margin-deposit"), "amount: the call has no argument word 0 (its data is 4 bytes)");

    // The account refuses 1–3 bytes of data, and value ≥ 2^128, before any rule.
    let e = explain(&c, &intent(MARGIN, 0, vec![1, 2, 3]), 0).unwrap();
    assert!(!e.admitted() && e.refused.as_ref().is_some_and(|r| r.contains("3 bytes")), "{e}");
    let mut big = intent(MARGIN, 0, Vec::new());
    big.value = U256::from(1u8) << 128;
    assert!(explain(&c, &big, 0).unwrap().refused.is_some());

    // Another account or chain is bad input.
    let mut other = intent(MARGIN, 0, deposit(1));
    other.account = TOKEN;
    assert!(matches!(explain(&c, &other, 0), Err(ExplainError::Account { .. })));
    other.account = ACCOUNT;
    other.chain_id = 5;
    assert!(matches!(explain(&c, &other, 0), Err(ExplainError::Chain { .. })));
}

#[test]
fn explain_an_address_condition() {
    let text = edited(
        "function = \"liquidate(address borrower, uint256 repayAmount)\"",
        &format!("function = \"transfer(address to, uint256 amount)\"\nargs = {{ to = \"== {MARGIN}\" }}"),
    );
    let file = check_str(&text, Format::Toml).file.unwrap();
    let c = CompiledPolicy::compile(&file, Entropy::InsecureSeed(2)).unwrap();
    let spec = &c.policy().rules[3];
    assert_eq!(spec.arg.as_ref().map(|a| (a.word, a.op)), Some((0, ArgOp::Eq)));
    let good = sol::transferCall { to: MARGIN, amount: U256::from(1u8) }.abi_encode();
    assert_eq!(explain(&c, &intent(POOL, 0, good), 0).unwrap().matching().count(), 1);
    let bad = sol::transferCall { to: TOKEN, amount: U256::from(1u8) }.abi_encode();
    let e = explain(&c, &intent(POOL, 0, bad), 0).unwrap();
    assert_eq!(words(&e, "liquidate"), format!("to {TOKEN} != {MARGIN}"));
}

#[test]
fn update_diff_and_intent() {
    let old = compiled(1);
    let new_member = "6898606546109511979619728774294667242976501261810695078442892873059735640031";
    let text = edited("args = { amount = \"<= 50000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"", "args = { amount = \"<= 60000e6\" }\n\n[[rule]]\nname = \"margin-withdraw\"")
        .replacen("trader = [\"", &format!("trader = [\"{new_member}\", \""), 1)
        .replacen("[[rule]]\nname = \"liquidate\"\nrole = \"liquidator\"\nthreshold = 1\ntarget = \"0x3333333333333333333333333333333333333333\"\nfunction = \"liquidate(address borrower, uint256 repayAmount)\"\n", "", 1)
        .replacen("liquidator = [", "risk = [", 1)
        .replacen("[[rule]]\nname = \"admin\"", "[[rule]]\nname = \"risk-pause\"\nrole = \"risk\"\nthreshold = 1\ntarget = \"0x3333333333333333333333333333333333333333\"\nfunction = \"pause()\"\n\n[[rule]]\nname = \"admin\"", 1);
    let checked = check_str(&text, Format::Toml);
    let new_file = checked.file.clone().unwrap_or_else(|| panic!("{}", show(&checked)));
    assert!(checked.policy.is_some(), "{}", show(&checked));
    let new = CompiledPolicy::compile(&new_file, Entropy::InsecureSeed(2)).unwrap();
    check_compatible(old.policy(), new.policy()).unwrap();
    let d = diff(old.policy(), new.policy());
    assert_eq!(
        d.rules_changed,
        [("margin-deposit".to_owned(), vec!["args amount <= 50000e6 → amount <= 60000e6".to_owned()])]
    );
    assert_eq!(d.rules_removed.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["liquidate"]);
    assert_eq!(d.rules_added.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["risk-pause"]);
    assert_eq!(d.roles_removed.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["liquidator"]);
    assert_eq!(d.roles_added.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["risk"]);
    assert_eq!(d.members_added, [("trader".to_owned(), vec![veil_circuits::field::parse::<Fr>(new_member).unwrap()])]);
    assert!(d.members_removed.is_empty());
    let shown = d.to_string();
    for line in [
        "~ rule \"margin-deposit\": args amount <= 50000e6 → amount <= 60000e6",
        "- rule \"liquidate\"",
        "+ rule \"risk-pause\": 1 of risk (1)",
        "- role \"liquidator\"",
        "+ role \"risk\"",
        &format!("+ member {new_member} of role \"trader\""),
    ] {
        assert!(shown.contains(line), "{line:?} not in:\n{shown}");
    }
    assert!(diff(old.policy(), old.policy()).is_empty());

    // The intent: the account calls itself with setAuthRoot(new root), nothing else.
    let intent = update_intent(&new, U256::from(12u8), 1_000, 0);
    assert_eq!(
        (intent.target, intent.account, intent.value, intent.nonce, intent.chain_id),
        (ACCOUNT, ACCOUNT, U256::ZERO, U256::from(12u8), 1)
    );
    let call = sol::setAuthRootCall::abi_decode(&intent.data).unwrap();
    assert_eq!(call.newRoot.to_string(), fr_to_decimal(&new.auth_root()));
    assert_eq!(intent.data[..4], sol::setAuthRootCall::SELECTOR);
    assert_eq!(U256::abi_decode(&intent.data[4..]).unwrap(), call.newRoot);
    // Under the current policy, only admin (3 of treasury, 48 h) authorizes it.
    assert_eq!(authorizing_rules(&old, &intent), [("admin".to_owned(), 3, "treasury".to_owned(), 172_800)]);

    // Another account, chain or shape is not an update.
    let other = |from: &str, to: &str| {
        let f = check_str(&edited(from, to), Format::Toml).file.unwrap();
        let c = CompiledPolicy::compile(&f, Entropy::InsecureSeed(1)).unwrap();
        check_compatible(old.policy(), c.policy())
    };
    assert!(matches!(
        other(
            "account = \"0x1111111111111111111111111111111111111111\"",
            "account = \"0x5555555555555555555555555555555555555555\""
        ),
        Err(UpdateError::Account { .. })
    ));
    assert!(matches!(other("chain_id = 1", "chain_id = 10"), Err(UpdateError::Account { .. })));
    assert!(matches!(other("policy_depth = 6", "policy_depth = 7"), Err(UpdateError::Shape { .. })));
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    /// The desk in JSON, as a compiled file embeds it.
    fn desk_json() -> String {
        serde_json::to_string_pretty(&desk_file()).unwrap()
    }

    /// `text` with the characters `at..at + cut` replaced by `insert`.
    fn mutate(text: &str, at: usize, cut: usize, insert: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let at = at % (chars.len() + 1);
        let end = (at + cut).min(chars.len());
        chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(&chars[end..]).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any edit of a valid file is checked without a panic, in both syntaxes, and an
        /// accepted file's policy compiles and reads back.
        #[test]
        fn edits_of_the_desk_are_checked_without_panic(
            at in 0usize..4_000,
            cut in 0usize..40,
            insert in "[ -~\n\u{e9}\u{2192}]{0,12}",
        ) {
            for (text, format) in [(DESK.to_owned(), Format::Toml), (desk_json(), Format::Json)] {
                let edited = mutate(&text, at, cut, &insert);
                let checked = check_str(&edited, format);
                for d in &checked.diagnostics {
                    let _ = d.to_string();
                }
                if let (Some(file), Some(_)) = (&checked.file, &checked.policy) {
                    let c = CompiledPolicy::compile(file, Entropy::InsecureSeed(1)).unwrap();
                    prop_assert_eq!(CompiledPolicy::from_file(&c.to_file()).unwrap().auth_root(), c.auth_root());
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        for text in ["[".repeat(100_000), format!("{{\"rule\": {}", "[".repeat(100_000))] {
            assert!(check_str(&text, Format::Json).policy.is_none());
            assert!(check_str(&format!("a = {text}"), Format::Toml).policy.is_none());
        }
    }
}

/// The private keys of the desk's members: tests/vectors/identity.json's first five (public
/// test keys): treasury 0–2, trader 3, liquidator 4.
fn desk_keys() -> Vec<veil_circuits::eddsa::PrivateKey> {
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/identity.json")).expect("the identity vectors");
    let keys: Vec<_> = file["vectors"].as_array().expect("vectors")[..5]
        .iter()
        .map(|v| {
            veil_circuits::eddsa::PrivateKey::from_bytes(&hex::decode(v["private_key"].as_str().unwrap()).unwrap())
        })
        .collect();
    let policy = desk().policy.expect("the desk");
    let members: Vec<Fr> = policy.roles.iter().flat_map(|r| r.members.iter().copied()).collect();
    let ours: Vec<Fr> =
        keys.iter().map(|k| veil_circuits::identity::commitment(&k.secret_scalar().public_key())).collect();
    assert_eq!(members, ours, "desk.toml's members are these keys' commitments");
    keys
}

fn deposit(units: u64) -> Intent {
    intent(MARGIN, 0, sol::depositCall { amount: usdc(units) }.abi_encode())
}

#[test]
fn the_witness_uses_the_first_rule_whose_signers_sign_and_names_shortfalls() {
    use crate::signature::SignedIntent;
    use veil_circuits::policy::NUM_PUBLIC_INPUTS;
    let compiled = compiled(5);
    let keys = desk_keys();
    let shape = compiled.shape();
    // A margin deposit within the limit, signed by the trader.
    let ok = deposit(40_000);
    let trader = SignedIntent::sign_with(&keys[3], &ok);
    let w = witness(&compiled, &ok, std::slice::from_ref(&trader), 0, shape).unwrap();
    assert_eq!((w.rule, w.rule_name.as_str()), (1, "margin-deposit"));
    let inputs = w.circuit.public_inputs().unwrap();
    assert_eq!((inputs.len(), inputs[0]), (NUM_PUBLIC_INPUTS, compiled.auth_root()));

    // One treasury key only: the deposit rule does not count it, the treasury rule needs two.
    let first = SignedIntent::sign_with(&keys[0], &ok);
    let err = witness(&compiled, &ok, std::slice::from_ref(&first), 48 * 3600, shape).unwrap_err();
    let PolicyWitnessError::NoRule(no) = err else { panic!("{err}") };
    let text = no.to_string();
    assert!(text.contains("margin-deposit: admits the call but needs 1 of trader; 0 of the 1 signatures"), "{text}");
    assert!(text.contains("treasury-any: admits the call but needs 2 of treasury; 1 of the 1"), "{text}");
    assert!(text.ends_with("no rule admits this call with these signatures\n"), "{text}");

    // Two treasury keys with the lead: the treasury rule, whichever order the files come in.
    let second = SignedIntent::sign_with(&keys[1], &ok);
    let lead = 48 * 3600;
    let w = witness(&compiled, &ok, &[first.clone(), second.clone()], lead, shape).unwrap();
    assert_eq!(w.rule_name, "treasury-any");
    let again = witness(&compiled, &ok, &[second.clone(), first.clone()], lead, shape).unwrap();
    assert_eq!(again.circuit.public_inputs(), w.circuit.public_inputs());
    // Without the lead the treasury rule refuses: the trader's key is then the only way.
    assert!(matches!(
        witness(&compiled, &ok, &[first.clone(), second.clone()], 0, shape),
        Err(PolicyWitnessError::NoRule(_))
    ));

    // Refusals: the same signer twice, a signature on another intent, a forged signature,
    // another shape, another account.
    assert!(matches!(
        witness(&compiled, &ok, &[second.clone(), second.clone()], lead, shape),
        Err(PolicyWitnessError::SameSigner { first: 0, second: 1 })
    ));
    let other = SignedIntent::sign_with(&keys[4], &deposit(1));
    assert!(matches!(
        witness(&compiled, &ok, &[trader.clone(), other], 0, shape),
        Err(PolicyWitnessError::OtherIntent { index: 1 })
    ));
    let mut forged = trader.clone();
    forged.public_key = keys[4].public_key();
    assert!(matches!(witness(&compiled, &ok, &[forged], 0, shape), Err(PolicyWitnessError::BadSignature { index: 0 })));
    let bigger = veil_circuits::policy::PolicyShape { k_max: shape.k_max + 1, ..shape };
    assert!(matches!(
        witness(&compiled, &ok, std::slice::from_ref(&trader), 0, bigger),
        Err(PolicyWitnessError::Shape { .. })
    ));
    let elsewhere = Intent { account: Address::repeat_byte(0x99), ..ok.clone() };
    assert!(matches!(
        witness(&compiled, &elsewhere, &[SignedIntent::sign_with(&keys[3], &elsewhere)], 0, shape),
        Err(PolicyWitnessError::Intent(ExplainError::Account { .. }))
    ));
    // Over the limit: every rule refuses the call, and the explanation says why.
    let over = deposit(60_000);
    let err = witness(&compiled, &over, &[SignedIntent::sign_with(&keys[3], &over)], 0, shape).unwrap_err();
    let PolicyWitnessError::NoRule(no) = err else { panic!("{err}") };
    assert!(no.shortfalls.is_empty() && !no.explanation.admitted());
    assert!(no.to_string().contains("margin-deposit: amount"), "{no}");
}
