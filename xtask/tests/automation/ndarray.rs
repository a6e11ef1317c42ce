//! `cargo xtask reproduce --backend ndarray`: the smoke report on burn's other CPU
//! backend has Flex's tables. Needs the `ndarray` feature (off by default): `.ci/run`
//! runs it with `--features xtask/ndarray`.

use crate::reproduce_smoke::{all_tables, reproduce_command, succeeded, synthetic_data};

#[test]
fn the_smoke_report_on_ndarray_has_the_tables_of_flex() {
    let data = synthetic_data();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("reports");
    let run = reproduce_command(data.path(), &report, &["--backend", "ndarray"])
        .output()
        .unwrap();
    assert!(succeeded(&run));
    let index = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        index
            .lines()
            .any(|l| l.contains("backend: autodiff") && l.contains("ndarray")),
        "the header names the backend"
    );
    let config = std::fs::read_to_string(report.join("runs/deep-dense/fc/config.json")).unwrap();
    assert!(config.contains("\"backend\": \"ndarray\""), "{config}");
    // Flex's tables: the snapshot the smoke test holds.
    let snapshot = include_str!("snapshots/automation__reproduce_smoke__tables.snap");
    let flex = snapshot.splitn(3, "---\n").nth(2).unwrap();
    assert_tables_close(&all_tables(&report), flex, TABLE_ABS, TABLE_REL);
}

/// How far ndarray's tables may stray from Flex's: the two backends sum in different
/// orders, and the smoke profile's classifiers see 200 test images, where one image is
/// 0.005 of accuracy.
const TABLE_ABS: f64 = 0.02;
const TABLE_REL: f64 = 0.02;

/// The numbers of two renderings of the same tables agree within `abs + rel * |x|`, and
/// every other word is equal.
fn assert_tables_close(ours: &str, reference: &str, abs: f64, rel: f64) {
    let (ours, reference): (Vec<&str>, Vec<&str>) =
        (ours.lines().collect(), reference.lines().collect());
    assert_eq!(ours.len(), reference.len(), "line counts");
    let mut largest: f64 = 0.0;
    for (a, b) in ours.iter().zip(&reference) {
        let (wa, wb): (Vec<&str>, Vec<&str>) = (
            a.split_whitespace().collect(),
            b.split_whitespace().collect(),
        );
        assert_eq!(wa.len(), wb.len(), "{a}\n{b}");
        for (x, y) in wa.iter().zip(&wb) {
            let number = |w: &str| {
                w.trim_end_matches(['%', ',', ';', ')'])
                    .trim_start_matches('(')
                    .parse::<f64>()
                    .ok()
            };
            match (number(x), number(y)) {
                (Some(x), Some(y)) => {
                    largest = largest.max((x - y).abs());
                    assert!(
                        (x - y).abs() <= abs + rel * y.abs(),
                        "{x} against {y}:\n{a}\n{b}"
                    );
                }
                _ => assert_eq!(x, y, "\n{a}\n{b}"),
            }
        }
    }
    eprintln!("largest difference between the tables: {largest}");
}
