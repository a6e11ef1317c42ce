//! `ae pca`, `ae classify`, `ae weights`, `ae latent`, `ae sweep`, `ae encode`,
//! `ae five-class` end to end on synthetic data.

use crate::common;
use std::path::Path;
use std::process::Output;

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;
use polars::prelude::{ParquetReader, SerReader};

fn ae(data: &Path, args: &[&str]) -> Output {
    let out = common::ae(data, args);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap()
}

#[test]
fn analyses_run_on_a_trained_model() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 120, 40, 5).unwrap();
    let run = d.path().join("shallow");
    let r = run.to_str().unwrap();
    json(&ae(
        d.path(),
        &[
            "train",
            "--model",
            "shallow",
            "--code-size",
            "8",
            "--epochs",
            "2",
            "--batch",
            "16",
            "--out",
            r,
            "--json",
        ],
    ));

    let pca = json(&ae(d.path(), &["pca", "--components", "8", "--json"]));
    assert!(
        pca["test_mse"].as_f64().unwrap() > 0.0
            && pca["explained_variance"].as_f64().unwrap() <= 1.0 + 1e-9
    );

    let (codes, recon, denoised) = (
        format!("run:{r}"),
        format!("recon:{r}"),
        format!("denoised:{r}"),
    );
    for (features, classifier) in [
        ("pixels", "logistic"),
        ("pca:8", "logistic"),
        (codes.as_str(), "logistic"),
        (recon.as_str(), "cnn"),
        (denoised.as_str(), "logistic"),
    ] {
        let c = json(&ae(
            d.path(),
            &[
                "classify",
                "--features",
                features,
                "--classifier",
                classifier,
                "--max-epochs",
                "3",
                "--json",
            ],
        ));
        let acc = c["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{features}: {c}");
        assert_eq!(c["confusion"].as_array().unwrap().len(), 10);
    }

    let png = d.path().join("w.png");
    assert!(
        ae(
            d.path(),
            &["weights", r, "--units", "8", "--out", png.to_str().unwrap()]
        )
        .status
        .success()
    );
    assert!(image::open(&png).is_ok());

    // The shallow model's code is 8-D: the 2-D protocol refuses it with a clear message.
    let latent = ae(d.path(), &["latent", r]);
    assert!(
        !latent.status.success() && String::from_utf8_lossy(&latent.stderr).contains("2-D code")
    );

    let sweep = json(&ae(
        d.path(),
        &[
            "sweep",
            "--sizes",
            "2,16",
            "--epochs",
            "1",
            "--batch",
            "16",
            "--out",
            d.path().join("sweep").to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(sweep["points"].as_array().unwrap().len(), 2);

    // Codes through polars: Parquet read back with polars, CSV as text.
    let parquet = d.path().join("codes.parquet");
    let e = json(&ae(
        d.path(),
        &[
            "encode",
            r,
            "--split",
            "test",
            "--out",
            parquet.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(
        (e["rows"].as_u64(), e["code_len"].as_u64()),
        (Some(40), Some(8))
    );
    let file = std::fs::File::open(&parquet).unwrap();
    let frame = ParquetReader::new(file).finish().unwrap();
    assert_eq!(frame.shape(), (40, 10));
    assert_eq!(
        frame.get_column_names()[..3]
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>(),
        ["index", "label", "code_0"]
    );
    let csv = d.path().join("codes.csv");
    assert!(
        ae(
            d.path(),
            &[
                "encode",
                r,
                "--split",
                "train",
                "--limit",
                "7",
                "--out",
                csv.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 8);
    let wrong = ae(
        d.path(),
        &[
            "encode",
            r,
            "--out",
            d.path().join("codes.txt").to_str().unwrap(),
        ],
    );
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains(".parquet"));

    let bad = ae(d.path(), &["classify", "--features", "pca:x"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--features"));
}

#[test]
fn five_class_protocol_runs_and_reports_every_method() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 300, 100, 8).unwrap();
    let out = d.path().join("five");
    let args = [
        "five-class",
        "--epochs",
        "1",
        "--classifier-epochs",
        "1",
        "--split",
        "20,6,6",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    let result = json(&ae(d.path(), &args));
    let methods = result["methods"].as_array().unwrap();
    // The raw pixels, then PCA and the one- and three-layer AEs at four sizes each,
    // then two denoising AEs.
    assert_eq!(methods.len(), 15);
    assert_eq!(methods[0]["method"], "raw pixels");
    assert_eq!(result["sizes"], serde_json::json!([100, 30, 30]));
    assert!(
        methods
            .iter()
            .all(|m| m["classifiers"].as_array().unwrap().len() == 3)
    );
    let bad = ae(
        d.path(),
        &[
            "five-class",
            "--split",
            "20,6",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--split"));
}
