// Type names are at most 64 bytes: the attribute's, and the default one.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
#[type_name("robot::perception::camera::calibration::intrinsics::PinholeCameraModel")]
struct Explicit {
    focal: [f32; 2],
}

#[derive(ZeroCopySend)]
#[repr(C)]
struct AnIdentifierSoLongThatTheDefaultTypeNameOverflowsSixtyFourBytes {
    value: u32,
}

fn main() {}
