//! Section 8: the autoencoder family on the same data: undercomplete, deep, denoising,
//! sparse, contractive, convolutional and variational, compared by reconstruction
//! error, how well a logistic regression classifies their codes, code sparsity and time.

use ae_analysis::mean_squared_error;
use ae_analysis::{ClassifierConfig, ClassifierKind, Features, train_classifier};
use ae_analysis::{encode_set, reconstruct_set};
use ae_data::{DatasetKind, ImageSet, Noise};
use ae_models::{Autoencoder, Sparsity};

use super::{Context, PlannedRun, Settings, first, png, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::report::Section;
use crate::table::Table;

const ID: &str = "family";
const TITLE: &str = "8. The autoencoder family side by side";

define_experiment!(
    |s| Ok(planned(s)?.into_iter().map(|(_, p)| p).collect()),
    selected_data
);
/// A code value counts as inactive below this magnitude.
const NEAR_ZERO: f32 = 0.01;

struct Member {
    name: &'static str,
    model: &'static str,
    code: Option<usize>,
    noise: Noise,
    sparse: Option<Sparsity>,
    contractive: Option<f64>,
}

const fn member(name: &'static str, model: &'static str, code: Option<usize>) -> Member {
    Member {
        name,
        model,
        code,
        noise: Noise::None,
        sparse: None,
        contractive: None,
    }
}

fn members() -> [Member; 7] {
    [
        member("undercomplete 784-32", "shallow", None),
        member("deep 784-128-32", "deep", None),
        Member {
            noise: Noise::Gaussian { std: 0.25 },
            ..member("denoising 784-32 (Gaussian 0.25)", "shallow", None)
        },
        // The Keras blog's L1 activity penalty of 10e-5.
        Member {
            sparse: Some(Sparsity::L1 { lambda: 1e-4 }),
            ..member("sparse 784-32 (L1 1e-4)", "shallow", None)
        },
        Member {
            contractive: Some(1e-4),
            ..member("contractive 784-32 (lambda 1e-4)", "shallow", None)
        },
        member("convolutional (code 8x7x7)", "conv", None),
        member("variational (latent 32)", "vae", Some(32)),
    ]
}

/// Training images of every member.
fn train_images(settings: &Settings) -> usize {
    settings.profile.pick(600, 20_000, 60_000)
}

/// Every member with its run.
fn planned(settings: &Settings) -> Result<Vec<(Member, PlannedRun)>> {
    members()
        .into_iter()
        .map(|m| {
            let mut config =
                settings.config(m.model, m.code, DatasetKind::Mnist, (1, 2, 50), 128)?;
            config.data.train_limit = Some(train_images(settings));
            config.noise = m.noise;
            config.objective.sparse = m.sparse;
            config.objective.contractive = m.contractive;
            let planned = PlannedRun {
                section: ID,
                run: m.model_run().into(),
                model: m.model,
                config,
                train_images: None,
                source: "no seed compares the family; one budget for all so that the comparison is like with like: the Keras blog's conv settings, 50 epochs of batch 128, Adam, BCE",
            };
            Ok((m, planned))
        })
        .collect()
}

/// Trains every member on the same images and compares them.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let mut section = Section::new(ID, TITLE);
    let limit = train_images(&ctx.settings());
    let mut table = Table::new([
        "model",
        "code values",
        "test MSE (clean inputs)",
        "logistic accuracy on codes",
        "inactive code share",
        "seconds per epoch",
    ]);
    let mut grid = Vec::new();
    let mut shown_names = Vec::new();
    let mut scores = Vec::new();
    let mut epochs = 0;
    for (m, planned) in planned(&ctx.settings())? {
        let (data, outcome) = ctx.train_planned(&planned)?;
        epochs = planned.config.epochs;
        let test = &data.val;
        let mse = mean_squared_error(
            &reconstruct_set(&outcome.model, test, &ctx.device),
            &test.to_f32(),
        );
        let code_len = outcome.model.code_len();
        let codes = |set: &ImageSet| encode_set(&outcome.model, set, &ctx.device);
        let train_codes = codes(&data.train);
        let inactive = train_codes.iter().filter(|v| v.abs() < NEAR_ZERO).count() as f64
            / train_codes.len().max(1) as f64;
        let (fit_rows, val_rows) = ae_data::validation_split(data.train.len(), 0.1);
        let all = Features::new(train_codes, code_len, data.train.labels().to_vec())?;
        let (fit, val) = (
            all.select(&fit_rows.collect::<Vec<_>>()),
            all.select(&val_rows.collect::<Vec<_>>()),
        );
        let test_features = Features::new(codes(test), code_len, test.labels().to_vec())?;
        let mut logistic = ClassifierConfig::new(ClassifierKind::Logistic, ctx.settings.seed);
        logistic.max_epochs = ctx.settings.profile.pick(2, 10, 30);
        let report = train_classifier::<B>(&logistic, &fit, &val, &test_features, 10, &ctx.device)?;
        scores.push((m.name, mse, report.test_accuracy));
        table.push([
            m.name.to_string(),
            code_len.to_string(),
            Table::num(mse, 3),
            Table::num(report.test_accuracy, 4),
            Table::num(inactive, 3),
            outcome
                .seconds_per_epoch()
                .map_or_else(|| "-".to_string(), |s| Table::num(s, 3)),
        ]);
        let shown = first(test, 10)?;
        if grid.is_empty() {
            grid.extend(shown.to_f32());
        }
        grid.extend(reconstruct_set(&outcome.model, &shown, &ctx.device));
        shown_names.push(m.name);
    }
    section.text(format!(
        "Every model trains {epochs} epochs (Adam, BCE, batch 128) on the same {} MNIST training images and is tested on the same test images. Logistic regression on the codes: Adam, early stopping on the last tenth of the training codes. Inactive code share: the fraction of training-code values with magnitude below {NEAR_ZERO}. Every model, the denoising one included, is scored on clean test images: how it cleans noisy ones is shown in sections 3 and 5.",
        limit.min(ctx.mnist.train.len())
    ));
    section.table("comparison", table);
    section.findings(findings::family(&scores));
    let labels: Vec<String> = std::iter::once("test images")
        .chain(shown_names.iter().copied())
        .map(str::to_string)
        .collect();
    section.figure(
        ctx.labelled_image_grid(&png(ID, "reconstructions"), &grid, &labels)?,
        "Test images (top row), then each model's reconstruction of them",
    );
    Ok(section)
}

impl Member {
    /// The run folder's name.
    fn model_run(&self) -> &'static str {
        match (
            self.model,
            self.noise.is_none(),
            self.sparse.is_some(),
            self.contractive.is_some(),
        ) {
            ("shallow", false, _, _) => "denoising",
            ("shallow", _, true, _) => "sparse",
            ("shallow", _, _, true) => "contractive",
            (model, ..) => model,
        }
    }
}
