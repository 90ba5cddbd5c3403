//! Request-response streams: an operator commands a robot to a position and
//! receives a stream of progress updates until the robot arrives; a second
//! command is cancelled midway, and the robot stops.
//!
//! `cargo run -p iox2-examples --example robot_move` runs the robot (the
//! server), which starts the operator itself (this same binary, run as
//! `robot_move operator <service>`) and exits once the operator is done,
//! in under a second. No daemon is involved.
//!
//! - Command 1: the operator sends a `Goal`. The robot moves toward it one
//!   step every 20 ms and answers each step with a `Progress` response. On
//!   arrival it drops the `ActiveRequest`, which ends the stream: the
//!   operator sees `StreamEnd::Completed`.
//! - Command 2: after a few updates the operator drops its
//!   `PendingResponse`, which cancels the request. Before its next step the
//!   robot sees `is_connected() == false`, stops, and says where.
//!
//! The robot exits with the operator's exit code, or with an error after
//! ten seconds. Both sides sleep while they wait (`Server::wait`,
//! `PendingResponse::timed_receive`); neither polls.

use core::error::Error;
use core::fmt;
use core::time::Duration;
use iox2_core::reqres::{ResponseSendError, StreamEnd};
use iox2_host::prelude::*;
use iox2_host::{ActiveRequest, Client, ReqResService, ServerSendError};
use std::process::Command;
use std::thread;
use std::time::Instant;

/// The service the operator and the robot talk over is this, followed by
/// the robot's process id: two runs at once do not meet.
const SERVICE: &str = "robot/move";
/// How long one step takes.
const STEP_PERIOD: Duration = Duration::from_millis(20);
/// How far the robot moves in one step, in metres.
const STEP: f32 = 0.05;
/// Close enough to count as there, in metres (float steps do not add up
/// exactly).
const TOLERANCE: f32 = 0.001;
/// The operator cancels command 2 after this many progress updates.
const CANCEL_AFTER: u32 = 5;
/// The longest the operator waits for one progress update.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5);
/// When the robot gives up on the operator (a run takes about a second;
/// this only ends a run that went wrong).
const TIMEOUT: Duration = Duration::from_secs(10);

/// A position on the floor, in metres.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[repr(C)]
struct Position {
    x: f32,
    y: f32,
}

/// The request: move to `target`.
#[derive(Debug, Clone, Copy, ZeroCopySend)]
#[repr(C)]
struct Goal {
    /// Numbers the operator's commands.
    command: u32,
    target: Position,
}

/// A response: one step done.
#[derive(Debug, Clone, Copy, ZeroCopySend)]
#[repr(C)]
struct Progress {
    /// The command this step belongs to.
    command: u32,
    /// Counts the steps of the command from 1.
    step: u32,
    position: Position,
    /// The distance left to the target, in metres.
    remaining: f32,
}

impl Position {
    const ORIGIN: Self = Self { x: 0.0, y: 0.0 };

    fn distance_to(self, other: Self) -> f32 {
        (other.x - self.x).hypot(other.y - self.y)
    }

    /// One step of at most `step` metres toward `target` (onto it, if that
    /// leaves less than `TOLERANCE`).
    fn step_toward(self, target: Self, step: f32) -> Self {
        let distance = self.distance_to(target);
        if distance <= step + TOLERANCE {
            return target;
        }
        let scale = step / distance;
        Self {
            x: self.x + (target.x - self.x) * scale,
            y: self.y + (target.y - self.y) * scale,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.2}, {:.2})", self.x, self.y)
    }
}

type MoveService = ReqResService<Linux, Goal, Progress>;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => robot(),
        [role, service] if role == "operator" => operator(service),
        _ => Err("usage: robot_move [operator <service>]".into()),
    }
}

/// The move service, with the same settings in both processes.
fn move_service(node: &Node<Linux>, name: &str) -> Result<MoveService, Box<dyn Error>> {
    let service = node
        .service_builder(name)?
        .request_response::<Goal, Progress>()
        .response_buffer(8)
        .open_or_create()?;
    Ok(service)
}

/// The robot: carries out one goal at a time until its operator is done.
fn robot() -> Result<(), Box<dyn Error>> {
    let node = NodeBuilder::new().name("robot")?.create::<Linux>()?;
    let service = move_service(&node, &format!("{SERVICE}/{}", std::process::id()))?;
    let server = service.server_builder().create()?;
    let mut position = Position::ORIGIN;
    println!("[robot   ] at {position}, waiting for goals on {}", service.name());

    // The operator: this binary again. The server exists already, so the
    // operator's first goal reaches it.
    let mut operator = Command::new(std::env::current_exe()?)
        .args(["operator", service.name()])
        .spawn()?;
    let started = Instant::now();
    loop {
        if let Some(status) = operator.try_wait()? {
            println!("[robot   ] operator ended ({status}), shutting down at {position}");
            return if status.success() {
                Ok(())
            } else {
                Err(format!("the operator failed: {status}").into())
            };
        }
        if started.elapsed() > TIMEOUT {
            operator.kill()?;
            return Err("timed out waiting for the operator".into());
        }
        // Sleeps until a goal arrives (or 100 ms pass: look at the operator).
        server.wait(Some(Duration::from_millis(100)))?;
        while let Some(goal) = server.receive()? {
            position = drive(goal, position)?;
        }
    }
}

/// Moves from `from` toward the goal, one progress response per step,
/// until arrival or until the operator cancels. Returns where it stopped.
fn drive(goal: ActiveRequest<'_, Linux, Goal, Progress>, from: Position) -> Result<Position, Box<dyn Error>> {
    let Goal { command, target } = *goal;
    println!("[robot   ] command {command}: moving from {from} to {target}");
    let mut position = from;
    for step in 1.. {
        if !goal.is_connected() {
            println!(
                "[robot   ] command {command}: operator cancelled, stopped at {position}, {:.2} m short of {target}",
                position.distance_to(target)
            );
            return Ok(position);
        }
        thread::sleep(STEP_PERIOD);
        position = position.step_toward(target, STEP);
        let remaining = position.distance_to(target);
        let progress = Progress {
            command,
            step,
            position,
            remaining,
        };
        match goal.send_copy(progress) {
            Ok(()) => {}
            // Cancelled since the check above: the next check stops.
            Err(ServerSendError::Send(ResponseSendError::NotConnected)) => continue,
            Err(e) => return Err(e.into()),
        }
        if position == target {
            break;
        }
    }
    println!("[robot   ] command {command}: arrived at {position}");
    // Dropping the active request ends the stream: the operator sees
    // `StreamEnd::Completed` once it has taken the last update.
    drop(goal);
    Ok(position)
}

/// The operator: one command followed to arrival, one cancelled midway.
fn operator(service: &str) -> Result<(), Box<dyn Error>> {
    let node = NodeBuilder::new().name("operator")?.create::<Linux>()?;
    let service = move_service(&node, service)?;
    let client = service.client_builder().create()?;
    follow_to_arrival(
        &client,
        Goal {
            command: 1,
            target: Position { x: 0.4, y: 0.3 },
        },
    )?;
    cancel_midway(
        &client,
        Goal {
            command: 2,
            target: Position { x: 2.4, y: 1.8 },
        },
    )
}

/// Sends `goal` and prints every update until the robot ends the stream.
fn follow_to_arrival(client: &Client<Linux, Goal, Progress>, goal: Goal) -> Result<(), Box<dyn Error>> {
    let pending = client.send_copy(goal)?;
    println!("[operator] command {}: go to {}", goal.command, goal.target);
    // `None` once the stream ended, or when no update came in time.
    while let Some(progress) = pending.timed_receive(UPDATE_TIMEOUT)? {
        print_progress(&progress);
    }
    match pending.stream_end() {
        Some(StreamEnd::Completed) => {
            println!("[operator] command {}: arrived (stream completed)", goal.command);
            Ok(())
        }
        Some(StreamEnd::ServerGone) => Err("the robot is gone".into()),
        None => Err(format!("no update for {UPDATE_TIMEOUT:?}").into()),
    }
}

/// Sends `goal`, prints `CANCEL_AFTER` updates, then cancels it.
fn cancel_midway(client: &Client<Linux, Goal, Progress>, goal: Goal) -> Result<(), Box<dyn Error>> {
    let pending = client.send_copy(goal)?;
    println!("[operator] command {}: go to {}", goal.command, goal.target);
    for _ in 0..CANCEL_AFTER {
        let Some(progress) = pending.timed_receive(UPDATE_TIMEOUT)? else {
            return Err(format!(
                "command {}: the stream ended early: {:?}",
                goal.command,
                pending.stream_end()
            )
            .into());
        };
        print_progress(&progress);
    }
    // Dropping the pending response cancels the request.
    drop(pending);
    println!("[operator] command {}: cancelled", goal.command);
    Ok(())
}

fn print_progress(progress: &Progress) {
    println!(
        "[operator] command {} step {:2}: at {}, {:.2} m to go",
        progress.command, progress.step, progress.position, progress.remaining
    );
}
