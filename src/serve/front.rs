//! The front of the preview server: one thread that accepts connections
//! and does all their reading and writing, on non-blocking sockets under
//! one `poll`, so that no client, however slow or stalled, holds a thread.
//!
//! Every connection is a slot in a table of at most
//! `Limits::max_connections`, and is always waiting for something with a
//! deadline: the first byte of a request (`idle_timeout`; the connection
//! is closed silently), the rest of it (`request_timeout` from its first
//! byte; answered 408), or the client to take the answer (`send_timeout`;
//! closed). A head over `max_head` is answered 431, a body over
//! `max_body` 413. When the table is full, a new connection evicts the
//! one that has waited longest without a complete request (idle ones
//! first), so connections opened and left idle cannot lock others out;
//! only when every slot is sending an answer is the newcomer refused with
//! 503 at once.
//!
//! A refusal is sent and the connection half-closed, then what the client
//! still sends is read and dropped for a moment (`LINGER`), as a web
//! server's "lingering close" does: closing a socket with unread bytes
//! resets it, and a reset can destroy the refusal before the client
//! reads it.
//!
//! What to answer is not decided here: `Handler::answer` turns a checked
//! request into a reply, or takes the socket over (an event stream).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::host::HostPolicy;
use super::limits::Limits;
use super::request::{self, Head};
use super::response::{Outgoing, Reply};

/// How long a refused client's further bytes are read and dropped.
const LINGER: Duration = Duration::from_secs(2);
/// And how many at most.
const LINGER_BYTES: usize = 1 << 20;
/// Bytes read from a socket per turn.
const READ: usize = 4096;
/// How long accepting pauses after it failed (no file descriptors left):
/// the listener stays readable, and the loop must not spin on it.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What the application makes of a request that passed every check.
pub(crate) enum Answer {
    Reply(Reply),
    /// The socket, made blocking, for a handler of its own (which must
    /// bound what it holds).
    Take(Box<dyn FnOnce(TcpStream) + Send>),
}

pub(crate) trait Handler {
    fn answer(&self, head: &Head) -> Answer;
}

/// The loop's fixed inputs.
pub(crate) struct Front<'a, H> {
    pub listener: &'a TcpListener,
    /// Readable when `stop` was just set.
    pub wake: &'a UnixStream,
    pub stop: &'a AtomicBool,
    pub limits: &'a Limits,
    pub hosts: &'a HostPolicy,
    pub handler: &'a H,
}

struct Conn {
    stream: TcpStream,
    /// Bytes received and not yet used.
    buf: Vec<u8>,
    /// How much of `buf` was searched for the end of a head.
    scanned: usize,
    state: State,
    /// When the current wait began: eviction takes the oldest.
    since: Instant,
    deadline: Instant,
    /// The client will send nothing more.
    eof: bool,
}

enum State {
    /// Waiting for the first byte of a request.
    Idle,
    /// Part of a head has arrived.
    Head,
    /// The head is in; `left` bytes of its body are still to be dropped.
    Body {
        head: Box<Head>,
        left: u64,
    },
    Send {
        out: Box<Outgoing>,
        then: Then,
    },
    /// After a refusal: reading and dropping what still comes.
    Linger {
        left: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    KeepAlive,
    Close,
    Linger,
}

impl State {
    /// Eviction order: lower goes first; `None` is never evicted.
    fn expendable(&self) -> Option<u8> {
        match self {
            State::Linger { .. } => Some(0),
            State::Idle => Some(1),
            State::Head => Some(2),
            State::Body { .. } => Some(3),
            State::Send { .. } => None,
        }
    }
}

impl<H: Handler> Front<'_, H> {
    /// Serves until `stop` is set.
    pub fn run(&self) {
        let mut conns: Vec<Conn> = Vec::new();
        let mut accept_after = Instant::now();
        while !self.stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            let accepting = now >= accept_after;
            let ready = {
                let mut fds = Vec::with_capacity(conns.len() + 2);
                fds.push(PollFd::new(self.wake.as_fd(), PollFlags::POLLIN));
                let listen = if accepting {
                    PollFlags::POLLIN
                } else {
                    PollFlags::empty()
                };
                fds.push(PollFd::new(self.listener.as_fd(), listen));
                for c in &conns {
                    let want = match c.state {
                        State::Send { .. } => PollFlags::POLLOUT,
                        _ => PollFlags::POLLIN,
                    };
                    fds.push(PollFd::new(c.stream.as_fd(), want));
                }
                let next = conns
                    .iter()
                    .map(|c| c.deadline)
                    .chain((!accepting).then_some(accept_after))
                    .min();
                let timeout = match next {
                    // Rounded up, so the loop wakes after the deadline, not
                    // just before it.
                    Some(at) => {
                        let wait = at.saturating_duration_since(now) + Duration::from_millis(1);
                        PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX)
                    }
                    None => PollTimeout::NONE,
                };
                match poll(&mut fds, timeout) {
                    Ok(_) => {}
                    Err(Errno::EINTR) => continue,
                    Err(_) => {
                        // Out of kernel memory: try again shortly.
                        std::thread::sleep(ACCEPT_PAUSE);
                        continue;
                    }
                }
                fds.iter()
                    .map(|f| f.revents().unwrap_or(PollFlags::empty()))
                    .collect::<Vec<_>>()
            };
            if !ready[0].is_empty() {
                drain(self.wake);
            }
            let now = Instant::now();
            conns = std::mem::take(&mut conns)
                .into_iter()
                .zip(&ready[2..])
                .filter_map(|(c, &r)| self.turn(c, r, now))
                .collect();
            if ready[1].contains(PollFlags::POLLIN) && !self.accept(&mut conns, now) {
                accept_after = now + ACCEPT_PAUSE;
            }
        }
    }

    /// Accepts what is waiting; false if accepting failed.
    fn accept(&self, conns: &mut Vec<Conn>, now: Instant) -> bool {
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return false,
            };
            if stream.set_nonblocking(true).is_err() {
                continue;
            }
            // Answers are written whole; Nagle would only delay their ends.
            let _ = stream.set_nodelay(true);
            if conns.len() >= self.limits.max_connections && !evict(conns) {
                let busy =
                    Reply::text(503, "the preview is busy; try again\n").with("Retry-After", "1");
                // Best effort, without waiting: a new socket has room.
                let _ = Outgoing::new(busy, true, false).write_to(&mut &stream);
                continue;
            }
            conns.push(Conn {
                stream,
                buf: Vec::new(),
                scanned: 0,
                state: State::Idle,
                since: now,
                deadline: now + self.limits.idle_timeout,
                eof: false,
            });
        }
    }

    /// One turn of a connection: I/O if `ready`, then whatever follows
    /// from it, then its deadline. `None` closes it.
    fn turn(&self, mut c: Conn, ready: PollFlags, now: Instant) -> Option<Conn> {
        if ready.intersects(PollFlags::POLLERR | PollFlags::POLLNVAL) {
            return None;
        }
        let sending = matches!(c.state, State::Send { .. });
        if !sending && ready.intersects(PollFlags::POLLIN | PollFlags::POLLHUP) {
            receive(&mut c).ok()?;
        }
        let mut c = self.advance(c, now)?;
        if now >= c.deadline {
            match c.state {
                // The client is part-way through a request: tell it why.
                State::Head | State::Body { .. } => {
                    c = self.refuse(c, 408, "request not received in time\n", now)?;
                }
                _ => return None,
            }
        }
        Some(c)
    }

    /// Moves a connection on as far as the bytes it has allow.
    fn advance(&self, mut c: Conn, now: Instant) -> Option<Conn> {
        loop {
            match &mut c.state {
                State::Idle => {
                    // Blank lines between requests are allowed (RFC 9112 §2.2).
                    let blank = c.buf.iter().take_while(|b| matches!(b, b'\r' | b'\n'));
                    let blank = blank.count();
                    c.buf.drain(..blank);
                    if c.buf.is_empty() {
                        return (!c.eof).then_some(c);
                    }
                    c.state = State::Head;
                    c.since = now;
                    c.deadline = now + self.limits.request_timeout;
                }
                State::Head => match request::parse(&c.buf, &mut c.scanned, self.limits) {
                    Err(refusal) => return self.refuse(c, refusal.status, refusal.why, now),
                    Ok(None) => return (!c.eof).then_some(c),
                    Ok(Some((head, len))) => {
                        c.buf.drain(..len);
                        c.scanned = 0;
                        let left = head.body_len;
                        c.state = State::Body {
                            head: Box::new(head),
                            left,
                        };
                    }
                },
                State::Body { left, .. } => {
                    let drop_now =
                        usize::try_from(*left).map_or(c.buf.len(), |l| l.min(c.buf.len()));
                    c.buf.drain(..drop_now);
                    *left -= drop_now as u64;
                    if *left > 0 {
                        return (!c.eof).then_some(c);
                    }
                    if let State::Body { head, .. } = std::mem::replace(&mut c.state, State::Idle) {
                        c = self.answer(c, &head, now)?;
                    }
                }
                State::Send { out, then } => match out.write_to(&mut c.stream) {
                    Ok(false) => return Some(c),
                    Err(_) => return None,
                    Ok(true) => match *then {
                        Then::KeepAlive if !c.eof => {
                            c.state = State::Idle;
                            c.since = now;
                            c.deadline = now + self.limits.idle_timeout;
                        }
                        Then::KeepAlive | Then::Close => return None,
                        Then::Linger => {
                            c.stream.shutdown(Shutdown::Write).ok()?;
                            c.buf.clear();
                            c.state = State::Linger { left: LINGER_BYTES };
                            c.deadline = now + LINGER;
                        }
                    },
                },
                State::Linger { left } => {
                    *left = left.checked_sub(c.buf.len())?;
                    c.buf.clear();
                    return (!c.eof).then_some(c);
                }
            }
        }
    }

    /// A complete request: checked, then handed to the handler.
    fn answer(&self, mut c: Conn, head: &Head, now: Instant) -> Option<Conn> {
        if let Some(why) = self.hosts.refusal(head) {
            return self.refuse(c, 403, why, now);
        }
        // A bug in the handler costs its request a 500, not the preview
        // its only front thread.
        let answer =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handler.answer(head)))
                .unwrap_or_else(|_| {
                    Answer::Reply(Reply::text(500, "internal error in proofbook\n"))
                });
        match answer {
            Answer::Reply(reply) => {
                let keep = head.keep_alive;
                c.state = State::Send {
                    out: Box::new(Outgoing::new(reply, !head.is_head(), keep)),
                    then: if keep { Then::KeepAlive } else { Then::Close },
                };
                c.since = now;
                c.deadline = now + self.limits.send_timeout;
                Some(c)
            }
            Answer::Take(take) => {
                if c.stream.set_nonblocking(false).is_ok() {
                    take(c.stream);
                }
                None
            }
        }
    }

    /// Answers `status` and closes, lingering.
    fn refuse(&self, mut c: Conn, status: u16, why: &'static str, now: Instant) -> Option<Conn> {
        let reply = Reply::text(status, why);
        c.state = State::Send {
            out: Box::new(Outgoing::new(reply, true, false)),
            then: Then::Linger,
        };
        c.since = now;
        c.deadline = now + self.limits.send_timeout;
        // Sent now if it fits, which it nearly always does.
        self.advance(c, now)
    }
}

/// Reads what is there, once (level-triggered poll calls again if more
/// is waiting). An error is the end of the connection.
fn receive(c: &mut Conn) -> io::Result<()> {
    let mut chunk = [0; READ];
    loop {
        match c.stream.read(&mut chunk) {
            Ok(0) => {
                c.eof = true;
                return Ok(());
            }
            Ok(n) => {
                c.buf.extend_from_slice(&chunk[..n]);
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Closes the connection that has waited longest for a request to finish
/// arriving (lingering ones first, then idle ones); false if every one is
/// busy sending an answer.
fn evict(conns: &mut Vec<Conn>) -> bool {
    let victim = conns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some(((c.state.expendable()?, c.since), i)))
        .min()
        .map(|(_, i)| i);
    match victim {
        Some(i) => {
            conns.swap_remove(i);
            true
        }
        None => false,
    }
}

fn drain(wake: &UnixStream) {
    let mut sink = [0; 64];
    while matches!((&mut &*wake).read(&mut sink), Ok(n) if n > 0) {}
}

/// Wakes `Front::run` from another thread (after setting its stop flag).
pub(crate) fn wake(waker: &UnixStream) {
    // A full socket already holds a wake-up.
    let _ = (&mut &*waker).write(&[1]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    /// Answers 200, except that `/boom` panics.
    struct Fragile;

    impl Handler for Fragile {
        fn answer(&self, head: &Head) -> Answer {
            assert!(head.target != "/boom", "a bug in the handler");
            Answer::Reply(Reply::text(200, "fine\n"))
        }
    }

    fn ask(addr: SocketAddr, target: &str) -> String {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("an answer");
        answer
    }

    #[test]
    fn a_panicking_handler_costs_one_request_not_the_server() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let (wake, waker) = UnixStream::pair().expect("pair");
        wake.set_nonblocking(true).expect("non-blocking");
        let stop = AtomicBool::new(false);
        let limits = Limits::default();
        let hosts = HostPolicy::new(addr, Vec::new());
        std::thread::scope(|scope| {
            scope.spawn(|| {
                Front {
                    listener: &listener,
                    wake: &wake,
                    stop: &stop,
                    limits: &limits,
                    hosts: &hosts,
                    handler: &Fragile,
                }
                .run()
            });
            let boom = ask(addr, "/boom");
            let after = ask(addr, "/");
            stop.store(true, Ordering::SeqCst);
            super::wake(&waker);
            assert!(boom.starts_with("HTTP/1.1 500 "), "{boom}");
            assert!(after.starts_with("HTTP/1.1 200 "), "{after}");
            assert!(after.ends_with("\r\n\r\nfine\n"), "{after}");
        });
    }
}
