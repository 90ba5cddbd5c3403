//! The settings of a request-response service, their defaults
//! (iceoryx2's), their checks, and the pool sizes they imply.

use crate::service::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};

/// Flag bit: a full response buffer drops its oldest response (else the
/// server's send fails).
const SAFE_OVERFLOW: u32 = 1;
/// Flag bit: a request whose client stopped waiting before the server took
/// it is still handed to the server (else the server drops it unseen).
const FIRE_AND_FORGET: u32 = 2;

/// The settings of a request-response service, fixed when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReqResQos {
    /// Most clients at once (iceoryx2 default: 8).
    pub max_clients: u32,
    /// Most servers at once (default: 2).
    pub max_servers: u32,
    /// Most nodes attached to the service at once (default: 20).
    pub max_nodes: u32,
    /// Requests one client may have open (awaiting or streaming responses)
    /// at once (default: 4).
    pub max_active_requests: u32,
    /// Responses one server may queue for one request (default: 2).
    pub response_buffer: u32,
    /// Requests one client may have loaned and not yet sent (default: 2).
    pub max_loaned_requests: u32,
    /// Responses one client may hold at once (default: 2).
    pub max_borrowed_responses: u32,
    /// Responses one server may have loaned and not yet sent (default: 2).
    pub max_loaned_responses: u32,
    /// Whether a full response buffer drops its oldest response (default
    /// true) or the server's send fails.
    pub safe_overflow: bool,
    /// Whether a request is handed to the server even when its client
    /// stopped waiting before the server took it (default true).
    pub fire_and_forget: bool,
}

impl Default for ReqResQos {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ReqResQos {
    /// iceoryx2's defaults: 8 clients, 2 servers, 20 nodes, 4 active
    /// requests per client, response buffer 2, 2 loaned requests, 2
    /// borrowed responses, 2 loaned responses, safe overflow and fire and
    /// forget on.
    pub const DEFAULT: Self = Self {
        max_clients: 8,
        max_servers: 2,
        max_nodes: 20,
        max_active_requests: 4,
        response_buffer: 2,
        max_loaned_requests: 2,
        max_borrowed_responses: 2,
        max_loaned_responses: 2,
        safe_overflow: true,
        fire_and_forget: true,
    };

    /// Checks the settings; every layout assumes they passed.
    pub const fn check(&self) -> Result<(), QosError> {
        let counts = [
            (self.max_clients, "max_clients"),
            (self.max_servers, "max_servers"),
            (self.max_nodes, "max_nodes"),
            (self.max_active_requests, "max_active_requests"),
            (self.response_buffer, "response_buffer"),
            (self.max_loaned_requests, "max_loaned_requests"),
            (self.max_borrowed_responses, "max_borrowed_responses"),
            (self.max_loaned_responses, "max_loaned_responses"),
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
        match (self.request_chunks(), self.response_chunks()) {
            (Some(requests), Some(responses))
                if requests <= crate::place::MAX_CAPACITY && responses <= crate::place::MAX_CAPACITY =>
            {
                Ok(())
            }
            _ => Err(QosError::TooLarge("the chunk count per server")),
        }
    }

    /// Chunks in a client's request pool: one per active request (shared
    /// by every server it went to) plus the loans.
    pub const fn request_chunks(&self) -> Option<u32> {
        self.max_active_requests.checked_add(self.max_loaned_requests)
    }

    /// Chunks in a server's response pool: for every client, a full
    /// response buffer per active request plus what it may hold, and the
    /// server's loans.
    pub const fn response_chunks(&self) -> Option<u32> {
        let per_client = match self.max_active_requests.checked_mul(self.response_buffer) {
            Some(queued) => queued.checked_add(self.max_borrowed_responses),
            None => None,
        };
        match per_client {
            Some(per_client) => match self.max_clients.checked_mul(per_client) {
                Some(all) => all.checked_add(self.max_loaned_responses),
                None => None,
            },
            None => None,
        }
    }

    fn flags(&self) -> u32 {
        (if self.safe_overflow { SAFE_OVERFLOW } else { 0 }) | (if self.fire_and_forget { FIRE_AND_FORGET } else { 0 })
    }
}

impl Settings for ReqResQos {
    const PATTERN: Pattern = Pattern::RequestResponse;

    fn to_words(&self) -> [u32; SETTINGS_WORDS] {
        [
            self.max_clients,
            self.max_servers,
            self.max_nodes,
            self.max_active_requests,
            self.response_buffer,
            self.max_loaned_requests,
            self.max_borrowed_responses,
            self.max_loaned_responses,
            self.flags(),
        ]
    }

    fn from_words(w: [u32; SETTINGS_WORDS]) -> Self {
        Self {
            max_clients: w[0],
            max_servers: w[1],
            max_nodes: w[2],
            max_active_requests: w[3],
            response_buffer: w[4],
            max_loaned_requests: w[5],
            max_borrowed_responses: w[6],
            max_loaned_responses: w[7],
            safe_overflow: w[8] & SAFE_OVERFLOW != 0,
            fire_and_forget: w[8] & FIRE_AND_FORGET != 0,
        }
    }

    fn check(&self) -> Result<(), QosError> {
        ReqResQos::check(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_iceoryx2s_and_round_trip() {
        let qos = ReqResQos::default();
        assert_eq!(
            (
                qos.max_clients,
                qos.max_servers,
                qos.max_active_requests,
                qos.response_buffer
            ),
            (8, 2, 4, 2)
        );
        assert_eq!(qos.check(), Ok(()));
        assert_eq!(qos.request_chunks(), Some(6));
        assert_eq!(qos.response_chunks(), Some(8 * (4 * 2 + 2) + 2));
        let other = ReqResQos {
            safe_overflow: false,
            ..qos
        };
        assert_eq!(ReqResQos::from_words(other.to_words()), other);
        assert_eq!(ReqResQos::from_words(qos.to_words()), qos);
    }

    #[test]
    fn bad_settings_are_named() {
        let zero = ReqResQos {
            max_servers: 0,
            ..ReqResQos::DEFAULT
        };
        assert_eq!(zero.check(), Err(QosError::Zero("max_servers")));
        let huge = ReqResQos {
            max_clients: 4096,
            max_active_requests: 4096,
            ..ReqResQos::DEFAULT
        };
        assert_eq!(huge.check(), Err(QosError::TooLarge("the chunk count per server")));
    }
}
