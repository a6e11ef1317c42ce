//! Zero-filled output buffers, written by all of rayon's threads.
//!
//! Why: each kernel allocates its output zeroed, then fills it in a parallel loop. For a
//! reused allocation the zeroing is a `memset` on the calling thread while the other
//! cores wait (`memset` was 10% of a `conv` epoch). Large buffers are zeroed in parallel
//! instead.

use rayon::prelude::*;

/// Buffers below this many elements are zeroed on the calling thread.
const PARALLEL_FROM: usize = 1 << 16;

/// `n` zeros (`T::default()`).
pub(super) fn zeros<T: Copy + Default + Send + Sync>(n: usize) -> Vec<T> {
    if n < PARALLEL_FROM {
        return vec![T::default(); n];
    }
    let mut values = Vec::with_capacity(n);
    values.par_extend(rayon::iter::repeat_n(T::default(), n).with_min_len(PARALLEL_FROM / 2));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_gets_that_many_zeros() {
        for n in [
            0,
            1,
            PARALLEL_FROM - 1,
            PARALLEL_FROM,
            3 * PARALLEL_FROM + 7,
        ] {
            let floats = zeros::<f32>(n);
            assert_eq!(floats.len(), n);
            assert!(floats.iter().all(|&v| v == 0.0));
            assert!(zeros::<u32>(n).iter().all(|&v| v == 0));
        }
    }
}
