//! Gradient buffers handed back once the optimizer has used them, for the next step's
//! products to write over.
//!
//! Why: a dense layer's backward step allocates its weight and input gradients and lets
//! the product write every value. A fresh `vec![0.0; n]` is zeroed first, a `memset` the
//! product then overwrites: about 4 MB per shard and step for `fc`, 4% of the shard
//! threads' samples (`perf record`, 2026-12-02), and large blocks freed and allocated
//! again also cost the kernel's page clearing. The gradients of one step are dropped by
//! the gradient sum and the optimizer step ([`super::add_in_place`],
//! [`super::adam_step`]), which hand their buffers here instead; the next step's
//! backward takes a buffer of the same length. A taken buffer holds stale values, so only
//! code that writes every element (a product with `Accum::Replace`) takes one.
//!
//! The pool is small and bounded (a few training steps' gradients), shared by all
//! threads: buffers are freed on one shard's thread and taken on the other's.

use std::sync::Mutex;

/// Buffers below this many elements are allocated as usual: zeroing them is cheap.
const MIN_LEN: usize = 1 << 12;

/// At most this many buffers are kept (two shards' weight gradients of a deep model).
const MAX_BUFFERS: usize = 32;

/// At most this many elements are kept in all (64 MiB of `f32`), so a long-lived process
/// holds little memory for it.
const MAX_ELEMENTS: usize = 1 << 24;

static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

fn pool() -> std::sync::MutexGuard<'static, Vec<Vec<f32>>> {
    // A panic while holding the lock leaves a list of plain buffers, still valid.
    POOL.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A buffer of `len` elements whose values are unspecified (stale values of an earlier
/// gradient, or zeros): the caller must write every element.
pub(super) fn take_for_overwrite(len: usize) -> Vec<f32> {
    let taken = if len >= MIN_LEN {
        take_from(&mut pool(), len)
    } else {
        None
    };
    taken.unwrap_or_else(|| vec![0.0; len])
}

/// Keeps `buffer` for a later [`take_for_overwrite`] of its length.
pub(super) fn give_back(buffer: Vec<f32>) {
    if (MIN_LEN..=MAX_ELEMENTS).contains(&buffer.len()) {
        keep(&mut pool(), buffer);
    }
}

/// The most recently kept buffer of `len` elements, out of `pool`.
fn take_from(pool: &mut Vec<Vec<f32>>, len: usize) -> Option<Vec<f32>> {
    let at = pool.iter().rposition(|buffer| buffer.len() == len)?;
    Some(pool.swap_remove(at))
}

/// Adds `buffer` to `pool`, dropping the oldest buffers past the bounds.
fn keep(pool: &mut Vec<Vec<f32>>, buffer: Vec<f32>) {
    pool.push(buffer);
    let mut total: usize = pool.iter().map(Vec::len).sum();
    while pool.len() > MAX_BUFFERS || total > MAX_ELEMENTS {
        total -= pool.remove(0).len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_kept_is_taken_again_for_its_length_only() {
        let mut pool = Vec::new();
        let buffer = vec![7.5f32; MIN_LEN];
        let at = buffer.as_ptr();
        keep(&mut pool, buffer);
        keep(&mut pool, vec![1.0; MIN_LEN + 1]);
        assert!(take_from(&mut pool, MIN_LEN + 2).is_none());
        let again = take_from(&mut pool, MIN_LEN).expect("kept");
        assert_eq!((again.as_ptr(), again.len()), (at, MIN_LEN));
        assert_eq!(again[0], 7.5, "the stale values stay");
        assert!(take_from(&mut pool, MIN_LEN).is_none());
        assert_eq!(pool.len(), 1);
    }

    #[test]
    fn the_pool_drops_its_oldest_buffers_past_its_bounds() {
        let mut pool = Vec::new();
        let oldest = vec![0.0f32; MIN_LEN];
        let at = oldest.as_ptr();
        keep(&mut pool, oldest);
        for _ in 0..MAX_BUFFERS {
            keep(&mut pool, vec![0.0; MIN_LEN]);
        }
        assert_eq!(pool.len(), MAX_BUFFERS);
        assert!(pool.iter().all(|b| b.as_ptr() != at));
        keep(&mut pool, vec![0.0; MAX_ELEMENTS]);
        assert_eq!(
            pool.len(),
            1,
            "the large buffer alone fits the element bound"
        );
    }

    #[test]
    fn small_lengths_are_allocated_as_usual() {
        let small = take_for_overwrite(MIN_LEN - 1);
        assert_eq!(small, vec![0.0; MIN_LEN - 1]);
        assert_eq!(take_for_overwrite(MIN_LEN + 17).len(), MIN_LEN + 17);
    }
}
