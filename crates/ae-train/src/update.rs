//! The optimizer step after a batch trained in two shards: on the shards' two threads,
//! half of the parameters each.
//!
//! Added up and stepped on the global pool, the update ran one kernel per parameter
//! tensor, each joined across the cores, while the shard pools' threads, idle, went to
//! sleep and had to be woken for the next batch. `perf sched timehist` on `ae train
//! --model fc --batch 256` (2026-12-02) showed the gap between two batches' shards at about
//! 1.1 ms, with the second core idle for half of it, the global pool's workers competing
//! with the main thread for the first core, and an idle shard thread spinning there too.
//!
//! Here the parameters are dealt into two halves of about equal size, and each shard
//! thread, still awake from its shard, adds its half's two gradients and steps its half
//! with an optimizer that holds that half's state. Each half is stepped on a copy of the
//! module in which the other half's parameters are one-element stand-ins, so every
//! parameter buffer has a single owner and the fused kernels update it in place. The sums
//! are element-wise and burn's simple optimizers step each parameter on its own, so the
//! result is the plain sum and step's, bit for bit (tested below).

use crate::step::{AddGradients, in_parallel};
use ae_models::SummedStep;
use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::record::AdaptorRecord;
use burn::optim::{GradientsParams, Optimizer, SimpleOptimizer};
use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;
use std::any::Any;
use std::collections::{HashMap, HashSet};

/// Steps `module` with the sum of two shards' gradients `first` and `second`, as
/// `optim.step(lr, module, first + second)` would, on the two shard threads.
pub(crate) fn step_in_halves<B, M, O>(
    optim: &mut OptimizerAdaptor<O, M, B>,
    lr: f64,
    module: M,
    first: GradientsParams,
    second: GradientsParams,
) -> M
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: SummedStep<B::InnerBackend>,
{
    let halves = Halves::of(&module);
    let [optim_a, optim_b] = halves.split_optimizer(optim);
    let [first_a, first_b] = halves.split_gradients(&module, first);
    let [second_a, second_b] = halves.split_gradients(&module, second);
    let [module_a, module_b] = halves.split_module(module);
    let step_half = |module: M,
                     grads: GradientsParams,
                     other: GradientsParams,
                     optim: OptimizerAdaptor<O, M, B>| {
        move || step_summed(optim, lr, module, grads, other)
    };
    let ((module_a, optim_a), (module_b, optim_b)) = in_parallel(
        step_half(module_a, first_a, second_a, optim_a),
        step_half(module_b, first_b, second_b, optim_b),
    );
    halves.merge_optimizer(optim, [optim_a, optim_b]);
    halves.merge_module([module_a, module_b])
}

/// Steps `module` with `optim` for the sum of `grads` and `other`, each parameter's two
/// gradients added inside its step ([`SummedStep`]) rather than in a pass of their own.
///
/// This is burn's `OptimizerAdaptor::step` for the sum, parameter by parameter with the
/// adaptor's own state records, without gradient clipping (an adaptor with clipping
/// adds the gradients first and steps as burn does).
fn step_summed<B, M, O>(
    mut optim: OptimizerAdaptor<O, M, B>,
    lr: f64,
    module: M,
    mut grads: GradientsParams,
    mut other: GradientsParams,
) -> (M, OptimizerAdaptor<O, M, B>)
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: SummedStep<B::InnerBackend>,
{
    if optim.has_gradient_clipping() {
        module.visit(&mut AddGradients::<B> {
            into: &mut grads,
            from: &mut other,
            backend: std::marker::PhantomData,
        });
        let module = optim.step(lr, module, grads);
        return (module, optim);
    }
    // The records move out of the adaptor, so each state buffer has one owner and the
    // fused kernels update it in place.
    let mut records = optim.to_record();
    let optim = optim.load_record(Default::default());
    let module = module.map(&mut SummedStepMapper::<B, M, O> {
        optim: optim.optim(),
        records: &mut records,
        grads: [&mut grads, &mut other],
        lr,
    });
    (module, optim.load_record(records))
}

/// Steps each parameter that has a gradient in either set, as burn's adaptor does.
struct SummedStepMapper<'a, B, M, O>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: SimpleOptimizer<B::InnerBackend>,
{
    optim: &'a O,
    /// The adaptor's state, one record per parameter.
    records: &'a mut <OptimizerAdaptor<O, M, B> as Optimizer<M, B>>::Record,
    grads: [&'a mut GradientsParams; 2],
    lr: f64,
}

impl<B, M, O> ModuleMapper<B> for SummedStepMapper<'_, B, M, O>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: SummedStep<B::InnerBackend>,
{
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let [grads, other] = &mut self.grads;
        let (grad, other) = match (
            grads.remove::<B::InnerBackend, D>(id),
            other.remove::<B::InnerBackend, D>(id),
        ) {
            (Some(grad), other) => (grad, other),
            (None, Some(other)) => (other, None),
            (None, None) => return Param::from_mapped_value(id, tensor, mapper),
        };
        let device = grad.device();
        let require_grad = tensor.is_require_grad();
        let tensor = if tensor.device() == device {
            tensor
        } else {
            tensor.to_device(&device)
        };
        let state = self
            .records
            .remove(&id)
            .map(|record| O::to_device(record.into_state(), &device));
        let (tensor, state) = match other {
            Some(other) => self
                .optim
                .step_summed(self.lr, tensor.inner(), (grad, other), state),
            None => self.optim.step(self.lr, tensor.inner(), grad, state),
        };
        if let Some(state) = state {
            self.records.insert(id, AdaptorRecord::from_state(state));
        }
        let tensor = Tensor::from_inner(tensor);
        let tensor = if require_grad {
            tensor.require_grad()
        } else {
            tensor
        };
        Param::from_mapped_value(id, tensor, mapper)
    }
}

/// A module's parameters dealt into two halves.
struct Halves {
    ids: [HashSet<ParamId>; 2],
}

impl Halves {
    /// The parameters dealt largest first, each to the half with fewer elements so far
    /// (ties to the first), so both threads update about as many values.
    fn of<B: AutodiffBackend, M: AutodiffModule<B>>(module: &M) -> Self {
        let mut sizes = ParamSizes(Vec::new());
        module.visit(&mut sizes);
        let mut params = sizes.0;
        params.sort_by_key(|&(_, size)| std::cmp::Reverse(size));
        let mut sizes = [0, 0];
        let mut ids = [HashSet::new(), HashSet::new()];
        for (id, size) in params {
            let half = usize::from(sizes[1] < sizes[0]);
            sizes[half] += size;
            ids[half].insert(id);
        }
        Self { ids }
    }

    /// Whether parameter `id` is in the second half.
    fn in_second(&self, id: &ParamId) -> bool {
        self.ids[1].contains(id)
    }

    /// One optimizer per half, holding that half's state, moved out of `optim` (which is
    /// left without state) so that each state buffer keeps a single owner.
    fn split_optimizer<B, M, O>(
        &self,
        optim: &mut OptimizerAdaptor<O, M, B>,
    ) -> [OptimizerAdaptor<O, M, B>; 2]
    where
        B: AutodiffBackend,
        M: AutodiffModule<B>,
        O: SimpleOptimizer<B::InnerBackend>,
    {
        let records = optim.to_record();
        *optim = optim.clone().load_record(Default::default());
        let (second, first) = records.into_iter().partition(|(id, _)| self.in_second(id));
        [
            optim.clone().load_record(first),
            optim.clone().load_record(second),
        ]
    }

    /// Gives `optim` the state of both halves' optimizers.
    fn merge_optimizer<B, M, O>(
        &self,
        optim: &mut OptimizerAdaptor<O, M, B>,
        [first, second]: [OptimizerAdaptor<O, M, B>; 2],
    ) where
        B: AutodiffBackend,
        M: AutodiffModule<B>,
        O: SimpleOptimizer<B::InnerBackend>,
    {
        let mut records = first.to_record();
        records.extend(second.to_record());
        drop((first, second));
        *optim = optim.clone().load_record(records);
    }

    /// `grads` as one set per half.
    fn split_gradients<B: AutodiffBackend, M: AutodiffModule<B>>(
        &self,
        module: &M,
        grads: GradientsParams,
    ) -> [GradientsParams; 2] {
        let mut split = SplitGradients {
            second_half: &self.ids[1],
            halves: [grads, GradientsParams::new()],
            backend: std::marker::PhantomData::<B>,
        };
        module.visit(&mut split);
        split.halves
    }

    /// Two copies of `module`, each holding one half's parameters and stand-ins for the
    /// other's.
    fn split_module<B: AutodiffBackend, M: AutodiffModule<B>>(&self, module: M) -> [M; 2] {
        let mut second = TakeOut::new(&self.ids[1]);
        let first = module.map(&mut second);
        let second = first
            .clone()
            .map(&mut TakeOut::new(&self.ids[0]))
            .map(&mut PutBack(second.taken));
        [first, second]
    }

    /// The module with the first copy's first half and the second copy's second half.
    fn merge_module<B: AutodiffBackend, M: AutodiffModule<B>>(&self, [first, second]: [M; 2]) -> M {
        let mut updated = TakeOut::new(&self.ids[1]);
        drop(second.map(&mut updated));
        first.map(&mut PutBack(updated.taken))
    }
}

/// Every float parameter and its number of elements, in visiting order.
struct ParamSizes(Vec<(ParamId, usize)>);

impl<B: AutodiffBackend> ModuleVisitor<B> for ParamSizes {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.0.push((param.id, param.shape().num_elements()));
    }
}

/// Moves the gradients of the second half's parameters from the first set to the second.
struct SplitGradients<'a, B> {
    second_half: &'a HashSet<ParamId>,
    halves: [GradientsParams; 2],
    backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for SplitGradients<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if !self.second_half.contains(&param.id) {
            return;
        }
        let [first, second] = &mut self.halves;
        if let Some(grad) = first.remove::<B::InnerBackend, D>(param.id) {
            second.register(param.id, grad);
        }
    }
}

/// Moves the values of the parameters in `ids` out of a module, leaving one-element
/// stand-ins.
struct TakeOut<'a> {
    ids: &'a HashSet<ParamId>,
    taken: HashMap<ParamId, Box<dyn Any + Send>>,
}

impl<'a> TakeOut<'a> {
    fn new(ids: &'a HashSet<ParamId>) -> Self {
        Self {
            ids,
            taken: HashMap::new(),
        }
    }
}

impl<B: AutodiffBackend> ModuleMapper<B> for TakeOut<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        if !self.ids.contains(&param.id) {
            return param;
        }
        let id = param.id;
        param.map(|value| {
            let stand_in = Tensor::zeros([1; D], &value.device());
            self.taken.insert(id, Box::new(value));
            stand_in
        })
    }
}

/// Puts values taken out by [`TakeOut`] back in place of their stand-ins.
struct PutBack(HashMap<ParamId, Box<dyn Any + Send>>);

impl<B: AutodiffBackend> ModuleMapper<B> for PutBack {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let Some(value) = self.0.remove(&param.id) else {
            return param;
        };
        match value.downcast::<Tensor<B, D>>() {
            Ok(value) => param.map(|_| *value),
            Err(_) => unreachable!("a parameter keeps its rank"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{AddGradients, BatchImages, MIN_SHARD_IMAGES, Shards, sharded_gradients};
    use ae_models::{AnyAutoencoder, ModelConfig, Objective, OptimizerKind};
    use burn::backend::{Autodiff, Flex};
    use burn::module::Module;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    type B = Autodiff<Flex>;
    type Optim = crate::trainer::OptimOf<B>;

    /// Every parameter's values, in visiting order.
    struct Values(Vec<Vec<f32>>);

    impl ModuleVisitor<B> for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let values = param.val().into_data().to_vec::<f32>();
            self.0.push(values.expect("f32 parameters"));
        }
    }

    fn values(model: &AnyAutoencoder<B>) -> Vec<Vec<f32>> {
        let mut values = Values(Vec::new());
        model.visit(&mut values);
        values.0
    }

    /// The two shards' gradients of `model` on a batch that depends on `phase`.
    fn shard_grads(model: &AnyAutoencoder<B>, phase: f32) -> (GradientsParams, GradientsParams) {
        let n = 2 * MIN_SHARD_IMAGES + 1;
        let clean: Vec<f32> = (0..n * 784)
            .map(|i| ((i as f32 * 0.37 + phase).sin() * 0.5 + 0.5).clamp(0.0, 1.0))
            .collect();
        let batch = BatchImages {
            clean: &clean,
            noisy: None,
            pixels: 784,
        };
        let rng = &mut StdRng::seed_from_u64(0);
        match sharded_gradients(
            model,
            &Objective::default(),
            batch.into(),
            rng,
            &Default::default(),
        )
        .grads
        {
            Shards::Two(first, second) => (first, second),
            Shards::One(_) => panic!("a batch of {n} images is split"),
        }
    }

    /// The plain update: the sum on the calling thread, then one step.
    fn plain_step(
        optim: &mut Optim,
        model: AnyAutoencoder<B>,
        (mut first, mut second): (GradientsParams, GradientsParams),
    ) -> AnyAutoencoder<B> {
        model.visit(&mut AddGradients::<B> {
            into: &mut first,
            from: &mut second,
            backend: std::marker::PhantomData,
        });
        optim.step(1e-3, model, first)
    }

    #[test]
    fn the_halves_step_like_the_plain_sum_and_step_bit_for_bit() {
        for kind in [OptimizerKind::Adam, OptimizerKind::Adadelta] {
            let model: AnyAutoencoder<B> = ModelConfig::named("deep", Some(8), 28, 28)
                .unwrap()
                .init(&Default::default())
                .unwrap();
            let (mut plain_optim, mut halves_optim): (Optim, Optim) =
                (kind.init::<B, _>(), kind.init::<B, _>());
            // Each clone would initialise the lazy parameters on its own: read them first.
            values(&model);
            let (mut plain, mut halves) = (model.clone(), model);
            // Three steps, so the later ones start from the state the first left.
            for step in 0..3 {
                let phase = step as f32;
                let grads = shard_grads(&plain, phase);
                plain = plain_step(&mut plain_optim, plain, grads);
                let (first, second) = shard_grads(&halves, phase);
                halves = step_in_halves(&mut halves_optim, 1e-3, halves, first, second);
                let (plain_values, halves_values) = (values(&plain), values(&halves));
                assert_eq!(plain_values.len(), halves_values.len());
                for (i, (p, h)) in plain_values.iter().zip(&halves_values).enumerate() {
                    let differ = p.iter().zip(h).filter(|(p, h)| p.to_bits() != h.to_bits());
                    let first = differ.clone().next();
                    assert_eq!(p.len(), h.len(), "{kind:?}, parameter {i}");
                    assert!(
                        first.is_none(),
                        "{kind:?}, step {step}, parameter {i}: {} values differ, first {first:?}",
                        differ.count()
                    );
                }
                assert_eq!(
                    plain_optim.to_record().len(),
                    halves_optim.to_record().len(),
                    "{kind:?}: every parameter keeps its state"
                );
            }
        }
    }

    #[test]
    fn the_halves_hold_about_as_many_values() {
        let model: AnyAutoencoder<B> = ModelConfig::named("deep", Some(8), 28, 28)
            .unwrap()
            .init(&Default::default())
            .unwrap();
        let mut sizes = ParamSizes(Vec::new());
        model.visit(&mut sizes);
        let halves = Halves::of(&model);
        let in_second: usize = sizes
            .0
            .iter()
            .filter(|(id, _)| halves.in_second(id))
            .map(|(_, size)| size)
            .sum();
        let total: usize = sizes.0.iter().map(|(_, size)| size).sum();
        // `deep` is symmetric: its two 784 x 400 weights land in different halves.
        assert!(
            (in_second as f64 / total as f64 - 0.5).abs() < 0.01,
            "{in_second} of {total}"
        );
    }
}
