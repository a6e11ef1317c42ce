//! Findings: the sentences that close each section, computed from the section's own
//! numbers. Every comparison and its direction is worked out here, so a rerun that
//! reverses one changes the sentence with it; nothing is written in advance.

use ae_analysis::Method;

use crate::table::Table;

/// "1 epoch", "5 epochs".
pub(crate) fn epochs(n: usize) -> String {
    if n == 1 {
        "1 epoch".into()
    } else {
        format!("{n} epochs")
    }
}

fn num(value: f64) -> String {
    Table::num(value, 4)
}

/// `items` joined by commas, or `empty` when there are none.
fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}

/// `|a - b|` as a percentage of `|b|`, one decimal.
fn percent_of(a: f64, b: f64) -> String {
    format!(
        "{:.1}%",
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE) * 100.0
    )
}

/// Accuracy difference in percentage points, one decimal.
fn points(a: f64, b: f64) -> String {
    format!("{:.1}", (a - b).abs() * 100.0)
}

/// How much a loss curve fell over its last tenth of epochs (at least one), relative to
/// where that stretch began: positive while still improving. `None` for fewer than two
/// epochs or a non-positive starting loss.
pub fn late_improvement(losses: &[f64]) -> Option<f64> {
    let window = (losses.len() / 10).max(1);
    let last = *losses.last()?;
    let earlier = *losses.get(losses.len().checked_sub(window + 1)?)?;
    (earlier > 0.0).then(|| (earlier - last) / earlier)
}

/// A training run's end: its epochs, last training and validation loss, and the
/// validation curve (for [`late_improvement`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd<'a> {
    /// What was trained ("Deep dense autoencoder, MNIST"), starting the first sentence.
    pub name: &'a str,
    /// Loss name ("BCE").
    pub loss: &'a str,
    /// Training loss of the last epoch (mean over its batches).
    pub train: f64,
    /// Validation loss per epoch.
    pub validation: &'a [f64],
}

/// Where a run ended, whether it overfits, and whether it had converged.
pub fn training(run: &RunEnd<'_>) -> Vec<String> {
    let Some(&val) = run.validation.last() else {
        return Vec::new();
    };
    let (loss, train) = (run.loss, run.train);
    let mut out = vec![format!(
        "{}: after {}, training {loss} {} and validation {loss} {}.",
        run.name,
        epochs(run.validation.len()),
        num(train),
        num(val)
    )];
    let gap = (val - train) / train.abs().max(f64::MIN_POSITIVE);
    out.push(if gap > 0.05 {
        format!(
            "Validation {loss} is {} above training {loss}: the model has begun to overfit.",
            percent_of(val, train)
        )
    } else if gap < -0.01 {
        format!(
            "Validation {loss} is {} below training {loss}, which is averaged over the epoch while the weights still improve: no sign of overfitting.",
            percent_of(val, train)
        )
    } else {
        format!(
            "Validation and training {loss} are within {} of each other: no sign of overfitting.",
            percent_of(val, train)
        )
    });
    match late_improvement(run.validation) {
        Some(fall) if fall > 0.005 => out.push(format!(
            "Validation {loss} still fell {:.1}% over the last tenth of epochs: more epochs would still lower it.",
            fall * 100.0
        )),
        Some(fall) if fall < -0.005 => out.push(format!(
            "Validation {loss} rose {:.1}% over the last tenth of epochs.",
            -fall * 100.0
        )),
        Some(_) => out.push(format!(
            "Validation {loss} moved by less than 0.5% over the last tenth of epochs: training has converged."
        )),
        None => {}
    }
    out
}

/// What denoising does to the distance from the clean images.
pub fn denoising(noisy_mse: f64, denoised_mse: f64) -> Vec<String> {
    let sentence = if denoised_mse < noisy_mse {
        format!(
            "The denoiser brings the test images {:.1} times closer to the clean ones: MSE {} for its outputs against {} for the noisy inputs.",
            noisy_mse / denoised_mse.max(f64::MIN_POSITIVE),
            num(denoised_mse),
            num(noisy_mse)
        )
    } else {
        format!(
            "The denoiser's outputs are no closer to the clean images than the noisy inputs are (MSE {} against {}): it has not learned to denoise in this run.",
            num(denoised_mse),
            num(noisy_mse)
        )
    };
    vec![sentence]
}

/// The CNN's test accuracy on each kind of image (seed 001).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CnnAccuracy {
    /// On the original images.
    pub original: f64,
    /// On the shallow autoencoder's reconstructions.
    pub reconstructed: f64,
    /// On noisy images.
    pub noisy: f64,
    /// On noisy images after the denoiser.
    pub denoised: f64,
}

/// Seed 001's "analyze the results": what reconstruction, noise and denoising cost the CNN.
pub fn cnn(a: CnnAccuracy) -> Vec<String> {
    let mut out = Vec::new();
    let lost = a.original - a.reconstructed;
    out.push(if lost.abs() < 0.005 {
        format!(
            "The CNN classifies the shallow autoencoder's reconstructions about as well as the originals ({} against {}): its 32 values keep what the classifier needs.",
            num(a.reconstructed),
            num(a.original)
        )
    } else if lost > 0.0 {
        format!(
            "The CNN loses {} points of test accuracy on the shallow autoencoder's reconstructions ({} against {} on the originals): the 32-value code drops detail that the classifier uses.",
            points(a.original, a.reconstructed),
            num(a.reconstructed),
            num(a.original)
        )
    } else {
        format!(
            "The CNN does {} points better on the reconstructions than on the originals ({} against {}): the autoencoder's smoothing helps it here.",
            points(a.reconstructed, a.original),
            num(a.reconstructed),
            num(a.original)
        )
    });
    let cost = a.original - a.noisy;
    if cost > 0.005 {
        let regained = (a.denoised - a.noisy) / cost;
        out.push(format!(
            "Noise costs {} points ({} on noisy images); the denoiser {}.",
            points(a.original, a.noisy),
            num(a.noisy),
            if regained > 0.0 {
                format!(
                    "wins back {:.0}% of them ({} on its outputs)",
                    regained.min(9.99) * 100.0,
                    num(a.denoised)
                )
            } else {
                format!(
                    "does not win them back ({} on its outputs)",
                    num(a.denoised)
                )
            }
        ));
    } else {
        out.push(format!(
            "Noise barely affects the CNN ({} on noisy images against {}), so the denoiser ({}) has little to win back.",
            num(a.noisy),
            num(a.original),
            num(a.denoised)
        ));
    }
    out
}

/// How image-like one model's first-layer weights are (seed 002's weight images).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightSmoothness {
    /// "MNIST", "Fashion-MNIST".
    pub dataset: String,
    /// "shallow 784-32".
    pub model: String,
    /// Mean over units of [`ae_analysis::neighbour_correlation`].
    pub correlation: f64,
}

/// Below this mean neighbour correlation, weights read as pixel noise.
const NOISE_LIKE: f64 = 0.2;

/// What the weight images show: which models' units formed strokes or blobs, MNIST
/// against Fashion-MNIST model by model, and which still look like their initial noise.
pub fn weight_images(rows: &[WeightSmoothness]) -> Vec<String> {
    let mut out = Vec::new();
    let name = |r: &WeightSmoothness| format!("{}, {}", r.dataset, r.model);
    let most = rows
        .iter()
        .max_by(|a, b| a.correlation.total_cmp(&b.correlation));
    let least = rows
        .iter()
        .min_by(|a, b| a.correlation.total_cmp(&b.correlation));
    if let (Some(most), Some(least)) = (most, least)
        && most != least
    {
        out.push(format!(
            "The first-layer weight images are smoothest for {} (mean correlation of neighbouring weights {}) and least smooth for {} ({}).",
            name(most),
            num(most.correlation),
            name(least),
            num(least.correlation)
        ));
    }
    let (mut fashion_smoother, mut mnist_smoother) = (Vec::new(), Vec::new());
    for r in rows.iter().filter(|r| r.dataset == "MNIST") {
        if let Some(f) = rows
            .iter()
            .find(|f| f.dataset != "MNIST" && f.model == r.model)
        {
            if f.correlation > r.correlation {
                fashion_smoother.push(r.model.clone());
            } else {
                mnist_smoother.push(r.model.clone());
            }
        }
    }
    if !(fashion_smoother.is_empty() && mnist_smoother.is_empty()) {
        out.push(format!(
            "Fashion-MNIST gives smoother weights than MNIST for {}, and MNIST smoother ones for {}.",
            list_or(&fashion_smoother, "no model"),
            list_or(&mnist_smoother, "no model")
        ));
    }
    let noisy: Vec<String> = rows
        .iter()
        .filter(|r| r.correlation < NOISE_LIKE)
        .map(name)
        .collect();
    if !rows.is_empty() {
        out.push(if noisy.is_empty() {
            format!(
                "Every model's units have formed strokes or blobs (neighbour correlation {NOISE_LIKE} or more): they respond to parts of shapes, not to single pixels."
            )
        } else {
            format!(
                "The weights of {} stay close to pixel noise (neighbour correlation below {NOISE_LIKE}): those units still carry much of their random initialisation.",
                noisy.join("; ")
            )
        });
    }
    out
}

/// One dataset's final losses in the MNIST-against-Fashion comparison (seed 002).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetLosses {
    /// "MNIST", "Fashion-MNIST".
    pub dataset: String,
    /// Shallow model: epochs and final training BCE.
    pub shallow: (usize, f64),
    /// Deep model: epochs and final training BCE.
    pub deep: (usize, f64),
    /// Deep model's validation BCE (clean inputs).
    pub deep_val: f64,
    /// The deep model trained on noisy inputs: validation BCE on clean inputs.
    pub denoising_val: f64,
}

/// MNIST against Fashion-MNIST, shallow against deep, and what noise in training does.
pub fn datasets(mnist: &DatasetLosses, fashion: &DatasetLosses) -> Vec<String> {
    let mut out = Vec::new();
    let harder = |m: f64, f: f64| if f > m { "higher" } else { "lower" };
    let (shallow_dir, deep_dir) = (
        harder(mnist.shallow.1, fashion.shallow.1),
        harder(mnist.deep.1, fashion.deep.1),
    );
    let both = if shallow_dir == deep_dir {
        format!(
            "{} ends at a {shallow_dir} BCE than {} for both models",
            fashion.dataset, mnist.dataset
        )
    } else {
        format!(
            "{} ends at a {shallow_dir} BCE than {} with the shallow model and a {deep_dir} one with the deep model",
            fashion.dataset, mnist.dataset
        )
    };
    let mut sentence = format!(
        "{both} (shallow {} against {}, deep {} against {}).",
        num(fashion.shallow.1),
        num(mnist.shallow.1),
        num(fashion.deep.1),
        num(mnist.deep.1)
    );
    if shallow_dir == "higher" {
        sentence.push_str(" Part of that gap is the floor of BCE itself, the entropy of the target pixels: Fashion's many gray pixels raise it, MNIST's nearly binary ones keep it near zero.");
    }
    out.push(sentence);
    for d in [mnist, fashion] {
        let (se, s) = d.shallow;
        let (de, deep) = d.deep;
        out.push(format!(
            "On {}, the deep 784-128-32 model ends {} than the shallow 784-32 one ({} after {} against {} after {}){}.",
            d.dataset,
            if deep < s { "lower" } else { "higher" },
            num(deep),
            epochs(de),
            num(s),
            epochs(se),
            if de != se {
                ", with the seed's unequal epochs"
            } else {
                ""
            }
        ));
        out.push(format!(
            "Trained on noisy inputs, the deep model reconstructs clean {} test images {} ({} against {} validation BCE when trained on clean ones){}.",
            d.dataset,
            if d.denoising_val < d.deep_val { "better" } else { "worse" },
            num(d.denoising_val),
            num(d.deep_val),
            if d.denoising_val < d.deep_val {
                ": the noise acts as a regulariser"
            } else {
                ": denoising costs some clean-image fidelity"
            }
        ));
    }
    out
}

/// One point of a bottleneck sweep: code size, final training and test loss.
pub type SweepPoint = (usize, f64, f64);

/// The trend with code size, and its bias/variance reading.
pub fn sweep(dataset: &str, points: &[SweepPoint]) -> Vec<String> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let mut out = vec![format!(
        "On {dataset}, test BCE goes from {} at code size {} to {} at {}.",
        num(first.2),
        first.0,
        num(last.2),
        last.0
    )];
    // The first size after which no larger one gains 1% on its predecessor.
    let knee = points
        .windows(2)
        .rposition(|w| (w[0].2 - w[1].2) / w[0].2.abs().max(f64::MIN_POSITIVE) >= 0.01)
        .map(|i| points[i + 1].0);
    if let Some(knee) = knee.filter(|&k| k < last.0) {
        out.push(format!(
            "Past code size {knee}, each larger code lowers test BCE by less than 1%."
        ));
    }
    let widest = points
        .iter()
        .map(|&(code, train, test)| (code, (test - train) / train.abs().max(f64::MIN_POSITIVE)))
        .fold(
            (0, f64::NEG_INFINITY),
            |best, p| if p.1 > best.1 { p } else { best },
        );
    out.push(if widest.1 > 0.05 {
        format!(
            "At code size {}, test BCE exceeds training BCE by {:.1}%: there the larger code begins to overfit (variance).",
            widest.0,
            widest.1 * 100.0
        )
    } else {
        "Test and training BCE stay within 5% of each other at every size: the error that remains is bias (too small a code, too few epochs), not variance.".to_string()
    });
    out
}

/// One row of the five-class comparison: method, code size, test MSE, best accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodScore {
    /// How the codes are made.
    pub method: Method,
    /// Code size.
    pub code: usize,
    /// Test reconstruction MSE.
    pub test_mse: f64,
    /// Best test accuracy over the classifiers.
    pub accuracy: f64,
}

/// Seed 003's comparison: PCA against the one-layer autoencoder size by size, the best
/// codes for classification, what denoising training changes, the three-hidden-layer
/// autoencoder against the one-layer one, and the codes against the raw pixels
/// (`raw_pixels`: the test accuracy of the classifier chosen on them), and which codes
/// no classifier got beyond `chance` (one over the number of classes).
pub fn five_class(rows: &[MethodScore], raw_pixels: Option<f64>, chance: f64) -> Vec<String> {
    let mut out = Vec::new();
    const ONE_LAYER: Method = Method::Autoencoder { hidden_layers: 1 };
    const THREE_LAYERS: Method = Method::Autoencoder { hidden_layers: 3 };
    let find =
        |method: Method, code: usize| rows.iter().find(|r| r.method == method && r.code == code);
    out.extend(better_reconstruction_by_size(
        rows,
        (Method::Pca, "PCA"),
        (ONE_LAYER, "the one-layer autoencoder", "the autoencoder"),
    ));
    let best = rows.iter().max_by(|a, b| a.accuracy.total_cmp(&b.accuracy));
    if let Some(best) = best {
        let best_pca = rows
            .iter()
            .filter(|r| r.method == Method::Pca)
            .map(|r| r.accuracy)
            .fold(f64::NAN, f64::max);
        out.push(format!(
            "The codes that classify best are {} at {} values ({}){}.",
            best.method,
            best.code,
            num(best.accuracy),
            if best.method == Method::Pca || best_pca.is_nan() {
                String::new()
            } else {
                format!(
                    ", {} points above the best PCA codes ({})",
                    points(best.accuracy, best_pca),
                    num(best_pca)
                )
            }
        ));
    }
    for dae in rows
        .iter()
        .filter(|r| matches!(r.method, Method::Denoising { .. }))
    {
        if let Some(ae) = find(ONE_LAYER, dae.code) {
            out.push(format!(
                "{} {} ({} against {} without noise) and {} ({} against {}).",
                dae.method,
                change(
                    dae.test_mse - ae.test_mse,
                    0.01 * ae.test_mse.abs(),
                    "the test MSE on clean images"
                ),
                num(dae.test_mse),
                num(ae.test_mse),
                change(dae.accuracy - ae.accuracy, 0.0005, "the best accuracy"),
                num(dae.accuracy),
                num(ae.accuracy)
            ));
        }
    }
    out.extend(better_reconstruction_by_size(
        rows,
        (THREE_LAYERS, "The three-hidden-layer autoencoder"),
        (ONE_LAYER, "the one-layer one", "the one-layer one"),
    ));
    let stuck: Vec<String> = rows
        .iter()
        .filter(|r| r.accuracy <= chance + AT_CHANCE)
        .map(|r| format!("{} {}", r.method, r.code))
        .collect();
    if !stuck.is_empty() {
        out.push(format!(
            "On the codes of {} the chosen classifier stays at chance ({}): its logistic hidden units did not leave the starting plateau in the epochs it had.",
            stuck.join(", "),
            num(chance)
        ));
    }
    if let (Some(pixels), Some(best)) = (raw_pixels, best) {
        out.push(if best.accuracy >= pixels {
            format!(
                "The best codes classify {} points better than the raw pixels ({} against {}) with {} values instead of 784: the encoding keeps what separates the digits.",
                points(best.accuracy, pixels),
                num(best.accuracy),
                num(pixels),
                best.code
            )
        } else {
            format!(
                "The raw pixels classify {} points better than the best codes ({} against {} for {} at {} values): every encoding here loses some of what separates the digits.",
                points(pixels, best.accuracy),
                num(pixels),
                num(best.accuracy),
                best.method,
                best.code
            )
        });
    }
    out
}

/// Accuracy this close to chance counts as chance.
const AT_CHANCE: f64 = 0.02;

/// "`a` reconstructs the test images better than `b` at code sizes ...; `b` does better
/// at ...", over the sizes where both were measured (`b`: method, name, short name).
fn better_reconstruction_by_size(
    rows: &[MethodScore],
    (a, a_name): (Method, &str),
    (b, b_name, b_short): (Method, &str, &str),
) -> Option<String> {
    let (mut a_better, mut b_better) = (Vec::new(), Vec::new());
    for ra in rows.iter().filter(|r| r.method == a) {
        if let Some(rb) = rows.iter().find(|r| r.method == b && r.code == ra.code) {
            if ra.test_mse <= rb.test_mse {
                a_better.push(ra.code.to_string());
            } else {
                b_better.push(ra.code.to_string());
            }
        }
    }
    (!(a_better.is_empty() && b_better.is_empty())).then(|| {
        format!(
            "{a_name} reconstructs the test images better than {b_name} at code sizes {}; {b_short} does better at {}.",
            list_or(&a_better, "none"),
            list_or(&b_better, "none")
        )
    })
}

/// "raises `what`", "lowers `what`", or "leaves `what` about unchanged" when
/// `|difference| <= tolerance`.
fn change(difference: f64, tolerance: f64, what: &str) -> String {
    if difference.abs() <= tolerance {
        format!("leaves {what} about unchanged")
    } else if difference > 0.0 {
        format!("raises {what}")
    } else {
        format!("lowers {what}")
    }
}

/// How far apart the classes' codes lie: the mean distance between class centroids over
/// the mean root-mean-square distance of codes to their own centroid. `None` with fewer
/// than two classes or no spread.
pub fn separation(points: &[(f32, f32, u8)]) -> Option<f64> {
    let mut labels: Vec<u8> = points.iter().map(|p| p.2).collect();
    labels.sort_unstable();
    labels.dedup();
    let classes: Vec<((f64, f64), f64)> = labels
        .iter()
        .map(|&label| {
            let own: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.2 == label)
                .map(|p| (f64::from(p.0), f64::from(p.1)))
                .collect();
            let n = own.len() as f64;
            let centre = (
                own.iter().map(|p| p.0).sum::<f64>() / n,
                own.iter().map(|p| p.1).sum::<f64>() / n,
            );
            let spread = (own
                .iter()
                .map(|p| (p.0 - centre.0).powi(2) + (p.1 - centre.1).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            (centre, spread)
        })
        .collect();
    let mut distances = Vec::new();
    for (i, a) in classes.iter().enumerate() {
        for b in &classes[i + 1..] {
            distances.push(((a.0.0 - b.0.0).powi(2) + (a.0.1 - b.0.1).powi(2)).sqrt());
        }
    }
    let spread = classes.iter().map(|c| c.1).sum::<f64>() / classes.len() as f64;
    let apart = distances.iter().sum::<f64>() / distances.len().max(1) as f64;
    (!distances.is_empty() && spread > 0.0).then(|| apart / spread)
}

/// Which model's plane separates the classes more, from [`separation`] per model.
pub fn latent(models: &[(&str, f64)]) -> Vec<String> {
    let mut out: Vec<String> = models
        .iter()
        .map(|(name, ratio)| {
            format!(
                "In the {name}'s plane the class centroids lie on average {ratio:.2} times the classes' own spread apart."
            )
        })
        .collect();
    if let (Some(best), true) = (
        models.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        models.len() > 1,
    ) {
        out.push(format!(
            "The {} separates the digits most cleanly by this measure.",
            best.0
        ));
    }
    out
}

/// One member of the family: name, test MSE, accuracy of a logistic regression on its codes.
pub type MemberScore<'a> = (&'a str, f64, f64);

/// The family's best reconstructor and best code for classification.
pub fn family(members: &[MemberScore<'_>]) -> Vec<String> {
    let (Some(recon), Some(codes)) = (
        members.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        members.iter().max_by(|a, b| a.2.total_cmp(&b.2)),
    ) else {
        return Vec::new();
    };
    if recon.0 == codes.0 {
        return vec![format!(
            "The {} both reconstructs best (test MSE {}) and has the codes that classify best (logistic regression, {}).",
            recon.0,
            num(recon.1),
            num(codes.2)
        )];
    }
    vec![
        format!(
            "The {} reconstructs best (test MSE {}); the {} has the codes that classify best (logistic regression, {}).",
            recon.0,
            num(recon.1),
            codes.0,
            num(codes.2)
        ),
        format!(
            "So the lowest reconstruction error does not make the most useful code: the {}'s codes classify at {}.",
            recon.0,
            num(recon.2)
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_sentences_follow_the_gap_and_the_tail() {
        let flat = [0.2, 0.1, 0.1, 0.1];
        let end = |train, validation| RunEnd {
            name: "Model",
            loss: "BCE",
            train,
            validation,
        };
        let fits = training(&end(0.1, &flat));
        assert_eq!(
            fits[0],
            "Model: after 4 epochs, training BCE 0.1000 and validation BCE 0.1000."
        );
        assert!(fits[1].contains("no sign of overfitting"), "{fits:?}");
        assert!(fits[2].contains("has converged"), "{fits:?}");
        let overfits = training(&end(0.05, &[0.2, 0.12, 0.11, 0.1]));
        assert!(overfits[1].contains("begun to overfit"), "{overfits:?}");
        assert!(overfits[2].contains("still fell 9.1%"), "{overfits:?}");
        let rising = training(&end(0.1, &[0.2, 0.1, 0.1, 0.11]));
        assert!(rising[2].contains("rose 10.0%"), "{rising:?}");
        assert!(training(&end(0.1, &[])).is_empty());
    }

    #[test]
    fn late_improvement_reads_the_last_tenth() {
        let curve: Vec<f64> = (0..20).map(|e| 1.0 - 0.01 * f64::from(e)).collect();
        // 20 epochs: the last two; 0.83 to 0.81.
        let fall = late_improvement(&curve).unwrap();
        assert!((fall - 0.02 / 0.83).abs() < 1e-12);
        assert_eq!(late_improvement(&[0.5]), None);
    }

    #[test]
    fn denoising_sentence_follows_the_direction() {
        assert!(denoising(0.04, 0.01)[0].contains("4.0 times closer"));
        assert!(denoising(0.01, 0.04)[0].contains("no closer"));
    }

    #[test]
    fn cnn_sentences_follow_the_accuracies() {
        let base = CnnAccuracy {
            original: 0.99,
            reconstructed: 0.95,
            noisy: 0.90,
            denoised: 0.96,
        };
        let s = cnn(base);
        assert!(s[0].contains("loses 4.0 points"), "{s:?}");
        assert!(s[1].contains("Noise costs 9.0 points"), "{s:?}");
        assert!(s[1].contains("wins back 67%"), "{s:?}");
        let s = cnn(CnnAccuracy {
            reconstructed: 0.992,
            denoised: 0.89,
            ..base
        });
        assert!(s[0].contains("about as well"), "{s:?}");
        assert!(s[1].contains("does not win them back"), "{s:?}");
        let s = cnn(CnnAccuracy {
            reconstructed: 0.999,
            noisy: 0.989,
            ..base
        });
        assert!(s[0].contains("better on the reconstructions"), "{s:?}");
        assert!(s[1].contains("barely affects"), "{s:?}");
    }

    fn losses(
        dataset: &str,
        shallow: f64,
        deep: f64,
        deep_val: f64,
        denoising_val: f64,
    ) -> DatasetLosses {
        DatasetLosses {
            dataset: dataset.into(),
            shallow: (5, shallow),
            deep: (10, deep),
            deep_val,
            denoising_val,
        }
    }

    #[test]
    fn dataset_sentences_follow_the_losses() {
        let mnist = losses("MNIST", 0.094, 0.09, 0.089, 0.092);
        let fashion = losses("Fashion-MNIST", 0.28, 0.27, 0.27, 0.26);
        let s = datasets(&mnist, &fashion);
        assert!(
            s[0].starts_with("Fashion-MNIST ends at a higher BCE than MNIST for both models"),
            "{s:?}"
        );
        assert!(s[0].contains("entropy of the target pixels"), "{s:?}");
        assert!(s[1].contains("deep 784-128-32 model ends lower"), "{s:?}");
        assert!(s[1].contains("unequal epochs"), "{s:?}");
        assert!(s[2].contains("MNIST test images worse"), "{s:?}");
        assert!(s[4].contains("Fashion-MNIST test images better"), "{s:?}");
        // Swap the datasets' numbers: every direction turns.
        let s = datasets(
            &losses("MNIST", 0.28, 0.3, 0.27, 0.26),
            &losses("Fashion-MNIST", 0.094, 0.4, 0.089, 0.092),
        );
        assert!(
            s[0].contains("lower BCE than MNIST with the shallow model and a higher one"),
            "{s:?}"
        );
        assert!(!s[0].contains("entropy"), "{s:?}");
        assert!(s[1].contains("ends higher"), "{s:?}");
    }

    #[test]
    fn sweep_sentences_find_the_knee_and_the_gap() {
        let points = [
            (8, 0.2, 0.2),
            (16, 0.15, 0.15),
            (32, 0.1, 0.1),
            (64, 0.0995, 0.0996),
            (128, 0.0994, 0.0995),
        ];
        let s = sweep("MNIST", &points);
        assert_eq!(
            s[0],
            "On MNIST, test BCE goes from 0.2000 at code size 8 to 0.09950 at 128."
        );
        assert_eq!(
            s[1],
            "Past code size 32, each larger code lowers test BCE by less than 1%."
        );
        assert!(s[2].contains("bias"), "{s:?}");
        let overfit = [(8, 0.2, 0.2), (16, 0.1, 0.12)];
        let s = sweep("MNIST", &overfit);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(
            s[1].starts_with("At code size 16, test BCE exceeds training BCE by 20.0%"),
            "{s:?}"
        );
    }

    #[test]
    fn weight_image_sentences_follow_the_smoothness() {
        let row = |dataset: &str, model: &str, correlation| WeightSmoothness {
            dataset: dataset.into(),
            model: model.into(),
            correlation,
        };
        let mut rows = vec![
            row("MNIST", "shallow", 0.5),
            row("MNIST", "deep", 0.3),
            row("Fashion-MNIST", "shallow", 0.7),
            row("Fashion-MNIST", "deep", 0.25),
        ];
        let s = weight_images(&rows);
        assert!(s[0].contains("smoothest for Fashion-MNIST, shallow (mean correlation of neighbouring weights 0.7000) and least smooth for Fashion-MNIST, deep (0.2500)"), "{s:?}");
        assert!(s[1].starts_with("Fashion-MNIST gives smoother weights than MNIST for shallow, and MNIST smoother ones for deep"), "{s:?}");
        assert!(
            s[2].starts_with("Every model's units have formed strokes"),
            "{s:?}"
        );
        rows[1].correlation = 0.05;
        let s = weight_images(&rows);
        assert!(
            s[0].contains("least smooth for MNIST, deep (0.05000)"),
            "{s:?}"
        );
        assert!(s[1].contains("Fashion-MNIST gives smoother weights than MNIST for shallow, deep, and MNIST smoother ones for no model"), "{s:?}");
        assert!(
            s[2].starts_with("The weights of MNIST, deep stay close to pixel noise"),
            "{s:?}"
        );
    }

    #[test]
    fn five_class_sentences_follow_the_scores() {
        let row = |method: Method, code, test_mse, accuracy| MethodScore {
            method,
            code,
            test_mse,
            accuracy,
        };
        let ae = Method::Autoencoder { hidden_layers: 1 };
        let rows = [
            row(Method::Pca, 32, 0.015, 0.987),
            row(Method::Pca, 256, 0.0013, 0.981),
            row(ae, 32, 0.025, 0.982),
            row(ae, 256, 0.0010, 0.9855),
            row(Method::Denoising { noise_percent: 20 }, 256, 0.0027, 0.9865),
        ];
        let s = five_class(&rows, None, 0.2);
        assert_eq!(
            s[0],
            "PCA reconstructs the test images better than the one-layer autoencoder at code sizes 32; the autoencoder does better at 256."
        );
        assert_eq!(
            s[1],
            "The codes that classify best are PCA at 32 values (0.9870)."
        );
        assert!(s[2].starts_with("DAE 20% raises the test MSE"), "{s:?}");
        assert!(s[2].contains("and raises the best accuracy"), "{s:?}");
        let mut swapped = rows.clone();
        swapped[4].accuracy = 0.99;
        swapped[4].test_mse = 0.0005;
        let s = five_class(&swapped, None, 0.2);
        assert!(s[1].starts_with("The codes that classify best are DAE 20% at 256 values (0.9900), 0.3 points above the best PCA codes"), "{s:?}");
        assert!(s[2].starts_with("DAE 20% lowers the test MSE"), "{s:?}");
        swapped[4].test_mse = 0.001001;
        swapped[4].accuracy = 0.9857;
        let s = five_class(&swapped, None, 0.2);
        assert!(
            s[2].starts_with("DAE 20% leaves the test MSE on clean images about unchanged")
                && s[2].contains("and leaves the best accuracy about unchanged"),
            "{s:?}"
        );
        // The three-layer model against the one-layer one, and the raw-pixel baseline.
        let deep = Method::Autoencoder { hidden_layers: 3 };
        let mut with_deep = rows.to_vec();
        with_deep.push(row(deep, 32, 0.02, 0.98));
        with_deep.push(row(deep, 256, 0.002, 0.98));
        let s = five_class(&with_deep, Some(0.98), 0.2);
        assert_eq!(
            s[3],
            "The three-hidden-layer autoencoder reconstructs the test images better than the one-layer one at code sizes 32; the one-layer one does better at 256."
        );
        assert!(s[4].starts_with("The best codes classify 0.7 points better than the raw pixels (0.9870 against 0.9800) with 32 values"), "{s:?}");
        let s = five_class(&with_deep, Some(0.995), 0.2);
        assert!(s[4].starts_with("The raw pixels classify 0.8 points better than the best codes (0.9950 against 0.9870 for PCA at 32 values)"), "{s:?}");
        // Codes that no classifier got beyond chance are named.
        with_deep.push(row(ae, 64, 0.01, 0.2));
        let s = five_class(&with_deep, None, 0.2);
        assert!(
            s[4].starts_with(
                "On the codes of AE (1 layer) 64 the chosen classifier stays at chance (0.2000)"
            ),
            "{s:?}"
        );
    }

    #[test]
    fn separation_and_latent_sentences_follow_the_points() {
        let tight = [(0.0, 0.0, 1), (0.2, 0.0, 1), (10.0, 0.0, 5), (10.2, 0.0, 5)];
        let loose = [(0.0, 0.0, 1), (4.0, 0.0, 1), (2.0, 0.0, 5), (6.0, 0.0, 5)];
        let (t, l) = (separation(&tight).unwrap(), separation(&loose).unwrap());
        // Centroids 10 apart, spread 0.1: ratio 100; centroids 2 apart, spread 2: ratio 1.
        assert!(
            (t - 100.0).abs() < 1e-3 && (l - 1.0).abs() < 1e-9,
            "{t} {l}"
        );
        assert_eq!(separation(&tight[..2]), None);
        let s = latent(&[("autoencoder", l), ("VAE", t)]);
        assert_eq!(
            s[2],
            "The VAE separates the digits most cleanly by this measure."
        );
        let s = latent(&[("autoencoder", t), ("VAE", l)]);
        assert_eq!(
            s[2],
            "The autoencoder separates the digits most cleanly by this measure."
        );
    }

    #[test]
    fn family_sentences_follow_the_scores() {
        let s = family(&[("shallow", 0.02, 0.9), ("deep", 0.01, 0.8)]);
        assert!(s[0].starts_with("The deep reconstructs best"), "{s:?}");
        assert!(s[0].contains("the shallow has the codes"), "{s:?}");
        assert_eq!(s.len(), 2);
        let s = family(&[("shallow", 0.02, 0.7), ("deep", 0.01, 0.8)]);
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].starts_with("The deep both reconstructs best"), "{s:?}");
        assert!(family(&[]).is_empty());
    }
}
