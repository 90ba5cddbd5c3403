//! Where everything of a publish-subscribe service lives: byte offsets in
//! its control segment and in each publisher's data segment, computed by
//! `const fn`s from the QoS and the payload's size and alignment alone.
//!
//! Offsets are never read from shared memory: every process computes them
//! from the settings it validated, and checks the region is long enough
//! before it touches a word (INV-DISTRUST).
//!
//! Control segment (`iox2_<hash>_ctl`):
//! ```text
//! header                          (see header.rs)
//! nodes        [max_nodes]        { state, id_lo, id_hi, pid }     (service/registry.rs)
//! publishers   [max_publishers]   { state word { generation, node, status }, unused }
//! subscribers  [max_subscribers]  { state word { generation, node, status }, buffer size }
//! pub_ready    [max_publishers]   row of max_subscribers words, publisher-written, padded
//! sub_attached [max_subscribers]  row of max_publishers words, subscriber-written, padded
//! wakeups      [max_subscribers]  wake word `seq << 1 | sleeping`, one line each
//! connections  [max_publishers][max_subscribers] { SQ, CQ }  (SPSC queues)
//! ```
//! Data segment (`iox2_<hash>_p<slot>.<generation>`, one per publisher): a
//! pool (`pool/layout.rs`) with one receiver per subscriber slot and the
//! service's history.

use super::qos::PubSubQos;
use crate::place::{max, round_up};
use crate::pool::{ChunkContent, DataLayout, PoolShape, pool_layout};
use crate::service::{PortKind, QosError, RegistryLayout};
use crate::spsc::SpscQueueView;
use crate::sync::CACHE_LINE;
use iox2_platform::rmw::Rmw;

/// Offsets in the control segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlLayout {
    /// The node, publisher and subscriber slots.
    pub registry: RegistryLayout,
    /// Offset of the `pub_ready` rows.
    pub pub_ready: usize,
    /// Bytes of one `pub_ready` row.
    pub pub_ready_row: usize,
    /// Offset of the `sub_attached` rows.
    pub sub_attached: usize,
    /// Bytes of one `sub_attached` row.
    pub sub_attached_row: usize,
    /// Offset of the subscribers' wake words (one cache line each).
    pub wakeups: usize,
    /// Offset of the connections.
    pub connections: usize,
    /// Bytes of one connection.
    pub connection: usize,
    /// Offset of the completion queue inside a connection.
    pub completion_queue: usize,
    /// Total bytes.
    pub len: usize,
}

/// The control segment's layout for `qos` (which must have passed `check`).
pub const fn control_layout<R: Rmw>(qos: &PubSubQos) -> Result<ControlLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let publishers_n = qos.max_publishers as usize;
    let subscribers_n = qos.max_subscribers as usize;
    let (registry, pub_ready) = RegistryLayout::after_header(
        qos.max_nodes,
        (PortKind::Publisher, qos.max_publishers),
        (PortKind::Subscriber, qos.max_subscribers),
    );
    let pub_ready_row = round_up(subscribers_n * 4, CACHE_LINE);
    let sub_attached = pub_ready + publishers_n * pub_ready_row;
    let sub_attached_row = round_up(publishers_n * 4, CACHE_LINE);
    let wakeups = sub_attached + subscribers_n * sub_attached_row;
    let connections = wakeups + subscribers_n * CACHE_LINE;
    let sq = match SpscQueueView::<R>::layout(qos.subscriber_buffer) {
        Ok(layout) => layout,
        Err(_) => return Err(QosError::TooLarge("subscriber_buffer")),
    };
    let cq = match SpscQueueView::<R>::layout(qos.completion_capacity()) {
        Ok(layout) => layout,
        Err(_) => return Err(QosError::TooLarge("the completion queue")),
    };
    let completion_queue = round_up(sq.size(), cq.align());
    let connection = round_up(completion_queue + cq.size(), max(sq.align(), cq.align()));
    let len = connections + publishers_n * subscribers_n * connection;
    if len > u32::MAX as usize {
        return Err(QosError::TooLarge("the control segment"));
    }
    Ok(ControlLayout {
        registry,
        pub_ready,
        pub_ready_row,
        sub_attached,
        sub_attached_row,
        wakeups,
        connections,
        connection,
        completion_queue,
        len,
    })
}

impl ControlLayout {
    /// Offset of connection (`publisher`, `subscriber`)'s submission queue.
    #[inline]
    pub const fn submission_queue_at(&self, qos: &PubSubQos, publisher: u32, subscriber: u32) -> usize {
        self.connections + (publisher as usize * qos.max_subscribers as usize + subscriber as usize) * self.connection
    }
}

/// A publisher's data segment's layout for `qos` and chunk content
/// `content` (see `pool/layout.rs`).
pub const fn data_layout<R: Rmw>(qos: &PubSubQos, content: &ChunkContent) -> Result<DataLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let chunks = match qos.chunks_per_publisher() {
        Some(chunks) => chunks,
        None => return Err(QosError::TooLarge("the chunk count per publisher")),
    };
    let shape = PoolShape {
        chunks,
        receivers: qos.max_subscribers,
        history: qos.history,
        send_times: qos.send_times == 1,
    };
    pool_layout::<R>(&shape, content, "the chunk count per publisher")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::CHUNK_HEADER;
    use iox2_platform::rmw::NativeRmw;

    const SMALL: ChunkContent = ChunkContent {
        payload_size: 8,
        payload_align: 8,
        header_size: 0,
        header_align: 1,
    };

    #[test]
    fn control_regions_do_not_overlap_and_fit() {
        let qos = PubSubQos::DEFAULT;
        let l = control_layout::<NativeRmw>(&qos).unwrap();
        let [publishers, subscribers] = l.registry.ports;
        assert!(l.registry.nodes >= crate::service::HEADER_LEN);
        assert!(publishers.offset >= l.registry.nodes + 20 * crate::service::NODE_SLOT);
        assert!(subscribers.offset >= publishers.offset + 2 * crate::service::PORT_SLOT);
        assert!(l.pub_ready >= subscribers.offset + 8 * crate::service::PORT_SLOT);
        assert!(l.sub_attached >= l.pub_ready + 2 * l.pub_ready_row);
        assert!(l.connections >= l.sub_attached + 8 * l.sub_attached_row);
        assert_eq!(l.len, l.connections + 16 * l.connection);
        assert_eq!(l.connections % CACHE_LINE, 0);
        assert_eq!(l.connection % CACHE_LINE, 0);
        let last = l.submission_queue_at(&qos, 1, 7);
        assert_eq!(last + l.connection, l.len);
    }

    #[test]
    fn data_chunks_are_aligned_coloured_and_fit() {
        let qos = PubSubQos::DEFAULT;
        let l = data_layout::<NativeRmw>(&qos, &SMALL).unwrap();
        assert_eq!(l.chunks, 34);
        assert_eq!(l.payload, CHUNK_HEADER);
        assert_eq!(l.stride % CACHE_LINE, 0);
        assert_eq!(l.chunk_base % CACHE_LINE, 0);
        assert_eq!(l.len, l.chunk_base + 34 * l.stride);
        let page = ChunkContent {
            payload_size: 4096 - CHUNK_HEADER,
            ..SMALL
        };
        let coloured = data_layout::<NativeRmw>(&qos, &page).unwrap();
        assert_eq!(coloured.stride, 4096 + CACHE_LINE);
        let header = ChunkContent {
            header_size: 24,
            header_align: 8,
            payload_size: 100,
            payload_align: 64,
        };
        let l = data_layout::<NativeRmw>(&qos, &header).unwrap();
        assert_eq!((l.user_header, l.payload), (16, 64));
        // Room for a send time only where the service asks for it.
        let stamped = PubSubQos { send_times: 1, ..qos };
        let l = data_layout::<NativeRmw>(&stamped, &header).unwrap();
        assert_eq!((l.user_header, l.payload, l.send_times), (24, 64, true));
        let plain = data_layout::<NativeRmw>(&stamped, &SMALL).unwrap();
        assert_eq!(plain.payload, CHUNK_HEADER + crate::pool::SEND_TIME);
    }

    #[test]
    fn oversized_settings_are_refused() {
        let huge = ChunkContent {
            payload_size: usize::MAX / 4,
            ..SMALL
        };
        assert_eq!(
            data_layout::<NativeRmw>(&PubSubQos::DEFAULT, &huge),
            Err(QosError::TooLarge("the data segment"))
        );
    }
}
