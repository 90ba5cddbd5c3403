//! Loom models of the `static_ram` claim protocols (INV-CLAIM): two
//! contexts claiming one name never both win. Run with
//! `RUSTFLAGS="--cfg iox2_loom" CARGO_TARGET_DIR=target/loom cargo test -p iox2-platform --test loom_static_ram --release`.
#![cfg(iox2_loom)]

use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, RegionBuffer, RegionTable};

/// A table of two pool buffers, leaked for the `'static` the table wants
/// (one small leak per explored execution).
fn table() -> &'static RegionTable<NativeRmw, 2> {
    let table: &'static RegionTable<NativeRmw, 2> = Box::leak(Box::new(RegionTable::new()));
    for _ in 0..2 {
        let buffer: &'static RegionBuffer<64> = Box::leak(Box::new(RegionBuffer::new()));
        table.register(buffer).expect("register");
    }
    table
}

#[test]
fn creates_of_one_name_have_at_most_one_winner() {
    loom::model(|| {
        let table = table();
        let other = loom::thread::spawn(move || table.view().create("x", 8).is_ok());
        let here = table.view().create("x", 8).is_ok();
        let there = other.join().expect("thread");
        assert!(!(here && there), "two regions named x");
        // Whoever won, the name exists once: a third create is refused.
        if here || there {
            assert!(table.view().create("x", 8).is_err());
        }
    });
}

#[test]
fn acquires_of_one_name_have_at_most_one_winner() {
    loom::model(|| {
        let nodes: &'static NodeTable<NativeRmw, 2> = Box::leak(Box::new(NodeTable::new()));
        let other = loom::thread::spawn(move || nodes.view().acquire("n").map(core::mem::forget).is_ok());
        let here = nodes.view().acquire("n").map(core::mem::forget).is_ok();
        let there = other.join().expect("thread");
        assert!(!(here && there), "two live tokens named n");
    });
}
