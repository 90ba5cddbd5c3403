//! What every service shares, whatever its pattern: its name and the names
//! of its regions, the control header, the settings it stores, and the
//! registry of nodes and ports.

mod header;
mod name;
mod registry;
mod settings;
pub mod slot;

pub use header::{
    ABI_VERSION, HEADER_LEN, Header, HeaderContent, SERVICE_NAME_ROOM, SegmentState, ServiceOpenError, layout_hash,
};

pub use name::{MAX_SERVICE_NAME_LEN, RegionNameBuffer, ServiceName, ServiceNameError};
pub use registry::{NODE_SLOT, NodeRecord, PORT_SLOT, PortKind, PortTable, Registry, RegistryLayout};
pub use settings::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};
pub use slot::{SlotId, SlotState};
