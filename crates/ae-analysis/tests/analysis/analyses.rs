//! Latent protocol, weight images and the bottleneck sweep on synthetic data.

use ae_analysis::Method;
use ae_analysis::bottleneck_sweep;
use ae_analysis::{LatentBox, decode_point, latent_points, manifold};
use ae_analysis::{first_layer_weights, normalise_for_display};
use ae_data::write_synthetic_dataset;
use ae_data::{Dataset, DatasetKind};
use ae_models::{Activation, AnyAutoencoder, ModelConfig};
use ae_train::{DefaultBackend, TrainData, TrainingConfig};
use burn::backend::Flex;

/// The named model, its weights drawn under `init_seeded`'s lock. Drawn outside it, from
/// burn's process-wide generator, they could fall between another test's seeding and its
/// own draws (the classifiers' test below), making that test's seeded run differ.
fn seeded_model(name: &str) -> AnyAutoencoder<Flex> {
    let device = Default::default();
    ae_train::init_seeded(&device, 7, || {
        ModelConfig::named(name, None, 28, 28)?.init::<Flex>(&device)
    })
    .unwrap()
}

fn dataset() -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, 80, 30, 4).unwrap();
    let ds = Dataset::load(dir.path(), DatasetKind::Mnist).unwrap();
    (dir, ds)
}

#[test]
fn latent_protocol_shapes_and_refusal_of_wider_codes() {
    let (_g, ds) = dataset();
    let device = Default::default();
    let model = seeded_model("latent2");
    let subset = ds.test.filter_classes(&[1, 5, 6]).unwrap();
    let points = latent_points(&model, &subset, 500, &device).unwrap();
    assert_eq!(points.len(), subset.len());
    assert!(
        points
            .iter()
            .all(|p| [1, 5, 6].contains(&p.label) && p.x.is_finite() && p.y.is_finite())
    );
    assert_eq!(decode_point(&model, 0.5, -0.5, &device).unwrap().len(), 784);
    let area = LatentBox {
        x_min: -1.0,
        x_max: 1.0,
        y_min: -1.0,
        y_max: 1.0,
    };
    let grid = manifold(&model, area, 20, &device).unwrap();
    assert_eq!(grid.len(), 20 * 20 * 784);
    // Corner images differ: the grid really spans the box.
    assert_ne!(&grid[..784], &grid[grid.len() - 784..]);
    let wide = seeded_model("shallow");
    assert!(
        latent_points(&wide, &subset, 10, &device)
            .unwrap_err()
            .to_string()
            .contains("2-D code")
    );
}

#[test]
fn first_layer_weights_are_one_784_vector_per_first_layer_unit() {
    let model = seeded_model("deep");
    let w = first_layer_weights(&model, 12).unwrap();
    assert_eq!((w.len(), w[0].len()), (12, 784));
    assert_ne!(w[0], w[1]);
    // Glorot-uniform bounds tell the layers apart: the 784-128 layer's limit is
    // sqrt(6 / 912) = 0.081; the 128-32 layer's, 0.19. The images come from the first.
    let limit = (6.0f32 / (784.0 + 128.0)).sqrt();
    let largest = w.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        largest <= limit && largest > 0.9 * limit,
        "largest {largest} vs limit {limit}"
    );
    assert_eq!(first_layer_weights(&model, 1000).unwrap().len(), 128);
    let shown = normalise_for_display(&w[0]);
    let (lo, hi) = shown
        .iter()
        .fold((1.0f32, 0.0f32), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(lo.abs() < 1e-6 && (hi - 1.0).abs() < 1e-6);
    let conv = seeded_model("conv");
    assert!(first_layer_weights(&conv, 12).is_err());
}

#[test]
fn bottleneck_sweep_trains_each_size_and_reuses_finished_runs() {
    let (_g, ds) = dataset();
    let model = ModelConfig::named("shallow", Some(5), 28, 28).unwrap();
    let config = TrainingConfig {
        learning_rate: 1e-2,
        epochs: 3,
        batch_size: 16,
        seed: 1,
        ..TrainingConfig::new(model, DatasetKind::Mnist)
    };
    let data = TrainData::select(&config, &ds).unwrap();
    let root = tempfile::tempdir().unwrap();
    let device = Default::default();
    let sweep = || {
        bottleneck_sweep::<DefaultBackend>(
            &config,
            &[2, 32],
            &data,
            root.path(),
            ae_train::ProgressMode::Quiet,
            &device,
        )
        .unwrap()
    };
    let points = sweep();
    assert_eq!(
        points.iter().map(|p| p.code_size).collect::<Vec<_>>(),
        vec![2, 32]
    );
    assert!(
        points
            .iter()
            .all(|p| p.train_loss.is_finite() && p.test_loss.is_finite())
    );
    // A wider code reconstructs better.
    assert!(points[1].train_loss < points[0].train_loss, "{points:?}");
    // Finished runs are reused: the same points again.
    let again = sweep();
    assert_eq!(points, again);
}

#[test]
fn classifiers_learn_separable_classes_and_report_consistent_metrics() {
    use ae_analysis::{ClassifierConfig, ClassifierKind, Features, train_classifier};
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, 400, 100, 9).unwrap();
    let ds = Dataset::load(dir.path(), DatasetKind::Mnist).unwrap();
    let feats =
        |set: &ae_data::ImageSet| Features::new(set.to_f32(), 784, set.labels().to_vec()).unwrap();
    let (all, test) = (feats(&ds.train), feats(&ds.test));
    let (train, val) = (
        all.select(&(0..320).collect::<Vec<_>>()),
        all.select(&(320..400).collect::<Vec<_>>()),
    );
    for kind in [
        ClassifierKind::Logistic,
        ClassifierKind::parse("mlp-64-32").unwrap(),
        ClassifierKind::Cnn,
    ] {
        let mut config = ClassifierConfig::new(kind.clone(), 3);
        config.batch_size = 32;
        config.patience = 10;
        let fit = || {
            train_classifier::<DefaultBackend>(
                &config,
                &train,
                &val,
                &test,
                10,
                &Default::default(),
            )
            .unwrap()
        };
        let report = fit();
        // Neighbouring synthetic classes overlap (jittered bars two rows apart): chance is 0.1.
        assert!(report.test_accuracy > 0.6, "{kind:?}: {report:?}");
        let total: usize = report.confusion.iter().flatten().sum();
        let correct: usize = (0..10).map(|c| report.confusion[c][c]).sum();
        assert_eq!(total, test.rows);
        assert!((correct as f64 / total as f64 - report.test_accuracy).abs() < 1e-12);
        assert_eq!(report.classifier, kind.name());
        let again = fit();
        // Debug text: a class never predicted has a NaN precision, and NaN != NaN.
        assert_eq!(
            format!("{report:?}"),
            format!("{again:?}"),
            "seeded training must be reproducible"
        );
    }
    assert_eq!(
        ClassifierKind::parse("mlp-512-256-128-64"),
        Some(ClassifierKind::Mlp {
            widths: vec![512, 256, 128, 64],
            activation: Activation::Relu
        })
    );
    // The seed's MLPs have logistic hidden units, and their names say so and parse back.
    for kind in ClassifierKind::seed_mlps() {
        let name = kind.name();
        assert!(name.starts_with("mlp-sigmoid-"), "{name}");
        assert_eq!(ClassifierKind::parse(&name), Some(kind));
    }
    for bad in [
        "mlp-0",
        "svm",
        "mlp-",
        "mlp-sigmoid",
        "mlp-sigmoid-",
        "mlp-softmax-3",
    ] {
        assert!(ClassifierKind::parse(bad).is_none(), "{bad}");
    }
    // The CNN needs square images whose side is a multiple of 4.
    let codes = Features::new(vec![0.0; 4 * 32], 32, vec![0, 1, 0, 1]).unwrap();
    let cnn = ClassifierConfig::new(ClassifierKind::Cnn, 0);
    let err =
        train_classifier::<DefaultBackend>(&cnn, &codes, &codes, &codes, 2, &Default::default())
            .unwrap_err();
    assert!(err.to_string().contains("square"), "{err}");
}

#[test]
fn five_class_figures_show_the_same_test_images_in_every_row() {
    use ae_analysis::{FiveClassConfig, five_class_protocol, mean_squared_error};
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, 300, 100, 8).unwrap();
    let ds = Dataset::load(dir.path(), DatasetKind::Mnist).unwrap();
    let mut config = FiveClassConfig::seed_protocol(1, 0);
    config.classes = vec![0, 5];
    // A test part much larger than the ten shown images, ordered by class: the first ten
    // test images are all zeros, the shown ones half zeros and half fives.
    config.per_class = [10, 2, 28];
    config.code_sizes = vec![8];
    config.compare_code = 8;
    config.noise_levels = vec![0.2];
    config.classifiers.truncate(1);
    config.classifier_epochs = 1;
    let pool = ds.train.concat(&ds.test).unwrap();
    let result = five_class_protocol::<DefaultBackend>(
        &config,
        &pool,
        DatasetKind::Mnist,
        &dir.path().join("runs"),
        ae_train::ProgressMode::Quiet,
        &Default::default(),
    )
    .unwrap();
    // Ten images of each split, or all of a smaller one.
    for (shown, size) in result.originals.iter().zip(result.sizes) {
        assert_eq!(shown.len(), size.min(10) * 784);
    }
    assert_eq!(result.methods[0].method, Method::RawPixels);
    let pca = &result.methods[1];
    assert_eq!(pca.method, Method::Pca);
    // PCA reconstructs each bar where it is: the shown reconstructions are as close to
    // the shown originals as the test set is on average, not images of another class.
    let shown_error = mean_squared_error(&pca.examples[2], &result.originals[2]);
    assert!(
        shown_error <= 3.0 * pca.mse[2] + 1e-4,
        "shown {shown_error} vs test {}",
        pca.mse[2]
    );
    for m in &result.methods {
        for split in 0..3 {
            assert_eq!(m.examples[split].len(), result.originals[split].len());
        }
        // Noisy inputs and outputs exist for the denoising models only, and the noise
        // changed the images.
        match (&m.method, &m.denoised) {
            (Method::Denoising { .. }, Some(d)) => {
                assert_eq!(d.noisy.len(), result.originals[2].len());
                assert_eq!(d.output.len(), result.originals[2].len());
                assert!(mean_squared_error(&d.noisy, &result.originals[2]) > 1e-3);
            }
            (Method::Denoising { .. }, None) => panic!("{} shows no noisy inputs", m.method),
            (_, denoised) => assert!(denoised.is_none(), "{}", m.method),
        }
    }
    // Both autoencoders at every code size, and the raw pixels as they are.
    for layers in [1, 3] {
        let sizes: Vec<usize> = result
            .methods
            .iter()
            .filter(|m| {
                m.method
                    == Method::Autoencoder {
                        hidden_layers: layers,
                    }
            })
            .map(|m| m.code_size)
            .collect();
        assert_eq!(sizes, config.code_sizes, "{layers} hidden layers");
    }
    assert_eq!(result.methods[0].examples, result.originals);
}
