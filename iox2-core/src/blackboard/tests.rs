//! Unit tests of the blackboard: the triple buffer (rotation, a writer
//! dying mid-write, a stuck or corrupted buffer, values of any size, a
//! writer and readers on threads), and the control segment (create, open,
//! lookups, typed errors, the writer claim, and a corrupted table that
//! gives typed errors and never a panic).

extern crate std;

use super::*;
use crate::payload::{TypeMismatch, TypeName, TypeNameExcerpt};
use crate::sync::Ordering;
use iox2_platform::rmw::NativeRmw;
use std::vec::Vec;

/// A self-checking value: every word the same.
type Words = [u32; 5];

fn words(value: u32) -> Words {
    [value; 5]
}

fn intact(value: &Words) -> bool {
    value.iter().all(|&w| w == value[0])
}

mod triple_buffer {
    use super::*;

    #[test]
    fn writes_rotate_through_the_live_buffers() {
        let cell = TripleBuffer::<{ buffer_words(20) }>::new();
        assert_eq!(cell.stride(), 5);
        // SAFETY: one writer (this thread), values of `Words` only.
        unsafe {
            cell.init(&words(7));
            assert_eq!(cell.read::<Words>(), Ok(words(7)));
            let (published, seq, _) = cell.raw_words();
            for (round, index) in [1, 2, 0, 1].into_iter().enumerate() {
                let generation = round as u32 + 1;
                cell.write(&words(generation));
                assert_eq!(published.load(Ordering::Relaxed), generation << 2 | index);
                assert_eq!(cell.read::<Words>(), Ok(words(generation)));
            }
            let seqs: Vec<u32> = seq.iter().map(|s| s.load(Ordering::Relaxed)).collect();
            assert_eq!(seqs, [3 << 1, 4 << 1, 2 << 1], "each buffer names its last write");
            assert_eq!(cell.read_default::<Words>(), words(7), "the default never changes");
            assert!(!cell.write_in_progress());
        }
    }

    #[test]
    fn a_writer_dead_mid_write_leaves_the_last_value_and_the_next_one_repairs() {
        let cell = TripleBuffer::<{ buffer_words(20) }>::new();
        // SAFETY: one writer at a time (this thread), `Words` only.
        unsafe {
            cell.init(&words(0));
            cell.write(&words(1));
            // A writer dies inside buffer 2, writing generation 2: odd
            // sequence, some of its words.
            let (published, seq, buffers) = cell.raw_words();
            assert_eq!(published.load(Ordering::Relaxed), 1 << 2 | 1);
            seq[2].store(2 << 1 | 1, Ordering::Relaxed);
            buffers[2 * 5].store(99, Ordering::Relaxed);
            assert!(cell.write_in_progress());
            assert_eq!(cell.try_read_once::<Words>(), Ok(words(1)), "first try");
            // The next writer rewrites the same buffer and makes it even.
            cell.write(&words(2));
            assert_eq!(seq[2].load(Ordering::Relaxed), 2 << 1);
            assert!(!cell.write_in_progress());
            assert_eq!(cell.read::<Words>(), Ok(words(2)));
        }
    }

    #[test]
    fn a_buffer_stuck_mid_write_or_a_bad_index_gives_no_value() {
        let cell = TripleBuffer::<{ buffer_words(20) }>::new();
        // SAFETY: this thread alone, `Words` only.
        unsafe {
            cell.init(&words(3));
            let (published, seq, _) = cell.raw_words();
            // Only a writer that lapped the reader is inside the published
            // buffer; a corrupted sequence looks the same.
            seq[0].store(5, Ordering::Relaxed);
            assert_eq!(cell.try_read_once::<Words>(), Err(EntryReadError::Busy));
            assert_eq!(
                cell.read::<Words>(),
                Err(EntryReadError::Busy),
                "bounded, then gives up"
            );
            // Complete, but another generation than the published one.
            seq[0].store(6, Ordering::Relaxed);
            assert_eq!(cell.read::<Words>(), Err(EntryReadError::Busy));
            seq[0].store(0, Ordering::Relaxed);
            assert_eq!(cell.read::<Words>(), Ok(words(3)));
            published.store(3, Ordering::Relaxed);
            assert_eq!(cell.read::<Words>(), Err(EntryReadError::Corrupted { published: 3 }));
            // A writer treats a bad index as "buffer 0 next".
            cell.write(&words(4));
            assert_eq!(published.load(Ordering::Relaxed), 1 << 2);
            assert_eq!(cell.read::<Words>(), Ok(words(4)));
        }
    }

    #[test]
    fn values_of_any_size_round_trip() {
        let bytes = TripleBuffer::<{ buffer_words(7) }>::new();
        let small = TripleBuffer::<{ buffer_words(2) }>::new();
        let nothing = TripleBuffer::<{ buffer_words(0) }>::new();
        let flags = TripleBuffer::<{ buffer_words(3) }>::new();
        // SAFETY: this thread alone, one type per buffer.
        unsafe {
            bytes.init(&[1u8, 2, 3, 4, 5, 6, 7]);
            assert_eq!(bytes.read::<[u8; 7]>(), Ok([1, 2, 3, 4, 5, 6, 7]));
            bytes.write(&[9u8; 7]);
            assert_eq!(bytes.read::<[u8; 7]>(), Ok([9; 7]));
            small.init(&0x1234u16);
            small.write(&0xBEEFu16);
            assert_eq!(small.read::<u16>(), Ok(0xBEEF));
            nothing.init(&());
            nothing.write(&());
            assert_eq!(nothing.read::<()>(), Ok(()));
            flags.init(&[true, false, true]);
            flags.write(&[false, true, true]);
            assert_eq!(flags.read::<[bool; 3]>(), Ok([false, true, true]));
            assert_eq!(flags.read_default::<[bool; 3]>(), [true, false, true]);
        }
    }

    #[test]
    #[should_panic(expected = "larger than its buffer")]
    fn a_value_larger_than_the_buffer_is_refused() {
        let cell = TripleBuffer::<{ buffer_words(4) }>::new();
        // SAFETY: this thread alone; the call panics before touching words.
        unsafe { cell.write(&0u64) };
    }

    #[test]
    fn readers_on_threads_never_see_a_torn_or_older_value() {
        let writes: u32 = if cfg!(miri) { 60 } else { 100_000 };
        let cell = TripleBuffer::<{ buffer_words(20) }>::new();
        // SAFETY: before the threads start; `Words` only.
        unsafe { cell.init(&words(0)) };
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let (mut last, mut fresh, mut busy) = (0, 0u32, 0u32);
                        while last < writes {
                            // SAFETY: the buffer holds `Words` only.
                            match unsafe { cell.read::<Words>() } {
                                Ok(value) => {
                                    assert!(intact(&value), "torn: {value:?}");
                                    assert!(value[0] >= last, "went back from {last} to {}", value[0]);
                                    last = value[0];
                                    fresh += 1;
                                }
                                Err(EntryReadError::Busy) => busy += 1,
                                Err(e) => panic!("{e}"),
                            }
                        }
                        (fresh, busy)
                    })
                })
                .collect();
            for value in 1..=writes {
                // SAFETY: this thread is the one writer; `Words` only.
                unsafe { cell.write(&words(value)) };
            }
            for reader in readers {
                let (fresh, _busy) = reader.join().unwrap();
                assert!(fresh > 0);
            }
        });
    }
}

mod service {
    use super::*;
    use crate::payload::TypeDescriptor;
    use crate::service::{HeaderContent, PortKind, QosError, ServiceName, ServiceOpenError, layout_hash};
    use crate::test_memory::Memory;

    type Control<'a> = BlackboardControl<'a, NativeRmw, u64>;

    /// Settings for values of these sizes.
    fn qos(sizes: &[u32], max_readers: u32) -> BlackboardQos {
        BlackboardQos {
            max_readers,
            max_nodes: BlackboardQos::DEFAULT_MAX_NODES,
            entries: sizes.len() as u32,
            arena_len: sizes.iter().map(|&s| region_len(s)).sum::<u64>() as u32,
        }
    }

    fn content(qos: BlackboardQos, key: TypeDescriptor) -> HeaderContent<'static, BlackboardQos> {
        let len = blackboard_layout(&qos, key.size()).unwrap().len;
        let unit = TypeDescriptor::of::<()>();
        HeaderContent {
            name: ServiceName::new("test/blackboard").unwrap(),
            settings: qos,
            payload: key,
            user_header: unit,
            layout_hash: layout_hash::<NativeRmw, _>(&qos, &key, &unit, len),
            len,
        }
    }

    /// The test blackboard: key 1 → f32 0.5, key 2 → [u8; 16], key 7 → bool.
    fn sizes() -> [u32; 3] {
        [4, 16, 1]
    }

    fn create(memory: &mut Memory, content: &HeaderContent<'static, BlackboardQos>) {
        let mut init = Control::create(memory.segment(), content).unwrap();
        assert_eq!(init.add(1, &0.5f32), Ok(0));
        assert_eq!(init.add(2, &[3u8; 16]), Ok(1));
        assert_eq!(init.add(7, &true), Ok(2));
        assert_eq!(init.add(8, &1u8), Err(QosError::TooLarge("entries")));
        init.finish().unwrap();
    }

    fn excerpt(name: &str) -> TypeNameExcerpt {
        TypeNameExcerpt::new(&TypeName::new(name).unwrap())
    }

    #[test]
    fn defaults_updates_and_lookups() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let control = Control::open(memory.segment(), &content).unwrap();
        assert_eq!(control.check_entries(), Ok(()));
        assert_eq!(control.keys().collect::<Vec<_>>(), [1, 2, 7]);
        assert_eq!(control.entry::<f32>(&1).unwrap().read(), Ok(0.5));
        assert_eq!(control.entry::<[u8; 16]>(&2).unwrap().read(), Ok([3; 16]));
        let flag = control.entry::<bool>(&7).unwrap();
        assert_eq!(
            (flag.read(), flag.index(), flag.event_id().as_value()),
            (Ok(true), 2, 2)
        );
        assert_eq!(control.value_type(&2), Ok(TypeDescriptor::of::<[u8; 16]>()));

        let writer = WriterPort::claim(control, 0).unwrap();
        assert!(WriterPort::claim(control, 1).is_none(), "one writer");
        writer.entry::<f32>(&1).unwrap().update(&2.25);
        writer.entry::<bool>(&7).unwrap().update(&false);
        assert_eq!(control.entry::<f32>(&1).unwrap().read(), Ok(2.25));
        assert_eq!(control.entry::<bool>(&7).unwrap().read(), Ok(false));
        assert_eq!(control.entry::<f32>(&1).unwrap().read_default(), 0.5);
        assert!(writer.leave());
        let next = WriterPort::claim(control, 1).expect("the slot is free again");
        assert_eq!(next.entry::<f32>(&1).unwrap().entry().read(), Ok(2.25));
    }

    #[test]
    fn an_unknown_key_or_another_type_is_a_typed_error() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let control = Control::open(memory.segment(), &content).unwrap();
        assert_eq!(control.entry::<f32>(&3).unwrap_err(), EntryError::UnknownKey);
        assert_eq!(control.value_type(&3), Err(EntryError::UnknownKey));
        assert_eq!(
            control.entry::<u32>(&1).unwrap_err(),
            EntryError::WrongType(TypeMismatch::Name {
                expected: excerpt("u32"),
                found: excerpt("f32")
            })
        );
        assert!(matches!(
            control.entry::<[u8; 8]>(&2),
            Err(EntryError::WrongType(TypeMismatch::Name { .. }))
        ));
        let writer = WriterPort::claim(control, 0).unwrap();
        assert!(matches!(writer.entry::<u8>(&7), Err(EntryError::WrongType(_))));
        assert!(matches!(writer.entry::<bool>(&9), Err(EntryError::UnknownKey)));
    }

    #[test]
    fn another_key_type_or_settings_are_refused_on_open() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let as_u32 = self::content(qos(&sizes(), 8), TypeDescriptor::of::<u32>());
        assert!(matches!(
            BlackboardControl::<NativeRmw, u32>::open(memory.segment(), &as_u32),
            Err(ServiceOpenError::Payload(TypeMismatch::Name { .. }))
        ));
        // Claiming the key type is `u32` while opening as `u64`.
        assert!(matches!(
            Control::open(memory.segment(), &as_u32),
            Err(ServiceOpenError::Payload(_))
        ));
        let fewer_readers = self::content(qos(&sizes(), 2), TypeDescriptor::of::<u64>());
        assert!(matches!(
            Control::open(memory.segment(), &fewer_readers),
            Err(ServiceOpenError::LayoutHash { .. })
        ));
        let header = crate::service::Header::new(memory.segment());
        assert_eq!(header.pattern(), Some(crate::service::Pattern::Blackboard));
        assert!(matches!(
            header.settings::<crate::event::EventQos>(),
            Err(ServiceOpenError::Pattern { expected: 2, found: 4 })
        ));
    }

    #[test]
    fn an_unfinished_or_overfull_creation_is_refused() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        let mut init = Control::create(memory.segment(), &content).unwrap();
        init.add(1, &0.5f32).unwrap();
        assert_eq!(init.add(2, &[0u8; 4096]), Err(QosError::TooLarge("arena_len")));
        assert_eq!(init.finish().unwrap_err(), QosError::TooLarge("entries"));
        let header = crate::service::Header::new(memory.segment());
        assert_eq!(header.state(), crate::service::SegmentState::Empty, "never READY");
        let wrong_key = self::content(qos(&sizes(), 8), TypeDescriptor::of::<u16>());
        assert!(matches!(
            Control::create(memory.segment(), &wrong_key),
            Err(ServiceOpenError::Payload(_))
        ));
        let short = self::content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut tiny = Memory::new(128);
        assert!(matches!(
            Control::create(tiny.segment(), &short),
            Err(ServiceOpenError::TooShort { .. })
        ));
    }

    #[test]
    fn a_corrupted_table_gives_typed_errors() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let segment = memory.segment();
        let control = Control::open(segment, &content).unwrap();
        let layout = *control.layout();
        let word = |entry: usize, word: usize| segment.word(layout.table + entry * ENTRY_RECORD + 4 * word);
        let corrupt = |entry: usize, w: usize, value: u32, problem: EntryProblem| {
            let old = word(entry, w).swap(value, Ordering::Relaxed);
            let expected = CorruptedEntry {
                index: entry as u32,
                problem,
            };
            assert_eq!(control.check_entries(), Err(expected));
            let key = [1, 2, 7][entry];
            assert_eq!(control.value_type(&key), Err(EntryError::Corrupted(expected)));
            word(entry, w).store(old, Ordering::Relaxed);
            assert_eq!(control.check_entries(), Ok(()));
        };
        // The name length word (byte 64 of the descriptor): 0 is no name.
        corrupt(1, 16, 0, EntryProblem::Descriptor);
        // The kind word (byte 68 of the descriptor): 2 is a slice.
        corrupt(0, 17, 2, EntryProblem::NotFixed);
        corrupt(
            0,
            23,
            5,
            EntryProblem::Size {
                stored: 5,
                described: 4,
            },
        );
        let line = crate::sync::CACHE_LINE as u32;
        let region = region_len(1);
        corrupt(2, 22, 4, EntryProblem::OutOfBounds { offset: 4, len: region });
        corrupt(
            2,
            22,
            u32::MAX - line + 1,
            EntryProblem::OutOfBounds {
                offset: u32::MAX - line + 1,
                len: region,
            },
        );
        corrupt(2, 24, 0, EntryProblem::EventId { stored: 0 });
        // In bounds, on a line, but not where the creator puts it.
        corrupt(
            2,
            22,
            0,
            EntryProblem::Misplaced {
                stored: 0,
                expected: (region_len(4) + region_len(16)) as u32,
            },
        );
    }

    #[test]
    fn garbage_in_the_table_never_panics() {
        let content = content(qos(&sizes(), 8), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let segment = memory.segment();
        let control = Control::open(segment, &content).unwrap();
        let layout = *control.layout();
        let table_words = 3 * ENTRY_RECORD / 4;
        let rounds = if cfg!(miri) { 40 } else { 5_000 };
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..rounds {
            let w = next() as usize % table_words;
            let value = match next() % 4 {
                0 => 0,
                1 => u32::MAX,
                2 => next() as u32 % 1024,
                _ => next() as u32,
            };
            segment.word(layout.table + 4 * w).store(value, Ordering::Relaxed);
            let _ = control.check_entries();
            for key in [1, 2, 7] {
                let _ = control.value_type(&key);
                if let Ok(entry) = control.entry::<[u8; 16]>(&key) {
                    let _ = entry.read();
                }
                if let Ok(entry) = control.entry::<f32>(&key) {
                    let _ = entry.read();
                }
            }
        }
    }

    #[test]
    fn a_reader_port_slot_is_counted() {
        let content = content(qos(&sizes(), 2), TypeDescriptor::of::<u64>());
        let mut memory = Memory::new(content.len);
        create(&mut memory, &content);
        let control = Control::open(memory.segment(), &content).unwrap();
        let registry = control.registry();
        assert_eq!(registry.kinds(), [PortKind::Writer, PortKind::Reader]);
        let node = registry.claim_node(9, 1).unwrap();
        assert!(registry.claim_port(PortKind::Reader, node.index).is_some());
        assert!(registry.claim_port(PortKind::Reader, node.index).is_some());
        assert!(registry.claim_port(PortKind::Reader, node.index).is_none());
        assert_eq!(registry.ports(PortKind::Writer), 1);
    }
}
