//! Weights in and out as safetensors, through burn's own `burn-store`: in PyTorch's
//! state-dict layout (what `load_state_dict` of the equivalent `nn.Module` accepts) or in
//! burn's.
//!
//! PyTorch layout: names without burn's enum variant (`encoder.0.weight`, not
//! `Dense.encoder.0.weight`) and `nn.Linear` weights as `[out, in]` (burn keeps
//! `[in, out]`); convolution kernels are `[out, in, kh, kw]` in both.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use burn::tensor::backend::Backend;
use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};

use crate::error::{ModelError, Result};
use crate::model::AnyAutoencoder;

/// Names and shapes of the tensors in a safetensors file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightLayout {
    /// PyTorch's `state_dict` conventions (the default).
    #[default]
    PyTorch,
    /// burn's module paths and shapes, enum variant included.
    Burn,
}

impl WeightLayout {
    /// The name used on the command line and in file metadata.
    pub fn name(self) -> &'static str {
        match self {
            WeightLayout::PyTorch => "pytorch",
            WeightLayout::Burn => "burn",
        }
    }

    fn store(self, store: SafetensorsStore) -> SafetensorsStore {
        match self {
            WeightLayout::PyTorch => store
                .skip_enum_variants(true)
                .with_to_adapter(BurnToPyTorchAdapter)
                .with_from_adapter(PyTorchToBurnAdapter),
            WeightLayout::Burn => store,
        }
    }
}

impl WeightLayout {
    /// A burn module path as this layout names it in a file.
    fn file_name(self, path: &str) -> String {
        match self {
            // The top-level enum variant (`Dense.`, `Conv.`, `Vae.`) is not in the file.
            WeightLayout::PyTorch => match path.split_once('.') {
                Some((variant, rest)) if variant.starts_with(char::is_uppercase) => {
                    rest.to_string()
                }
                _ => path.to_string(),
            },
            WeightLayout::Burn => path.to_string(),
        }
    }

    /// A burn tensor shape as this layout stores it: every 2-D parameter of these models
    /// is a linear weight, `[out, in]` in PyTorch.
    fn file_shape(self, shape: &[usize]) -> Vec<usize> {
        match (self, shape) {
            (WeightLayout::PyTorch, [a, b]) => vec![*b, *a],
            _ => shape.to_vec(),
        }
    }
}

impl fmt::Display for WeightLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WeightLayout {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "pytorch" => Ok(WeightLayout::PyTorch),
            "burn" => Ok(WeightLayout::Burn),
            other => Err(ModelError::invalid(
                "layout",
                format!("unknown layout `{other}` (expected pytorch or burn)"),
            )),
        }
    }
}

/// The key of the file metadata that records the layout written.
pub const LAYOUT_KEY: &str = "layout";

/// # Example
/// ```
/// use std::collections::BTreeMap;
///
/// use ae_models::{load_safetensors, safetensors_metadata, to_safetensors};
/// use ae_models::{ModelConfig, WeightLayout};
/// use burn::backend::Flex;
///
/// let device = Default::default();
/// let config = ModelConfig::named("shallow", None, 28, 28)?;
/// let model = config.init::<Flex>(&device)?;
/// let meta = BTreeMap::from([("dataset".to_string(), "mnist".to_string())]);
/// let bytes = to_safetensors(&model, WeightLayout::PyTorch, &meta)?;
/// assert_eq!(safetensors_metadata(&bytes)?["layout"], "pytorch");
/// let again = load_safetensors(config.init::<Flex>(&device)?, bytes, WeightLayout::PyTorch)?;
/// # let _ = again;
/// # Ok::<(), ae_models::ModelError>(())
/// ```
///
/// The model's weights as the bytes of a safetensors file in `layout`, with `metadata`
/// (and the layout) in its header. Write them with an atomic write: a file is never left
/// half written.
pub fn to_safetensors<B: Backend>(
    model: &AnyAutoencoder<B>,
    layout: WeightLayout,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let mut store = metadata.iter().fold(
        layout.store(SafetensorsStore::from_bytes(None)),
        |store, (key, value)| store.metadata(key, value),
    );
    store = store.metadata(LAYOUT_KEY, layout.name());
    model
        .save_into(&mut store)
        .and_then(|()| store.get_bytes())
        .map_err(|e| ModelError::weights(e.to_string()))
}

/// The string metadata of a safetensors file's header (empty when it has none).
pub fn safetensors_metadata(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| ModelError::weights(format!("not a safetensors file: {e}")))?;
    Ok(header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

/// Loads every parameter of `model` from the safetensors `bytes` in `layout`. Strict:
/// a missing tensor, a tensor of another shape or type, or a tensor the model does not
/// have is an error that names the tensor, and then the model is not returned.
pub fn load_safetensors<B: Backend>(
    mut model: AnyAutoencoder<B>,
    bytes: Vec<u8>,
    layout: WeightLayout,
) -> Result<AnyAutoencoder<B>> {
    // Partial and unvalidated at burn-store's level, so that every problem is collected
    // and reported below by tensor name instead of as one debug dump.
    let mut store = layout
        .store(SafetensorsStore::from_bytes(Some(bytes)))
        .allow_partial(true)
        .validate(false);
    let applied = model
        .load_from(&mut store)
        .map_err(|e| ModelError::weights(e.to_string()))?;
    let problem = |tensor: &str, reason: String| ModelError::Weights {
        tensor: Some(layout.file_name(tensor)),
        reason,
    };
    if let Some(error) = applied.errors.first() {
        return Err(match error {
            burn_store::ApplyError::ShapeMismatch {
                path,
                expected,
                found,
            } => problem(
                path,
                format!(
                    "has shape {:?}, the model needs {:?}",
                    layout.file_shape(found),
                    layout.file_shape(expected)
                ),
            ),
            burn_store::ApplyError::DTypeMismatch {
                path,
                expected,
                found,
            } => problem(
                path,
                format!("has type {found:?}, the model needs {expected:?}"),
            ),
            burn_store::ApplyError::AdapterError { path, message }
            | burn_store::ApplyError::LoadError { path, message } => problem(path, message.clone()),
        });
    }
    if let Some((path, _)) = applied.missing.first() {
        let available = applied.unused.join(", ");
        let path = &layout.file_name(path);
        return Err(problem(
            path,
            format!(
                "is missing from the file (it has {})",
                if available.is_empty() {
                    "no other tensor"
                } else {
                    &available
                }
            ),
        ));
    }
    if let Some(path) = applied.unused.first() {
        return Err(problem(
            path,
            "is in the file but not in the model: the file holds another architecture".into(),
        ));
    }
    Ok(model)
}

/// Names and shapes of the tensors in the safetensors `bytes`, sorted by name (for a
/// file of [`to_safetensors`] in the PyTorch layout: the state dict that the equivalent
/// PyTorch module must have).
pub fn tensor_shapes(bytes: &[u8]) -> Result<Vec<(String, Vec<usize>)>> {
    let tensors = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| ModelError::weights(e.to_string()))?;
    let mut names: Vec<(String, Vec<usize>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec()))
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Tensor, TensorData};
    use burn_flex::Flex;

    use super::*;
    use crate::autoencoder::Autoencoder;
    use crate::model::{MODEL_NAMES, ModelConfig};

    type B = Flex;

    fn model(name: &str, seed: u64) -> AnyAutoencoder<B> {
        let device = Default::default();
        B::seed(&device, seed);
        ModelConfig::named(name, None, 28, 28)
            .unwrap()
            .init::<B>(&device)
            .unwrap()
    }

    fn reconstruct(model: &AnyAutoencoder<B>) -> Vec<f32> {
        let values: Vec<f32> = (0..2 * 784).map(|i| (i % 97) as f32 / 97.0).collect();
        let x = Tensor::<B, 2>::from_data(TensorData::new(values, [2, 784]), &Default::default());
        model.reconstruct(x).into_data().to_vec().unwrap()
    }

    #[test]
    fn every_named_model_round_trips_in_both_layouts() {
        for name in MODEL_NAMES {
            for layout in [WeightLayout::PyTorch, WeightLayout::Burn] {
                let trained = model(name, 1);
                let meta = BTreeMap::from([("model".to_string(), name.to_string())]);
                let bytes = to_safetensors(&trained, layout, &meta).unwrap();
                let header = safetensors_metadata(&bytes).unwrap();
                assert_eq!(header.get("model").map(String::as_str), Some(name));
                assert_eq!(
                    header.get(LAYOUT_KEY).map(String::as_str),
                    Some(layout.name())
                );
                let loaded = load_safetensors(model(name, 2), bytes, layout).unwrap();
                assert_eq!(
                    reconstruct(&loaded),
                    reconstruct(&trained),
                    "{name} {layout}"
                );
                assert_ne!(reconstruct(&model(name, 2)), reconstruct(&trained));
            }
        }
    }

    fn tensor_names(model: &AnyAutoencoder<B>, layout: WeightLayout) -> Vec<(String, Vec<usize>)> {
        tensor_shapes(&to_safetensors(model, layout, &BTreeMap::new()).unwrap()).unwrap()
    }

    #[test]
    fn the_pytorch_layout_follows_the_state_dict_of_nn_linear_and_nn_conv2d() {
        let deep = tensor_names(&model("deep", 0), WeightLayout::PyTorch);
        let expected = [
            ("decoder.0.bias", vec![128]),
            ("decoder.0.weight", vec![128, 32]),
            ("decoder.1.bias", vec![784]),
            ("decoder.1.weight", vec![784, 128]),
            ("encoder.0.bias", vec![128]),
            ("encoder.0.weight", vec![128, 784]),
            ("encoder.1.bias", vec![32]),
            ("encoder.1.weight", vec![32, 128]),
        ];
        let expected: Vec<(String, Vec<usize>)> = expected
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        assert_eq!(deep, expected);
        let burn = tensor_names(&model("deep", 0), WeightLayout::Burn);
        assert!(burn.contains(&("Dense.encoder.0.weight".to_string(), vec![784, 128])));
        let conv = tensor_names(&model("conv", 0), WeightLayout::PyTorch);
        assert!(conv.contains(&("enc1.weight".to_string(), vec![16, 1, 3, 3])));
        assert!(conv.contains(&("out.bias".to_string(), vec![1])));
    }

    #[test]
    fn a_file_of_another_architecture_is_refused_by_tensor_name() {
        let bytes = to_safetensors(&model("deep", 0), WeightLayout::PyTorch, &BTreeMap::new());
        let bytes = bytes.unwrap();
        let err = load_safetensors(model("shallow", 0), bytes.clone(), WeightLayout::PyTorch)
            .unwrap_err()
            .to_string();
        assert!(err.contains("encoder.0.weight"), "{err}");
        assert!(err.contains("[128, 784]"), "{err}");
        let burn = to_safetensors(&model("deep", 0), WeightLayout::Burn, &BTreeMap::new());
        let missing = load_safetensors(model("deep", 0), burn.unwrap(), WeightLayout::PyTorch)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("is missing from the file (it has Dense."),
            "{missing}"
        );
        let garbage = load_safetensors(model("deep", 0), vec![1, 2, 3], WeightLayout::PyTorch);
        assert!(garbage.is_err());
        assert!(safetensors_metadata(&[1, 2, 3]).is_err());
    }

    #[test]
    fn a_tensor_the_model_lacks_is_refused_by_name() {
        let bytes = to_safetensors(&model("shallow", 0), WeightLayout::Burn, &BTreeMap::new());
        let bytes = bytes.unwrap();
        let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let extra = [0u8; 16];
        let mut views: Vec<(String, safetensors::tensor::TensorView<'_>)> = file.tensors();
        views.push((
            "Dense.encoder.9.weight".into(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![4], &extra).unwrap(),
        ));
        let with_extra = safetensors::serialize(views, None).unwrap();
        let err = load_safetensors(model("shallow", 0), with_extra, WeightLayout::Burn)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`Dense.encoder.9.weight` is in the file but not in the model"),
            "{err}"
        );
    }

    #[test]
    fn layouts_parse_by_name() {
        assert_eq!("burn".parse::<WeightLayout>().unwrap(), WeightLayout::Burn);
        let err = "onnx".parse::<WeightLayout>().unwrap_err().to_string();
        assert!(err.contains("pytorch or burn"), "{err}");
    }
}
