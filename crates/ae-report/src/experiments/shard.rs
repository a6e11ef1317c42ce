//! Splitting a reproduction's training runs over several processes, as a cluster's job
//! array runs them: slices balanced by estimated cost, and the training of one slice.

use std::fmt;
use std::str::FromStr;

use burn::tensor::backend::AutodiffBackend;

use super::{Context, Experiment, PlannedRun};
use crate::error::{ReportError, Result};

/// Training images per epoch of both datasets, for runs whose selection takes them all.
const DATASET_TRAIN_IMAGES: usize = 60_000;

/// One of `count` slices of a plan, `index` counted from 1 (`--shard 2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1 to `count`.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let bad = || format!("`{text}` is not a shard I/N with 1 <= I <= N (e.g. 2/4)");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let shard = Shard {
            index: index.trim().parse().map_err(|_| bad())?,
            count: count.trim().parse().map_err(|_| bad())?,
        };
        (1..=shard.count)
            .contains(&shard.index)
            .then_some(shard)
            .ok_or_else(bad)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl PlannedRun {
    /// Training images per epoch: the five-class split's size, or the selection's.
    pub fn estimated_train_images(&self) -> usize {
        self.train_images.unwrap_or_else(|| {
            let data = &self.config.data;
            let all = data.classes.as_ref().map_or(DATASET_TRAIN_IMAGES, |k| {
                DATASET_TRAIN_IMAGES * k.len() / 10
            });
            data.train_limit.map_or(all, |limit| limit.min(all))
        })
    }

    /// Estimated training cost in FLOPs: 6 per forward multiply-accumulate (forward and
    /// backward) for every image the run's steps see. Validation is left out.
    pub fn estimated_flops(&self) -> f64 {
        let config = &self.config;
        let batches_per_epoch = self
            .estimated_train_images()
            .div_ceil(config.batch_size.max(1));
        let steps = config
            .iterations()
            .unwrap_or(config.epochs * batches_per_epoch);
        6.0 * config.model.forward_macs() as f64 * (steps * config.batch_size) as f64
    }
}

/// The estimated training cost of all of `runs`, in FLOPs.
pub fn estimated_flops(runs: &[PlannedRun]) -> f64 {
    runs.iter().map(PlannedRun::estimated_flops).sum()
}

/// The runs of `shard`, in plan order: the plan's runs are dealt out by estimated cost,
/// the costliest first, each to the slice with the least so far (the lowest index on a
/// tie), so every slice gets a similar share and the same plan always slices the same way.
pub fn shard_runs(plan: &[PlannedRun], shard: Shard) -> Vec<PlannedRun> {
    let cost = costs(plan);
    let mut load = vec![0.0f64; shard.count];
    let mut owner = vec![0usize; plan.len()];
    for run in descending(&cost) {
        let lightest = (0..shard.count)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[lightest] += cost[run];
        owner[run] = lightest;
    }
    plan.iter()
        .zip(owner)
        .filter(|(_, slice)| *slice + 1 == shard.index)
        .map(|(run, _)| run.clone())
        .collect()
}

/// Indices of `plan`'s runs, the costliest by [`PlannedRun::estimated_flops`] first
/// (equal costs in plan order): the order in which `--jobs` starts them, so each job ends
/// on short runs and the jobs finish close together.
pub fn costliest_first(plan: &[PlannedRun]) -> Vec<usize> {
    descending(&costs(plan))
}

/// Each run's [`PlannedRun::estimated_flops`].
fn costs(plan: &[PlannedRun]) -> Vec<f64> {
    plan.iter().map(PlannedRun::estimated_flops).collect()
}

/// Indices of `cost`, the largest first (equal costs in index order).
fn descending(cost: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cost.len()).collect();
    // Stable: equal costs keep plan order.
    order.sort_by(|&a, &b| cost[b].total_cmp(&cost[a]));
    order
}

/// Trains (or reuses) `runs` in `ctx`'s run folder, each on the data its experiment
/// gives it, exactly as the experiment would: the report rendered later from these
/// folders trains nothing.
pub fn train_runs<B: AutodiffBackend>(
    ctx: &Context<'_, B>,
    experiments: &[Experiment<B>],
    runs: &[PlannedRun],
) -> Result<()> {
    for planned in runs {
        let experiment = experiments
            .iter()
            .find(|e| e.info.id == planned.section)
            .ok_or_else(|| ReportError::UnknownSection(planned.section.to_string()))?;
        let data = (experiment.data)(ctx, planned)?;
        ctx.train_on(planned.section, &planned.run, &planned.config, &data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::{Profile, Settings, plan};
    use ae_train::BackendKind;

    fn settings(profile: Profile) -> Settings {
        Settings {
            profile,
            seed: 0,
            backend: BackendKind::Flex,
        }
    }

    #[test]
    fn shards_parse_and_refuse_what_is_not_one() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn slices_are_disjoint_cover_the_plan_and_balance_its_cost() {
        let plan = plan(&settings(Profile::Full)).unwrap();
        for count in [1, 2, 3, 5] {
            let slices: Vec<Vec<PlannedRun>> = (1..=count)
                .map(|index| shard_runs(&plan, Shard { index, count }))
                .collect();
            let mut names: Vec<String> = slices
                .iter()
                .flatten()
                .map(|r| format!("{}/{}", r.section, r.run))
                .collect();
            names.sort();
            let mut all: Vec<String> = plan
                .iter()
                .map(|r| format!("{}/{}", r.section, r.run))
                .collect();
            all.sort();
            assert_eq!(names, all, "{count} slices");
            let cost =
                |runs: &[PlannedRun]| runs.iter().map(PlannedRun::estimated_flops).sum::<f64>();
            let largest_run = plan
                .iter()
                .map(PlannedRun::estimated_flops)
                .fold(0.0, f64::max);
            let loads: Vec<f64> = slices.iter().map(|s| cost(s)).collect();
            let (lo, hi) = (
                loads.iter().copied().fold(f64::MAX, f64::min),
                loads.iter().copied().fold(0.0, f64::max),
            );
            // Greedy dealing leaves the slices within one run's cost of each other.
            assert!(hi - lo <= largest_run, "{count} slices: {loads:?}");
        }
    }

    #[test]
    fn the_cost_grows_with_epochs_images_and_model_size() {
        let plan = plan(&settings(Profile::Full)).unwrap();
        let run = |section: &str, name: &str| {
            plan.iter()
                .find(|r| r.section == section && r.run == name)
                .unwrap()
                .clone()
        };
        let fc = run("deep-dense", "fc");
        let mut half = fc.clone();
        half.config.epochs /= 2;
        assert!((fc.estimated_flops() / half.estimated_flops() - 2.0).abs() < 1e-9);
        // The conv model costs more per image than the 784-32-784 one.
        assert!(
            run("convolutional", "conv").estimated_flops()
                > run("shallow-adadelta", "shallow").estimated_flops()
        );
        // Five-class runs see the protocol's split, 2277 images of each of five digits.
        assert_eq!(
            run("five-class", "logistic-32").estimated_train_images(),
            2277 * 5
        );
        // Seed 004's run counts iterations of batch 50.
        let latent = run("latent-2d", "latent2");
        assert_eq!(
            latent.estimated_flops(),
            6.0 * latent.config.model.forward_macs() as f64 * 2500.0 * 50.0
        );
    }
}
