//! Principal component analysis, the linear baseline of every comparison.
//!
//! Parameters and fitted model are different types (as in linfa):
//! `PcaParams::new(k).fit(&data)` gives a fitted [`Pca`]. The fit forms the covariance of
//! the centred data in f64 with faer's matrix product and takes its top `k` eigenvectors
//! with faer's self-adjoint eigensolver (the same computation as numpy's `eigh` on the
//! covariance, and as scikit-learn's `PCA` up to component signs).

use faer::{Mat, Side};

use crate::error::{AnalysisError, Result};

/// Row-major data: `rows` samples of `cols` features.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    /// `rows * cols` values.
    pub values: &'a [f32],
    /// Number of samples.
    pub rows: usize,
    /// Features per sample.
    pub cols: usize,
}

impl<'a> Samples<'a> {
    /// Wraps `values` as `rows x cols`, checking the length.
    pub fn new(values: &'a [f32], rows: usize, cols: usize) -> Result<Self> {
        if rows.checked_mul(cols) != Some(values.len()) || cols == 0 {
            return Err(AnalysisError::InvalidParameter {
                field: "samples",
                reason: format!("{} values are not {rows} x {cols}", values.len()),
            });
        }
        Ok(Samples { values, rows, cols })
    }
}

/// Unfitted PCA: how many components to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcaParams {
    components: usize,
}

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct Pca {
    mean: Vec<f64>,
    /// `k x d`, rows are unit-norm principal axes by decreasing variance.
    components: Mat<f64>,
    explained_variance: Vec<f64>,
    total_variance: f64,
}

impl PcaParams {
    /// Keep `components` principal components.
    pub fn new(components: usize) -> Self {
        PcaParams { components }
    }

    /// Fits on `data` (one sample per row).
    ///
    /// # Example
    /// ```
    /// use ae_analysis::{PcaParams, Samples};
    ///
    /// // Four points on the line y = 2x: one component explains everything.
    /// let values = [0.0, 0.0, 1.0, 2.0, 2.0, 4.0, 3.0, 6.0];
    /// let data = Samples::new(&values, 4, 2)?;
    /// let pca = PcaParams::new(1).fit(&data)?;
    /// assert!((pca.explained_variance_ratio()[0] - 1.0).abs() < 1e-9);
    /// assert!(pca.reconstruction_mse(&data)? < 1e-10);
    /// # Ok::<(), ae_analysis::AnalysisError>(())
    /// ```
    pub fn fit(&self, data: &Samples<'_>) -> Result<Pca> {
        let (n, d, k) = (data.rows, data.cols, self.components);
        if k == 0 || k > d {
            return Err(AnalysisError::InvalidParameter {
                field: "components",
                reason: format!("{k} is not in 1..={d}"),
            });
        }
        if n < 2 {
            return Err(AnalysisError::InvalidParameter {
                field: "samples",
                reason: format!("{n} samples; PCA needs at least 2"),
            });
        }
        let mut mean = vec![0.0f64; d];
        for row in data.values.chunks_exact(d) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        // Samples as columns: faer stores matrices column-major, so filling `d x n` reads
        // the row-major input contiguously (the `n x d` layout was 2x slower to build).
        let centred_t =
            Mat::<f64>::from_fn(d, n, |j, i| f64::from(data.values[i * d + j]) - mean[j]);
        let covariance = (&centred_t * centred_t.transpose()) * faer::Scale(1.0 / (n as f64 - 1.0));
        let total_variance = (0..d).map(|j| covariance[(j, j)]).sum::<f64>();
        let eigen = covariance
            .self_adjoint_eigen(Side::Lower)
            .map_err(AnalysisError::LinearAlgebra)?;
        let (values, vectors) = (eigen.S(), eigen.U());
        // Eigenvalues come in nondecreasing order: the top k are the last k, reversed.
        let explained_variance: Vec<f64> = (0..k).map(|c| values[d - 1 - c].max(0.0)).collect();
        let mut components = Mat::<f64>::from_fn(k, d, |c, j| vectors[(j, d - 1 - c)]);
        // Deterministic signs: the largest-magnitude entry of each axis is positive.
        for c in 0..k {
            let (mut best, mut arg) = (0.0f64, 0);
            for j in 0..d {
                if components[(c, j)].abs() > best {
                    best = components[(c, j)].abs();
                    arg = j;
                }
            }
            if components[(c, arg)] < 0.0 {
                for j in 0..d {
                    components[(c, j)] = -components[(c, j)];
                }
            }
        }
        Ok(Pca {
            mean,
            components,
            explained_variance,
            total_variance,
        })
    }
}

impl Pca {
    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// Feature means of the training data.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Principal axes, one row of `d` values per component.
    pub fn components(&self) -> Vec<Vec<f64>> {
        (0..self.n_components())
            .map(|c| {
                (0..self.components.ncols())
                    .map(|j| self.components[(c, j)])
                    .collect()
            })
            .collect()
    }

    /// Variance along each component.
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// Fraction of the total variance along each component.
    pub fn explained_variance_ratio(&self) -> Vec<f64> {
        self.explained_variance
            .iter()
            .map(|v| v / self.total_variance)
            .collect()
    }

    /// The same fit keeping only the first `k` components (exact: components are nested).
    pub fn truncated(&self, k: usize) -> Result<Pca> {
        if k == 0 || k > self.n_components() {
            return Err(AnalysisError::InvalidParameter {
                field: "components",
                reason: format!("{k} is not in 1..={}", self.n_components()),
            });
        }
        Ok(Pca {
            mean: self.mean.clone(),
            components: self.components.subrows(0, k).to_owned(),
            explained_variance: self.explained_variance[..k].to_vec(),
            total_variance: self.total_variance,
        })
    }

    fn check(&self, data: &Samples<'_>) -> Result<()> {
        if data.cols != self.mean.len() {
            return Err(AnalysisError::InvalidParameter {
                field: "samples",
                reason: format!(
                    "{} features, the PCA was fitted on {}",
                    data.cols,
                    self.mean.len()
                ),
            });
        }
        Ok(())
    }

    /// Projects samples on the components: `rows x k`, row-major.
    pub fn transform(&self, data: &Samples<'_>) -> Result<Vec<f32>> {
        self.check(data)?;
        let d = data.cols;
        let centred = Mat::<f64>::from_fn(data.rows, d, |i, j| {
            f64::from(data.values[i * d + j]) - self.mean[j]
        });
        let codes = centred * self.components.transpose();
        Ok(row_major(&codes))
    }

    /// Maps codes (`rows x k`) back to feature space (`rows x d`).
    pub fn inverse_transform(&self, codes: &[f32], rows: usize) -> Result<Vec<f32>> {
        let k = self.n_components();
        if codes.len() != rows * k {
            return Err(AnalysisError::InvalidParameter {
                field: "codes",
                reason: format!("{} values are not {rows} x {k}", codes.len()),
            });
        }
        let codes = Mat::<f64>::from_fn(rows, k, |i, c| f64::from(codes[i * k + c]));
        let mut out = codes * &self.components;
        for i in 0..rows {
            for (j, m) in self.mean.iter().enumerate() {
                out[(i, j)] += m;
            }
        }
        Ok(row_major(&out))
    }

    /// Per-element mean squared error of reconstructing `data` through `k` components.
    pub fn reconstruction_mse(&self, data: &Samples<'_>) -> Result<f64> {
        let recon = self.inverse_transform(&self.transform(data)?, data.rows)?;
        let sum: f64 = recon
            .iter()
            .zip(data.values)
            .map(|(r, &x)| (f64::from(*r) - f64::from(x)).powi(2))
            .sum();
        Ok(sum / data.values.len() as f64)
    }
}

fn row_major(m: &Mat<f64>) -> Vec<f32> {
    let mut out = Vec::with_capacity(m.nrows() * m.ncols());
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            out.push(m[(i, j)] as f32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_dominant_direction_and_reconstructs_rank_one_data_exactly() {
        // Points on the line t * (3, 4) / 5 plus an offset: one component explains everything.
        let values: Vec<f32> = (0..50)
            .flat_map(|t| [1.0 + 0.6 * t as f32, -2.0 + 0.8 * t as f32])
            .collect();
        let data = Samples::new(&values, 50, 2).unwrap();
        let pca = PcaParams::new(1).fit(&data).unwrap();
        let axis = &pca.components()[0];
        // Inputs are f32, so the axis is exact to about 1e-7.
        assert!(
            (axis[0] - 0.6).abs() < 1e-6 && (axis[1] - 0.8).abs() < 1e-6,
            "{axis:?}"
        );
        assert!((pca.explained_variance_ratio()[0] - 1.0).abs() < 1e-9);
        assert!(pca.reconstruction_mse(&data).unwrap() < 1e-10);
    }

    #[test]
    fn explained_variance_matches_the_sample_variance() {
        // Independent axes with variances 4 and 1 (values +-2 and +-1).
        let values: Vec<f32> = (0..100)
            .flat_map(|i| {
                [
                    if i % 2 == 0 { 2.0 } else { -2.0 },
                    if i % 4 < 2 { 1.0 } else { -1.0 },
                ]
            })
            .collect();
        let pca = PcaParams::new(2)
            .fit(&Samples::new(&values, 100, 2).unwrap())
            .unwrap();
        let ev = pca.explained_variance();
        assert!(
            (ev[0] - 4.0 * 100.0 / 99.0).abs() < 1e-9 && (ev[1] - 100.0 / 99.0).abs() < 1e-9,
            "{ev:?}"
        );
        assert!((pca.explained_variance_ratio().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(pca.truncated(1).unwrap().n_components(), 1);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let values = vec![0.0f32; 6];
        let data = Samples::new(&values, 3, 2).unwrap();
        assert!(PcaParams::new(0).fit(&data).is_err());
        assert!(PcaParams::new(3).fit(&data).is_err());
        assert!(Samples::new(&values, 4, 2).is_err());
    }
}
