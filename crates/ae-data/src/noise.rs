//! Seeded input corruptions for denoising autoencoders.
//!
//! All three act in place on pixels already scaled to `[0, 1]`:
//! - Gaussian: `x + s * N(0, 1)`, clipped to `[0, 1]` (the seeds use s = 0.2, 0.25, 0.4, 0.5);
//! - masking: each pixel set to 0 with probability `p`;
//! - salt-and-pepper: each pixel replaced with probability `p`, by 0 or 1 with equal odds.

use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{DataError, Result};

/// A corruption of the input; [`Noise::None`] leaves it unchanged.
///
/// # Example
/// ```
/// use ae_data::Noise;
///
/// let noise: Noise = "gaussian:0.5".parse()?;
/// let mut pixels = vec![0.5_f32; 784];
/// noise.apply_seeded(&mut pixels, 1);
/// assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p))); // clipped, as the seeds do
/// assert!(pixels.iter().any(|&p| p != 0.5));
/// assert!("gaussian:-1".parse::<Noise>().is_err());
/// # Ok::<(), ae_data::DataError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Noise {
    /// No corruption.
    #[default]
    None,
    /// Additive Gaussian noise of this standard deviation, clipped to `[0, 1]`.
    Gaussian {
        /// Standard deviation `s`.
        std: f32,
    },
    /// Masking noise: this fraction of pixels (in expectation) set to 0.
    Mask {
        /// Probability that a pixel is zeroed.
        fraction: f32,
    },
    /// Salt-and-pepper noise: this fraction of pixels set to 0 or 1.
    SaltPepper {
        /// Probability that a pixel is replaced.
        fraction: f32,
    },
}

impl Noise {
    /// Checks the parameter range: `std >= 0`, fractions in `[0, 1]`, all finite.
    pub fn validate(&self) -> Result<()> {
        let (value, max) = match *self {
            Noise::None => return Ok(()),
            Noise::Gaussian { std } => (std, f32::INFINITY),
            Noise::Mask { fraction } | Noise::SaltPepper { fraction } => (fraction, 1.0),
        };
        if !value.is_finite() || value < 0.0 || value > max {
            return Err(DataError::InvalidNoise {
                spec: self.to_string(),
                reason: if max.is_finite() {
                    "fraction must be in [0, 1]".into()
                } else {
                    "std must be finite and >= 0".into()
                },
            });
        }
        Ok(())
    }

    /// True when the noise changes nothing.
    pub fn is_none(&self) -> bool {
        matches!(self, Noise::None)
    }

    /// The noise in words, for captions ("Gaussian noise of std 0.2, clipped to [0, 1]").
    pub fn describe(&self) -> String {
        match *self {
            Noise::None => "no noise".into(),
            Noise::Gaussian { std } => format!("Gaussian noise of std {std}, clipped to [0, 1]"),
            Noise::Mask { fraction } => {
                format!("masking noise ({}% of pixels set to 0)", percent(fraction))
            }
            Noise::SaltPepper { fraction } => format!(
                "salt-and-pepper noise ({}% of pixels set to 0 or 1)",
                percent(fraction)
            ),
        }
    }

    /// Corrupts `pixels` in place, drawing from `rng`.
    pub fn apply(&self, pixels: &mut [f32], rng: &mut StdRng) {
        match *self {
            Noise::None => {}
            Noise::Gaussian { std } => {
                for p in pixels {
                    let z: f32 = StandardNormal.sample(rng);
                    *p = (*p + std * z).clamp(0.0, 1.0);
                }
            }
            Noise::Mask { fraction } => {
                for p in pixels {
                    if rng.random::<f32>() < fraction {
                        *p = 0.0;
                    }
                }
            }
            Noise::SaltPepper { fraction } => {
                for p in pixels {
                    if rng.random::<f32>() < fraction {
                        *p = if rng.random::<bool>() { 1.0 } else { 0.0 };
                    }
                }
            }
        }
    }

    /// Corrupts `pixels` with a fresh generator seeded by `seed`.
    pub fn apply_seeded(&self, pixels: &mut [f32], seed: u64) {
        self.apply(pixels, &mut StdRng::seed_from_u64(seed));
    }
}

/// A fraction as a percentage with at most one decimal (f32 `0.3 * 100` is not 30).
fn percent(fraction: f32) -> f32 {
    (fraction * 1000.0).round() / 10.0
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Noise::None => f.write_str("none"),
            Noise::Gaussian { std } => write!(f, "gaussian:{std}"),
            Noise::Mask { fraction } => write!(f, "mask:{fraction}"),
            Noise::SaltPepper { fraction } => write!(f, "saltpepper:{fraction}"),
        }
    }
}

impl FromStr for Noise {
    type Err = DataError;

    /// Parses `none`, `gaussian:S`, `mask:P` or `saltpepper:P`.
    fn from_str(spec: &str) -> Result<Self> {
        let bad = |reason: &str| DataError::InvalidNoise {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        if spec.eq_ignore_ascii_case("none") {
            return Ok(Noise::None);
        }
        let (kind, value) = spec
            .split_once(':')
            .ok_or_else(|| bad("expected KIND:VALUE, e.g. gaussian:0.25"))?;
        let value: f32 = value
            .trim()
            .parse()
            .map_err(|_| bad("value is not a number"))?;
        let noise = match kind.trim().to_ascii_lowercase().as_str() {
            "gaussian" | "gauss" => Noise::Gaussian { std: value },
            "mask" | "masking" => Noise::Mask { fraction: value },
            "saltpepper" | "salt-pepper" | "sp" => Noise::SaltPepper { fraction: value },
            _ => return Err(bad("unknown kind (expected gaussian, mask or saltpepper)")),
        };
        noise.validate()?;
        Ok(noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trip_and_range_checks() {
        for spec in ["gaussian:0.25", "mask:0.3", "saltpepper:0.1", "none"] {
            assert_eq!(spec.parse::<Noise>().unwrap().to_string(), spec);
        }
        assert!("gaussian:-0.1".parse::<Noise>().is_err());
        assert!("mask:1.5".parse::<Noise>().is_err());
        assert!("blur:0.1".parse::<Noise>().is_err());
        assert!("gaussian".parse::<Noise>().is_err());
    }

    #[test]
    fn descriptions_name_the_noise_and_its_level() {
        let words = |spec: &str| spec.parse::<Noise>().unwrap().describe();
        assert_eq!(
            words("gaussian:0.2"),
            "Gaussian noise of std 0.2, clipped to [0, 1]"
        );
        assert_eq!(words("mask:0.3"), "masking noise (30% of pixels set to 0)");
        assert_eq!(
            words("saltpepper:0.125"),
            "salt-and-pepper noise (12.5% of pixels set to 0 or 1)"
        );
        assert_eq!(words("none"), "no noise");
    }

    #[test]
    fn gaussian_is_clipped_seeded_and_has_the_right_spread() {
        let mut a = vec![0.5f32; 20_000];
        Noise::Gaussian { std: 0.25 }.apply_seeded(&mut a, 3);
        let mut b = vec![0.5f32; 20_000];
        Noise::Gaussian { std: 0.25 }.apply_seeded(&mut b, 3);
        assert_eq!(a, b);
        assert!(a.iter().all(|&p| (0.0..=1.0).contains(&p)));
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        let var = a.iter().map(|p| (p - mean).powi(2)).sum::<f32>() / a.len() as f32;
        // Clipping at 2 std trims the variance a little below 0.0625.
        assert!(
            (mean - 0.5).abs() < 0.01 && (0.05..0.0625).contains(&var),
            "mean {mean} var {var}"
        );
    }

    #[test]
    fn mask_and_salt_pepper_touch_the_expected_fraction() {
        let mut m = vec![1.0f32; 10_000];
        Noise::Mask { fraction: 0.3 }.apply_seeded(&mut m, 1);
        let zeroed = m.iter().filter(|&&p| p == 0.0).count();
        assert!((2800..3200).contains(&zeroed), "{zeroed}");
        let mut s = vec![0.5f32; 10_000];
        Noise::SaltPepper { fraction: 0.1 }.apply_seeded(&mut s, 1);
        let (salt, pepper) = (
            s.iter().filter(|&&p| p == 1.0).count(),
            s.iter().filter(|&&p| p == 0.0).count(),
        );
        assert!(
            (400..600).contains(&salt) && (400..600).contains(&pepper),
            "{salt} {pepper}"
        );
    }
}
