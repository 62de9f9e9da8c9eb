//! AF_UNIX sockets named by path, in the folders the embedder gave the guest to write.
//!
//! A socket's path is a file: binding one creates it, and connecting to one needs write permission
//! on it. So the guest may name paths only inside folders it may write anyway
//! (`PysockCtxBuilder::unix_folder`; `pysock python` gives every `--writable-dir` and the
//! run's own `/tmp`), and it names them as it sees them, by its own path for the folder.
//!
//! The kernel must never be handed a path that leaves the folder, whatever the folder holds: the
//! guest can make symbolic links in it, and another program may change it between a check and a
//! use. So the host resolves nothing by path itself. It opens the folder once, opens what lies
//! beneath it with `openat2(RESOLVE_BENEATH)` (which refuses `..` past the folder, absolute links
//! and links that lead out, atomically), and gives bind(2) and connect(2) the opened directory or
//! socket file as `/proc/self/fd/N`, which the kernel follows to that very inode:
//! - bind: the parent directory, opened beneath the folder, and the name in it
//!   (`/proc/self/fd/N/name`); the kernel creates the socket file there. A name too long to follow
//!   that prefix in `sun_path`'s 108 bytes (a native program's limit is on its whole path) is bound
//!   as a short stand-in beside it and renamed to it, never replacing a file that is there.
//! - connect: the socket file itself, opened beneath the folder with `O_PATH` (`/proc/self/fd/M`).
//!
//! Linux reports a bound socket's name as bind(2) was given it, so getsockname, getpeername and
//! accept would read `/proc/self/fd/N/name`. The host remembers what the guest called each name it
//! bound and reports that, as the kernel reports what a native program passed. The directory stays
//! open while the socket it named is, so no other name takes its number meanwhile. Abstract names
//! (a leading NUL byte) are shared with every program of the host's network namespace, and are
//! refused, as is autobinding one.

use crate::bindings::pysock::net::types::Errno;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Weak};

/// The names the host remembers at most; past it, those of closed sockets are forgotten first.
const MOST_NAMES: usize = 1024;

/// A folder the guest sees.
struct Folder {
    /// Where the guest sees it: absolute, without `.` or `..`.
    guest: PathBuf,
    /// Where it is on the host.
    host: PathBuf,
    /// Open when the guest may bind and connect to paths in it, which it may if it may write it.
    dir: Option<OwnedFd>,
}

/// The guest's folders for AF_UNIX paths, and the names of the sockets it bound.
#[derive(Default)]
pub struct UnixFolders {
    folders: Vec<Folder>,
    /// The name the kernel holds for a socket the guest bound, to the name the guest gave, with
    /// the directory that keeps the kernel's name unique while the socket is open.
    names: HashMap<Vec<u8>, (Vec<u8>, Weak<OwnedFd>)>,
}

/// Where the kernel finds what the guest named: the path to give it, and the descriptor that path
/// goes through, open until the call is done (or, for bind, as long as the socket is).
pub struct Target {
    pub kernel_path: Vec<u8>,
    pub through: Arc<OwnedFd>,
    /// For bind: the stand-in's name and the guest's, when the guest's is too long ([`finish_bind`]).
    ///
    /// [`finish_bind`]: Target::finish_bind
    renamed: Option<(Vec<u8>, Vec<u8>)>,
}

impl Target {
    /// Puts the socket bind(2) just named at the name the guest gave, if a stand-in took its place:
    /// EADDRINUSE, as bind(2) says, when something took that name meanwhile.
    pub fn finish_bind(&self) -> std::io::Result<()> {
        let Some((stand_in, name)) = &self.renamed else { return Ok(()) };
        crate::sys::rename_beside(self.through.as_fd(), stand_in, name).map_err(|e| {
            let _ = crate::sys::unlink_in(self.through.as_fd(), stand_in);
            match e.raw_os_error() {
                Some(libc::EEXIST) => std::io::Error::from_raw_os_error(libc::EADDRINUSE),
                _ => e,
            }
        })
    }
}

/// Why a path was not given to the kernel: its errno, and for a refusal the sentence for the guest.
#[derive(Debug)]
pub enum Refused {
    Os(std::io::Error),
    Policy(String),
}

impl UnixFolders {
    /// Adds `host`, seen by the guest as `guest` (absolute). The paths of a folder the guest may
    /// only read are refused, rather than looked for in a writable folder it lies in.
    pub fn add(&mut self, guest: &str, host: &Path, writable: bool) -> std::io::Result<()> {
        let dir = if writable { Some(crate::sys::openat2(None, host, libc::O_PATH | libc::O_DIRECTORY, 0)?) } else { None };
        self.folders.push(Folder { guest: lexical(Path::new(guest)), host: host.to_path_buf(), dir });
        Ok(())
    }

    /// The folder holding the guest's absolute `path`, and the path within it. The deepest folder
    /// wins, as wasi-libc resolves a path against the longest matching preopen.
    fn locate(&self, path: &[u8]) -> Result<(&Folder, PathBuf), Refused> {
        let path = lexical(Path::new(OsStr::from_bytes(path)));
        let found = self
            .folders
            .iter()
            .filter_map(|f| path.strip_prefix(&f.guest).ok().map(|rest| (f, rest.to_path_buf())))
            .max_by_key(|(f, _)| f.guest.components().count());
        let why = match found {
            Some((f, rest)) if f.dir.is_some() => return Ok((f, rest)),
            Some((f, _)) => format!("{} is in {}, which the sandbox may only read", path.display(), f.guest.display()),
            None => format!("{} is outside the sandbox's folders", path.display()),
        };
        Err(Refused::Policy(format!("{why}; AF_UNIX paths must lie in a folder it may write (give one with --writable-dir, or use /tmp)")))
    }

    /// Opens each folder a `..` in the guest's `path` steps back from, as the kernel walks the path:
    /// `missing/../name` is ENOENT and `file/../name` ENOTDIR, where [`locate`]'s lexical reading
    /// skips both. A folder outside those the guest may write is the policy's to refuse, not here.
    ///
    /// [`locate`]: UnixFolders::locate
    fn walk_back_steps(&self, path: &[u8]) -> Result<(), Refused> {
        let mut so_far = PathBuf::from("/");
        for c in Path::new(OsStr::from_bytes(path)).components() {
            match c {
                Component::Normal(part) => so_far.push(part),
                Component::ParentDir => {
                    if let Ok((folder, within)) = self.locate(so_far.as_os_str().as_bytes()) {
                        beneath(folder, &within, libc::O_PATH | libc::O_DIRECTORY)?;
                    }
                    so_far.pop();
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Where bind(2) creates the guest's `path` (absolute, as the guest sees it).
    pub fn bind_target(&self, path: &[u8]) -> Result<Target, Refused> {
        self.walk_back_steps(path)?;
        let (folder, within) = self.locate(path)?;
        let name = within.file_name().ok_or_else(|| Refused::Os(std::io::Error::from_raw_os_error(libc::EADDRINUSE)))?;
        let parent = within.parent().unwrap_or(Path::new(""));
        let dir = beneath(folder, parent, libc::O_PATH | libc::O_DIRECTORY)?;
        // A path ending in `/` or `/.` names a folder, which bind(2) never creates: one that is there
        // is EADDRINUSE (below, as for any name in use), one that is not ENOENT.
        if (path.ends_with(b"/") || path.ends_with(b"/.")) && !crate::sys::is_in(dir.as_fd(), name.as_bytes()).map_err(Refused::Os)? {
            return Err(Refused::Os(std::io::Error::from_raw_os_error(libc::ENOENT)));
        }
        let prefix = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
        let mut renamed = None;
        let mut in_kernel = name.as_bytes().to_vec();
        if prefix.len() + in_kernel.len() >= 108 {
            if crate::sys::is_in(dir.as_fd(), name.as_bytes()).map_err(Refused::Os)? {
                return Err(Refused::Os(std::io::Error::from_raw_os_error(libc::EADDRINUSE)));
            }
            static STAND_INS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = STAND_INS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            in_kernel = format!(".pysock-bind-{}-{n}", std::process::id()).into_bytes();
            renamed = Some((in_kernel.clone(), name.as_bytes().to_vec()));
        }
        Ok(Target { kernel_path: [prefix, in_kernel].concat(), through: Arc::new(dir), renamed })
    }

    /// What connect(2) reaches for the guest's `path`: the file there, whatever it is (the kernel
    /// refuses what is not a listening socket, ECONNREFUSED, as for the path itself).
    pub fn connect_target(&self, path: &[u8]) -> Result<Target, Refused> {
        self.walk_back_steps(path)?;
        let (folder, within) = self.locate(path)?;
        let file = beneath(folder, &within, libc::O_PATH)?;
        Ok(Target { kernel_path: format!("/proc/self/fd/{}", file.as_raw_fd()).into_bytes(), through: Arc::new(file), renamed: None })
    }

    /// Records that the guest named the socket the kernel now calls `target.kernel_path` `name`.
    pub fn remember(&mut self, target: &Target, name: Vec<u8>) {
        if self.names.len() >= MOST_NAMES {
            self.names.retain(|_, (_, dir)| dir.strong_count() > 0);
        }
        if self.names.len() < MOST_NAMES {
            self.names.insert(target.kernel_path.clone(), (name, Arc::downgrade(&target.through)));
        }
    }

    /// The name the guest sees for a socket the kernel calls `kernel` (a pathname, without its NUL):
    /// what the guest called it if it bound it; a host path in one of its folders as its own path
    /// there; anything else (a native program's name outside them, an abstract name with its
    /// leading NUL) as the kernel has it.
    pub fn guest_name(&self, kernel: &[u8]) -> Vec<u8> {
        if let Some((name, _)) = self.names.get(kernel) {
            return name.clone();
        }
        if kernel.first() == Some(&0) {
            return kernel.to_vec();
        }
        let kernel = Path::new(OsStr::from_bytes(kernel));
        for f in &self.folders {
            if let Ok(rest) = kernel.strip_prefix(&f.host) {
                return f.guest.join(rest).into_os_string().into_vec();
            }
        }
        kernel.as_os_str().as_bytes().to_vec()
    }
}

/// Opens `within` beneath `folder`. Leaving the folder is a refusal, not an errno of the kernel's.
fn beneath(folder: &Folder, within: &Path, flags: i32) -> Result<OwnedFd, Refused> {
    let within = if within.as_os_str().is_empty() { Path::new(".") } else { within };
    let dir = folder.dir.as_ref().expect("`locate` gives writable folders only");
    crate::sys::openat2(Some(dir.as_fd()), within, flags, libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS).map_err(|e| {
        if e.raw_os_error() == Some(libc::EXDEV) {
            Refused::Policy(format!(
                "{} leads out of the folder pysock gave the sandbox as {} (a symbolic link)",
                folder.guest.join(within).display(),
                folder.guest.display()
            ))
        } else {
            Refused::Os(e)
        }
    })
}

/// `path` without `.` and with each `..` taking back the component before it. wasi-libc matches a
/// file's path against the preopens as written and leaves each `..` to the filesystem; the host
/// finds a socket's folder by this reading, after walking each `..` (`walk_back_steps`), so the two
/// differ only where a `..` steps out of one folder into another: a file's path may not, a socket's
/// may (the guest may write both folders).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

impl From<Refused> for crate::error::NetError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Os(e) => e.into(),
            Refused::Policy(_) => crate::error::NetError::Errno(Errno::Eacces),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders(dir: &Path) -> UnixFolders {
        let mut f = UnixFolders::default();
        f.add("/tmp", dir, true).unwrap();
        f.add("/tmp/inner", &dir.join("inner"), false).unwrap();
        f
    }

    #[test]
    fn paths_outside_the_folders_and_links_out_are_refused() {
        let dir = std::env::temp_dir().join(format!("pysock-unix-paths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("inner")).unwrap();
        let _ = std::os::unix::fs::symlink("/etc", dir.join("out"));
        let _ = std::os::unix::fs::symlink("inner", dir.join("in"));
        let f = folders(&dir);
        assert!(matches!(f.bind_target(b"/etc/x.sock"), Err(Refused::Policy(_))));
        assert!(matches!(f.bind_target(b"/tmp/../etc/x.sock"), Err(Refused::Policy(_))));
        assert!(matches!(f.bind_target(b"/tmp/out/x.sock"), Err(Refused::Policy(_))));
        assert!(matches!(f.connect_target(b"/tmp/out/passwd"), Err(Refused::Policy(_))));
        assert!(f.bind_target(b"/tmp/in/x.sock").is_ok());
        assert!(matches!(f.bind_target(b"/tmp/inner/x.sock"), Err(Refused::Policy(_))), "a read-only folder");
        assert!(f.bind_target(b"/tmp/./inner/../x.sock").is_ok());
        assert!(matches!(f.connect_target(b"/tmp/missing"), Err(Refused::Os(e)) if e.raw_os_error() == Some(libc::ENOENT)));
        assert!(matches!(f.bind_target(b"/tmp/missing/../x.sock"), Err(Refused::Os(e)) if e.raw_os_error() == Some(libc::ENOENT)));
        assert!(matches!(f.connect_target(b"/tmp/in/missing/../../x.sock"), Err(Refused::Os(e)) if e.raw_os_error() == Some(libc::ENOENT)));
        assert!(matches!(f.bind_target(b"/tmp/out/../x.sock"), Err(Refused::Policy(_))), "back from a link leading out");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_read_as_the_guest_gave_them_or_as_its_own_paths() {
        let dir = std::env::temp_dir().join(format!("pysock-unix-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut f = folders(&dir);
        let target = f.bind_target(b"/tmp/a.sock").unwrap();
        f.remember(&target, b"a.sock".to_vec());
        assert_eq!(f.guest_name(&target.kernel_path), b"a.sock");
        assert_eq!(f.guest_name(dir.join("b.sock").as_os_str().as_bytes()), b"/tmp/b.sock");
        assert_eq!(f.guest_name(b"/run/x.sock"), b"/run/x.sock");
        assert_eq!(f.guest_name(b"\0/tmp/b.sock"), b"\0/tmp/b.sock", "an abstract name, however it reads");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
