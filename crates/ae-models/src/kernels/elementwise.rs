//! Element-wise maps of `f32` slices into a fresh output, in parallel chunks: the closure
//! is monomorphised per caller, so each chunk's loop vectorises (a branch-free `exp`
//! inside included).

use rayon::prelude::*;

use super::zeros::zeros;

/// Elements per parallel task.
const CHUNK: usize = 8192;

/// `f(x)` of every element.
pub(super) fn map(x: &[f32], f: impl Fn(f32) -> f32 + Sync) -> Vec<f32> {
    let mut y = zeros(x.len());
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            for (y, &x) in y.iter_mut().zip(x) {
                *y = f(x);
            }
        });
    y
}

/// `f(a, b)` of every pair of elements.
///
/// # Panics
/// When the lengths differ (callers check with their own message first).
pub(super) fn map2(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync) -> Vec<f32> {
    assert_eq!(a.len(), b.len(), "element-wise operand lengths");
    let mut y = zeros(a.len());
    y.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
        .for_each(|(y, (a, b))| {
            for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
                *y = f(a, b);
            }
        });
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_cover_every_element_across_chunks() {
        let a: Vec<f32> = (0..3 * CHUNK + 5).map(|i| i as f32).collect();
        let b: Vec<f32> = a.iter().map(|v| 2.0 * v).collect();
        assert_eq!(
            map(&a, |x| x + 1.0),
            a.iter().map(|x| x + 1.0).collect::<Vec<_>>()
        );
        assert_eq!(map2(&a, &b, |x, y| y - x), a);
        assert!(map(&[], |x| x).is_empty());
    }
}
