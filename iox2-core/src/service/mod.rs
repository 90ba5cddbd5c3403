//! What every service shares, whatever its pattern: its name and the names
//! of its regions, the control header, the settings it stores, and the
//! registry of nodes and ports. (The parts over shared segments are left
//! out of loom builds, which model the lock-free structures alone.)

pub mod handshake;
#[cfg(not(iox2_loom))]
mod header;
mod name;
#[cfg(not(iox2_loom))]
mod registry;
mod settings;
#[cfg(not(iox2_loom))]
pub mod slot;

#[cfg(not(iox2_loom))]
pub use header::{
    ABI_VERSION, HEADER_LEN, Header, HeaderContent, SERVICE_NAME_ROOM, SegmentState, ServiceOpenError, layout_hash,
};

pub use name::{MAX_SERVICE_NAME_LEN, RegionNameBuffer, ServiceName, ServiceNameError};
#[cfg(not(iox2_loom))]
pub use registry::{NODE_SLOT, NodeRecord, PORT_SLOT, PortKind, PortTable, Registry, RegistryLayout};
pub use settings::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};
#[cfg(not(iox2_loom))]
pub use slot::{SlotId, SlotState};
