//! `#[derive(ZeroCopySend)]` and `#[derive(AnyBitPattern)]` on the shapes
//! they accept: named, tuple and unit structs, generics (type and const
//! parameters), nesting, arrays, packing, `repr(transparent)`, fieldless
//! enums, and the `type_name` attribute. (What they refuse is in
//! `iox2-core/derive/tests/compile_fail.rs`.)

use core::mem::{align_of, size_of};

use iox2_core::payload::{AnyBitPattern, TypeDescriptor, TypeKind, TypeMismatch, ZeroCopySend};

#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(Debug, ZeroCopySend)]
#[repr(C)]
#[type_name("robot::Frame")]
struct Frame {
    sequence: u64,
    corners: [Point; 4],
    valid: bool,
    label: char,
}

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(C)]
struct Pair(u32, i32);

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(C)]
struct Marker;

#[derive(ZeroCopySend)]
#[repr(C)]
#[type_name("robot::Vec3")]
struct Vec3<T> {
    x: T,
    y: T,
    z: T,
}

#[derive(ZeroCopySend)]
#[repr(C)]
struct Buffer<T: Copy, const N: usize> {
    len: u32,
    items: [T; N],
}

#[derive(ZeroCopySend)]
#[repr(C)]
struct Signed<const OFFSET: i16, const ON: bool, const TAG: char>(u8);

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(transparent)]
struct Meters<T>(T);

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(C, packed)]
struct Packed {
    tag: u8,
    value: u32,
}

#[derive(ZeroCopySend)]
#[repr(C, align(16))]
struct Aligned {
    value: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(u8)]
#[type_name("robot::Mode")]
enum Mode {
    Idle,
    Run = 7,
}

#[derive(ZeroCopySend)]
#[repr(C)]
struct Nested {
    mode: Mode,
    position: Vec3<f64>,
    history: [[Point; 2]; 3],
    // Loom's stand-in atomics are process-local: not payloads.
    #[cfg(not(iox2_loom))]
    counter: iox2_core::sync::AtomicU32,
}

mod robot {
    #[derive(iox2_core::payload::ZeroCopySend)]
    #[repr(C)]
    pub struct Pose(pub [f64; 7]);
}

#[allow(non_camel_case_types)]
#[derive(ZeroCopySend)]
#[repr(C)]
struct r#type(u8);

#[test]
fn default_names_are_rust_paths() {
    assert_eq!(Point::TYPE_NAME, "payload_derive::Point");
    assert_eq!(Pair::TYPE_NAME, "payload_derive::Pair");
    assert_eq!(Marker::TYPE_NAME, "payload_derive::Marker");
    assert_eq!(robot::Pose::TYPE_NAME, "payload_derive::robot::Pose");
    assert_eq!(r#type::TYPE_NAME, "payload_derive::type");
}

#[test]
fn type_name_attribute_sets_the_name() {
    assert_eq!(Frame::TYPE_NAME, "robot::Frame");
    assert_eq!(Mode::TYPE_NAME, "robot::Mode");
}

#[test]
fn generic_names_carry_their_arguments() {
    assert_eq!(Vec3::<f32>::TYPE_NAME, "robot::Vec3<f32>");
    assert_eq!(Vec3::<Point>::TYPE_NAME, "robot::Vec3<payload_derive::Point>");
    assert_ne!(Vec3::<u32>::TYPE_NAME, Vec3::<i32>::TYPE_NAME);
    assert_eq!(Buffer::<u16, 8>::TYPE_NAME, "payload_derive::Buffer<u16, 8>");
    assert_eq!(Buffer::<[u8; 2], 0>::TYPE_NAME, "payload_derive::Buffer<[u8; 2], 0>");
    assert_eq!(
        Signed::<-3, true, 'x'>::TYPE_NAME,
        "payload_derive::Signed<-3, true, 'x'>"
    );
    assert_eq!(Meters::<f64>::TYPE_NAME, "payload_derive::Meters<f64>");
}

#[test]
fn descriptors_record_layout() {
    const FRAME: TypeDescriptor = TypeDescriptor::of::<Frame>();
    assert_eq!(FRAME.name().as_str(), "robot::Frame");
    assert_eq!(FRAME.kind(), Some(TypeKind::Fixed));
    assert_eq!(FRAME.size() as usize, size_of::<Frame>());
    assert_eq!(FRAME.align() as usize, align_of::<Frame>());

    let packed = TypeDescriptor::of::<Packed>();
    assert_eq!((packed.size(), packed.align()), (5, 1));
    let aligned = TypeDescriptor::of::<Aligned>();
    assert_eq!((aligned.size(), aligned.align()), (16, 16));
    let marker = TypeDescriptor::of::<Marker>();
    assert_eq!((marker.size(), marker.align()), (0, 1));
    let nested = TypeDescriptor::of::<Nested>();
    assert_eq!(nested.size() as usize, size_of::<Nested>());

    let points = TypeDescriptor::slice_of::<Point>();
    assert_eq!(points.name().as_str(), "payload_derive::Point");
    assert_eq!((points.element_size(), points.element_align()), (8, 4));
}

#[test]
fn two_versions_of_a_type_do_not_match() {
    // The same name with another layout: what a stale peer would publish.
    mod v2 {
        #[derive(iox2_core::payload::ZeroCopySend)]
        #[repr(C)]
        #[type_name("robot::Frame")]
        pub struct Frame {
            pub sequence: u64,
        }
    }
    let found = TypeDescriptor::of::<v2::Frame>();
    let expected = TypeDescriptor::of::<Frame>();
    assert_eq!(
        found.check(&expected),
        Err(TypeMismatch::Size {
            expected: size_of::<Frame>() as u32,
            found: 8
        })
    );
    assert_ne!(found.fingerprint(), expected.fingerprint());
}

#[test]
fn values_round_trip_through_bytes() {
    fn assert_any_bit_pattern<T: AnyBitPattern>() {}
    assert_any_bit_pattern::<Point>();
    assert_any_bit_pattern::<Pair>();
    assert_any_bit_pattern::<Meters<[u16; 3]>>();
    assert_any_bit_pattern::<Packed>();

    // Any 8 bytes are a Point, as a peer might write them.
    let bytes = [0xffu8; 8];
    // SAFETY: Point is AnyBitPattern: every 8-byte pattern is a value.
    let point: Point = unsafe { core::mem::transmute(bytes) };
    assert!(point.x.is_nan() && point.y.is_nan());
    assert_eq!(Mode::Run as u8, 7);
    assert_ne!(Mode::Idle, Mode::Run);
}
