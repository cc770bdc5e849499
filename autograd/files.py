"""`write_atomically`: the one file writer of tracegrad, shared by `nn` (weight files) and `viz` (drawings, plots).

Standard library only; imports nothing of tracegrad, so `viz`'s drawing
modules reach it through `autograd` alone (imports flow autograd <- nn <- viz).

What a write promises:
- Readers see the old file or the new one, never a part: the data go to a
  temporary file in the target's directory, are flushed and fsynced, and the
  temporary file is moved over the target with `os.replace`, which is atomic
  within one directory.
- Only a regular file is ever replaced. A target that exists and is a
  directory, a FIFO, a device or a socket is refused (`OSError`) and left
  alone. A symlink is followed when it leads to a regular file (or to a file
  not yet made in an existing directory): the file it points to is replaced
  and the link stays a link. A link that leads nowhere writable is refused.
- An existing file keeps its permission bits (a 0600 file stays 0600); a new
  file gets the usual ones (0o666 less the umask).
- A failed write (a missing directory, no permission, a full disk, an
  exception or Ctrl-C during the write) leaves the target as it was and
  removes its temporary file. Only a process killed outright (SIGKILL, a
  power cut) can leave one behind: temporaries are named
  `.<target name>.<12 hex digits>.tracegrad-tmp`, so they are recognisable,
  and the next write to the same target removes stale ones of ours. A writer
  holds an advisory lock (`flock`) on its temporary file while it works and
  the kernel drops it when the process dies, so a temporary file that nobody
  holds locked is a leftover; one a live writer holds is left alone. (Without
  `fcntl`, on Windows, a temporary file older than `STALE_SECONDS` counts as
  a leftover.)
- An `OSError` names the user's path, never the temporary file.
"""

import contextlib
import errno
import os
import secrets
import stat
import time

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

TEMPORARY_SUFFIX = ".tracegrad-tmp"
# Without fcntl, a temporary file of ours older than this is a leftover of a killed write.
STALE_SECONDS = 60.0
# With fcntl, an unlocked one younger than this may be a writer between creating and locking it.
_LOCK_GRACE_SECONDS = 1.0

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def file_kind(mode):
    """What a `st_mode` describes, for messages: "a regular file", "a FIFO (named pipe)", ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def write_atomically(path, data):
    """Write `data` (str, written as UTF-8, or bytes) to `path` atomically; returns `path`.

    The module docstring says exactly what is promised: old or new file,
    never a part; only regular files replaced (symlinks to them followed);
    permission bits kept; recognisable temporaries, stale ones cleaned.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(
            f"write_atomically: path must be a str or an os.PathLike such as pathlib.Path, got {type(path).__name__}"
        )
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomically: data must be str or bytes, got {type(data).__name__}")
    target = os.fsdecode(path)
    try:
        destination, mode = _destination(target)
        directory, name = os.path.split(destination)
        _remove_stale_temporaries(directory, name)
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as file:
                if fcntl is not None:
                    fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
                if mode is not None:
                    os.fchmod(file.fileno(), mode)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
                # Moved while still open, so the lock lasts until the file is in place.
                os.replace(temporary, destination)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
    except OSError as error:
        if error.errno is None:
            error.add_note(f"while writing {target}")
            raise
        if error.filename == target:
            raise
        # The same kind of error (OSError picks the subclass from errno), about the user's path.
        raise OSError(error.errno, error.strerror, target) from None
    return path


def _destination(target):
    """The absolute path to replace and the permission bits to keep (None for a new file), or OSError."""
    absolute = os.path.abspath(target)
    try:
        link = os.lstat(absolute)
    except FileNotFoundError:
        return absolute, None
    destination = absolute
    if stat.S_ISLNK(link.st_mode):
        destination = os.path.realpath(absolute)
        try:
            found = os.stat(destination)
        except FileNotFoundError:
            if not os.path.isdir(os.path.dirname(destination)):
                raise OSError(errno.ENOENT, "a symlink to a file in a missing directory; refusing it", target) from None
            return destination, None
    else:
        found = link
    if not stat.S_ISREG(found.st_mode):
        via = " (through a symlink)" if destination != absolute else ""
        kind = file_kind(found.st_mode)
        code = errno.EISDIR if stat.S_ISDIR(found.st_mode) else errno.EINVAL
        raise OSError(code, f"the target is {kind}{via}, not a regular file; refusing to replace it", target)
    return destination, stat.S_IMODE(found.st_mode)


def _remove_stale_temporaries(directory, name):
    """Remove temporaries of earlier writes to `name` that a kill left behind (ours by their name, and old)."""
    prefix = f".{name}."
    now = time.time()
    try:
        entries = os.scandir(directory)
    except OSError:
        return  # the write itself will report what is wrong with the directory
    with entries:
        for entry in entries:
            if not (entry.name.startswith(prefix) and entry.name.endswith(TEMPORARY_SUFFIX)):
                continue
            middle = entry.name[len(prefix) : -len(TEMPORARY_SUFFIX)]
            if len(middle) != 12 or any(c not in "0123456789abcdef" for c in middle):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and _abandoned(entry.path, now - info.st_mtime):
                    os.unlink(entry.path)


def _abandoned(path, age):
    """Whether the temporary file at `path` (`age` seconds old) belongs to no live writer."""
    if fcntl is None:
        return age > STALE_SECONDS
    if age < _LOCK_GRACE_SECONDS:
        return False
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # a live writer holds it
    finally:
        os.close(handle)
    return True
