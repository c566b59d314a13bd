//! Rendering many documents at once, without rayon's work stealing.
//!
//! Typst lays out, and its PDF writer serialises, with rayon inside a single
//! document. A rayon worker that renders one of our documents and waits
//! inside Typst steals another of *our* documents and starts it on the same
//! stack: renders pile up, memory grows with the size of the month and the
//! stack finally overflows (seen with 10,000 billing notices). So documents
//! are spread over plain threads that take the next index from a counter,
//! and Typst's own parallelism stays in rayon's pool.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Stack for a thread that renders: Typst lays out nested tables
/// recursively and needs more than the 2 MiB a spawned thread gets by
/// default. Only the pages actually touched are backed by memory.
pub const RENDER_STACK: usize = 64 << 20;

/// How many documents to render at once: `FEEBOOK_THREADS`, else
/// `RAYON_NUM_THREADS`, else the number of cores.
pub fn threads() -> usize {
    ["FEEBOOK_THREADS", "RAYON_NUM_THREADS"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `f(i, &items[i])` for every item, on up to `threads` threads; the
/// results in the order of the items, whatever the order they finished in.
pub fn map<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let n = items.len();
    let slots: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let r = f(i, &items[i]);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|s| {
        let mut spawned = 0;
        for _ in 0..threads.clamp(1, n.max(1)) {
            match std::thread::Builder::new()
                .stack_size(RENDER_STACK)
                .spawn_scoped(s, work)
            {
                Ok(_) => spawned += 1,
                Err(_) => break, // the threads that did start do the rest
            }
        }
        if spawned == 0 {
            work();
        }
    });
    slots
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| f(i, &items[i]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..1000).collect();
        for threads in [1, 2, 7] {
            let out = map(&items, threads, |i, &x| {
                assert_eq!(i as u64, x);
                x * x
            });
            assert_eq!(out, items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
        assert!(map(&[] as &[u8], 4, |_, _| 0).is_empty());
    }

    #[test]
    fn every_item_runs_exactly_once() {
        let count = AtomicUsize::new(0);
        let items = vec![(); 333];
        map(&items, 3, |_, _| count.fetch_add(1, Ordering::Relaxed));
        assert_eq!(count.load(Ordering::Relaxed), 333);
    }
}
