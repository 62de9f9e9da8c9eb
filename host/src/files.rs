//! The `pysock:net/files` interface: advisory locks on the guest's files (`fcntl.flock` and
//! `fcntl.lockf`), what `wasi:filesystem` leaves out of their stat (permissions, blocks) and their
//! changes of permissions (`os.chmod`), and the sizes of the file systems that hold them
//! (`os.statvfs`).
//!
//! A guest's file is wasmtime-wasi's: the `wasi:filesystem` descriptor in the store's resource
//! table holds the host's open file. A lock is taken on that file by the host, so it excludes
//! every other process of the machine that locks the same file, as a native program's lock does,
//! and the kernel judges each request (an exclusive record lock on a file open for reading only is
//! EBADF, a bad operation EINVAL), as it judges a native one.
//!
//! A lock held elsewhere is waited for without holding the thread in the kernel, where no signal
//! of the guest's could reach it: the host asks again without waiting, at growing intervals (up to
//! 50 ms), and between two asks a signal for the guest (Ctrl-C, a timer) ends the wait with EINTR,
//! as it ends a native flock(2), and a stop ends the run.
//!
//! Record locks are POSIX's: they belong to the host's process. Under the `pysock` command that
//! process is the sandbox's alone, as a native program's is its own; an embedder that runs several
//! sandboxes in one process gives them one owner, so their record locks on a file they share do
//! not exclude each other (their `flock` locks, which belong to each open file, do).
//!
//! Permissions are the host file's own, which `wasi:filesystem` does not carry. A change of them
//! never sets the set-user-ID or set-group-ID bit: the sandbox may write a program into a folder it
//! was given, and it must not make that program run with the host user's rights for someone else.
//!
//! A file system's sizes are the kernel's for the host's file, with one change: ST_RDONLY for a
//! folder the embedder gave read-only (`FsPerms::ReadOnly`), as Linux says of a read-only bind
//! mount, so that a program that asks before it writes learns what its writes would meet.

use crate::bindings::pysock::net::files::{DescriptorType, FileStat, FileSystemStats, FolderEntry, Host, LockKind};
use crate::bindings::wasi::clocks::wall_clock::Datetime;
use crate::bindings::pysock::net::types::Errno;
use crate::error::{NetError, guarded};
use crate::{PysockCtxView, sys};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::Resource;
use wasmtime_wasi::filesystem::{Descriptor, FsPerms};

/// LOCK_NB, the bit that asks flock(2) not to wait.
const LOCK_NB: u32 = 4;

/// The bits of a mode the sandbox may set: the permissions and the sticky bit, not set-user-ID or
/// set-group-ID, which would run what the sandbox wrote with another user's rights on the host.
const PERMISSIONS_AND_STICKY: u32 = 0o1777;

/// The most bytes of names, with [`LISTED_ENTRY_OVERHEAD`] for each, that `list-folder` returns in
/// one call (the guest lowers them all at once); a larger folder is `eio`, and listed by
/// `wasi:filesystem`'s stream.
const LONGEST_LISTING: usize = 4 << 20;

/// What each entry costs the guest besides its name's bytes (a `folder-entry` on wasm32: the
/// name's pointer and length, the type, the identity, aligned).
const LISTED_ENTRY_OVERHEAD: usize = 24;

/// The longest pause between two asks for a lock held elsewhere.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

impl PysockCtxView<'_> {
    /// The host's file behind the guest's descriptor, and what the embedder let the guest do there.
    fn host_file(&mut self, file: &Resource<Descriptor>) -> Result<(Arc<std::fs::File>, FsPerms), NetError> {
        Ok(match self.table.get(file)? {
            Descriptor::File(f) => (Arc::clone(&f.file), f.perms),
            Descriptor::Dir(d) => (Arc::clone(&d.dir), d.perms),
        })
    }

    /// The host's folder behind the guest's descriptor; ENOTDIR for a file's, as openat(2) says of
    /// a path looked up from one.
    fn host_folder(&mut self, folder: &Resource<Descriptor>) -> Result<Arc<std::fs::File>, NetError> {
        match self.table.get(folder)? {
            Descriptor::Dir(d) => Ok(Arc::clone(&d.dir)),
            Descriptor::File(_) => Err(NetError::Errno(Errno::Enotdir)),
        }
    }

    /// Runs `attempt` (which must not wait in the kernel) on the host's file behind `file` until
    /// it is granted or fails otherwise; with `wait`, a lock held elsewhere (EAGAIN, or EACCES,
    /// which some systems give for a record lock) is asked for again, as the kernel waits for it.
    fn lock(&mut self, file: &Resource<Descriptor>, wait: bool, attempt: impl Fn(std::os::fd::BorrowedFd<'_>) -> std::io::Result<()>) -> Result<(), NetError> {
        let (file, _) = self.host_file(file)?;
        let mut pause = Duration::from_millis(1);
        loop {
            match attempt(file.as_fd()) {
                Err(e) if wait && matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EACCES)) => {
                    self.ctx.interrupter.check()?;
                    sys::wait_readable(&[], self.ctx.interrupter.fd(), Some(pause))?;
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
                done => return Ok(done?),
            }
        }
    }
}

impl Host for PysockCtxView<'_> {
    guarded! { "files";
        fn flock(&mut self, file: Resource<Descriptor>, operation: u32) -> Result<(), NetError> {
            let wait = operation & LOCK_NB == 0;
            // The kernel judges the operation's bits (a C int's, as the guest passed them); asked
            // without waiting, it never holds the thread.
            let operation = (operation | LOCK_NB) as i32;
            self.lock(&file, wait, |fd| sys::flock(fd, operation))
        }

        fn record_lock(&mut self, file: Resource<Descriptor>, kind: LockKind, start: i64, len: i64, from_end: bool, wait: bool) -> Result<(), NetError> {
            let kind = match kind {
                LockKind::Read => libc::F_RDLCK,
                LockKind::Write => libc::F_WRLCK,
                LockKind::Unlock => libc::F_UNLCK,
            } as i16;
            let whence = if from_end { libc::SEEK_END } else { libc::SEEK_SET } as i16;
            self.lock(&file, wait, |fd| sys::record_lock(fd, kind, whence, start, len))
        }

        fn stat_at(&mut self, folder: Resource<Descriptor>, path: String, follow: bool) -> Result<FileStat, NetError> {
            use cap_primitives::fs::FollowSymlinks;
            let folder = self.host_folder(&folder)?;
            // cap-primitives resolves the path beneath the folder, as wasmtime-wasi's `stat-at`
            // does (no permission is needed to stat what an opened folder holds).
            let follow = if follow { FollowSymlinks::Yes } else { FollowSymlinks::No };
            let meta = cap_primitives::fs::stat(&folder, std::path::Path::new(&path), follow).map_err(|e| path_error(&e))?;
            Ok(file_stat(&meta))
        }

        fn stat(&mut self, file: Resource<Descriptor>) -> Result<FileStat, NetError> {
            let (file, _) = self.host_file(&file)?;
            Ok(file_stat(&cap_primitives::fs::Metadata::from_file(&file)?))
        }

        fn list_folder(&mut self, folder: Resource<Descriptor>, path: String, identities: bool) -> Result<Vec<FolderEntry>, NetError> {
            use std::os::unix::fs::DirEntryExt;
            use std::os::unix::ffi::OsStringExt;
            let folder = self.host_folder(&folder)?;
            // Beneath the folder, as `stat_at`; the entries are getdents(2)'s, with no stat of
            // each. The listed folder's device, with each inode, names an entry as `stat-at` does
            // (opening it apart from its listing, to ask, costs a listing of a few names a fifth).
            let path = std::path::Path::new(&path);
            let (listing, device) = if identities {
                let listed = cap_primitives::fs::open_dir(&folder, path).map_err(|e| path_error(&e))?;
                let device = sys::fstat(listed.as_fd())?.st_dev;
                (cap_primitives::fs::read_base_dir(&listed), Some(device))
            } else {
                (cap_primitives::fs::read_dir(&folder, path), None)
            };
            let (mut entries, mut size) = (Vec::new(), 0);
            for entry in listing.map_err(|e| path_error(&e))? {
                let entry = entry.map_err(|e| path_error(&e))?;
                let name = entry.file_name().into_vec();
                if name == b"." || name == b".." {
                    continue;
                }
                // The whole list is lowered into the guest at once; a folder past this size is
                // listed the streaming way instead, where a guest short of memory gets MemoryError.
                size += name.len() + LISTED_ENTRY_OVERHEAD;
                if size > LONGEST_LISTING {
                    return Err(NetError::Errno(Errno::Eio));
                }
                let kind = entry.file_type().map_or(DescriptorType::Unknown, |t| descriptor_type(&t));
                let identity = device.map_or(0, |device| metadata_hash(device, entry.ino()));
                entries.push(FolderEntry { name, kind, identity });
            }
            Ok(entries)
        }

        fn set_permissions(&mut self, file: Resource<Descriptor>, mode: u32) -> Result<(), NetError> {
            let (file, perms) = self.host_file(&file)?;
            if perms.write_not_permitted() {
                return Err(NetError::Errno(Errno::Eperm));
            }
            Ok(sys::set_permissions(file.as_fd(), mode & PERMISSIONS_AND_STICKY)?)
        }

        fn stat_file_system(&mut self, file: Resource<Descriptor>) -> Result<FileSystemStats, NetError> {
            let (file, perms) = self.host_file(&file)?;
            let s = sys::file_system(file.as_fd())?;
            let read_only = if perms.write_not_permitted() { libc::ST_RDONLY } else { 0 };
            Ok(FileSystemStats {
                block_size: s.f_bsize,
                fragment_size: s.f_frsize,
                blocks: s.f_blocks,
                free_blocks: s.f_bfree,
                available_blocks: s.f_bavail,
                files: s.f_files,
                free_files: s.f_ffree,
                available_files: s.f_favail,
                flags: s.f_flag | read_only,
                name_max: s.f_namemax,
                id: s.f_fsid,
            })
        }
    }
}

/// The errno of a path's lookup beneath a folder (`stat-at`, `list-folder`): ENOENT and ENOTDIR,
/// which the guest raises; `eio` for the rest, whose words the guest asks `wasi:filesystem` for
/// again, so one the errno table lacks (ELOOP) is no missing entry to log.
fn path_error(e: &std::io::Error) -> NetError {
    NetError::Errno(match e.raw_os_error() {
        Some(libc::ENOENT) => Errno::Enoent,
        Some(libc::ENOTDIR) => Errno::Enotdir,
        _ => Errno::Eio,
    })
}

/// What `os.stat` gives of a file, from its metadata (see `file-stat` in the WIT).
fn file_stat(meta: &cap_primitives::fs::Metadata) -> FileStat {
    use cap_primitives::fs::MetadataExt;
    FileStat {
        mode: meta.mode(),
        identity: metadata_hash(meta.dev(), meta.ino()),
        link_count: meta.nlink(),
        size: meta.len(),
        blocks: meta.blocks(),
        block_size: meta.blksize(),
        access: datetime(meta.accessed()),
        modification: datetime(meta.modified()),
        status_change: datetime(meta.created()),
    }
}

/// The lower half of wasmtime-wasi's `metadata-hash` of a file (its `MetadataHashValue::new` of
/// the device and inode numbers, which WASI's libc makes st_ino), so that `stat-at` names a file
/// as the guest's fstat of it does. std's `DefaultHasher::new()` has fixed keys; both are built
/// by the same compiler.
fn metadata_hash(device: u64, inode: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (device, inode).hash(&mut hasher);
    hasher.finish()
}

/// The type a folder records for an entry, as `wasi:filesystem` names it.
fn descriptor_type(kind: &cap_primitives::fs::FileType) -> DescriptorType {
    use cap_primitives::fs::FileTypeExt;
    if kind.is_dir() {
        DescriptorType::Directory
    } else if kind.is_file() {
        DescriptorType::RegularFile
    } else if kind.is_symlink() {
        DescriptorType::SymbolicLink
    } else if kind.is_fifo() {
        DescriptorType::Fifo
    } else if kind.is_socket() {
        DescriptorType::Socket
    } else if kind.is_char_device() {
        DescriptorType::CharacterDevice
    } else if kind.is_block_device() {
        DescriptorType::BlockDevice
    } else {
        DescriptorType::Unknown
    }
}

/// A time as `wasi:filesystem`'s stat carries it: none when the file system keeps none or it is
/// before 1970.
fn datetime(time: std::io::Result<cap_primitives::time::SystemTime>) -> Option<Datetime> {
    let since = time.ok()?.into_std().duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(Datetime { seconds: since.as_secs(), nanoseconds: since.subsec_nanos() })
}
