//! `--help` is part of the interface: snapshot it so changes are reviewed.

use super::llmcost;

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help_top", vec!["--help"]),
        ("help_report", vec!["report", "--help"]),
        ("help_pricing_list", vec!["pricing", "list", "--help"]),
    ] {
        let out = llmcost().args(&args).env("COLUMNS", "100").output().unwrap();
        assert!(out.status.success());
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap());
    }
}
