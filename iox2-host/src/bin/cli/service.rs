//! `iox2 service list`: the services (publish-subscribe and event) whose
//! control segments are in `/dev/shm`.

use super::CliError;
use super::output::{Format, emit};
use clap::Subcommand;
use core::fmt::Write as _;
use iox2_host::config::PubSubDefaults;
use iox2_host::core::event::EventQos;
use iox2_host::core::payload::TypeDescriptor;
use iox2_host::core::pubsub::PubSubQos;
use iox2_host::core::reqres::ReqResQos;
use iox2_host::core::segment::Segment;
use iox2_host::core::service::{HEADER_LEN, Header, Pattern, SERVICE_NAME_ROOM};
use iox2_host::platform::linux::LinuxRegion;
use iox2_host::platform::{Access, Region};
use serde::Serialize;

/// Where Linux shared-memory objects appear.
const SHM_DIR: &str = "/dev/shm";
/// The prefix the Linux platform puts before every region name.
const OBJECT_PREFIX: &str = "iox2_";

#[derive(Debug, Subcommand)]
pub(crate) enum ServiceCommand {
    /// List the services: name hash, state, payload type and settings.
    List,
}

/// A type stored in a service header.
#[derive(Debug, Serialize)]
struct TypeInfo {
    name: String,
    size: u32,
    align: u32,
}

impl From<TypeDescriptor> for TypeInfo {
    fn from(d: TypeDescriptor) -> Self {
        Self {
            name: d.name().as_str().to_owned(),
            size: d.size(),
            align: d.align(),
        }
    }
}

/// An event service's settings.
#[derive(Debug, Serialize)]
struct EventInfo {
    max_listeners: u32,
    max_notifiers: u32,
    max_nodes: u32,
    event_id_max: u32,
    /// The deadline in nanoseconds, if the service has one.
    deadline_ns: Option<u64>,
}

impl From<EventQos> for EventInfo {
    fn from(q: EventQos) -> Self {
        Self {
            max_listeners: q.max_listeners,
            max_notifiers: q.max_notifiers,
            max_nodes: q.max_nodes,
            event_id_max: q.event_id_max,
            deadline_ns: (q.deadline_ns != 0).then_some(q.deadline_ns),
        }
    }
}

/// A request-response service's settings.
#[derive(Debug, Serialize)]
struct RequestResponseInfo {
    max_clients: u32,
    max_servers: u32,
    max_nodes: u32,
    max_active_requests: u32,
    response_buffer: u32,
    safe_overflow: bool,
    fire_and_forget: bool,
}

impl From<ReqResQos> for RequestResponseInfo {
    fn from(q: ReqResQos) -> Self {
        Self {
            max_clients: q.max_clients,
            max_servers: q.max_servers,
            max_nodes: q.max_nodes,
            max_active_requests: q.max_active_requests,
            response_buffer: q.response_buffer,
            safe_overflow: q.safe_overflow,
            fire_and_forget: q.fire_and_forget,
        }
    }
}

/// One service.
#[derive(Debug, Serialize)]
struct ServiceInfo {
    /// The service's name, as its header records it.
    name: Option<String>,
    /// The 64-bit hash of the service name, 16 hex digits.
    hash: String,
    /// The control region's name.
    region: String,
    /// The segment state (`Ready`, `Init`, `Dead`, ...).
    state: String,
    /// `publish-subscribe` or `event`.
    pattern: Option<&'static str>,
    payload: Option<TypeInfo>,
    user_header: Option<TypeInfo>,
    qos: Option<PubSubDefaults>,
    event: Option<EventInfo>,
    request_response: Option<RequestResponseInfo>,
    /// Why the header could not be read, if it could not.
    error: Option<String>,
}

pub(crate) fn run(command: ServiceCommand, format: Option<Format>) -> Result<(), CliError> {
    match command {
        ServiceCommand::List => {
            let services = list()?;
            emit(format, &services, || Ok(human(&services)))
        }
    }
}

/// The hash of region `name` if it is a control region: `iox2_<16hex>_ctl`.
fn control_hash(name: &str) -> Option<&str> {
    let hash = name.strip_prefix("iox2_")?.strip_suffix("_ctl")?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

fn list() -> Result<Vec<ServiceInfo>, CliError> {
    let entries = std::fs::read_dir(SHM_DIR).map_err(|e| CliError(format!("{SHM_DIR}: cannot list: {e}")))?;
    let mut services = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(region) = file.to_str().and_then(|f| f.strip_prefix(OBJECT_PREFIX)) else {
            continue;
        };
        let Some(hash) = control_hash(region) else {
            continue;
        };
        services.push(inspect(region, hash));
    }
    services.sort_by(|a, b| a.hash.cmp(&b.hash));
    Ok(services)
}

fn inspect(region_name: &str, hash: &str) -> ServiceInfo {
    let mut info = ServiceInfo {
        name: None,
        hash: hash.to_owned(),
        region: region_name.to_owned(),
        state: String::from("Unknown"),
        pattern: None,
        payload: None,
        user_header: None,
        qos: None,
        event: None,
        request_response: None,
        error: None,
    };
    let region = match LinuxRegion::open(region_name, Access::ReadOnly) {
        Ok(region) => region,
        Err(e) => {
            info.error = Some(format!("cannot open: {e}"));
            return info;
        }
    };
    if region.len() < HEADER_LEN {
        info.error = Some(format!("only {} bytes: no complete header", region.len()));
        return info;
    }
    // SAFETY: the mapping is page-aligned, readable for `len` bytes and
    // lives until the end of this function, beyond every use of the
    // segment; the header is read through atomic loads only.
    let segment = unsafe { Segment::new(region.as_ptr(), region.len()) };
    let header = Header::new(segment);
    info.state = format!("{:?}", header.state());
    let mut room = [0u8; SERVICE_NAME_ROOM];
    info.name = Some(header.service_name(&mut room).to_owned());
    let mut errors = Vec::new();
    let pattern = header.pattern();
    info.pattern = pattern.map(Pattern::name);
    let settings = match pattern {
        Some(Pattern::PublishSubscribe) => header.settings::<PubSubQos>().map(|q| info.qos = Some(q.into())),
        Some(Pattern::Event) => header.settings::<EventQos>().map(|q| info.event = Some(q.into())),
        Some(Pattern::RequestResponse) => header
            .settings::<ReqResQos>()
            .map(|q| info.request_response = Some(q.into())),
        Some(Pattern::Blackboard) => Ok(()),
        None => {
            errors.push(String::from("unknown pattern"));
            Ok(())
        }
    };
    if let Err(e) = settings {
        errors.push(format!("settings: {e}"));
    }
    match header.payload() {
        Ok(d) => info.payload = Some(d.into()),
        Err(e) => errors.push(format!("payload: {e}")),
    }
    match header.user_header() {
        Ok(d) => info.user_header = Some(d.into()),
        Err(e) => errors.push(format!("user header: {e}")),
    }
    if !errors.is_empty() {
        info.error = Some(errors.join("; "));
    }
    info
}

fn human(services: &[ServiceInfo]) -> String {
    if services.is_empty() {
        return String::from("no services");
    }
    let mut out = String::new();
    for s in services {
        let _ = write!(
            out,
            "{}  {}  {:<6}  {}",
            s.name.as_deref().unwrap_or("?"),
            s.hash,
            s.state,
            s.pattern.unwrap_or("?")
        );
        if let Some(p) = s.payload.as_ref().filter(|_| s.event.is_none()) {
            let what = if s.request_response.is_some() {
                "request"
            } else {
                "payload"
            };
            let _ = write!(out, "  {what} {} (size {}, align {})", p.name, p.size, p.align);
        }
        if let (Some(r), Some(response)) = (&s.request_response, &s.user_header) {
            let _ = write!(
                out,
                "  response {} (size {}, align {})  clients {} servers {} active requests {} response buffer {}",
                response.name,
                response.size,
                response.align,
                r.max_clients,
                r.max_servers,
                r.max_active_requests,
                r.response_buffer
            );
        }
        if let Some(q) = &s.qos {
            let _ = write!(
                out,
                "  publishers {} subscribers {} nodes {} buffer {} history {}",
                q.max_publishers, q.max_subscribers, q.max_nodes, q.subscriber_buffer, q.history
            );
        }
        if let Some(e) = &s.event {
            let _ = write!(
                out,
                "  listeners {} notifiers {} nodes {} ids 0..={}",
                e.max_listeners, e.max_notifiers, e.max_nodes, e.event_id_max
            );
            if let Some(ns) = e.deadline_ns {
                let _ = write!(out, " deadline {:?}", core::time::Duration::from_nanos(ns));
            }
        }
        if let Some(e) = &s.error {
            let _ = write!(out, "  ({e})");
        }
        out.push('\n');
    }
    out
}
