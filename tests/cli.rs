//! The `veil` binary, run as a user would.

use assert_cmd::Command;
use predicates::prelude::*;
use veil_circuits::approval;

fn veil() -> Command {
    Command::cargo_bin("veil").expect("the veil binary is built")
}

#[test]
fn info_approval_json_reports_the_pinned_shape() {
    for depth in [10usize, 20, 32] {
        let out = veil().args(["info", "approval", "--depth", &depth.to_string(), "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["constraints"], approval::num_constraints(depth));
        assert_eq!(report["public_inputs"], 4);
        assert!(report["witness_variables"].as_u64().unwrap() > 0);
        assert_eq!(report["depth"], depth);
    }
}

#[test]
fn info_approval_text_defaults_to_depth_20() {
    veil()
        .args(["info", "approval"])
        .assert()
        .success()
        .stdout(predicate::str::contains("max depth 20"))
        .stdout(predicate::str::contains(approval::num_constraints(20).to_string()));
}

#[test]
fn depth_out_of_range_is_a_usage_error_naming_the_flag() {
    for bad in ["0", "33", "twenty"] {
        veil()
            .args(["info", "approval", "--depth", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--depth"));
    }
}

#[test]
fn help_explains_the_commands() {
    veil().arg("--help").assert().success().stdout(predicate::str::contains("info"));
    veil().args(["info", "approval", "--help"]).assert().success().stdout(predicate::str::contains("--depth"));
}
