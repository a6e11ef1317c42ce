//! Classifiers on features (autoencoder codes, PCA components, raw pixels): multinomial
//! logistic regression and MLPs, trained with Adam on cross-entropy, early-stopped on a
//! validation split, seeded. Reports accuracy, per-class precision/recall and the confusion matrix.
//! A small CNN ([`ClassifierKind::Cnn`]) reads each feature row as a square image, for
//! classifying original images against autoencoder outputs.

use ae_data::flat_tensor;
use ae_models::Activation;
use ae_models::glorot_linear;
use ae_models::kernels::{activated_linear_layer, conv2d_relu_pool_layer, linear_layer};
use ae_models::{OptimizerKind, same_conv};
use ae_train::{EarlyStopping, Verdict};
use burn::module::{AutodiffModule, Module};
use burn::nn::Linear;
use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor, TensorData};

use crate::error::{AnalysisError, Result};

/// Features with labels: `rows x cols`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Values.
    pub values: Vec<f32>,
    /// Samples.
    pub rows: usize,
    /// Features per sample.
    pub cols: usize,
    /// Class index per sample (dense, `0..classes`).
    pub labels: Vec<u8>,
}

impl Features {
    /// Checks that the sizes agree.
    pub fn new(values: Vec<f32>, cols: usize, labels: Vec<u8>) -> Result<Self> {
        let rows = labels.len();
        if cols == 0 || values.len() != rows * cols {
            return Err(AnalysisError::InvalidParameter {
                field: "features",
                reason: format!("{} values are not {rows} x {cols}", values.len()),
            });
        }
        Ok(Features {
            values,
            rows,
            cols,
            labels,
        })
    }

    /// The rows at `indices`.
    pub fn select(&self, indices: &[usize]) -> Features {
        let values = indices
            .iter()
            .flat_map(|&i| {
                self.values[i * self.cols..(i + 1) * self.cols]
                    .iter()
                    .copied()
            })
            .collect();
        Features {
            values,
            rows: indices.len(),
            cols: self.cols,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// Which classifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassifierKind {
    /// Multinomial logistic regression (softmax on a linear map).
    Logistic,
    /// MLP: hidden layers of these widths, each followed by `activation`.
    Mlp {
        /// Hidden widths, input side first.
        widths: Vec<usize>,
        /// Hidden units' nonlinearity (the seeds' MLPs use logistic units).
        activation: Activation,
    },
    /// Conv 8@3x3 same, MaxPool 2, Conv 16@3x3 same, MaxPool 2, Dense 64, softmax: rows
    /// are read as square images whose side is a multiple of 4.
    Cnn,
}

impl ClassifierKind {
    /// The seed report's three MLPs, 512-256-256, 512-512-512 and 512-256-128-64, with
    /// logistic hidden units as the report states them.
    pub fn seed_mlps() -> [ClassifierKind; 3] {
        [
            vec![512, 256, 256],
            vec![512, 512, 512],
            vec![512, 256, 128, 64],
        ]
        .map(|widths| ClassifierKind::Mlp {
            widths,
            activation: Activation::Sigmoid,
        })
    }

    /// `logistic`, `cnn`, `mlp-512-256-256` (relu units) or `mlp-sigmoid-512-256-256`
    /// (any activation name: relu, sigmoid, tanh, linear).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "logistic" => return Some(ClassifierKind::Logistic),
            "cnn" => return Some(ClassifierKind::Cnn),
            _ => {}
        }
        let rest = name.strip_prefix("mlp-")?;
        let (activation, rest) = ACTIVATIONS
            .into_iter()
            .find_map(|a| Some((a, rest.strip_prefix(a.name())?.strip_prefix('-')?)))
            .unwrap_or((Activation::Relu, rest));
        let widths: Vec<usize> = rest
            .split('-')
            .map(|w| w.parse().ok().filter(|&w| w > 0))
            .collect::<Option<_>>()?;
        (!widths.is_empty()).then_some(ClassifierKind::Mlp { widths, activation })
    }

    /// Name as parsed (relu MLPs without the activation).
    pub fn name(&self) -> String {
        match self {
            ClassifierKind::Logistic => "logistic".into(),
            ClassifierKind::Cnn => "cnn".into(),
            ClassifierKind::Mlp { widths, activation } => {
                let widths = widths
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("-");
                match activation {
                    Activation::Relu => format!("mlp-{widths}"),
                    other => format!("mlp-{}-{widths}", other.name()),
                }
            }
        }
    }
}

const ACTIVATIONS: [Activation; 4] = [
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Linear,
];

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// Architecture.
    pub kind: ClassifierKind,
    /// Most epochs.
    pub max_epochs: usize,
    /// Stop after this many epochs without a better validation loss.
    pub patience: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
}

impl ClassifierConfig {
    /// Defaults: 50 epochs at most, patience 5, batch 128, Adam 1e-3.
    pub fn new(kind: ClassifierKind, seed: u64) -> Self {
        ClassifierConfig {
            kind,
            max_epochs: 50,
            patience: 5,
            batch_size: 128,
            learning_rate: 1e-3,
            seed,
        }
    }
}

/// Results on validation and test data.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierReport {
    /// Classifier name.
    pub classifier: String,
    /// Accuracy on the validation split (of the restored best epoch).
    pub val_accuracy: f64,
    /// Accuracy on the test data.
    pub test_accuracy: f64,
    /// Test precision per class (NaN where nothing was predicted as the class).
    pub precision: Vec<f64>,
    /// Test recall per class.
    pub recall: Vec<f64>,
    /// Test confusion matrix: `confusion[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    /// Epoch whose weights were kept.
    pub best_epoch: usize,
}

/// The CNN's convolutional front: two same-padded 3x3 convolutions, each followed by
/// relu and 2x2 max pooling.
#[derive(Module, Debug)]
struct ConvFront<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    pool: MaxPool2d,
    side: usize,
}

const CNN_CHANNELS: [usize; 2] = [8, 16];
const CNN_DENSE: usize = 64;

impl<B: Backend> ConvFront<B> {
    fn new(side: usize, device: &B::Device) -> Self {
        ConvFront {
            conv1: same_conv(1, CNN_CHANNELS[0], device),
            conv2: same_conv(CNN_CHANNELS[0], CNN_CHANNELS[1], device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            side,
        }
    }

    fn outputs(side: usize) -> usize {
        CNN_CHANNELS[1] * (side / 4) * (side / 4)
    }

    /// # Shapes
    /// `[n, side * side]` -> `[n, 16 * (side / 4)^2]`
    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let n = x.dims()[0];
        let x = x.reshape([n, 1, self.side, self.side]);
        let h = conv2d_relu_pool_layer(&self.conv1, &self.pool, x);
        let h = conv2d_relu_pool_layer(&self.conv2, &self.pool, h);
        h.reshape([n, Self::outputs(self.side)])
    }
}

#[derive(Module, Debug)]
struct Classifier<B: Backend> {
    front: Option<ConvFront<B>>,
    hidden: Vec<Linear<B>>,
    activation: Activation,
    output: Linear<B>,
}

/// The side of the square image a CNN reads from `cols` features.
fn cnn_side(cols: usize) -> Result<usize> {
    let side = (cols as f64).sqrt().round() as usize;
    if side * side != cols || side == 0 || !side.is_multiple_of(4) {
        return Err(AnalysisError::InvalidParameter {
            field: "features",
            reason: format!(
                "the CNN needs square images with a side divisible by 4; {cols} features are not"
            ),
        });
    }
    Ok(side)
}

impl<B: Backend> Classifier<B> {
    fn new(
        kind: &ClassifierKind,
        inputs: usize,
        classes: usize,
        device: &B::Device,
    ) -> Result<Self> {
        let (front, widths, inputs) = match kind {
            ClassifierKind::Logistic => (None, Vec::new(), inputs),
            ClassifierKind::Mlp { widths, .. } => (None, widths.clone(), inputs),
            ClassifierKind::Cnn => {
                let side = cnn_side(inputs)?;
                (
                    Some(ConvFront::new(side, device)),
                    vec![CNN_DENSE],
                    ConvFront::<B>::outputs(side),
                )
            }
        };
        let mut d = inputs;
        let hidden = widths
            .iter()
            .map(|&w| {
                let l = glorot_linear(d, w, true, device);
                d = w;
                l
            })
            .collect();
        let activation = match kind {
            ClassifierKind::Mlp { activation, .. } => *activation,
            ClassifierKind::Logistic | ClassifierKind::Cnn => Activation::Relu,
        };
        Ok(Classifier {
            front,
            hidden,
            activation,
            output: glorot_linear(d, classes, true, device),
        })
    }

    fn logits(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let x = match &self.front {
            Some(front) => front.forward(x),
            None => x,
        };
        let h = self
            .hidden
            .iter()
            .fold(x, |h, l| activated_linear_layer(l, self.activation, h));
        linear_layer(&self.output, h)
    }
}

fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, one_hot: Tensor<B, 2>) -> Tensor<B, 1> {
    (log_softmax(logits, 1) * one_hot).sum_dim(1).mean().neg()
}

fn one_hot<B: Backend>(labels: &[u8], classes: usize, device: &B::Device) -> Tensor<B, 2> {
    let mut v = vec![0.0f32; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        v[i * classes + usize::from(l)] = 1.0;
    }
    Tensor::from_data(TensorData::new(v, [labels.len(), classes]), device)
}

fn predict<B: Backend>(model: &Classifier<B>, f: &Features, device: &B::Device) -> Vec<usize> {
    let mut out = Vec::with_capacity(f.rows);
    for chunk in f.values.chunks(1000 * f.cols) {
        let n = chunk.len() / f.cols;
        let arg = model
            .logits(flat_tensor::<B>(chunk, n, f.cols, device))
            .argmax(1);
        out.extend(arg.into_data().iter::<i64>().map(|v| v as usize));
    }
    out
}

fn mean_loss<B: Backend>(
    model: &Classifier<B>,
    f: &Features,
    classes: usize,
    device: &B::Device,
) -> f64 {
    let x = flat_tensor::<B>(&f.values, f.rows, f.cols, device);
    cross_entropy(model.logits(x), one_hot(&f.labels, classes, device))
        .into_scalar()
        .elem()
}

/// Trains on `train`, early-stops on `val` (best validation loss, patience), evaluates on `test`.
pub fn train_classifier<B: AutodiffBackend>(
    config: &ClassifierConfig,
    train: &Features,
    val: &Features,
    test: &Features,
    classes: usize,
    device: &B::Device,
) -> Result<ClassifierReport> {
    if train.rows == 0
        || val.rows == 0
        || test.rows == 0
        || val.cols != train.cols
        || test.cols != train.cols
    {
        return Err(AnalysisError::InvalidParameter {
            field: "features",
            reason: "train, val and test must be non-empty with the same width".into(),
        });
    }
    if config.batch_size == 0 || config.max_epochs == 0 {
        return Err(AnalysisError::InvalidParameter {
            field: "classifier",
            reason: "batch size and epochs must be at least 1".into(),
        });
    }
    if let Some(&bad) = train
        .labels
        .iter()
        .chain(&val.labels)
        .chain(&test.labels)
        .find(|&&l| usize::from(l) >= classes)
    {
        return Err(AnalysisError::InvalidParameter {
            field: "labels",
            reason: format!("label {bad} is not below {classes} classes"),
        });
    }
    let mut model = ae_train::init_seeded(device, config.seed, || {
        Classifier::<B>::new(&config.kind, train.cols, classes, device)
    })?;
    // Keras' Adam (epsilon 1e-7), fused into one in-place pass per parameter on Flex.
    let mut optim = OptimizerKind::Adam.init::<B, Classifier<B>>();
    let (mut best, mut stopping) = (model.valid(), EarlyStopping::new(config.patience));
    for epoch in 1..=config.max_epochs {
        let order = ae_data::shuffled_indices(train.rows, config.seed.wrapping_add(epoch as u64));
        for batch in order.chunks(config.batch_size) {
            let b = train.select(batch);
            let x = flat_tensor::<B>(&b.values, b.rows, b.cols, device);
            let loss = cross_entropy(model.logits(x), one_hot(&b.labels, classes, device));
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(config.learning_rate, model, grads);
        }
        match stopping.update(epoch, mean_loss(&model.valid(), val, classes, device)) {
            Verdict::Improved => best = model.valid(),
            Verdict::Continue => {}
            Verdict::Stop => break,
        }
    }
    let accuracy = |f: &Features, pred: &[usize]| {
        pred.iter()
            .zip(&f.labels)
            .filter(|(p, l)| **p == usize::from(**l))
            .count() as f64
            / f.rows as f64
    };
    let val_pred = predict(&best, val, device);
    let test_pred = predict(&best, test, device);
    let mut confusion = vec![vec![0usize; classes]; classes];
    for (&p, &l) in test_pred.iter().zip(&test.labels) {
        confusion[usize::from(l)][p] += 1;
    }
    let precision = (0..classes)
        .map(|c| {
            confusion[c][c] as f64 / (0..classes).map(|t| confusion[t][c]).sum::<usize>() as f64
        })
        .collect();
    let recall = (0..classes)
        .map(|c| confusion[c][c] as f64 / confusion[c].iter().sum::<usize>() as f64)
        .collect();
    Ok(ClassifierReport {
        classifier: config.kind.name(),
        val_accuracy: accuracy(val, &val_pred),
        test_accuracy: accuracy(test, &test_pred),
        precision,
        recall,
        confusion,
        best_epoch: stopping.best_epoch(),
    })
}
