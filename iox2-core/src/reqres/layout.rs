//! Where everything of a request-response service lives: byte offsets in
//! its control segment, and the shapes of the clients' request pools and
//! the servers' response pools, computed by `const fn`s from the settings
//! and the payload types alone (never read from shared memory).
//!
//! Control segment (`iox2_<hash>_ctl`), with `C` clients, `S` servers and
//! `A` active requests per client:
//! ```text
//! header, nodes, clients [C], servers [S]    (service/registry.rs)
//! client_ready    [C] rows of S words      client-written: pack(client gen, server gen)
//! server_attached [S] rows of C words      server-written: the client generation it mapped
//! request_gen     [C] rows of A words      client-written: the generation of the request in slot r
//! cancelled       [C] rows of A words      client-written: the generation it stopped waiting for
//! sent            [C][A] rows of S words   client-written: the generation it sent that server
//!                                          (| LOST once the server went without closing it)
//! closed          [C][A] rows of S words   server-written: the generation it finished
//! wakeups         [C + S] one line each    `seq << 1 | sleeping`: clients first, then servers
//! connections     [C][S] { request SQ (A), request CQ (client chunks), response CQ (server chunks) }
//! responses       [C][A][S] response SQ (response_buffer)
//! ```
//! Request pool (`iox2_<hash>_c<slot>.<gen>`): one receiver per server slot.
//! Response pool (`iox2_<hash>_s<slot>.<gen>`): one receiver per client slot.

use super::qos::ReqResQos;
use crate::place::{max, round_up};
use crate::pool::{ChunkContent, DataLayout, PoolShape, pool_layout};
use crate::service::{PortKind, QosError, RegistryLayout};
use crate::spsc::SpscQueueView;
use crate::sync::CACHE_LINE;
use iox2_platform::rmw::Rmw;

/// Offsets in the control segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReqResLayout {
    /// The node, client and server slots.
    pub registry: RegistryLayout,
    /// Offset of the `client_ready` rows.
    pub client_ready: usize,
    /// Offset of the `server_attached` rows.
    pub server_attached: usize,
    /// Offset of the `request_gen` rows.
    pub request_gen: usize,
    /// Offset of the `cancelled` rows.
    pub cancelled: usize,
    /// Offset of the `sent` rows.
    pub sent: usize,
    /// Offset of the `closed` rows.
    pub closed: usize,
    /// Offset of the wake words.
    pub wakeups: usize,
    /// Offset of the connections.
    pub connections: usize,
    /// Bytes of one connection.
    pub connection: usize,
    /// Offset of the request CQ inside a connection.
    pub request_cq: usize,
    /// Offset of the response CQ inside a connection.
    pub response_cq: usize,
    /// Offset of the response queues.
    pub responses: usize,
    /// Bytes of one response queue.
    pub response_queue: usize,
    /// Bytes of a row of `S` words (padded to a cache line).
    pub server_row: usize,
    /// Bytes of a row of `C` words (padded).
    pub client_row: usize,
    /// Bytes of a row of `A` words (padded).
    pub request_row: usize,
    /// Total bytes.
    pub len: usize,
}

/// The size of the queue of `capacity` at its alignment, or the error.
const fn queue<R: Rmw>(capacity: u32, what: &'static str) -> Result<(usize, usize), QosError> {
    match SpscQueueView::<R>::layout(capacity) {
        Ok(layout) => Ok((layout.size(), layout.align())),
        Err(_) => Err(QosError::TooLarge(what)),
    }
}

/// The control segment's layout for `qos`.
pub const fn reqres_layout<R: Rmw>(qos: &ReqResQos) -> Result<ReqResLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let (c, s, a) = (
        qos.max_clients as usize,
        qos.max_servers as usize,
        qos.max_active_requests as usize,
    );
    let (registry, client_ready) = RegistryLayout::after_header(
        qos.max_nodes,
        (PortKind::Client, qos.max_clients),
        (PortKind::Server, qos.max_servers),
    );
    let server_row = round_up(s * 4, CACHE_LINE);
    let client_row = round_up(c * 4, CACHE_LINE);
    let request_row = round_up(a * 4, CACHE_LINE);
    let server_attached = client_ready + c * server_row;
    let request_gen = server_attached + s * client_row;
    let cancelled = request_gen + c * request_row;
    let sent = cancelled + c * request_row;
    let closed = sent + c * a * server_row;
    let wakeups = closed + c * a * server_row;
    let connections = wakeups + (c + s) * CACHE_LINE;
    let (request_chunks, response_chunks) = match (qos.request_chunks(), qos.response_chunks()) {
        (Some(requests), Some(responses)) => (requests, responses),
        _ => return Err(QosError::TooLarge("the chunk count per server")),
    };
    let (sq, sq_align) = match queue::<R>(qos.max_active_requests, "max_active_requests") {
        Ok(shape) => shape,
        Err(e) => return Err(e),
    };
    let (rcq, rcq_align) = match queue::<R>(request_chunks, "the chunk count per client") {
        Ok(shape) => shape,
        Err(e) => return Err(e),
    };
    let (scq, scq_align) = match queue::<R>(response_chunks, "the chunk count per server") {
        Ok(shape) => shape,
        Err(e) => return Err(e),
    };
    let (response_size, response_align) = match queue::<R>(qos.response_buffer, "response_buffer") {
        Ok(shape) => shape,
        Err(e) => return Err(e),
    };
    let request_cq = round_up(sq, rcq_align);
    let response_cq = round_up(request_cq + rcq, scq_align);
    let connection = round_up(response_cq + scq, max(sq_align, max(rcq_align, scq_align)));
    let responses = round_up(connections + c * s * connection, response_align);
    let response_queue = round_up(response_size, response_align);
    let len = responses + c * a * s * response_queue;
    if len > u32::MAX as usize {
        return Err(QosError::TooLarge("the control segment"));
    }
    Ok(ReqResLayout {
        registry,
        client_ready,
        server_attached,
        request_gen,
        cancelled,
        sent,
        closed,
        wakeups,
        connections,
        connection,
        request_cq,
        response_cq,
        responses,
        response_queue,
        server_row,
        client_row,
        request_row,
        len,
    })
}

/// A client's request pool: one receiver per server slot.
pub const fn request_pool<R: Rmw>(qos: &ReqResQos, content: &ChunkContent) -> Result<DataLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let chunks = match qos.request_chunks() {
        Some(chunks) => chunks,
        None => return Err(QosError::TooLarge("the chunk count per client")),
    };
    let shape = PoolShape {
        chunks,
        receivers: qos.max_servers,
        history: 0,
        send_times: false,
    };
    pool_layout::<R>(&shape, content, "the chunk count per client")
}

/// A server's response pool: one receiver per client slot.
pub const fn response_pool<R: Rmw>(qos: &ReqResQos, content: &ChunkContent) -> Result<DataLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let chunks = match qos.response_chunks() {
        Some(chunks) => chunks,
        None => return Err(QosError::TooLarge("the chunk count per server")),
    };
    let shape = PoolShape {
        chunks,
        receivers: qos.max_clients,
        history: 0,
        send_times: false,
    };
    pool_layout::<R>(&shape, content, "the chunk count per server")
}

#[cfg(test)]
mod tests {
    use super::*;
    use iox2_platform::rmw::NativeRmw;

    #[test]
    fn regions_follow_each_other_and_fit() {
        let qos = ReqResQos::DEFAULT;
        let l = reqres_layout::<NativeRmw>(&qos).unwrap();
        let [clients, servers] = l.registry.ports;
        assert_eq!((clients.count, servers.count), (8, 2));
        assert!(l.client_ready >= servers.offset + 2 * crate::service::PORT_SLOT);
        assert_eq!(l.server_attached, l.client_ready + 8 * l.server_row);
        assert_eq!(l.sent, l.cancelled + 8 * l.request_row);
        assert_eq!(l.closed, l.sent + 8 * 4 * l.server_row);
        assert_eq!(l.connections, l.wakeups + 10 * CACHE_LINE);
        assert!(l.responses >= l.connections + 16 * l.connection);
        assert_eq!(l.len, l.responses + 8 * 4 * 2 * l.response_queue);
        assert_eq!(l.connection % CACHE_LINE, 0);
    }
}
