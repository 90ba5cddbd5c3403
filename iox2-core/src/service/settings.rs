//! A service's settings as the header stores them: the [`Settings`] each
//! messaging pattern implements, the [`Pattern`] word that tells the
//! patterns apart, and [`QosError`], why a set of settings was refused.

use core::fmt;

/// Words of settings the header stores for every pattern.
pub const SETTINGS_WORDS: usize = 9;

/// The messaging pattern of a service, as its header records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pattern {
    /// Publish-subscribe.
    PublishSubscribe,
    /// Events.
    Event,
    /// Request-response streams.
    RequestResponse,
    /// The blackboard (key-value, one writer).
    Blackboard,
}

impl Pattern {
    /// The header word of the pattern.
    pub const fn to_raw(self) -> u32 {
        match self {
            Self::PublishSubscribe => 1,
            Self::Event => 2,
            Self::RequestResponse => 3,
            Self::Blackboard => 4,
        }
    }

    /// The pattern of a header word, if iox2 writes it.
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::PublishSubscribe),
            2 => Some(Self::Event),
            3 => Some(Self::RequestResponse),
            4 => Some(Self::Blackboard),
            _ => None,
        }
    }

    /// The pattern's name, as tools print it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PublishSubscribe => "publish-subscribe",
            Self::Event => "event",
            Self::RequestResponse => "request-response",
            Self::Blackboard => "blackboard",
        }
    }
}

/// The settings of one messaging pattern: fixed when a service is created,
/// stored in its header, and compared by every opener.
pub trait Settings: Copy + PartialEq + fmt::Debug {
    /// The pattern these settings belong to.
    const PATTERN: Pattern;

    /// The settings as the header stores them.
    fn to_words(&self) -> [u32; SETTINGS_WORDS];

    /// The settings a header stored (unchecked: call [`Settings::check`]).
    fn from_words(words: [u32; SETTINGS_WORDS]) -> Self;

    /// Checks the settings; every layout assumes they passed.
    fn check(&self) -> Result<(), QosError>;
}

/// Why a set of settings was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QosError {
    /// A setting that must be at least 1 is 0.
    Zero(&'static str),
    /// `history` exceeds `subscriber_buffer`: a late joiner could not take it.
    HistoryExceedsBuffer {
        /// The requested history.
        history: u32,
        /// The subscriber buffer.
        buffer: u32,
    },
    /// An event id setting names an id above the service's maximum.
    EventIdAboveMax {
        /// The setting.
        what: &'static str,
        /// Its id.
        id: u32,
        /// The service's largest event id.
        max: u32,
    },
    /// The settings need more chunks, ports or bytes than the index width
    /// allows.
    TooLarge(&'static str),
}

impl fmt::Display for QosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero(what) => write!(f, "{what} must be at least 1"),
            Self::HistoryExceedsBuffer { history, buffer } => {
                write!(f, "history {history} exceeds the subscriber buffer {buffer}")
            }
            Self::EventIdAboveMax { what, id, max } => {
                write!(f, "{what} is event id {id}, above the service's largest id {max}")
            }
            Self::TooLarge(what) => write!(f, "{what} is too large"),
        }
    }
}

impl core::error::Error for QosError {}

/// The largest number of ports of one kind, nodes, or buffered samples.
pub const MAX_COUNT: u32 = 1 << 12;
