//! The shared-memory footprint of one publish-subscribe service as a
//! function of its QoS (`cargo test -p iox2-core --test footprint --
//! --nocapture` prints it); the figures `cargo xtask size` leaves out,
//! because they are not in the firmware image but in the segments the
//! service places (in RAM on a microcontroller).
//!
//! With `L` = [`CACHE_LINE`] (128 on x86_64 and aarch64, 32 on Cortex-M and
//! RISC-V 32), `⌈x⌉` = `x` rounded up to a multiple of `L`, `P` =
//! `max_publishers`, `S` = `max_subscribers`, `N` = `max_nodes`, `B` =
//! `subscriber_buffer`, `H` = `history`, and
//! `C = S·(B + max_borrowed) + H + max_loaned` chunks per publisher:
//!
//! ```text
//! control = ⌈header⌉ + ⌈16·N⌉ + ⌈8·P⌉ + ⌈8·S⌉      header, node and port slots
//!         + P·⌈4·S⌉ + S·⌈4·P⌉ + S·L                 ready/attached rows, wake words
//!         + P·S·(spsc(B) + spsc(C))                 one connection per pair (SQ + CQ)
//! data    = ⌈16 + mpmc(C)⌉ + ⌈4·C⌉ + ⌈S·4·⌈C/32⌉⌉   header + free list, refcounts, in-flight bits
//!         + (2 + H)·4, rounded to the chunk alignment   history ring
//!         + C·stride                                chunks
//! stride  = 16-byte chunk header + user header + payload, rounded up to
//!           max(L, alignments); one more line if it is a multiple of 4096
//! service = control + P·data
//! ```
//!
//! where `spsc(n)`/`mpmc(n)` are the queue layouts: a few cache-padded
//! head/tail words plus one `u32` per slot, `n` rounded up to a power of
//! two. For the default QoS (2 publishers, 8 subscribers, 20 nodes, buffer
//! 2, history 0, 2 loaned, 2 borrowed: `C` = 34) and an 8-byte payload the
//! test below pins the x86_64 figures.

use iox2_core::pubsub::{ChunkContent, PubSubQos, control_layout, data_layout};
use iox2_core::sync::CACHE_LINE;
use iox2_platform::rmw::NativeRmw;

/// An 8-byte, 8-aligned payload without a user header (a `u64`).
const U64: ChunkContent = ChunkContent {
    payload_size: 8,
    payload_align: 8,
    header_size: 0,
    header_align: 1,
};

#[test]
fn one_service_with_the_default_qos() {
    let qos = PubSubQos::DEFAULT;
    let control = control_layout::<NativeRmw>(&qos).unwrap();
    let data = data_layout::<NativeRmw>(&qos, &U64).unwrap();
    let publishers = qos.max_publishers as usize;
    let subscribers = qos.max_subscribers as usize;
    let service = control.len + publishers * data.len;
    println!(
        "default QoS, 8-byte payload, {CACHE_LINE}-byte lines: control {} B \
         (connections {} x {} B), data {} B per publisher ({} chunks x {} B stride), \
         service {} B = control + {publishers} x data",
        control.len,
        publishers * subscribers,
        control.connection,
        data.len,
        data.chunks,
        data.stride,
        service
    );

    // The formula's structure holds on every target.
    assert_eq!(
        data.chunks as usize,
        subscribers * (qos.subscriber_buffer + qos.max_borrowed) as usize + (qos.history + qos.max_loaned) as usize
    );
    assert_eq!(data.stride, CACHE_LINE.max(16 + 8).next_multiple_of(CACHE_LINE));
    assert_eq!(data.len, data.chunk_base + data.chunks as usize * data.stride);
    assert_eq!(
        control.len,
        control.wakeups + subscribers * CACHE_LINE + publishers * subscribers * control.connection
    );

    // The figures on this host (128-byte lines); a change here changes the
    // footprint of every service: update README.md's "Footprint" section too.
    if CACHE_LINE == 128 {
        assert_eq!((control.len, data.len, service), (CONTROL_128, DATA_128, SERVICE_128));
    }
}

/// Control segment bytes, default QoS, 128-byte lines.
const CONTROL_128: usize = 21_888;
/// Data segment bytes per publisher, default QoS, 8-byte payload, 128-byte lines.
const DATA_128: usize = 5_504;
/// Control plus both publishers' data segments.
const SERVICE_128: usize = CONTROL_128 + 2 * DATA_128;
