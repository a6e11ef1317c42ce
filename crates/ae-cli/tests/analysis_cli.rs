//! `ae pca`, `ae classify`, `ae weights`, `ae latent`, `ae sweep` end to end on synthetic data.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use ae_data::DatasetKind;
use ae_data::synthetic::write_synthetic_dataset;

fn ae(data: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_ae")).arg("--data-dir").arg(data).args(args).env_remove("AE_DATA_DIR").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap()
}

#[test]
fn analyses_run_on_a_trained_model() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 120, 40, 5).unwrap();
    let run = d.path().join("shallow");
    let r = run.to_str().unwrap();
    json(&ae(d.path(), &["train", "--model", "shallow", "--code-size", "8", "--epochs", "2", "--batch", "16", "--out", r, "--json"]));

    let pca = json(&ae(d.path(), &["pca", "--components", "8", "--json"]));
    assert!(pca["test_mse"].as_f64().unwrap() > 0.0 && pca["explained_variance"].as_f64().unwrap() <= 1.0 + 1e-9);

    for features in ["pixels", "pca:8", &format!("run:{r}")] {
        let c = json(&ae(d.path(), &["classify", "--features", features, "--max-epochs", "3", "--json"]));
        let acc = c["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{features}: {c}");
        assert_eq!(c["confusion"].as_array().unwrap().len(), 10);
    }

    let png = d.path().join("w.png");
    assert!(ae(d.path(), &["weights", r, "--units", "8", "--out", png.to_str().unwrap()]).status.success());
    assert!(image::open(&png).is_ok());

    // The shallow model's code is 8-D: the 2-D protocol refuses it with a clear message.
    let latent = ae(d.path(), &["latent", r]);
    assert!(!latent.status.success() && String::from_utf8_lossy(&latent.stderr).contains("2-D code"));

    let sweep = json(&ae(d.path(), &["sweep", "--sizes", "2,16", "--epochs", "1", "--batch", "16", "--out", d.path().join("sweep").to_str().unwrap(), "--json"]));
    assert_eq!(sweep["points"].as_array().unwrap().len(), 2);

    let bad = ae(d.path(), &["classify", "--features", "pca:x"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--features"));
}
