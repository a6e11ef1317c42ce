//! Code and output shapes of every named model.

use ae_models::AnyAutoencoder;
use ae_models::{Autoencoder, MODEL_NAMES, ModelConfig, Objective};
use burn::backend::Flex;
use burn::tensor::{Distribution, Tensor};

#[test]
fn every_named_model_has_the_documented_shapes() {
    let device = Default::default();
    let expected_code = |name: &str| -> Vec<usize> {
        match name {
            "fc" => vec![100],
            "shallow" | "deep" | "logistic" | "deep3" => vec![32],
            "latent2" | "vae" => vec![2],
            "conv" => vec![8, 7, 7],
            _ => unreachable!(),
        }
    };
    for name in MODEL_NAMES {
        let model: AnyAutoencoder<Flex> = ModelConfig::named(name, None, 28, 28)
            .unwrap()
            .init(&device)
            .unwrap();
        let x = Tensor::<Flex, 2>::random([3, 784], Distribution::Uniform(0.0, 1.0), &device);
        assert_eq!(model.code_shape(), expected_code(name), "{name}");
        assert_eq!(
            model.encode(x.clone()).dims(),
            [3, model.code_len()],
            "{name}"
        );
        assert_eq!(model.reconstruct(x.clone()).dims(), [3, 784], "{name}");
        let loss = Objective::default()
            .batch_loss(
                &model,
                x.clone(),
                x,
                &mut rand::SeedableRng::seed_from_u64(0),
            )
            .total
            .into_scalar();
        assert!(loss.is_finite(), "{name}: {loss}");
    }
}

#[test]
fn parameter_counts_match_the_keras_models() {
    use burn::module::Module;
    let device = Default::default();
    for (name, params) in [
        ("fc", 829_284),
        ("shallow", 50_992),
        ("deep", 209_968),
        ("conv", 3_217),
    ] {
        let model: AnyAutoencoder<Flex> = ModelConfig::named(name, None, 28, 28)
            .unwrap()
            .init(&device)
            .unwrap();
        assert_eq!(model.num_params(), params, "{name}");
    }
}

#[test]
fn code_size_overrides_and_invalid_configs_are_refused() {
    let device = Default::default();
    for d in [32, 64, 128, 256] {
        let m: AnyAutoencoder<Flex> = ModelConfig::named("logistic", Some(d), 28, 28)
            .unwrap()
            .init(&device)
            .unwrap();
        assert_eq!(m.code_shape(), vec![d]);
    }
    let err = ModelConfig::named("shallow", Some(0), 28, 28)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("encoder[0].units") && err.contains("code size"),
        "{err}"
    );
    assert!(
        ModelConfig::named("resnet", None, 28, 28)
            .unwrap_err()
            .to_string()
            .contains("`model`")
    );
    let err = ModelConfig::named("conv", None, 1, 784)
        .unwrap_err()
        .to_string();
    assert!(err.contains("height"), "{err}");
}

#[test]
fn conv_bottleneck_views_as_28_by_14() {
    let device = Default::default();
    let m: AnyAutoencoder<Flex> = ModelConfig::named("conv", None, 28, 28)
        .unwrap()
        .init(&device)
        .unwrap();
    assert_eq!(m.code_len(), 28 * 14);
}

#[test]
fn normal_initialisation_draws_weights_and_biases_with_the_given_spread() {
    use burn::module::Module;
    let ModelConfig::Dense(mut config) = ModelConfig::named("latent2", None, 28, 28).unwrap()
    else {
        panic!("latent2 is dense");
    };
    config.init_std = Some(0.1);
    let model = config
        .init::<burn::backend::Flex>(&Default::default())
        .unwrap();
    let first = &model.encoder[0];
    let spread = |values: Vec<f32>| {
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var.sqrt())
    };
    let (mean, std) = spread(first.weight.val().into_data().to_vec().unwrap());
    assert!(
        mean.abs() < 0.005 && (std - 0.1).abs() < 0.005,
        "weights: {mean} {std}"
    );
    let bias = first
        .bias
        .as_ref()
        .unwrap()
        .val()
        .into_data()
        .to_vec()
        .unwrap();
    let (_, bias_std) = spread(bias);
    assert!((bias_std - 0.1).abs() < 0.02, "biases: {bias_std}");
    assert!(model.num_params() > 0);

    config.init_std = Some(0.0);
    assert!(
        config
            .init::<burn::backend::Flex>(&Default::default())
            .is_err()
    );
}

#[test]
fn forward_macs_count_every_weight_use_once() {
    let macs = |name: &str| {
        ae_models::ModelConfig::named(name, None, 28, 28)
            .unwrap()
            .forward_macs()
    };
    assert_eq!(
        macs("fc"),
        784 * 400 + 400 * 200 + 200 * 100 + 100 * 200 + 200 * 400 + 400 * 784
    );
    // 3x3 kernels, per output pixel and channel pair, at 28x28, 14x14, 7x7, 14x14, 28x28.
    assert_eq!(
        macs("conv"),
        9 * (28 * 28 * 16 + 14 * 14 * 16 * 8 + 7 * 7 * 8 * 8 + 14 * 14 * 8 * 16 + 28 * 28 * 16)
    );
    // Encoder 784-512-(2 x 2), decoder 2-512-784.
    assert_eq!(macs("vae"), 784 * 512 + 512 * 4 + 2 * 512 + 512 * 784);
}
