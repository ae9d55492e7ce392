//! The signing-policy file (TOML, or JSON with the same schema): checking never panics and
//! every finding names a field; a file without errors re-encodes as JSON to a
//! file that checks to the same policy, and compiles to a compiled file that reads back with
//! the same roots.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::policy::{check_file, check_str, CompiledPolicy, Entropy, Format};

fuzz_target!(|data: &[u8]| {
    let Some((json, rest)) = veil_fuzz::switch(data) else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let checked = check_str(text, if json { Format::Json } else { Format::Toml });
    let (Some(file), Some(policy)) = (checked.file, checked.policy) else { return };
    let again = check_str(&serde_json::to_string(&file).expect("serialize"), Format::Json);
    assert_eq!(again.file.as_ref(), Some(&file), "the JSON re-encoding parses to another file");
    assert_eq!(again.policy.as_ref(), Some(&policy), "the JSON re-encoding checks to another policy");
    assert_eq!(check_file(&file).policy.as_ref(), Some(&policy));
    // Compiling draws a tree of 2^policy_depth leaves: only small ones, to stay fast.
    if file.policy_depth > 6 {
        return;
    }
    let compiled = CompiledPolicy::compile(&file, Entropy::InsecureSeed(7)).expect("a checked policy compiles");
    let back = CompiledPolicy::from_file(&compiled.to_file()).expect("a compiled policy reads back");
    assert_eq!(back.auth_root(), compiled.auth_root());
    assert_eq!(back.grant_root(), compiled.grant_root());
    assert_eq!(back.policy_root(), compiled.policy_root());
});
