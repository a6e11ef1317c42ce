//! The full profile trains every model at the settings its seed document states. The table
//! below is written from the documents, one row per training run, each citing its source;
//! the plan that `cargo xtask reproduce --profile full --plan` prints must match it exactly.
#![allow(clippy::unwrap_used)]

use ae_report::{PlannedRun, Profile, Settings, plan};
use ae_train::BackendKind;

/// How long a run trains.
#[derive(Debug, PartialEq)]
enum Length {
    Epochs(usize),
    Iterations(usize),
}
use Length::{Epochs, Iterations};

/// One seed setting: section, run, length, batch, optimizer, learning rate, loss, noise,
/// classes (empty: all ten), and the document it comes from.
struct Row {
    section: &'static str,
    run: String,
    length: Length,
    batch: usize,
    optimizer: &'static str,
    lr: f64,
    loss: &'static str,
    noise: &'static str,
    classes: &'static [u8],
    source: &'static str,
}

const PROJECT2: &str = "ECE 595 Project 2: \"Train your model using 150 epochs\"";
const PROJECT2_DAE: &str = "ECE 595 Project 2 template: num_epochs = 100, batch_size = 1024";
const SEED001: &str = "seed 001 notebook: Adadelta, binary cross-entropy, 50 epochs, batch 256";
const SEED002: &str =
    "seed 002: Adam, BCE, Keras' default batch 32; 5 / 10 / 10 epochs; sweep 5 epochs";
const SEED003: &str = "seed 003 (CS671 report): digits 0,1,2,4,7, BCE, Gaussian noise 0.2 / 0.4 (epochs and batch open)";
const SEED004: &str =
    "seed 004 (UNIST tutorial): 2500 iterations, batch 50, Adam 1e-4, MSE, digits 1,5,6";
const KERAS_VAE: &str = "no seed; the Keras VAE example: 50 epochs, batch 128";
const FAMILY: &str = "no seed; one budget for the whole family: 50 epochs, batch 128";

const FIVE: &[u8] = &[0, 1, 2, 4, 7];
const LATENT: &[u8] = &[1, 5, 6];

/// Adam at 1e-3 with BCE, the seeds' usual choice.
fn adam(
    section: &'static str,
    run: impl Into<String>,
    length: Length,
    batch: usize,
    noise: &'static str,
    classes: &'static [u8],
    source: &'static str,
) -> Row {
    Row {
        section,
        run: run.into(),
        length,
        batch,
        optimizer: "adam",
        lr: 1e-3,
        loss: "bce",
        noise,
        classes,
        source,
    }
}

impl Row {
    /// The same run with another optimizer, learning rate and loss.
    fn with(self, optimizer: &'static str, lr: f64, loss: &'static str) -> Row {
        Row {
            optimizer,
            lr,
            loss,
            ..self
        }
    }
}

// One row per run, as a table: rustfmt would spread each over twelve lines.
#[rustfmt::skip]
fn seed_settings() -> Vec<Row> {
    let mut rows = vec![
        adam("deep-dense", "fc", Epochs(150), 256, "none", &[], PROJECT2),
        adam("convolutional", "conv", Epochs(150), 128, "none", &[], PROJECT2),
        adam("denoising", "conv-gaussian-0.25", Epochs(100), 1024, "gaussian:0.25", &[], PROJECT2_DAE),
        adam("shallow-adadelta", "shallow", Epochs(50), 256, "none", &[], SEED001).with("adadelta", 1.0, "bce"),
    ];
    for dataset in ["mnist", "fashion"] {
        rows.push(adam("mnist-vs-fashion", format!("{dataset}-shallow"), Epochs(5), 32, "none", &[], SEED002));
        rows.push(adam("mnist-vs-fashion", format!("{dataset}-deep"), Epochs(10), 32, "none", &[], SEED002));
        rows.push(adam("mnist-vs-fashion", format!("{dataset}-deep-gaussian-0.2"), Epochs(10), 32, "gaussian:0.2", &[], SEED002));
    }
    for dataset in ["mnist", "fashion"] {
        for code in [5, 20, 35, 50, 65, 80, 95] {
            rows.push(adam("mnist-vs-fashion", format!("{dataset}-sweep/code-{code}"), Epochs(5), 32, "none", &[], SEED002));
        }
    }
    // Seed 003: the one- and three-hidden-layer autoencoders at d = 32, 64, 128, 256.
    for model in ["logistic", "deep3"] {
        for code in [32, 64, 128, 256] {
            rows.push(adam("five-class", format!("{model}-{code}"), Epochs(100), 64, "none", FIVE, SEED003));
        }
    }
    rows.push(adam("five-class", "logistic-256-gaussian20", Epochs(100), 64, "gaussian:0.2", FIVE, SEED003));
    rows.push(adam("five-class", "logistic-256-gaussian40", Epochs(100), 64, "gaussian:0.4", FIVE, SEED003));
    rows.push(adam("latent-2d", "latent2", Iterations(2500), 50, "none", LATENT, SEED004).with("adam", 1e-4, "mse"));
    rows.push(adam("latent-2d", "vae", Epochs(50), 128, "none", LATENT, KERAS_VAE));
    for (run, noise) in [("shallow", "none"), ("deep", "none"), ("denoising", "gaussian:0.25"), ("sparse", "none"), ("contractive", "none"), ("conv", "none"), ("vae", "none")] {
        rows.push(adam("family", run, Epochs(50), 128, noise, &[], FAMILY));
    }
    rows
}

fn length(p: &PlannedRun) -> Length {
    match p.config.iterations() {
        Some(iterations) => Iterations(iterations),
        None => Epochs(p.config.epochs),
    }
}

#[test]
fn full_profile_trains_every_run_at_its_seed_settings() {
    let planned = plan(&Settings {
        profile: Profile::Full,
        seed: 0,
        backend: BackendKind::Flex,
    })
    .unwrap();
    let rows = seed_settings();
    let names = |it: &mut dyn Iterator<Item = (&str, &str)>| {
        it.map(|(s, r)| format!("{s}/{r}")).collect::<Vec<_>>()
    };
    assert_eq!(
        names(&mut planned.iter().map(|p| (p.section, p.run.as_str()))),
        names(&mut rows.iter().map(|r| (r.section, r.run.as_str()))),
        "the full profile's runs, in order"
    );
    for (p, r) in planned.iter().zip(&rows) {
        let c = &p.config;
        let at = format!("{}/{} ({})", r.section, r.run, r.source);
        assert_eq!(length(p), r.length, "{at}: length");
        assert_eq!(c.batch_size, r.batch, "{at}: batch");
        assert_eq!(c.optimizer.name(), r.optimizer, "{at}: optimizer");
        assert!(
            (c.learning_rate - r.lr).abs() < 1e-12,
            "{at}: learning rate {}",
            c.learning_rate
        );
        assert_eq!(c.objective.loss.name(), r.loss, "{at}: loss");
        assert_eq!(c.noise.to_string(), r.noise, "{at}: noise");
        assert_eq!(
            c.data.classes.as_deref().unwrap_or(&[]),
            r.classes,
            "{at}: classes"
        );
        assert_eq!(
            c.data.train_limit.filter(|&n| n < 60_000),
            None,
            "{at}: every training image"
        );
        assert!(
            !p.source.is_empty(),
            "{at}: the report states where the settings come from"
        );
    }
}

#[test]
fn the_tutorial_model_starts_from_its_normal_initialisation() {
    let planned = plan(&Settings {
        profile: Profile::Full,
        seed: 0,
        backend: BackendKind::Flex,
    })
    .unwrap();
    let latent = planned.iter().find(|p| p.run == "latent2").unwrap();
    let ae_models::ModelConfig::Dense(dense) = &latent.config.model else {
        panic!("latent2 is dense");
    };
    assert_eq!(dense.init_std, Some(0.1));
    let units: Vec<usize> = dense.encoder.iter().map(|l| l.units).collect();
    assert_eq!(units, [500, 300, 2]);
}

#[test]
fn every_profile_plans_the_same_runs() {
    let runs = |profile| {
        plan(&Settings {
            profile,
            seed: 0,
            backend: BackendKind::Flex,
        })
        .unwrap()
        .into_iter()
        .map(|p| format!("{}/{}", p.section, p.run))
        .collect::<Vec<_>>()
    };
    let full = runs(Profile::Full);
    assert_eq!(runs(Profile::Quick), full);
    // The smoke profile sweeps two code sizes only.
    let smoke = runs(Profile::Smoke);
    assert!(smoke.iter().all(|r| full.contains(r)), "{smoke:?}");
}
