//! Builds every named model of the seeds, runs a forward pass on a random batch, and
//! prints its parameter count, code shape and reconstruction MSE (untrained).
//!
//! `cargo run --release -p ae-models --example forward`

use ae_models::{Autoencoder, MODEL_NAMES, ModelConfig, ReconstructionLoss};
use burn::backend::Flex;
use burn::module::Module;
use burn::tensor::{Distribution, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Default::default();
    let x = Tensor::<Flex, 2>::random([64, 784], Distribution::Uniform(0.0, 1.0), &device);
    println!(
        "{:<9} {:>10} {:>10} {:>9}",
        "model", "parameters", "code", "MSE"
    );
    for name in MODEL_NAMES {
        let model = ModelConfig::named(name, None, 28, 28)?.init::<Flex>(&device)?;
        let y = model.reconstruct(x.clone());
        let loss: f32 = ReconstructionLoss::Mse.compute(y, x.clone()).into_scalar();
        let code = format!("{:?}", model.code_shape());
        println!(
            "{name:<9} {:>10} {code:>10} {loss:>9.4}",
            model.num_params()
        );
    }
    Ok(())
}
