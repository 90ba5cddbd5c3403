//! The owner's side of a pool: loaning chunks from the free list, counting
//! references per receiver (an in-flight bit per receiver and chunk, and a
//! count per chunk), and freeing a chunk when its count drops to zero.
//! Only the owner writes these words (INV-ONEWRITER); an index a receiver
//! hands back that was not in flight to it is counted as a protocol
//! violation, never freed twice (INV-DISTRUST).

use super::data::Data;
use crate::sync::Ordering;
use iox2_platform::rmw::Rmw;

/// A pool as its owner keeps it.
#[derive(Debug)]
pub struct PoolOwner<'a, R> {
    data: Data<'a, R>,
    violations: u32,
}

impl<'a, R: Rmw> PoolOwner<'a, R> {
    /// The owner of the freshly created pool `data`.
    pub fn new(data: Data<'a, R>) -> Self {
        Self { data, violations: 0 }
    }

    /// The pool's data segment.
    pub fn data(&self) -> &Data<'a, R> {
        &self.data
    }

    /// How many indices receivers handed back that were never theirs.
    pub fn violations(&self) -> u32 {
        self.violations
    }

    /// Chunks on the free list.
    pub fn free_chunks(&self) -> u32 {
        self.data.free_list().free()
    }

    /// Takes a chunk off the free list (FIFO), if one is free.
    pub fn acquire(&mut self) -> Option<u32> {
        self.data.free_list().acquire()
    }

    /// Starts counting references of `chunk`, about to be sent.
    pub fn start_count(&mut self, chunk: u32) {
        self.data.refcount(chunk).store(0, Ordering::Relaxed);
    }

    /// The references `chunk` has.
    pub fn references(&self, chunk: u32) -> u32 {
        self.data.refcount(chunk).load(Ordering::Relaxed)
    }

    /// Counts one more reference that is not a receiver's (a history slot).
    pub fn add_reference(&mut self, chunk: u32) {
        let count = self.data.refcount(chunk);
        count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Marks `chunk` in flight to `receiver` and counts the reference.
    pub fn take_reference(&mut self, receiver: u32, chunk: u32) {
        let _ = self.data.in_flight(receiver).insert_exclusive(chunk);
        self.add_reference(chunk);
    }

    /// Ends `chunk`'s flight to `receiver`, if it was in flight there
    /// (otherwise a protocol violation).
    pub fn release_reference(&mut self, receiver: u32, chunk: u32) {
        match self.data.in_flight(receiver).remove_exclusive(chunk) {
            Ok(true) => self.drop_reference(chunk),
            _ => self.violations = self.violations.saturating_add(1),
        }
    }

    /// Takes back a reference just taken for a send that failed: clears the
    /// in-flight bit and the count without freeing (the send still owns the
    /// chunk and frees it if nobody got it: `free_if_unreferenced`).
    pub fn undo_reference(&mut self, receiver: u32, chunk: u32) {
        let _ = self.data.in_flight(receiver).remove_exclusive(chunk);
        let count = self.data.refcount(chunk);
        count.store(count.load(Ordering::Relaxed).saturating_sub(1), Ordering::Relaxed);
    }

    /// Drops one reference of `chunk`, freeing it at zero.
    pub fn drop_reference(&mut self, chunk: u32) {
        let count = self.data.refcount(chunk);
        let left = count.load(Ordering::Relaxed).saturating_sub(1);
        count.store(left, Ordering::Relaxed);
        if left == 0 {
            self.free(chunk);
        }
    }

    /// Puts `chunk` back on the free list.
    pub fn free(&mut self, chunk: u32) {
        if self.data.free_list().release(chunk).is_err() {
            self.violations = self.violations.saturating_add(1);
        }
    }

    /// Frees `chunk` if no reference is left (after a send that reached nobody).
    pub fn free_if_unreferenced(&mut self, chunk: u32) {
        if self.references(chunk) == 0 {
            self.free(chunk);
        }
    }

    /// Ends the flight of every chunk still in flight to `receiver` (it is
    /// gone and will never return them).
    pub fn release_all(&mut self, receiver: u32) {
        let in_flight = self.data.in_flight(receiver);
        let mut held = [0u32; 32];
        loop {
            let mut n = 0;
            in_flight.for_each(|chunk| {
                if n < held.len() {
                    held[n] = chunk;
                    n += 1;
                }
            });
            if n == 0 {
                break;
            }
            for &chunk in &held[..n] {
                self.release_reference(receiver, chunk);
            }
        }
    }
}
