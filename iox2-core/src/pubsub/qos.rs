//! The quality-of-service settings of a publish-subscribe service, their
//! defaults (iceoryx2's), their checks, and the chunk count they imply.

use crate::service::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};

/// The settings of a publish-subscribe service, fixed when it is created.
///
/// `repr(C)` of `u32`s only: the settings are stored in the service header,
/// and every opener compares them with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct PubSubQos {
    /// Most publishers at once (iceoryx2 default: 2).
    pub max_publishers: u32,
    /// Most subscribers at once (default: 8).
    pub max_subscribers: u32,
    /// Most nodes attached to the service at once (default: 20).
    pub max_nodes: u32,
    /// Samples a subscriber's buffer holds before overflow or
    /// backpressure (default: 2).
    pub subscriber_buffer: u32,
    /// Samples kept for late joiners (default: 0); at most the buffer.
    pub history: u32,
    /// Samples one publisher may have loaned and not yet sent (default: 2).
    pub max_loaned: u32,
    /// Samples one subscriber may hold at once (default: 2).
    pub max_borrowed: u32,
    /// Whether a full subscriber buffer drops its oldest sample (1, the
    /// default) or the publisher meets backpressure (0).
    pub safe_overflow: u32,
    /// For slice payloads, the most elements per sample (default: 1: a
    /// single value).
    pub max_slice_len: u32,
    /// Whether chunk headers have room for a send time (1), which tools
    /// (`iox2 service hz`) ask publishers to stamp for latency; 0 (the
    /// default) saves those 8 bytes per chunk. Stored with `safe_overflow`.
    pub send_times: u32,
}

impl Default for PubSubQos {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl PubSubQos {
    /// iceoryx2's defaults: 2 publishers, 8 subscribers, 20 nodes, buffer 2,
    /// history 0, 2 loaned, 2 borrowed, safe overflow on, single values.
    pub const DEFAULT: Self = Self {
        max_publishers: 2,
        max_subscribers: 8,
        max_nodes: 20,
        subscriber_buffer: 2,
        history: 0,
        max_loaned: 2,
        max_borrowed: 2,
        safe_overflow: 1,
        max_slice_len: 1,
        send_times: 0,
    };

    /// Checks the settings; every other method assumes they passed.
    pub const fn check(&self) -> Result<(), QosError> {
        let counts = [
            (self.max_publishers, "max_publishers"),
            (self.max_subscribers, "max_subscribers"),
            (self.max_nodes, "max_nodes"),
            (self.subscriber_buffer, "subscriber_buffer"),
            (self.max_loaned, "max_loaned"),
            (self.max_borrowed, "max_borrowed"),
            (self.max_slice_len, "max_slice_len"),
        ];
        let mut i = 0;
        while i < counts.len() {
            let (value, what) = counts[i];
            if value == 0 {
                return Err(QosError::Zero(what));
            }
            if value > MAX_COUNT && i < 6 {
                return Err(QosError::TooLarge(what));
            }
            i += 1;
        }
        if self.history > self.subscriber_buffer {
            return Err(QosError::HistoryExceedsBuffer {
                history: self.history,
                buffer: self.subscriber_buffer,
            });
        }
        if self.safe_overflow > 1 {
            return Err(QosError::TooLarge("safe_overflow (0 or 1)"));
        }
        if self.send_times > 1 {
            return Err(QosError::TooLarge("send_times (0 or 1)"));
        }
        match self.chunks_per_publisher() {
            Some(chunks) if chunks <= crate::place::MAX_CAPACITY => Ok(()),
            _ => Err(QosError::TooLarge("the chunk count per publisher")),
        }
    }

    /// Chunks in each publisher's pool: `max_subscribers * (buffer +
    /// borrowed) + history + max_loaned` (DESIGN.md "Segments"). Enough
    /// because a loan first takes back what subscribers returned: every
    /// chunk is then either free, loaned, in history, or held by a
    /// subscriber's buffer or hands.
    pub const fn chunks_per_publisher(&self) -> Option<u32> {
        let per_subscriber = match self.subscriber_buffer.checked_add(self.max_borrowed) {
            Some(n) => n,
            None => return None,
        };
        let subscribers = match self.max_subscribers.checked_mul(per_subscriber) {
            Some(n) => n,
            None => return None,
        };
        match subscribers.checked_add(self.history) {
            Some(n) => n.checked_add(self.max_loaned),
            None => None,
        }
    }

    /// Capacity of a completion queue (subscriber -> publisher): the whole
    /// pool, so returns never have to wait for the publisher. A publisher
    /// takes returned chunks back only when its free list runs dry (in
    /// batches, off the critical path: ../shared/PERFORMANCE.md), and until
    /// then every chunk it sent to one subscriber may sit in that
    /// subscriber's completion queue.
    #[inline]
    pub const fn completion_capacity(&self) -> u32 {
        match self.chunks_per_publisher() {
            Some(chunks) => chunks,
            None => 1,
        }
    }
}

impl Settings for PubSubQos {
    const PATTERN: Pattern = Pattern::PublishSubscribe;

    fn to_words(&self) -> [u32; SETTINGS_WORDS] {
        [
            self.max_publishers,
            self.max_subscribers,
            self.max_nodes,
            self.subscriber_buffer,
            self.history,
            self.max_loaned,
            self.max_borrowed,
            self.safe_overflow | (self.send_times << 1),
            self.max_slice_len,
        ]
    }

    fn from_words(w: [u32; SETTINGS_WORDS]) -> Self {
        Self {
            max_publishers: w[0],
            max_subscribers: w[1],
            max_nodes: w[2],
            subscriber_buffer: w[3],
            history: w[4],
            max_loaned: w[5],
            max_borrowed: w[6],
            // Any bit but these two stays in `safe_overflow`, which `check` refuses.
            safe_overflow: w[7] & !2,
            max_slice_len: w[8],
            send_times: (w[7] >> 1) & 1,
        }
    }

    fn check(&self) -> Result<(), QosError> {
        PubSubQos::check(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_iceoryx2s_and_valid() {
        let qos = PubSubQos::default();
        assert_eq!((qos.max_publishers, qos.max_subscribers, qos.max_nodes), (2, 8, 20));
        assert_eq!(
            (qos.subscriber_buffer, qos.history, qos.max_loaned, qos.max_borrowed),
            (2, 0, 2, 2)
        );
        assert_eq!(qos.safe_overflow, 1);
        assert_eq!(qos.check(), Ok(()));
        assert_eq!(qos.chunks_per_publisher(), Some(8 * 4 + 2));
        assert_eq!(qos.completion_capacity(), 34);
    }

    #[test]
    fn send_times_share_the_overflow_word() {
        let qos = PubSubQos {
            send_times: 1,
            safe_overflow: 0,
            ..PubSubQos::DEFAULT
        };
        assert_eq!(qos.to_words()[7], 2);
        assert_eq!(PubSubQos::from_words(qos.to_words()), qos);
        let mut corrupt = qos.to_words();
        corrupt[7] = 6;
        assert_eq!(
            PubSubQos::from_words(corrupt).check(),
            Err(QosError::TooLarge("safe_overflow (0 or 1)"))
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let zero = PubSubQos {
            max_subscribers: 0,
            ..PubSubQos::DEFAULT
        };
        assert_eq!(zero.check(), Err(QosError::Zero("max_subscribers")));
        let history = PubSubQos {
            history: 3,
            ..PubSubQos::DEFAULT
        };
        assert_eq!(
            history.check(),
            Err(QosError::HistoryExceedsBuffer { history: 3, buffer: 2 })
        );
        let huge = PubSubQos {
            max_subscribers: 4096,
            subscriber_buffer: 4096,
            ..PubSubQos::DEFAULT
        };
        assert_eq!(huge.check(), Err(QosError::TooLarge("the chunk count per publisher")));
        let overflow = PubSubQos {
            max_publishers: u32::MAX,
            ..PubSubQos::DEFAULT
        };
        assert_eq!(overflow.check(), Err(QosError::TooLarge("max_publishers")));
    }
}
