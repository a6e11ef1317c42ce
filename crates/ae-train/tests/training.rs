//! Training behaviour on tiny synthetic data: learning, determinism, resume, NaN guard,
//! config validation.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use ae_data::write_synthetic_dataset;
use ae_data::{Dataset, DatasetKind, Noise};
use ae_models::{ModelConfig, OptimizerKind, Sparsity};
use ae_train::HISTORY_FILE;
use ae_train::{
    DefaultBackend, ProgressMode, RunDir, RunOptions, StopRequest, TrainData, TrainError,
    TrainingConfig, load_run, train,
};

fn dataset() -> (tempfile::TempDir, Dataset) {
    dataset_of(96)
}

/// A synthetic dataset with `train` training images (32 test images).
fn dataset_of(train: usize) -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, train, 32, 3).unwrap();
    let ds = Dataset::load(dir.path(), DatasetKind::Mnist).unwrap();
    (dir, ds)
}

fn config(model: &str, epochs: usize) -> TrainingConfig {
    if model == "conv" {
        return conv_config(epochs);
    }
    let model = ModelConfig::named(model, Some(8), 28, 28).unwrap();
    TrainingConfig {
        learning_rate: 1e-2,
        epochs,
        batch_size: 16,
        seed: 7,
        ..TrainingConfig::new(model, DatasetKind::Mnist)
    }
}

fn conv_config(epochs: usize) -> TrainingConfig {
    let mut c = config("shallow", epochs);
    c.model = ModelConfig::named("conv", None, 28, 28).unwrap();
    c
}

fn run(
    config: &TrainingConfig,
    data: &TrainData,
    dir: &Path,
    resume: bool,
) -> Result<ae_train::TrainOutcome<burn::backend::Flex>, TrainError> {
    run_with(config, data, dir, resume, StopRequest::new())
}

fn run_with(
    config: &TrainingConfig,
    data: &TrainData,
    dir: &Path,
    resume: bool,
    stop: StopRequest,
) -> Result<ae_train::TrainOutcome<burn::backend::Flex>, TrainError> {
    let run = if resume {
        RunDir::open(dir)?
    } else {
        RunDir::create(config, dir)?
    };
    let opts = RunOptions {
        progress: ProgressMode::Quiet,
        label: None,
        stop,
    };
    train::<DefaultBackend>(config, data, &run, &opts, &Default::default())
}

fn history(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(HISTORY_FILE)).unwrap()
}

#[test]
fn every_model_family_trains_and_the_loss_falls() {
    let (_g, ds) = dataset();
    let mut configs = vec![config("shallow", 4), config("vae", 4), conv_config(2)];
    let mut sparse = config("deep", 4);
    sparse.objective.sparse = Some(Sparsity::L1 { lambda: 1e-4 });
    let mut contractive = config("logistic", 4);
    contractive.objective.contractive = Some(1e-3);
    let mut denoising = config("shallow", 4);
    denoising.noise = Noise::Gaussian { std: 0.25 };
    configs.extend([sparse, contractive, denoising]);
    for (i, c) in configs.iter().enumerate() {
        let data = TrainData::select(c, &ds).unwrap();
        let out = tempfile::tempdir().unwrap();
        let outcome = run(c, &data, &out.path().join("run"), false).unwrap();
        let h = &outcome.history;
        assert_eq!(h.len(), c.epochs, "config {i}");
        assert!(
            h.last().unwrap().train_loss < h[0].train_loss,
            "config {i}: loss did not fall: {h:?}"
        );
        assert!(h.iter().all(|r| r.val_loss.is_finite()), "config {i}");
    }
}

#[test]
fn same_seed_gives_identical_history_and_another_seed_does_not() {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    let mut c = config("shallow", 3);
    c.noise = Noise::Mask { fraction: 0.3 };
    let data = TrainData::select(&c, &ds).unwrap();
    run(&c, &data, &out.path().join("a"), false).unwrap();
    run(&c, &data, &out.path().join("b"), false).unwrap();
    c.seed = 8;
    run(&c, &data, &out.path().join("c"), false).unwrap();
    assert_eq!(
        history(&out.path().join("a")),
        history(&out.path().join("b"))
    );
    assert_ne!(
        history(&out.path().join("a")),
        history(&out.path().join("c"))
    );
}

#[test]
fn history_does_not_depend_on_the_thread_count_when_batches_are_split() {
    // Three batches of the smallest size that splits.
    let (_g, ds) = dataset_of(6 * ae_train::MIN_SHARD_IMAGES);
    let out = tempfile::tempdir().unwrap();
    let mut c = config("deep", 2);
    // The smallest batch that splits: two shards, each with its own graph (`ae_train::step`).
    c.batch_size = 2 * ae_train::MIN_SHARD_IMAGES;
    let data = TrainData::select(&c, &ds).unwrap();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&c, &data, &out.path().join(format!("t{threads}")), false))
            .unwrap();
    }
    // Two trainings at once as jobs, each on a pool of its own (one thread each on two
    // cores, its shards one after the other).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let jobs = pool.install(|| {
        ae_train::run_jobs_on(2, 2, |j| {
            run(&c, &data, &out.path().join(format!("job{j}")), false)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    });
    assert_eq!(jobs, [Ok(()), Ok(())]);
    let one = history(&out.path().join("t1"));
    for other in ["t2", "t3", "job0", "job1"] {
        assert_eq!(one, history(&out.path().join(other)), "{other}");
    }
}

#[test]
fn resume_ends_with_the_history_and_weights_of_an_uninterrupted_run() {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    // The VAE draws random numbers in training: the hardest case for exact resume. The
    // tutorial's 784-500-300-2 counts iterations of random batches from normal weights.
    let mut iterations = config("latent2", 4);
    iterations.steps_per_epoch = Some(3);
    iterations.batch_size = 50;
    iterations.objective.loss = ae_models::ReconstructionLoss::Mse;
    if let ModelConfig::Dense(dense) = &mut iterations.model {
        dense.init_std = Some(0.1);
    }
    for (model, full_cfg) in [
        ("shallow", config("shallow", 4)),
        ("vae", config("vae", 4)),
        ("latent2-iterations", iterations),
    ] {
        let data = TrainData::select(&full_cfg, &ds).unwrap();
        let full_dir = out.path().join(format!("{model}-full"));
        let full = run(&full_cfg, &data, &full_dir, false).unwrap();

        // Trained for 2 epochs, then extended to 4.
        let part_dir = out.path().join(format!("{model}-part"));
        let mut short = full_cfg.clone();
        short.epochs = 2;
        run(&short, &data, &part_dir, false).unwrap();
        let extended = RunDir::open(&part_dir).unwrap().extend_to(4).unwrap();
        assert_eq!(extended.to_json(), full_cfg.to_json());
        let resumed = run(&full_cfg, &data, &part_dir, true).unwrap();

        assert_eq!(resumed.resumed_from, 2);
        assert_eq!(history(&full_dir), history(&part_dir), "{model}");
        let (_, a, _) = load_run::<DefaultBackend>(&full_dir, &Default::default()).unwrap();
        let (_, b, _) = load_run::<DefaultBackend>(&part_dir, &Default::default()).unwrap();
        use burn::module::Module;
        let weights = |m: ae_models::AnyAutoencoder<burn::backend::Flex>| {
            let mut v = Vec::new();
            m.visit(&mut Collect(&mut v));
            v
        };
        assert_eq!(weights(a), weights(b), "{model}: final weights differ");
        drop(full);
    }
}

#[test]
fn a_history_left_behind_by_a_kill_after_the_checkpoint_is_recovered() {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    let c = config("shallow", 2);
    let data = TrainData::select(&c, &ds).unwrap();
    let dir = out.path().join("run");
    run(&c, &data, &dir, false).unwrap();
    let complete = history(&dir);
    // What a SIGKILL between the checkpoint's write and the history's leaves.
    let behind: String = complete.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(HISTORY_FILE), &behind).unwrap();

    let progress = RunDir::open(&dir).unwrap().recover().unwrap();
    assert_eq!(progress.epochs_done, 2);
    assert_eq!(history(&dir), complete);
}

fn weights_of(dir: &Path) -> Vec<f32> {
    use burn::module::Module;
    let (_, model, _) = load_run::<DefaultBackend>(dir, &Default::default()).unwrap();
    let mut v = Vec::new();
    model.visit(&mut Collect(&mut v));
    v
}

#[test]
fn runs_stopped_mid_epoch_resume_to_the_uninterrupted_result() {
    // Denoising VAE: noise and sampling streams both have to continue exactly.
    let mut c = config("vae", 3);
    c.batch_size = 8;
    c.noise = Noise::Mask { fraction: 0.2 };
    stopped_mid_epoch_resumes_to_the_uninterrupted_result(&c);
}

#[test]
fn conv_runs_stopped_while_an_epoch_is_validated_resume_to_the_uninterrupted_result() {
    // The conv model's validation runs while the next epoch trains: a stop can land
    // before it is done, and the checkpoint still holds the epoch's history row.
    stopped_mid_epoch_resumes_to_the_uninterrupted_result(&conv_config(3));
}

fn stopped_mid_epoch_resumes_to_the_uninterrupted_result(c: &TrainingConfig) {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    let data = TrainData::select(c, &ds).unwrap();
    let reference = out.path().join("reference");
    let started = std::time::Instant::now();
    run(c, &data, &reference, false).unwrap();
    let full = started.elapsed();

    // A stop raised before the run starts lands at epoch 1, batch 0.
    let dir = out.path().join("stopped");
    let stop = StopRequest::new();
    stop.request(2);
    let err = run_with(c, &data, &dir, false, stop).unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::Interrupted {
                epoch: 1,
                batch: 0,
                signal: 2
            }
        ),
        "{err}"
    );
    // Stops raised from another thread land wherever the run is; each resume goes on.
    let mut stops = 0;
    for attempt in 0..60u64 {
        let stop = StopRequest::new();
        let raiser = stop.clone();
        // Between 5% and 45% of an uninterrupted run: every attempt gets somewhere.
        let delay = full.mul_f64(0.05 + ((attempt * 7919) % 400) as f64 / 1000.0);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(delay);
            raiser.request(15);
        });
        let result = run_with(c, &data, &dir, true, stop);
        thread.join().unwrap();
        match result {
            Ok(outcome) => {
                assert_eq!(outcome.history.len(), 3);
                break;
            }
            Err(TrainError::Interrupted { signal: 15, .. }) => stops += 1,
            Err(e) => panic!("attempt {attempt}: {e}"),
        }
    }
    assert!(stops >= 1, "no stop landed inside the run");
    assert_eq!(history(&reference), history(&dir), "after {stops} stops");
    assert!(
        weights_of(&reference) == weights_of(&dir),
        "after {stops} stops"
    );
}

/// Collects every float parameter's values.
struct Collect<'a>(&'a mut Vec<f32>);
impl<B: burn::tensor::backend::Backend> burn::module::ModuleVisitor<B> for Collect<'_> {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<B, D>>,
    ) {
        self.0
            .extend(param.val().into_data().to_vec::<f32>().unwrap());
    }
}

#[test]
fn diverging_loss_stops_with_epoch_and_batch_and_keeps_the_last_checkpoint() {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    let mut c = config("latent2", 3);
    c.objective.loss = ae_models::ReconstructionLoss::Mse;
    c.optimizer = OptimizerKind::Sgd { momentum: 0.9 };
    c.learning_rate = 1e6;
    let data = TrainData::select(&c, &ds).unwrap();
    let dir = out.path().join("nan");
    let err = run(&c, &data, &dir, false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, TrainError::NonFiniteLoss { .. }), "{msg}");
    assert!(msg.contains("epoch") && msg.contains("batch"), "{msg}");
    if let TrainError::NonFiniteLoss {
        epoch,
        last_good_epoch,
        ..
    } = err
    {
        assert_eq!(last_good_epoch, epoch - 1);
        if last_good_epoch > 0 {
            assert!(load_run::<DefaultBackend>(&dir, &Default::default()).is_ok());
        }
    }
}

#[test]
fn invalid_configs_are_refused_naming_the_field_before_anything_is_written() {
    let (_g, ds) = dataset();
    let out = tempfile::tempdir().unwrap();
    type Mutation = Box<dyn Fn(&mut TrainingConfig)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("epochs", Box::new(|c| c.epochs = 0)),
        ("batch_size", Box::new(|c| c.batch_size = 0)),
        ("learning_rate", Box::new(|c| c.learning_rate = -1.0)),
        (
            "noise",
            Box::new(|c| c.noise = Noise::Gaussian { std: -0.5 }),
        ),
        (
            "data.classes",
            Box::new(|c| c.data.classes = Some(vec![11])),
        ),
        (
            "contractive",
            Box::new(|c| c.objective.contractive = Some(-1.0)),
        ),
    ];
    for (field, mutate) in cases {
        let mut c = config("shallow", 1);
        mutate(&mut c);
        let dir = out.path().join(field);
        let err = RunDir::create(&c, &dir).unwrap_err().to_string();
        assert!(err.contains(field), "{field}: {err}");
        assert!(!dir.exists(), "{field}: the run folder was created");
    }
    // Checks that need the data.
    let mut big_batch = config("shallow", 1);
    big_batch.batch_size = 1000;
    let data = TrainData::select(&big_batch, &ds).unwrap();
    assert!(
        big_batch
            .validate_against(&data.train)
            .unwrap_err()
            .to_string()
            .contains("batch_size")
    );
    // A config file with an unknown field names it.
    let path = out.path().join("config.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&config("shallow", 1).to_json()).unwrap();
    json["epochz"] = 3.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let err = TrainingConfig::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("epochz") && err.contains("config.json"),
        "{err}"
    );
    // Wrong types and out-of-range values: one message naming the file and the field.
    let base: serde_json::Value = serde_json::from_str(&config("shallow", 1).to_json()).unwrap();
    let cases: [(&str, serde_json::Value, &str); 8] = [
        ("epochs", "ten".into(), "epochs"),
        ("epochs", 0.into(), "epochs"),
        ("batch_size", (-4).into(), "batch_size"),
        ("batch_size", 0.into(), "batch_size"),
        ("learning_rate", 0.0.into(), "learning_rate"),
        ("learning_rate", "fast".into(), "learning_rate"),
        ("noise", "gaussian:-0.5".into(), "noise"),
        ("seed", serde_json::json!([1, 2]), "seed"),
    ];
    for (field, value, named) in cases {
        let mut json = base.clone();
        json[field] = value.clone();
        std::fs::write(&path, json.to_string()).unwrap();
        let err = TrainingConfig::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(named) && err.contains("config.json"),
            "{field} = {value}: {err}"
        );
    }
    // A zero-width code layer inside the nested model config.
    let mut json = base.clone();
    let units = json
        .pointer_mut("/model/encoder/0/units")
        .expect("dense encoder layer");
    *units = 0.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let err = TrainingConfig::load(&path).unwrap_err().to_string();
    assert!(err.contains("units") || err.contains("code"), "{err}");
}

/// Trainings on several threads at once, batches split into shards and BCE kernels that
/// fan out to rayon's pool: once, a backward on a pool worker waited for the lock of a
/// graph whose kernels waited for the pool, and the process hung (see
/// `ae_train::batch_gradients`). A hang fails here after a deadline instead of
/// stalling the suite.
#[test]
fn concurrent_trainings_with_split_batches_finish() {
    let (_g, ds) = dataset_of(4 * ae_train::MIN_SHARD_IMAGES);
    let out = tempfile::tempdir().unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    let runs = 6;
    for i in 0..runs {
        // Half the runs split their batches (backward on two threads), half do not
        // (backward on the run's own thread).
        let mut c = config("deep", 10);
        c.batch_size = if i % 2 == 0 { 2 } else { 1 } * ae_train::MIN_SHARD_IMAGES;
        let data = TrainData::select(&c, &ds).unwrap();
        let done = done.clone();
        let dir = out.path().join(format!("run{i}"));
        std::thread::spawn(move || {
            let result = run(&c, &data, &dir, false).map(|o| o.history.len());
            let _ = done.send(result.map_err(|e| e.to_string()));
        });
    }
    for _ in 0..runs {
        let epochs = finished
            .recv_timeout(std::time::Duration::from_secs(300))
            .expect("a training did not finish within 300 s: deadlock");
        assert_eq!(epochs, Ok(10));
    }
}
