//! Runs independent jobs of one file (the rules' checks, the fix functions)
//! on a few threads when the file is long enough to pay for them.
//!
//! `check` on a 100,000-instruction file spends most of its time in rules
//! and fix functions that read the same model and never each other's
//! output: on two cores they finish in about half the time. Short files
//! (nearly every real one) stay on the calling thread: starting threads
//! costs more than checking them, and `check_all` already spreads many
//! files over rayon's pool.
//!
//! Plain scoped threads pulling job indexes, not rayon: a job may block on
//! a memo another job is filling (`OnceLock`, the simulations' `Mutex`),
//! and a rayon worker waiting there could steal a job that needs the same
//! memo and deadlock. Results come back in job order, so the output does
//! not depend on the scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Instructions from which a file's jobs run on several threads.
pub(crate) const PARALLEL_FROM: usize = 2_000;

/// Threads for a file of `instructions`: 1 below [`PARALLEL_FROM`].
pub(crate) fn threads_for(instructions: usize) -> usize {
    if instructions < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

/// `f` applied to every job, on up to `threads` threads; the results in
/// the jobs' order.
pub(crate) fn map_in_order<T, R, F>(jobs: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = threads.min(jobs.len());
    if threads <= 1 {
        return jobs.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else { break };
        let r = f(job);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some(r);
        }
    };
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        work();
        for h in helpers {
            if let Err(payload) = h.join() {
                // The panic hook reported it on the helper thread; raise the
                // same payload here without running the hook again (the
                // scope's own "a scoped thread panicked" was a second report).
                std::panic::resume_unwind(payload);
            }
        }
    });
    // Every slot is filled: a job that panicked has re-raised above.
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_s_panic_reaches_the_caller_with_its_own_message() {
        let jobs: Vec<u32> = (0..64).collect();
        let caught = std::panic::catch_unwind(|| {
            map_in_order(&jobs, 2, |&j| {
                if j == 40 {
                    panic!("job 40 failed");
                }
                j
            })
        });
        let payload = caught.expect_err("the panic propagates");
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        assert_eq!(msg, Some("job 40 failed"));
    }

    #[test]
    fn results_keep_the_jobs_order_on_any_number_of_threads() {
        let jobs: Vec<u64> = (0..500).collect();
        for threads in [1, 2, 3, 8] {
            let out = map_in_order(&jobs, threads, |&j| {
                // uneven work so the threads finish out of order
                (0..(j % 7) * 1000).fold(j, |a, b| a.wrapping_add(b))
                    - (0..(j % 7) * 1000).sum::<u64>()
            });
            assert_eq!(out, jobs, "{threads} threads");
        }
    }

    #[test]
    fn short_files_stay_on_one_thread() {
        assert_eq!(threads_for(10), 1);
        assert_eq!(threads_for(PARALLEL_FROM - 1), 1);
    }
}
