//! The queue ends the drivers move values through, and their
//! implementations for each contender: iox2's SPSC and MPMC queues,
//! `heapless::spsc`, `rtrb`, `crossbeam_queue::ArrayQueue`, and the floor
//! (one padded atomic word per direction).

use core::sync::atomic::{AtomicU32, Ordering};

use crossbeam_queue::ArrayQueue;
use iox2_core::mpmc::{MpmcQueue, MpmcQueueView};
use iox2_core::spsc;
use iox2_platform::rmw::NativeRmw;

/// The sending end of a queue of `u32`, owned by one thread.
pub trait Sender: Send {
    /// Sends `value` unless the queue is full.
    fn try_send(&mut self, value: u32) -> bool;
}

/// The receiving end of a queue of `u32`, owned by one thread.
pub trait Receiver: Send {
    /// Takes the oldest value, if any.
    fn try_recv(&mut self) -> Option<u32>;
}

/// A queue used through a shared reference by any number of threads (MPMC).
pub trait SharedQueue: Sync {
    /// Pushes `value` unless the queue is full.
    fn push(&self, value: u32) -> bool;
    /// Pops a value, if any.
    fn pop(&self) -> Option<u32>;
}

impl<Q: SharedQueue> Sender for &Q {
    #[inline]
    fn try_send(&mut self, value: u32) -> bool {
        self.push(value)
    }
}

impl<Q: SharedQueue> Receiver for &Q {
    #[inline]
    fn try_recv(&mut self) -> Option<u32> {
        self.pop()
    }
}

impl Sender for spsc::Producer<'_, NativeRmw> {
    #[inline]
    fn try_send(&mut self, value: u32) -> bool {
        self.push(value).is_ok()
    }
}

impl Receiver for spsc::Consumer<'_, NativeRmw> {
    #[inline]
    fn try_recv(&mut self) -> Option<u32> {
        self.pop()
    }
}

impl<const N: usize> SharedQueue for MpmcQueue<NativeRmw, N> {
    #[inline]
    fn push(&self, value: u32) -> bool {
        MpmcQueueView::push(self, value).is_ok()
    }

    #[inline]
    fn pop(&self) -> Option<u32> {
        MpmcQueueView::pop(self)
    }
}

impl Sender for heapless::spsc::Producer<'_, u32> {
    #[inline]
    fn try_send(&mut self, value: u32) -> bool {
        self.enqueue(value).is_ok()
    }
}

impl Receiver for heapless::spsc::Consumer<'_, u32> {
    #[inline]
    fn try_recv(&mut self) -> Option<u32> {
        self.dequeue()
    }
}

impl Sender for rtrb::Producer<u32> {
    #[inline]
    fn try_send(&mut self, value: u32) -> bool {
        self.push(value).is_ok()
    }
}

impl Receiver for rtrb::Consumer<u32> {
    #[inline]
    fn try_recv(&mut self) -> Option<u32> {
        self.pop().ok()
    }
}

impl SharedQueue for ArrayQueue<u32> {
    #[inline]
    fn push(&self, value: u32) -> bool {
        ArrayQueue::push(self, value).is_ok()
    }

    #[inline]
    fn pop(&self) -> Option<u32> {
        ArrayQueue::pop(self)
    }
}

/// The floor: one atomic word alone on its (128-byte, prefetch-pair)
/// cache line, written by one side and polled by the other.
///
/// It is not a queue: a send overwrites the previous value. In lock-step
/// ping-pong nothing is overwritten before it is read, so it shows the
/// cheapest possible hand-off of one cache line per direction.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Line {
    word: AtomicU32,
}

impl Line {
    /// The writing and the polling side of this line.
    pub fn ends(&self) -> (LineWriter<'_>, LineReader<'_>) {
        let last = self.word.load(Ordering::Relaxed);
        (LineWriter(self), LineReader { line: self, last })
    }
}

/// Writes values to a [`Line`].
#[derive(Debug)]
pub struct LineWriter<'a>(&'a Line);

impl Sender for LineWriter<'_> {
    #[inline]
    fn try_send(&mut self, value: u32) -> bool {
        self.0.word.store(value, Ordering::Release);
        true
    }
}

/// Polls a [`Line`] for a value different from the last one seen.
#[derive(Debug)]
pub struct LineReader<'a> {
    line: &'a Line,
    last: u32,
}

impl Receiver for LineReader<'_> {
    #[inline]
    fn try_recv(&mut self) -> Option<u32> {
        let value = self.line.word.load(Ordering::Acquire);
        (value != self.last).then(|| {
            self.last = value;
            value
        })
    }
}
