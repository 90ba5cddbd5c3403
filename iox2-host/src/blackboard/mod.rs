//! Blackboard ports: the one [`Writer`] and its [`WriterEntry`] handles,
//! the [`Reader`]s and their [`ReaderEntry`] handles (which keep their
//! last good value), and what each process keeps of a blackboard service.
//! The service and its builders live in `service/blackboard.rs`.

mod reader;
mod writer;

pub use reader::{Reader, ReaderBuilder, ReaderEntry};
pub use writer::{Writer, WriterBuilder, WriterEntry};

use crate::lock::HostPlatform;
use crate::service::{Pattern, ServiceInner};
use iox2_core::blackboard::{BlackboardControl, BlackboardQos};
use iox2_core::service::{PortKind, Registry, SlotId};

/// What each process keeps of a blackboard service.
pub(crate) struct BlackboardShared<R, K> {
    pub(crate) control: BlackboardControl<'static, R, K>,
}

impl<P: HostPlatform, K> Pattern<P> for BlackboardShared<P::Rmw, K> {
    type Settings = BlackboardQos;

    fn registry(&self) -> Registry<'static, P::Rmw> {
        self.control.registry()
    }

    fn reap_port(&self, _service: &str, _kind: PortKind, _port: SlotId) {
        // Nothing besides the slot: a dead writer's last complete values
        // stay published (an abandoned write is in another buffer, which
        // the next writer writes again), and readers hold nothing.
    }
}

/// A blackboard service as each process keeps it.
pub(crate) type BlackboardInner<P, K> = ServiceInner<P, BlackboardShared<<P as iox2_platform::Platform>::Rmw, K>>;
