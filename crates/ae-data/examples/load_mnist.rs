//! Loads MNIST from a folder, checks it against the canonical digests, iterates shuffled
//! batches, corrupts one with Gaussian noise and writes a grid: the clean test digits
//! above their noisy copies.
//!
//! `cargo run --release -p ae-data --example load_mnist -- DATA_DIR OUT.png`

use std::path::PathBuf;

use ae_data::{BatchBuffer, Dataset, DatasetKind, Noise, shuffled_indices};
use ae_data::{GridLayout, render_grid, save_png};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: load_mnist DATA_DIR OUT.png".into());
    };
    let mnist = Dataset::load(&PathBuf::from(dir), DatasetKind::Mnist)?;
    println!(
        "MNIST: {} training and {} test images of {}x{}, canonical digests: {}",
        mnist.train.len(),
        mnist.test.len(),
        mnist.test.rows(),
        mnist.test.cols(),
        if mnist.verified() {
            "verified"
        } else {
            "NOT verified"
        }
    );
    println!(
        "training images per class: {:?}",
        mnist.train.class_histogram()
    );

    let mut buffer = BatchBuffer::new();
    let order = shuffled_indices(mnist.train.len(), 0);
    let batches = order.chunks(256).count();
    let mean: f64 = order
        .chunks(256)
        .map(|indices| {
            let batch = buffer.gather(&mnist.train, indices);
            batch.iter().map(|&p| f64::from(p)).sum::<f64>() / batch.len() as f64
        })
        .sum::<f64>()
        / batches as f64;
    println!("{batches} shuffled batches of up to 256; mean pixel {mean:.4}");

    let first: Vec<usize> = (0..10).collect();
    let clean = buffer.gather(&mnist.test, &first).to_vec();
    let mut noisy = clean.clone();
    let noise: Noise = "gaussian:0.4".parse()?;
    noise.apply_seeded(&mut noisy, 1);
    let values: Vec<f32> = clean.iter().chain(&noisy).copied().collect();
    let layout = GridLayout {
        columns: 10,
        ..GridLayout::default()
    };
    save_png(
        &render_grid(&values, 28, 28, None, layout),
        &PathBuf::from(&out),
    )?;
    println!(
        "wrote {out}: 10 test digits above the same with {}",
        noise.describe()
    );
    Ok(())
}
