//! Blackboard services: the creator (keys with their defaults, and the
//! counts, with iceoryx2's defaults), the opener, and the open service
//! (writer and reader builders, the list of keys).

use super::{Attach, Mode, check_at_least, header_content};
use crate::blackboard::{BlackboardInner, BlackboardShared, ReaderBuilder, WriterBuilder};
use crate::error::{BlackboardCreateError, BlackboardOpenError, ServiceError};
use crate::lock::HostPlatform;
use crate::node::NodeInner;
use core::cell::Cell;
use core::fmt::Debug;
use core::marker::PhantomData;
use iox2_core::blackboard::{
    BlackboardControl, BlackboardInit, BlackboardQos, EntryError, EntryValue, blackboard_layout, region_len,
};
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::segment::Segment;
use iox2_core::service::{Header, HeaderContent, QosError, SegmentState, ServiceName, ServiceOpenError};
use iox2_platform::NodeState;
use std::fmt;
use std::sync::Arc;

/// Writes one entry while the service is created.
type AddEntry<R, K> = Box<dyn for<'a, 'c> Fn(&mut BlackboardInit<'a, 'c, R, K>) -> Result<u32, QosError>>;

/// One key the creator was given.
struct EntrySpec<R, K> {
    key: K,
    value: TypeDescriptor,
    add: AddEntry<R, K>,
}

/// Builds a new blackboard: its keys, each with a default value, fixed
/// from now on; then [`BlackboardCreator::create`].
///
/// Unset counts take the node configuration's `[blackboard]` defaults
/// (iceoryx2's unless a file says otherwise: 8 readers, 20 nodes). There is
/// one writer.
pub struct BlackboardCreator<P: HostPlatform, K> {
    node: Arc<NodeInner<P>>,
    name: String,
    max_readers: Option<u32>,
    max_nodes: Option<u32>,
    entries: Vec<EntrySpec<P::Rmw, K>>,
    /// The position of the first `add` of a key added before.
    duplicate: Option<usize>,
}

impl<P: HostPlatform, K: Debug> fmt::Debug for BlackboardCreator<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<(&K, &TypeDescriptor)> = self.entries.iter().map(|e| (&e.key, &e.value)).collect();
        f.debug_struct("BlackboardCreator")
            .field("name", &self.name)
            .field("max_readers", &self.max_readers)
            .field("max_nodes", &self.max_nodes)
            .field("keys", &keys)
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug + 'static> BlackboardCreator<P, K> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self {
            node,
            name,
            max_readers: None,
            max_nodes: None,
            entries: Vec::new(),
            duplicate: None,
        }
    }

    /// Adds key `key` holding values of `V`, `default` until the writer
    /// writes it. Keys are listed in the order they are added; the entry's
    /// event id is its position.
    pub fn add<V: EntryValue + 'static>(mut self, key: K, default: V) -> Self {
        if self.duplicate.is_none() && self.entries.iter().any(|e| e.key == key) {
            self.duplicate = Some(self.entries.len());
        }
        self.entries.push(EntrySpec {
            key,
            value: TypeDescriptor::of::<V>(),
            add: Box::new(move |init| init.add(key, &default)),
        });
        self
    }

    /// Most readers at once (default 8).
    pub fn max_readers(mut self, value: u32) -> Self {
        self.max_readers = Some(value);
        self
    }

    /// Most nodes attached at once (default 20).
    pub fn max_nodes(mut self, value: u32) -> Self {
        self.max_nodes = Some(value);
        self
    }

    /// The settings the keys and counts imply.
    fn qos(&self) -> Result<BlackboardQos, BlackboardCreateError> {
        if self.entries.is_empty() {
            return Err(BlackboardCreateError::NoEntries);
        }
        if let Some(index) = self.duplicate {
            return Err(BlackboardCreateError::DuplicateKey { index });
        }
        let too_large = |what| BlackboardCreateError::Service(ServiceError::Qos(QosError::TooLarge(what)));
        let entries = u32::try_from(self.entries.len()).map_err(|_| too_large("entries"))?;
        let arena: u64 = self.entries.iter().map(|e| region_len(e.value.size())).sum();
        let arena_len = u32::try_from(arena).map_err(|_| too_large("arena_len"))?;
        let qos = BlackboardQos {
            // The node's configuration holds the defaults.
            max_readers: self.max_readers.unwrap_or(self.node.config.blackboard.max_readers),
            max_nodes: self.max_nodes.unwrap_or(self.node.config.blackboard.max_nodes),
            entries,
            arena_len,
        };
        qos.check()
            .map_err(|e| BlackboardCreateError::Service(ServiceError::Qos(e)))?;
        Ok(qos)
    }

    /// Creates the service with its keys; fails if it exists, or if no key
    /// or a key twice was added.
    pub fn create(self) -> Result<BlackboardService<P, K>, BlackboardCreateError> {
        let name = ServiceName::new(&self.name).map_err(|e| BlackboardCreateError::Service(ServiceError::Name(e)))?;
        let qos = self.qos()?;
        let content = expected_content::<P, K>(name, qos).map_err(BlackboardCreateError::Service)?;
        let entries = &self.entries;
        let inner = Attach {
            node: &self.node,
            name: &self.name,
            mode: Mode::Create,
            // Create mode never opens: an existing service is `AlreadyExists`.
            open: |_segment: Segment<'static>| Err(ServiceError::AlreadyExists),
            len: content.len,
            create: |segment| {
                let mut init = BlackboardControl::create(segment, &content)?;
                for entry in entries {
                    (entry.add)(&mut init).map_err(ServiceOpenError::CorruptedQos)?;
                }
                let control = init.finish().map_err(ServiceOpenError::CorruptedQos)?;
                Ok(BlackboardShared { control })
            },
            _pattern: PhantomData,
        }
        .run()
        .map_err(BlackboardCreateError::Service)?;
        Ok(BlackboardService { inner: Arc::new(inner) })
    }
}

/// Opens an existing blackboard whose keys are `K`s:
/// [`BlackboardOpener::open`]. A count set here must be offered by the
/// service (at least as large).
pub struct BlackboardOpener<P: HostPlatform, K> {
    node: Arc<NodeInner<P>>,
    name: String,
    max_readers: Option<u32>,
    max_nodes: Option<u32>,
    _key: PhantomData<fn() -> K>,
}

impl<P: HostPlatform, K> fmt::Debug for BlackboardOpener<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlackboardOpener")
            .field("name", &self.name)
            .field("max_readers", &self.max_readers)
            .field("max_nodes", &self.max_nodes)
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug + 'static> BlackboardOpener<P, K> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self {
            node,
            name,
            max_readers: None,
            max_nodes: None,
            _key: PhantomData,
        }
    }

    /// The readers the service must allow at least.
    pub fn max_readers(mut self, value: u32) -> Self {
        self.max_readers = Some(value);
        self
    }

    /// The nodes the service must allow at least.
    pub fn max_nodes(mut self, value: u32) -> Self {
        self.max_nodes = Some(value);
        self
    }

    /// Opens the service: checks its header (key type included) and its
    /// whole table of entries; fails if there is none.
    pub fn open(self) -> Result<BlackboardService<P, K>, BlackboardOpenError> {
        let name = ServiceName::new(&self.name).map_err(|e| BlackboardOpenError::Service(ServiceError::Name(e)))?;
        let corrupted = Cell::new(None);
        let result = Attach {
            node: &self.node,
            name: &self.name,
            mode: Mode::Open,
            open: |segment: Segment<'static>| {
                let offered = Header::new(segment)
                    .settings::<BlackboardQos>()
                    .map_err(ServiceError::Incompatible)?;
                check_at_least(&[
                    ("max_readers", self.max_readers, offered.max_readers),
                    ("max_nodes", self.max_nodes, offered.max_nodes),
                ])?;
                let expected = expected_content::<P, K>(name, offered)?;
                let control =
                    BlackboardControl::<P::Rmw, K>::open(segment, &expected).map_err(ServiceError::Incompatible)?;
                if let Err(e) = control.check_entries() {
                    // Reported as `Entries` below; never attach to it.
                    corrupted.set(Some(e));
                    return Err(ServiceError::Incompatible(ServiceOpenError::NotReady(
                        SegmentState::Ready,
                    )));
                }
                Ok(BlackboardShared { control })
            },
            len: 0,
            // Open mode never creates: a missing service is `DoesNotExist`.
            create: |_segment| Err(ServiceOpenError::NotReady(SegmentState::Empty)),
            _pattern: PhantomData,
        }
        .run();
        match (result, corrupted.get()) {
            (_, Some(e)) => Err(BlackboardOpenError::Entries(e)),
            (Ok(inner), None) => Ok(BlackboardService { inner: Arc::new(inner) }),
            (Err(e), None) => Err(BlackboardOpenError::Service(e)),
        }
    }
}

/// The header this process expects of a blackboard with settings `qos` and
/// keys of `K`.
fn expected_content<P: HostPlatform, K: ZeroCopySend>(
    name: ServiceName<'_>,
    qos: BlackboardQos,
) -> Result<HeaderContent<'_, BlackboardQos>, ServiceError> {
    let layout = blackboard_layout(&qos, size_of::<K>() as u32).map_err(ServiceError::Qos)?;
    Ok(header_content::<P, _>(
        name,
        qos,
        TypeDescriptor::of::<K>(),
        TypeDescriptor::of::<()>(),
        layout.len,
    ))
}

/// An open blackboard service whose keys are `K`s.
///
/// ```no_run
/// use iox2_host::prelude::*;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let node = NodeBuilder::new().name("robot")?.create::<Linux>()?;
/// let service = node
///     .service_builder("robot/state")?
///     .blackboard_creator::<u64>()
///     .add::<f32>(1, 0.0)
///     .add::<[u8; 16]>(2, [0; 16])
///     .create()?;
/// let writer = service.writer_builder().create()?;
/// writer.entry::<f32>(1)?.update_with_copy(3.5);
///
/// // Elsewhere (another process, typically):
/// let service = node
///     .service_builder("robot/state")?
///     .blackboard_opener::<u64>()
///     .open()?;
/// let reader = service.reader_builder().create()?;
/// let speed = reader.entry::<f32>(1)?;
/// assert_eq!(speed.get(), 3.5);
/// assert_eq!(service.list_keys(), [1, 2]);
/// # Ok(())
/// # }
/// ```
pub struct BlackboardService<P: HostPlatform, K> {
    inner: Arc<BlackboardInner<P, K>>,
}

impl<P: HostPlatform, K> fmt::Debug for BlackboardService<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlackboardService")
            .field("name", &self.inner.name)
            .field("qos", self.inner.pattern.control.qos())
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug + 'static> BlackboardService<P, K> {
    /// The service's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The service's settings.
    pub fn qos(&self) -> &BlackboardQos {
        self.inner.pattern.control.qos()
    }

    /// The keys, in the order they were added.
    pub fn list_keys(&self) -> Vec<K> {
        self.inner.pattern.control.keys().collect()
    }

    /// The type of `key`'s value.
    pub fn value_type(&self, key: K) -> Result<TypeDescriptor, EntryError> {
        self.inner.pattern.control.value_type(&key)
    }

    /// Starts building the writer (one at a time).
    pub fn writer_builder(&self) -> WriterBuilder<P, K> {
        WriterBuilder::new(self.inner.clone())
    }

    /// Starts building a reader.
    pub fn reader_builder(&self) -> ReaderBuilder<P, K> {
        ReaderBuilder::new(self.inner.clone())
    }

    /// The service's nodes: id, process id, and whether each lives.
    pub fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        self.inner.nodes()
    }

    /// Reaps the nodes that died, freeing their ports: a dead writer's slot
    /// becomes free for a new writer (the last complete values stay
    /// published). Returns how many nodes were reaped.
    pub fn reap_dead_nodes(&self) -> usize {
        self.inner.reap_dead_nodes()
    }
}
