//! WAMP identifiers.
//!
//! All WAMP ids (session, request, registration, subscription and
//! publication ids) are integers in `[1, 2^53]`, so that they can be
//! represented exactly by an IEEE 754 double (and thus by JavaScript peers).

use std::sync::atomic::{AtomicU64, Ordering};

/// A WAMP identifier (session, request, registration, subscription or
/// publication id).
pub type Id = u64;

/// The largest valid WAMP id, `2^53`.
pub const MAX_ID: Id = 1 << 53;

/// Returns an id drawn uniformly at random from `[1, 2^53]`.
///
/// This is the scheme WAMP uses for global-scope ids (session and
/// publication ids).
///
/// ```
/// use wamp_protocol::{random_id, MAX_ID};
/// let id = random_id();
/// assert!((1..=MAX_ID).contains(&id));
/// ```
pub fn random_id() -> Id {
    rand::random_range(1..=MAX_ID)
}

/// Generates sequential request ids `1, 2, 3, …`, wrapping back to `1`
/// after [`MAX_ID`].
///
/// This is the scheme WAMP uses for session-scope ids (request ids). The
/// generator is thread safe: [`next`](Self::next) takes `&self`.
///
/// ```
/// use wamp_protocol::RequestIdGenerator;
/// let ids = RequestIdGenerator::new();
/// assert_eq!(ids.next(), 1);
/// assert_eq!(ids.next(), 2);
/// ```
#[derive(Debug, Default)]
pub struct RequestIdGenerator {
    /// The last id handed out (0 before the first call).
    last: AtomicU64,
}

impl RequestIdGenerator {
    /// Creates a generator whose first id is `1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a generator whose first id is `first`.
    ///
    /// A `first` outside `[1, 2^53]` is replaced by `1`. Mostly useful to
    /// test wrap-around behaviour.
    ///
    /// ```
    /// use wamp_protocol::{RequestIdGenerator, MAX_ID};
    /// let ids = RequestIdGenerator::starting_at(MAX_ID);
    /// assert_eq!(ids.next(), MAX_ID);
    /// assert_eq!(ids.next(), 1);
    /// ```
    pub fn starting_at(first: Id) -> Self {
        let first = if (1..=MAX_ID).contains(&first) { first } else { 1 };
        Self {
            last: AtomicU64::new(first - 1),
        }
    }

    /// Returns the next id.
    pub fn next(&self) -> Id {
        let step = |last: u64| if last >= MAX_ID { 1 } else { last + 1 };
        let previous = match self
            .last
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| Some(step(last)))
        {
            Ok(previous) | Err(previous) => previous,
        };
        step(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    #[test]
    fn random_ids_are_in_range() {
        for _ in 0..10_000 {
            let id = random_id();
            assert!((1..=MAX_ID).contains(&id), "{id}");
        }
    }

    #[test]
    fn random_ids_differ() {
        let ids: HashSet<Id> = (0..1000).map(|_| random_id()).collect();
        assert!(ids.len() > 990);
    }

    #[test]
    fn sequential_ids() {
        let ids = RequestIdGenerator::new();
        let got: Vec<Id> = (0..5).map(|_| ids.next()).collect();
        assert_eq!(got, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn wraps_after_max() {
        let ids = RequestIdGenerator::starting_at(MAX_ID - 1);
        assert_eq!(ids.next(), MAX_ID - 1);
        assert_eq!(ids.next(), MAX_ID);
        assert_eq!(ids.next(), 1);
        assert_eq!(ids.next(), 2);
    }

    #[test]
    fn starting_at_out_of_range_starts_at_one() {
        assert_eq!(RequestIdGenerator::starting_at(0).next(), 1);
        assert_eq!(RequestIdGenerator::starting_at(MAX_ID + 1).next(), 1);
    }

    #[test]
    fn thread_safe_and_unique() {
        let ids = Arc::new(RequestIdGenerator::new());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ids = Arc::clone(&ids);
                std::thread::spawn(move || (0..1000).map(|_| ids.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for handle in handles {
            for id in handle.join().unwrap_or_default() {
                assert!(all.insert(id), "duplicate id {id}");
            }
        }
        assert_eq!(all.len(), 4000);
        assert_eq!(all.iter().max().copied(), Some(4000));
    }
}
