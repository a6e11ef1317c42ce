//! Element-wise maps of `f32` slices into a fresh output, in parallel chunks: the closure
//! is monomorphised per caller, so each chunk's loop vectorises (a branch-free `exp`
//! inside included). Each chunk runs through `pulp`'s runtime dispatch, so the loop is
//! compiled for the CPU's widest vectors (AVX2 on x86-64 rather than the baseline's SSE2).
//! The loops have no reductions and Rust never fuses a multiply and an add on its own, so
//! every instruction set gives the same bits.
//!
//! Callers pass `move` closures: a value captured by reference is read through a pointer
//! that might alias the output, which keeps the loop scalar.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use super::zeros::zeros;

/// Elements per parallel task.
const CHUNK: usize = 8192;

/// Below this many elements a map runs on the calling thread: handing work to the pool
/// from outside it costs a wake-up round trip of tens of microseconds, more than the map
/// of a small batch takes.
pub(super) const PARALLEL_MIN: usize = 4 * CHUNK;

/// `f(x)` of every element.
pub(super) fn map(x: &[f32], f: impl Fn(f32) -> f32 + Sync) -> Vec<f32> {
    let mut y = zeros(x.len());
    let arch = Arch::new();
    if x.len() < PARALLEL_MIN {
        arch.dispatch(Map {
            y: &mut y,
            x,
            f: &f,
        });
        return y;
    }
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| arch.dispatch(Map { y, x, f: &f }));
    y
}

/// `f(a, b)` of every pair of elements.
///
/// # Panics
/// When the lengths differ (callers check with their own message first).
pub(super) fn map2(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync) -> Vec<f32> {
    assert_eq!(a.len(), b.len(), "element-wise operand lengths");
    let mut y = zeros(a.len());
    let arch = Arch::new();
    if a.len() < PARALLEL_MIN {
        arch.dispatch(Map2 {
            y: &mut y,
            a,
            b,
            f: &f,
        });
        return y;
    }
    y.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
        .for_each(|(y, (a, b))| arch.dispatch(Map2 { y, a, b, f: &f }));
    y
}

/// `into[i] += from[i]` for every element, in place (the same bits as `into + from`:
/// one addition per element, commutative).
///
/// # Panics
/// When the lengths differ (callers check with their own message first).
pub(super) fn add_assign(into: &mut [f32], from: &[f32]) {
    assert_eq!(into.len(), from.len(), "element-wise operand lengths");
    let arch = Arch::new();
    if into.len() < PARALLEL_MIN {
        arch.dispatch(AddAssign { into, from });
        return;
    }
    into.par_chunks_mut(CHUNK)
        .zip(from.par_chunks(CHUNK))
        .for_each(|(into, from)| arch.dispatch(AddAssign { into, from }));
}

/// One chunk of [`add_assign`].
struct AddAssign<'a> {
    into: &'a mut [f32],
    from: &'a [f32],
}

impl WithSimd for AddAssign<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        for (into, &from) in self.into.iter_mut().zip(self.from) {
            *into += from;
        }
    }
}

/// One chunk of [`map`].
struct Map<'a, F> {
    y: &'a mut [f32],
    x: &'a [f32],
    f: &'a F,
}

impl<F: Fn(f32) -> f32> WithSimd for Map<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let f = self.f;
        for (y, &x) in self.y.iter_mut().zip(self.x) {
            *y = f(x);
        }
    }
}

/// One chunk of [`map2`].
struct Map2<'a, F> {
    y: &'a mut [f32],
    a: &'a [f32],
    b: &'a [f32],
    f: &'a F,
}

impl<F: Fn(f32, f32) -> f32> WithSimd for Map2<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let f = self.f;
        for ((y, &a), &b) in self.y.iter_mut().zip(self.a).zip(self.b) {
            *y = f(a, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_cover_every_element_across_chunks() {
        // On the calling thread, then in parallel chunks.
        for len in [3 * CHUNK + 5, PARALLEL_MIN + CHUNK + 7] {
            let a: Vec<f32> = (0..len).map(|i| i as f32).collect();
            let b: Vec<f32> = a.iter().map(|v| 2.0 * v).collect();
            assert_eq!(
                map(&a, |x| x + 1.0),
                a.iter().map(|x| x + 1.0).collect::<Vec<_>>()
            );
            assert_eq!(map2(&a, &b, |x, y| y - x), a);
            let mut sum = a.clone();
            add_assign(&mut sum, &b);
            assert_eq!(sum, map2(&a, &b, |x, y| x + y));
        }
        assert!(map(&[], |x| x).is_empty());
    }
}
