//! `ae encode`: the codes of a trained model for one split, as a Parquet (or CSV) table
//! written through polars: `index`, `label`, then one `code_<i>` column per code value.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_analysis::encode_set;
use ae_data::Split;
use ae_io::write_atomic;
use ae_models::Autoencoder;
use ae_train::{DefaultBackend, TrainData, load_run};
use anyhow::{Context, bail};
use clap::Args;
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};

/// Arguments of `ae encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Run folder of a trained model.
    run: PathBuf,
    /// Which split: train or test (with the run's class selection applied).
    #[arg(long, default_value = "test")]
    split: Split,
    /// Output file: `.parquet` or `.csv`.
    #[arg(long)]
    out: PathBuf,
    /// Encode only the first N images of the split.
    #[arg(long)]
    limit: Option<usize>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// The codes as a data frame: `index` (position in the split), `label`, `code_0..`.
fn codes_frame(
    codes: &[f32],
    code_len: usize,
    labels: &[u8],
    indices: &[u32],
) -> polars::prelude::PolarsResult<DataFrame> {
    let mut columns = vec![
        Column::new("index".into(), indices),
        Column::new(
            "label".into(),
            labels.iter().map(|&l| u32::from(l)).collect::<Vec<_>>(),
        ),
    ];
    for c in 0..code_len {
        let values: Vec<f32> = codes.iter().skip(c).step_by(code_len).copied().collect();
        columns.push(Column::new(format!("code_{c}").into(), values));
    }
    DataFrame::new(labels.len(), columns)
}

/// Encodes a split (streamed in batches) and writes the table atomically.
pub fn run(args: &EncodeArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let format = match args.out.extension().and_then(|e| e.to_str()) {
        Some("parquet") => "parquet",
        Some("csv") => "csv",
        _ => bail!(
            "--out {}: expected a .parquet or .csv file name",
            args.out.display()
        ),
    };
    let device = Default::default();
    let (config, model, _) = load_run::<DefaultBackend>(&args.run, &device)?;
    let ds = crate::data::load_dataset(data_dir, config.data.dataset)?;
    let mut selection = config.clone();
    selection.data.train_limit = None;
    selection.data.val_limit = None;
    let data = TrainData::select(&selection, &ds)?;
    let set = match args.split {
        Split::Train => data.train,
        Split::Test => data.val,
    };
    let set = match args.limit {
        Some(n) if n < set.len() => set.first(n)?,
        _ => set,
    };
    let codes = encode_set(&model, &set, &device);
    let code_len = model.code_len();
    let indices: Vec<u32> = (0..set.len() as u32).collect();
    let mut frame = codes_frame(&codes, code_len, set.labels(), &indices)
        .context("building the codes table")?;
    let mut bytes = Vec::new();
    match format {
        "parquet" => ParquetWriter::new(&mut bytes)
            .finish(&mut frame)
            .map(|_| ()),
        _ => CsvWriter::new(&mut bytes).finish(&mut frame),
    }
    .with_context(|| format!("{}: cannot encode the table", args.out.display()))?;
    write_atomic(&args.out, &bytes)
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"out": args.out.display().to_string(), "rows": set.len(), "code_len": code_len, "split": args.split.name(), "verified": ds.verified()})
        );
    } else {
        println!(
            "wrote {} codes of {} values to {}",
            set.len(),
            code_len,
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
