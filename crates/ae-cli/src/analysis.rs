//! `ae sweep`, `ae latent`, `ae weights`: analyses of trained autoencoders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_analysis::{LatentBox, OCCUPIED_QUANTILE, decode_point, latent_points, manifold};
use ae_analysis::{SEED_CODE_SIZES, bottleneck_sweep};
use ae_analysis::{first_layer_weights, normalise_for_display};
use ae_data::{DatasetKind, IMAGE_SIDE};
use ae_data::{GridLayout, render_grid, save_png};
use ae_models::ModelConfig;
use ae_train::{DefaultBackend, TrainData, TrainingConfig, load_run};
use anyhow::Context;
use clap::Args;

/// Arguments of `ae sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Code sizes (default: the seeds' 5,20,...,95).
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// Epochs per code size.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Train on the first N training images only.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    runs: RunsArgs,
}

/// Seed, run folder and output format of the commands that train several runs.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Folder of the runs (one sub-folder each; finished ones are reused).
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Trains the shallow autoencoder at each code size; prints final train and test loss.
pub fn sweep(args: &SweepArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let sizes = args
        .sizes
        .clone()
        .unwrap_or_else(|| SEED_CODE_SIZES.to_vec());
    let first = *sizes
        .first()
        .context("--sizes: give at least one code size")?;
    // TrainingConfig::new gives the sweep's settings: BCE, Adam at its default rate, no noise.
    let mut base = TrainingConfig::new(
        ModelConfig::named("shallow", Some(first), IMAGE_SIDE, IMAGE_SIDE)?,
        args.dataset,
    );
    base.epochs = args.epochs;
    base.batch_size = args.batch;
    base.seed = args.runs.seed;
    base.data.train_limit = args.limit;
    base.validate()?;
    if let Some(bad) = sizes.iter().find(|&&s| s == 0) {
        anyhow::bail!("--sizes: code size {bad} must be at least 1");
    }
    let ds = crate::data::load_dataset(data_dir, args.dataset)?;
    let data = TrainData::select(&base, &ds)?;
    let points = bottleneck_sweep::<DefaultBackend>(
        &base,
        &sizes,
        &data,
        &args.runs.out,
        ae_train::ProgressMode::Auto,
        &Default::default(),
    )?;
    if args.runs.json {
        let rows: Vec<_> = points.iter().map(|p| serde_json::json!({"code_size": p.code_size, "train_loss": p.train_loss, "test_loss": p.test_loss})).collect();
        println!(
            "{}",
            serde_json::json!({"dataset": args.dataset.name(), "epochs": args.epochs, "points": rows, "verified": ds.verified()})
        );
    } else {
        println!("code_size train_loss test_loss");
        for p in &points {
            println!(
                "{:>9} {:>10.5} {:>9.5}",
                p.code_size, p.train_loss, p.test_loss
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `ae latent`.
#[derive(Debug, Args)]
pub struct LatentArgs {
    /// Run folder of a model with a 2-D code (latent2, vae).
    run: PathBuf,
    /// Test points to encode (from the start of the run's validation selection).
    #[arg(long, default_value_t = 500)]
    points: usize,
    /// Latent box of the manifold: XMIN,XMAX,YMIN,YMAX (default: the codes' 1st to 99th
    /// percentiles on each axis).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    r#box: Option<Vec<f32>>,
    /// Images per side of the manifold grid.
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Write the manifold grid here.
    #[arg(long)]
    grid_out: Option<PathBuf>,
    /// Decode this latent point X,Y.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    decode: Option<Vec<f32>>,
    /// Write the decoded point's image here.
    #[arg(long)]
    decode_out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Latent coordinates of test points, decoded points and the manifold grid.
pub fn latent(args: &LatentArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let device = Default::default();
    let (config, model, _) = load_run::<DefaultBackend>(&args.run, &device)?;
    let ds = crate::data::load_dataset(data_dir, config.data.dataset)?;
    let data = TrainData::select(&config, &ds)?;
    if args.r#box.as_ref().is_some_and(|b| b.len() != 4) {
        anyhow::bail!("--box: expected XMIN,XMAX,YMIN,YMAX");
    }
    if args.decode.as_ref().is_some_and(|d| d.len() != 2) {
        anyhow::bail!("--decode: expected X,Y");
    }
    let points = latent_points(&model, &data.val, args.points, &device)?;
    let (side, single) = (
        28,
        GridLayout {
            columns: 1,
            scale: 4,
            gap: 0,
        },
    );
    if let Some(path) = &args.grid_out {
        let area = match args.r#box.as_deref() {
            Some(&[x_min, x_max, y_min, y_max]) => LatentBox {
                x_min,
                x_max,
                y_min,
                y_max,
            },
            _ => LatentBox::quantiles(&points, OCCUPIED_QUANTILE),
        };
        let images = manifold(&model, area, args.steps, &device)?;
        save_png(
            &render_grid(
                &images,
                side,
                side,
                None,
                GridLayout {
                    columns: args.steps,
                    scale: 1,
                    gap: 0,
                },
            ),
            path,
        )?;
    }
    if let Some(&[x, y]) = args.decode.as_deref() {
        let image = decode_point(&model, x, y, &device)?;
        if let Some(path) = &args.decode_out {
            save_png(&render_grid(&image, side, side, None, single), path)?;
        }
    }
    if args.json {
        let rows: Vec<_> = points
            .iter()
            .map(|p| serde_json::json!([p.x, p.y, p.label]))
            .collect();
        println!(
            "{}",
            serde_json::json!({"points": rows, "columns": ["x", "y", "label"], "verified": ds.verified()})
        );
    } else {
        crate::output::print_lines(
            points
                .iter()
                .map(|p| format!("{:.5} {:.5} {}", p.x, p.y, p.label)),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `ae weights`.
#[derive(Debug, Args)]
pub struct WeightsArgs {
    /// Run folder of a dense model.
    run: PathBuf,
    /// How many hidden units.
    #[arg(long, default_value_t = 12)]
    units: usize,
    /// Output PNG (each unit's weights scaled to [0, 1]).
    #[arg(long)]
    out: PathBuf,
}

/// First-layer encoder weights as 28x28 images.
pub fn weights(args: &WeightsArgs) -> anyhow::Result<ExitCode> {
    let (_, model, _) = load_run::<DefaultBackend>(&args.run, &Default::default())?;
    let units = first_layer_weights(&model, args.units)?;
    let values: Vec<f32> = units
        .iter()
        .flat_map(|w| normalise_for_display(w))
        .collect();
    let side = (units.first().map_or(0, Vec::len) as f64).sqrt() as usize;
    save_png(
        &render_grid(
            &values,
            side,
            side,
            None,
            GridLayout {
                columns: 6,
                scale: 2,
                gap: 2,
            },
        ),
        &args.out,
    )?;
    println!("wrote {} ({} units)", args.out.display(), units.len());
    Ok(ExitCode::SUCCESS)
}
