//! burn's autodiff against closed-form gradients and finite differences for
//! `h = relu(W1 x + b1)`, `x^ = relu(W2 h + b2)`, `L = mean (x - x^)^2`.

use ae_models::mse;
use ae_models::{Activation, Autoencoder};
use ae_models::{DenseAutoencoderConfig, DenseLayer};
use burn::backend::{Autodiff, Flex};
use burn::module::Param;
use burn::tensor::{Tensor, TensorData};

type B = Autodiff<Flex>;
const BATCH: usize = 4;
const INPUT: usize = 6;
const HIDDEN: usize = 3;

fn to_vec<const D: usize>(t: Tensor<Flex, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// A deterministic model with non-trivial weights and biases (so both relus are
/// partly active) and a batch of inputs.
fn setup() -> (ae_models::DenseAutoencoder<B>, Vec<f32>) {
    let device = Default::default();
    let layer = |units| DenseLayer {
        units,
        activation: Activation::Relu,
        bias: true,
    };
    let cfg = DenseAutoencoderConfig {
        input: INPUT,
        encoder: vec![layer(HIDDEN)],
        decoder: vec![layer(INPUT)],
        init_std: None,
    };
    let mut model = cfg.init::<B>(&device).unwrap();
    let fill = |n: usize, k: f32| {
        (0..n)
            .map(|i| ((i as f32 * 0.7 + k).sin()) * 0.8)
            .collect::<Vec<f32>>()
    };
    let set_linear = |l: &mut burn::nn::Linear<B>, d_in: usize, d_out: usize, k: f32| {
        l.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(fill(d_in * d_out, k), [d_in, d_out]),
            &device,
        ));
        l.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(fill(d_out, k + 1.0), [d_out]),
            &device,
        )));
    };
    set_linear(&mut model.encoder[0], INPUT, HIDDEN, 0.3);
    set_linear(&mut model.decoder[0], HIDDEN, INPUT, 1.9);
    let x = (0..BATCH * INPUT)
        .map(|i| ((i * 37 % 11) as f32) / 10.0)
        .collect();
    (model, x)
}

fn loss_of(model: &ae_models::DenseAutoencoder<B>, x: &[f32]) -> Tensor<B, 1> {
    let x = Tensor::<B, 2>::from_data(
        TensorData::new(x.to_vec(), [BATCH, INPUT]),
        &Default::default(),
    );
    mse(model.reconstruct(x.clone()), x)
}

/// Plain-Rust matrices, row-major.
fn matmul(a: &[f32], b: &[f32], n: usize, k: usize, m: usize) -> Vec<f32> {
    let mut out = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            out[i * m + j] = (0..k).map(|p| a[i * k + p] * b[p * m + j]).sum();
        }
    }
    out
}

fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols * rows)
        .map(|idx| a[(idx % rows) * cols + idx / rows])
        .collect()
}

#[test]
fn autodiff_matches_closed_form_and_finite_differences() {
    let (model, x) = setup();
    let w1 = to_vec(model.encoder[0].weight.val().inner());
    let b1 = to_vec(model.encoder[0].bias.as_ref().unwrap().val().inner());
    let w2 = to_vec(model.decoder[0].weight.val().inner());
    let b2 = to_vec(model.decoder[0].bias.as_ref().unwrap().val().inner());

    // Forward by hand.
    let mut a1 = matmul(&x, &w1, BATCH, INPUT, HIDDEN);
    a1.iter_mut()
        .enumerate()
        .for_each(|(i, v)| *v += b1[i % HIDDEN]);
    let h: Vec<f32> = a1.iter().map(|v| v.max(0.0)).collect();
    let mut a2 = matmul(&h, &w2, BATCH, HIDDEN, INPUT);
    a2.iter_mut()
        .enumerate()
        .for_each(|(i, v)| *v += b2[i % INPUT]);
    let xhat: Vec<f32> = a2.iter().map(|v| v.max(0.0)).collect();
    let n = (BATCH * INPUT) as f32;
    assert!(
        a1.iter().any(|&v| v > 0.0) && a1.iter().any(|&v| v < 0.0),
        "relu 1 should be partly active"
    );
    assert!(
        a2.iter().any(|&v| v > 0.0) && a2.iter().any(|&v| v < 0.0),
        "relu 2 should be partly active"
    );

    // Backward by hand.
    let delta2: Vec<f32> = (0..BATCH * INPUT)
        .map(|i| 2.0 * (xhat[i] - x[i]) / n * if a2[i] > 0.0 { 1.0 } else { 0.0 })
        .collect();
    let dw2 = matmul(&transpose(&h, BATCH, HIDDEN), &delta2, HIDDEN, BATCH, INPUT);
    let db2: Vec<f32> = (0..INPUT)
        .map(|j| (0..BATCH).map(|r| delta2[r * INPUT + j]).sum())
        .collect();
    let back = matmul(
        &delta2,
        &transpose(&w2, HIDDEN, INPUT),
        BATCH,
        INPUT,
        HIDDEN,
    );
    let delta1: Vec<f32> = (0..BATCH * HIDDEN)
        .map(|i| back[i] * if a1[i] > 0.0 { 1.0 } else { 0.0 })
        .collect();
    let dw1 = matmul(&transpose(&x, BATCH, INPUT), &delta1, INPUT, BATCH, HIDDEN);
    let db1: Vec<f32> = (0..HIDDEN)
        .map(|j| (0..BATCH).map(|r| delta1[r * HIDDEN + j]).sum())
        .collect();

    // burn's autodiff.
    let grads = loss_of(&model, &x).backward();
    let g = |p: &Param<Tensor<B, 2>>| to_vec(p.grad(&grads).unwrap());
    let g1 = |p: &Param<Tensor<B, 1>>| to_vec(p.grad(&grads).unwrap());
    let auto = [
        ("dL/dW1", g(&model.encoder[0].weight), dw1),
        ("dL/db1", g1(model.encoder[0].bias.as_ref().unwrap()), db1),
        ("dL/dW2", g(&model.decoder[0].weight), dw2),
        ("dL/db2", g1(model.decoder[0].bias.as_ref().unwrap()), db2),
    ];
    for (name, got, expected) in &auto {
        assert_eq!(got.len(), expected.len(), "{name}");
        for (a, e) in got.iter().zip(expected) {
            assert!(
                (a - e).abs() < 1e-5,
                "{name}: autodiff {a} vs closed form {e}"
            );
        }
    }

    // Central finite differences on every weight of W1 and W2 (f64 accumulation of f32 losses).
    let eps = 1e-3f32;
    for (layer_name, which) in [("W1", 0usize), ("W2", 1)] {
        let expected = &auto[which * 2].2;
        for idx in 0..expected.len() {
            let perturbed = |delta: f32| {
                let (mut m, _) = setup();
                let linear = if which == 0 {
                    &mut m.encoder[0]
                } else {
                    &mut m.decoder[0]
                };
                let dims = linear.weight.dims();
                let mut w = to_vec(linear.weight.val().inner());
                w[idx] += delta;
                linear.weight = Param::from_tensor(Tensor::from_data(
                    TensorData::new(w, dims),
                    &Default::default(),
                ));
                f64::from(loss_of(&m, &x).into_scalar())
            };
            let fd = (perturbed(eps) - perturbed(-eps)) / (2.0 * f64::from(eps));
            assert!(
                (fd - f64::from(expected[idx])).abs() < 2e-3,
                "{layer_name}[{idx}]: finite difference {fd} vs closed form {}",
                expected[idx]
            );
        }
    }
}
