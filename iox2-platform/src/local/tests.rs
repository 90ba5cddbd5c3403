//! Unit tests of the local platform's parts that the conformance suite does
//! not reach.

use super::block::{ALIGN, Block, MAX_LEN};
use super::parking::bucket_of;
use super::*;
use crate::error::RegionError;
use crate::liveness::{Liveness, NodeState};

#[test]
fn blocks_are_zeroed_aligned_and_bounded() {
    let block = Block::zeroed(10_000).unwrap();
    assert_eq!(block.as_ptr().as_ptr() as usize % ALIGN, 0);
    assert_eq!(block.len(), 10_000);
    // SAFETY: the block owns 10_000 bytes; nothing else uses them.
    let bytes = unsafe { core::slice::from_raw_parts(block.as_ptr().as_ptr(), 10_000) };
    assert!(bytes.iter().all(|b| *b == 0));
    assert_eq!(
        Block::zeroed(0).err(),
        Some(RegionError::InvalidSize {
            requested: 0,
            max: MAX_LEN
        })
    );
    assert_eq!(
        Block::zeroed(usize::MAX).err(),
        Some(RegionError::InvalidSize {
            requested: usize::MAX,
            max: MAX_LEN
        })
    );
}

#[test]
fn buckets_spread_neighbouring_words() {
    let words = [0u32; 64];
    let distinct: std::collections::BTreeSet<usize> = words
        .iter()
        .map(|w| core::ptr::from_ref(bucket_of(core::ptr::from_ref(w) as usize)) as usize)
        .collect();
    assert!(distinct.len() > 16, "{} buckets for 64 words", distinct.len());
}

#[test]
fn a_dead_token_is_dead_until_removed_or_taken_over() {
    let token = LocalLiveness::acquire("local.unit.die").unwrap();
    token.die();
    assert_eq!(LocalLiveness::probe("local.unit.die"), Ok(NodeState::Dead));
    let again = LocalLiveness::acquire("local.unit.die").unwrap();
    assert_eq!(LocalLiveness::probe("local.unit.die"), Ok(NodeState::Alive));
    again.die();
    assert_eq!(LocalLiveness::remove_stale("local.unit.die"), Ok(()));
    assert_eq!(LocalLiveness::probe("local.unit.die"), Ok(NodeState::Unknown));
}
