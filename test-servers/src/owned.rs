//! Child processes that die with the test binary. Servers shared by a whole test binary live in
//! statics, which are never dropped, so a normal kill-on-drop would leave them running after
//! the tests. Linux can kill a child when its parent goes (`PR_SET_PDEATHSIG`), but "parent"
//! means the spawning *thread*: so every child is spawned from one thread that lives as long as
//! the process.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

type Request = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Spawns `command` so that it is killed (`SIGKILL`) when the test process exits, however it
/// exits.
pub fn spawn(command: Command) -> std::io::Result<Child> {
    spawn_signalled(command, libc::SIGKILL)
}

/// Spawns `command` so that it gets `signal` when the test process exits. For a server that
/// forks workers of its own (nginx): the workers do not inherit the parent-death signal, so
/// the master must be told to stop them (`SIGTERM`) rather than be killed without a word.
pub fn spawn_signalled(mut command: Command, signal: libc::c_int) -> std::io::Result<Child> {
    // SAFETY: the closure only calls async-signal-safe functions (prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, signal) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    spawner()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send((command, tx))
        .expect("the spawner thread lives as long as the process");
    rx.recv().expect("the spawner answers every request")
}

fn spawner() -> &'static Mutex<mpsc::Sender<Request>> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Request>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("test-servers-spawner".into())
            .spawn(move || {
                for (mut command, answer) in rx {
                    let _ = answer.send(command.spawn());
                }
                // Never reached while the process runs (the sender is in a static).
            })
            .expect("start the spawner thread");
        Mutex::new(tx)
    })
}
