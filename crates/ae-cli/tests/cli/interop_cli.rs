//! `ae export` and `ae import` end to end on synthetic data: a run goes out as
//! safetensors and comes back as a run whose model is the same, in both layouts; a file
//! that does not fit the model is refused by tensor name, with nothing written.

use std::path::{Path, PathBuf};
use std::process::Output;

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;
use ae_models::Autoencoder;
use ae_train::{DefaultBackend, load_run};
use burn::tensor::{Tensor, TensorData};

use crate::common::ae;

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn train(data: &Path, model: &str, run: &Path) {
    ok(ae(
        data,
        &[
            "train",
            "--model",
            model,
            "--epochs",
            "1",
            "--batch",
            "16",
            "--seed",
            "7",
            "--out",
            run.to_str().unwrap(),
        ],
    ));
}

/// Reconstructions of a fixed batch by the run's model.
fn reconstructions(run: &Path) -> Vec<f32> {
    let device = Default::default();
    let (_, model, _) = load_run::<DefaultBackend>(run, &device).unwrap();
    let values: Vec<f32> = (0..3 * 784)
        .map(|i| ((i * 37) % 101) as f32 / 100.0)
        .collect();
    let x = Tensor::from_data(TensorData::new(values, [3, 784]), &device);
    model.reconstruct(x).into_data().to_vec().unwrap()
}

/// A synthetic dataset, a one-epoch run of `model`, and the run exported in the
/// PyTorch layout as `<model>.safetensors`.
fn exported_run(model: &str, seed: u64) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 32, 16, seed).unwrap();
    let run = d.path().join(model);
    train(d.path(), model, &run);
    let file = d.path().join(format!("{model}.safetensors"));
    ok(ae(
        d.path(),
        &[
            "export",
            run.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ],
    ));
    (d, run, file)
}

/// `ae import FILE --out OUT` with `extra` arguments.
fn import(data: &Path, file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ae(data, &args)
}

#[test]
fn export_then_import_gives_the_same_model_in_both_layouts() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 64, 32, 4).unwrap();
    for (model, layout) in [("deep", "pytorch"), ("conv", "burn"), ("vae", "pytorch")] {
        let run = d.path().join(model);
        train(d.path(), model, &run);
        let file = d.path().join(format!("{model}.safetensors"));
        let exported = ok(ae(
            d.path(),
            &[
                "export",
                run.to_str().unwrap(),
                "--out",
                file.to_str().unwrap(),
                "--layout",
                layout,
                "--json",
            ],
        ));
        let exported: serde_json::Value = serde_json::from_str(exported.trim()).unwrap();
        assert_eq!(exported["layout"], layout);
        assert_eq!(exported["epochs_trained"], 1);

        // No --config: the config comes from the file's metadata, the layout too.
        let back = d.path().join(format!("{model}-imported"));
        ok(import(d.path(), &file, &back, &[]));
        assert_eq!(reconstructions(&back), reconstructions(&run), "{model}");
        let config = |dir: &Path| std::fs::read_to_string(dir.join("config.json")).unwrap();
        assert_eq!(config(&back), config(&run));
        let record = std::fs::read_to_string(back.join("imported.json")).unwrap();
        assert!(
            record.contains(&format!("\"layout\": \"{layout}\"")),
            "{record}"
        );

        // The imported run is a run: the codes table is the original's, byte for byte.
        let codes = |dir: &Path, name: &str| {
            let out = d.path().join(name);
            ok(ae(
                d.path(),
                &[
                    "encode",
                    dir.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                ],
            ));
            std::fs::read(out).unwrap()
        };
        assert_eq!(
            codes(&back, &format!("{model}-b.csv")),
            codes(&run, &format!("{model}-a.csv"))
        );
    }
}

#[test]
fn a_file_that_does_not_fit_is_refused_by_tensor_name_and_nothing_is_written() {
    let (d, run, file) = exported_run("deep", 5);
    let target = d.path().join("as-shallow");
    let refused = import(d.path(), &file, &target, &["--model", "shallow"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("deep.safetensors: tensor `encoder.0.weight` has shape [128, 784], the model needs [32, 784]"),
        "{stderr}"
    );
    assert!(
        !target.exists(),
        "a refused import wrote {}",
        target.display()
    );

    // A run folder is never overwritten by an import.
    let again = import(d.path(), &file, &run, &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a run"));

    // Not a safetensors file: the error names the file.
    let junk = d.path().join("junk.safetensors");
    std::fs::write(&junk, b"not a tensor file").unwrap();
    let junk_out = import(d.path(), &junk, Path::new("x"), &["--model", "deep"]);
    let stderr = String::from_utf8_lossy(&junk_out.stderr);
    assert!(
        stderr.contains("junk.safetensors: not a safetensors file"),
        "{stderr}"
    );
}

#[test]
fn an_imported_run_trains_on_from_its_weights() {
    let (d, _, file) = exported_run("shallow", 6);
    let back = d.path().join("tuned");
    ok(import(d.path(), &file, &back, &[]));
    let before = reconstructions(&back);
    ok(ae(d.path(), &["train", "--resume", back.to_str().unwrap()]));
    let history = std::fs::read_to_string(back.join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 2, "{history}");
    assert_ne!(reconstructions(&back), before);
}
