//! Locks that outlive a panicking holder. Every value behind these locks is
//! replaced whole, never left half-written, so a lock poisoned by a panic
//! in another thread still holds a consistent value: take it.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Reads `lock`, poisoned or not.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes `lock`, poisoned or not.
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Locks `mutex`, poisoned or not.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_still_gives_its_value() {
        let shared = std::sync::Arc::new(RwLock::new(1));
        let holder = shared.clone();
        let _ = std::thread::spawn(move || {
            let _guard = holder.write().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(shared.is_poisoned());
        *write(&shared) = 2;
        assert_eq!(*read(&shared), 2);
        let mutex = Mutex::new(3);
        assert_eq!(*lock(&mutex), 3);
    }
}
