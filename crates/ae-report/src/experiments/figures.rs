//! Small helpers of the figures: which images, their captions, codes scaled for display,
//! file names.

use ae_data::ImageSet;

use crate::error::Result;

/// Screen pixels per image pixel in every grid: a 28-px digit is 84 px wide, and a code's
/// cells are as large as the pixels of the digits they encode. The page shows grids at
/// their natural size, pixelated.
pub const GRID_SCALE: u32 = 3;

/// The first `n` images of `set`.
pub(crate) fn first(set: &ImageSet, n: usize) -> Result<ImageSet> {
    Ok(set.first(n.min(set.len()))?)
}

/// Label captions of a set.
pub(crate) fn captions(set: &ImageSet) -> Vec<String> {
    set.labels().iter().map(u8::to_string).collect()
}

/// Scales each code to `[0, 1]` by its own maximum, for display (codes are not images).
pub(crate) fn codes_for_display(codes: &[f32], len: usize) -> Vec<f32> {
    codes
        .chunks(len.max(1))
        .flat_map(|c| {
            let (lo, hi) = c
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            c.iter().map(move |&v| (v - lo) / span)
        })
        .collect()
}

/// A file name `<section>-<name>.png`.
pub(crate) fn png(section: &str, name: &str) -> String {
    format!("{section}-{name}.png")
}
