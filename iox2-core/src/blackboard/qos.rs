//! The settings of a blackboard service: the port and node counts (with
//! iceoryx2's defaults), and the entry count and value arena size its
//! keys imply, which every opener finds in the header.

use crate::service::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};

/// The settings of a blackboard service, fixed when it is created.
///
/// `entries` and `arena_len` follow from the keys added at creation (see
/// [`super::region_len`]); an opener reads them from the header and finds
/// each entry in the segment's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlackboardQos {
    /// Most readers at once (iceoryx2 default: 8). There is one writer.
    pub max_readers: u32,
    /// Most nodes attached to the service at once (default: 20).
    pub max_nodes: u32,
    /// The number of keys (at least 1).
    pub entries: u32,
    /// Bytes of the value arena: every entry's region, in table order.
    pub arena_len: u32,
}

impl BlackboardQos {
    /// iceoryx2's default number of readers.
    pub const DEFAULT_MAX_READERS: u32 = 8;
    /// iceoryx2's default number of nodes.
    pub const DEFAULT_MAX_NODES: u32 = 20;

    /// Checks the settings; every layout assumes they passed.
    pub const fn check(&self) -> Result<(), QosError> {
        let counts = [
            (self.max_readers, "max_readers"),
            (self.max_nodes, "max_nodes"),
            (self.entries, "entries"),
        ];
        let mut i = 0;
        while i < counts.len() {
            let (value, what) = counts[i];
            if value == 0 {
                return Err(QosError::Zero(what));
            }
            if value > MAX_COUNT {
                return Err(QosError::TooLarge(what));
            }
            i += 1;
        }
        if self.arena_len == 0 {
            return Err(QosError::Zero("arena_len"));
        }
        Ok(())
    }
}

impl Settings for BlackboardQos {
    const PATTERN: Pattern = Pattern::Blackboard;

    fn to_words(&self) -> [u32; SETTINGS_WORDS] {
        let mut words = [0; SETTINGS_WORDS];
        words[0] = self.max_readers;
        words[1] = self.max_nodes;
        words[2] = self.entries;
        words[3] = self.arena_len;
        words
    }

    fn from_words(w: [u32; SETTINGS_WORDS]) -> Self {
        Self {
            max_readers: w[0],
            max_nodes: w[1],
            entries: w[2],
            arena_len: w[3],
        }
    }

    fn check(&self) -> Result<(), QosError> {
        BlackboardQos::check(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QOS: BlackboardQos = BlackboardQos {
        max_readers: BlackboardQos::DEFAULT_MAX_READERS,
        max_nodes: BlackboardQos::DEFAULT_MAX_NODES,
        entries: 3,
        arena_len: 384,
    };

    #[test]
    fn settings_round_trip_through_words() {
        assert_eq!((QOS.max_readers, QOS.max_nodes), (8, 20));
        assert_eq!(QOS.check(), Ok(()));
        assert_eq!(BlackboardQos::from_words(QOS.to_words()), QOS);
        assert_eq!(QOS.to_words()[4..], [0; SETTINGS_WORDS - 4]);
    }

    #[test]
    fn bad_settings_are_named() {
        let no_keys = BlackboardQos { entries: 0, ..QOS };
        assert_eq!(no_keys.check(), Err(QosError::Zero("entries")));
        let no_readers = BlackboardQos { max_readers: 0, ..QOS };
        assert_eq!(no_readers.check(), Err(QosError::Zero("max_readers")));
        let crowded = BlackboardQos {
            max_nodes: MAX_COUNT + 1,
            ..QOS
        };
        assert_eq!(crowded.check(), Err(QosError::TooLarge("max_nodes")));
        let empty = BlackboardQos { arena_len: 0, ..QOS };
        assert_eq!(empty.check(), Err(QosError::Zero("arena_len")));
    }
}
