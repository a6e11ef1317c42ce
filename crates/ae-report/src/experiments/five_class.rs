//! Section 6: the five-class protocol (digits 0, 1, 2, 4, 7): PCA and autoencoders
//! compared by reconstruction error and by MLP accuracy on their codes.

use ae_analysis::normalise_for_display;
use ae_analysis::{
    ClassifierKind, FiveClassConfig, Method, MethodResult, choose_on_validation,
    five_class_protocol,
};
use ae_data::{DatasetKind, IMAGE_SIDE, ImageSet};
use ae_train::TrainData;

use super::{Context, PlannedRun, Profile, Reference, SeedRow, Settings, png, seed_table};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::plot::{ConfusionPanel, confusion_grid};
use crate::report::Section;
use crate::table::Table;

const ID: &str = "five-class";
const TITLE: &str = "6. The five-class protocol: PCA vs autoencoders";

define_experiment!(runs, data);
const SOURCE: &str = "seed 003 (CS671 report): digits {0,1,2,4,7}, split 2277/759/759 per class, BCE, Gaussian noise factors 0.2 and 0.4, classifiers at batch 32 and Adam 1e-3 with early stopping; it leaves the autoencoders' epochs and batch open: 100 epochs of batch 64";

/// The protocol's settings for a profile.
fn protocol(settings: &Settings) -> FiveClassConfig {
    let mut config =
        FiveClassConfig::seed_protocol(settings.profile.pick(1, 3, 100), settings.seed);
    // Logistic-unit MLPs can sit on a plateau at chance for several epochs (5 epochs left
    // the 32-d codes at 0.2 in a quick run), so the quick profile keeps 12.
    config.classifier_epochs = settings.profile.pick(2, 12, 50);
    // The seed's batch 32 quadruples the classifiers' steps: the quick profile keeps 128,
    // and trains the first of the three MLPs only (15 representations x 3 MLPs of
    // logistic units take most of an hour on two cores).
    config.classifier_batch = settings.profile.pick(32, 128, 32);
    config.backend = settings.backend;
    if settings.profile == Profile::Quick {
        config.classifiers.truncate(1);
    }
    if settings.profile == Profile::Smoke {
        config.per_class = [60, 20, 20];
    }
    config
}

/// The MNIST train and test images the protocol splits.
fn pool<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<ImageSet> {
    Ok(ctx.mnist.train.concat(&ctx.mnist.test)?)
}

/// What the protocol's autoencoders train on (for a run trained alone, in a shard).
fn data<B: AutodiffBackend>(ctx: &Context<'_, B>, _: &PlannedRun) -> Result<TrainData> {
    let [train, val, _] = protocol(&ctx.settings()).split(&pool(ctx)?)?;
    Ok(TrainData { train, val })
}

fn runs(settings: &Settings) -> Result<Vec<PlannedRun>> {
    let protocol = protocol(settings);
    let train_images = protocol.per_class[0] * protocol.classes.len();
    Ok(protocol
        .autoencoder_runs(DatasetKind::Mnist, IMAGE_SIDE, IMAGE_SIDE)?
        .into_iter()
        .map(|r| PlannedRun {
            section: ID,
            run: r.run,
            model: r.model,
            config: r.config,
            train_images: Some(train_images),
            source: SOURCE,
        })
        .collect())
}
/// The seed report: best test accuracy over all methods, and the one-layer 64-d AE's test MSE.
const SEED_BEST_ACCURACY: f64 = 0.9874;
const SEED_AE64_TEST_MSE: f64 = 0.0048;
const ONE_LAYER: Method = Method::Autoencoder { hidden_layers: 1 };
/// Accuracy table columns: the classifier chosen on validation, and its test accuracy.
pub(crate) const CHOSEN: &str = "chosen on validation";
/// See [`CHOSEN`].
pub(crate) const CHOSEN_TEST: &str = "test accuracy of the chosen";

fn label(m: &MethodResult) -> String {
    format!("{} {}", m.method, m.code_size)
}

/// Runs the protocol and renders its tables and figures.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let mut section = Section::new(ID, TITLE);
    let config = protocol(&ctx.settings());
    let result = five_class_protocol::<B>(
        &config,
        &pool(ctx)?,
        DatasetKind::Mnist,
        &ctx.runs_dir.join(ID),
        ctx.progress,
        &ctx.device,
    )?;
    section.text(format!(
        "MNIST train and test images of digits {:?} pooled, then split per class {}/{}/{} (seeded): {} training, {} validation and {} test images. Autoencoders: BCE, Adam, {} epochs of batch {}; the denoising ones see Gaussian noise of std {:?}, clipped to [0, 1]. Classifiers: {} ({}), logistic hidden units, Adam, batch {}, early stopping on the validation split (at most {} epochs). Settings: {SOURCE}.",
        config.classes,
        config.per_class[0],
        config.per_class[1],
        config.per_class[2],
        result.sizes[0],
        result.sizes[1],
        result.sizes[2],
        config.epochs,
        config.batch_size,
        config.noise_levels,
        if config.classifiers.len() == ClassifierKind::seed_mlps().len() {
            "the seed's three MLPs"
        } else {
            "the first of the seed's three MLPs in this profile"
        },
        config.classifiers.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "),
        config.classifier_batch,
        config.classifier_epochs
    ));

    let mut recon = Table::new([
        "method",
        "code size",
        "train MSE",
        "validation MSE",
        "test MSE",
        "fit seconds",
    ]);
    for m in result
        .methods
        .iter()
        .filter(|m| m.method != Method::RawPixels)
    {
        recon.push([
            m.method.to_string(),
            m.code_size.to_string(),
            Table::num(m.mse[0], 3),
            Table::num(m.mse[1], 3),
            Table::num(m.mse[2], 3),
            Table::num(m.seconds, 2),
        ]);
    }
    section.table("reconstruction", recon);

    let mut header = vec!["method".to_string(), "code size".to_string()];
    for c in &config.classifiers {
        header.push(format!("{} validation", c.name()));
        header.push(format!("{} test", c.name()));
    }
    header.extend([CHOSEN.to_string(), CHOSEN_TEST.to_string()]);
    let mut accuracy = Table::new(header);
    for m in &result.methods {
        let mut row = vec![m.method.to_string(), m.code_size.to_string()];
        for c in &m.classifiers {
            row.push(Table::num(c.val_accuracy, 4));
            row.push(Table::num(c.test_accuracy, 4));
        }
        row.push(
            m.chosen_classifier()
                .map_or_else(|| "-".to_string(), |c| c.classifier.clone()),
        );
        row.push(Table::num(m.chosen_test_accuracy(), 4));
        accuracy.push(row);
    }
    section.table("accuracy", accuracy);
    section.findings(findings::five_class(
        &result
            .methods
            .iter()
            .filter(|m| m.method != Method::RawPixels)
            .map(|m| findings::MethodScore {
                method: m.method,
                code: m.code_size,
                test_mse: m.mse[2],
                accuracy: m.chosen_test_accuracy(),
            })
            .collect::<Vec<_>>(),
        result
            .methods
            .iter()
            .find(|m| m.method == Method::RawPixels)
            .map(MethodResult::chosen_test_accuracy),
        1.0 / config.classes.len().max(1) as f64,
    ));

    // The compared code size, with the raw pixels as the baseline row.
    let compared: Vec<&MethodResult> = result
        .methods
        .iter()
        .filter(|m| m.code_size == config.compare_code || m.method == Method::RawPixels)
        .collect();
    let mut overall = Table::new([
        "method",
        "code size",
        "test MSE",
        "validation accuracy (chosen)",
        CHOSEN_TEST,
    ]);
    for m in &compared {
        overall.push([
            m.method.to_string(),
            m.code_size.to_string(),
            Table::num(m.mse[2], 3),
            Table::num(
                m.chosen_classifier().map_or(f64::NAN, |c| c.val_accuracy),
                4,
            ),
            Table::num(m.chosen_test_accuracy(), 4),
        ]);
    }
    section.text(format!(
        "Overall comparison at code size {}:",
        config.compare_code
    ));
    section.table("overall", overall);
    // The method and classifier with the best validation accuracy, and its test accuracy.
    // The seed chose among its representations; the raw pixels are not one.
    let best = choose_on_validation(
        result
            .methods
            .iter()
            .filter(|m| m.method != Method::RawPixels)
            .filter_map(MethodResult::chosen_classifier),
    )
    .map_or(f64::NAN, |c| c.test_accuracy);
    let ae64 = result
        .methods
        .iter()
        .find(|m| m.method == ONE_LAYER && m.code_size == 64)
        .map(|m| m.mse[2]);
    let reference = |value| {
        Some(Reference {
            value,
            source: "seed 003 (CS671 report)",
            epochs: None,
        })
    };
    let mut seed_rows = vec![SeedRow {
        quantity: "test accuracy of the method and classifier chosen on validation".to_string(),
        reference: reference(SEED_BEST_ACCURACY),
        ours: best,
        epochs: config.epochs,
    }];
    if let Some(mse) = ae64 {
        seed_rows.push(SeedRow {
            quantity: "AE (1 layer) 64-d test MSE".into(),
            reference: reference(SEED_AE64_TEST_MSE),
            ours: mse,
            epochs: config.epochs,
        });
    }
    section.text("Against the seed report:");
    section.table("seed", seed_table(&seed_rows));

    let autoencoded = |m: &&MethodResult| m.method != Method::RawPixels;
    for (split, name) in ["train", "validation", "test"].into_iter().enumerate() {
        // The test figure shows every code size; train and validation the compared one.
        let shown: Vec<&MethodResult> = result
            .methods
            .iter()
            .filter(autoencoded)
            .filter(|m| split == 2 || m.code_size == config.compare_code)
            .collect();
        let mut rows = result.originals[split].clone();
        let mut labels = vec![format!("{name} images")];
        for m in &shown {
            rows.extend(&m.examples[split]);
            labels.push(label(m));
        }
        section.figure(
            ctx.labelled_image_grid(&png(ID, &format!("reconstructions-{name}")), &rows, &labels)?,
            format!(
                "Ten {name} images spread over the five digits (top row), then each model's reconstruction of them{}",
                if split == 2 { "" } else { ", at the compared code size" }
            ),
        );
    }
    let mut rows = result.originals[2].clone();
    let mut labels = vec!["test images".to_string()];
    for m in &result.methods {
        if let Some(d) = &m.denoised {
            rows.extend(&d.noisy);
            rows.extend(&d.output);
            if let Method::Denoising { noise_percent } = m.method {
                labels.push(format!("with {noise_percent}% noise"));
            }
            labels.push(format!("{} output", label(m)));
        }
    }
    if labels.len() > 1 {
        section.figure(
            ctx.labelled_image_grid(&png(ID, "denoising"), &rows, &labels)?,
            "Test images, then for each denoising autoencoder the same images with its Gaussian noise (clipped to [0, 1]) and its output from them",
        );
    }
    let class_names: Vec<String> = config.classes.iter().map(u8::to_string).collect();
    let titles: Vec<String> = result.methods.iter().map(label).collect();
    // One grid row per representation kind, its code sizes side by side.
    let mut panels: Vec<Vec<ConfusionPanel<'_>>> = Vec::new();
    let mut previous = None;
    for (m, title) in result.methods.iter().zip(&titles) {
        let Some(chosen) = m.chosen_classifier() else {
            continue;
        };
        let panel = ConfusionPanel {
            title,
            confusion: &chosen.confusion,
        };
        match panels.last_mut() {
            Some(row) if previous == Some(m.method) => row.push(panel),
            _ => panels.push(vec![panel]),
        }
        previous = Some(m.method);
    }
    let file = png(ID, "confusion");
    let size = confusion_grid(&ctx.report_dir.join(&file), &panels, &class_names)?;
    section.chart(
        file,
        "Test confusion matrices of the classifier chosen on validation, one per representation, a row per kind (the accuracy table names the classifier)",
        size,
    );
    for m in result.methods.iter().filter(|m| {
        (matches!(m.method, Method::Denoising { .. }) || m.method == ONE_LAYER)
            && m.code_size == config.compare_code
    }) {
        let weights: Vec<f32> = m
            .weights
            .iter()
            .flat_map(|w| normalise_for_display(w))
            .collect();
        let file = png(ID, &format!("weights-{}", m.method.slug()));
        section.figure(
            ctx.image_grid(&file, &weights, None, 12)?,
            format!("First-layer weights of 12 units of the {} model", label(m)),
        );
    }
    Ok(section)
}
