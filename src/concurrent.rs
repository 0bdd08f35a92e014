//! Running the same work for several items at once, a bounded number at a time:
//! the owners of a multi-owner run are minted for, and their tokens revoked, in
//! parallel, so that ten owners take about as long as one against a slow API.

use std::sync::atomic::{AtomicUsize, Ordering};

/// At most this many requests of one run in flight: ten owners, each a lookup
/// and a mint, then take one round trip pair instead of ten, and a run stays far
/// below GitHub's secondary rate limit of 100 concurrent requests.
pub const LIMIT: usize = 10;

/// `work` applied to each of `items` on at most `limit` threads; the results in
/// the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], limit: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let workers = limit.clamp(1, items.len().max(1));
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, work(item)));
                    }
                    mine
                })
            })
            .collect();
        // A worker that panicked has already printed the fixed panic line; the
        // hook ends the process, so what it held is never needed.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_keep_the_order_and_run_at_most_limit_at_once() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u64> = (0..10).collect();
        let out = map(&items, 3, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20 - *i));
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        // Ten items of 1-20 ms each on three workers: three at once, never four.
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert!(map(&[] as &[u8], 4, |_| 1).is_empty());
    }
}
