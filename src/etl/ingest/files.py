"""Finding and reading input files: the only module that opens them.

Files are never read whole above the byte limit, never followed out of the input root, and never opened when
they are not regular files. Anything that cannot be read becomes an `InputFile` with a `problem` (a short
reason code and a sentence a person understands), to be quarantined.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from etl.config import is_url, local_path

log = logging.getLogger(__name__)

# Read errors that may pass on their own (flaky network mounts, interrupted calls): retried, not quarantined.
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.ESTALE, errno.EBUSY})


@dataclass(frozen=True, slots=True)  # slots: a run lists every input file, 100,000s of them
class InputFile:
    """One entry found under the input root; `problem` is set when it must not be read."""

    source_path: str  # relative to the input root, POSIX
    absolute_path: str
    size: int
    problem: str | None = None  # reason code
    problem_detail: str | None = None


def input_exists(location: str | Path) -> bool:
    """Whether the input folder (a local path or an fsspec URL) exists."""
    if is_url(location):
        import fsspec

        fs, root = fsspec.core.url_to_fs(str(location))
        return fs.isdir(root)
    return local_path(location).is_dir()


def discover_files(input_root: str | Path) -> list[InputFile]:
    """List every file under `input_root` (a folder or an fsspec URL), sorted.

    In a local folder, symlinks leaving the root or pointing to folders are flagged, never followed.
    """
    if is_url(input_root):
        return _discover_remote(str(input_root))
    root = local_path(input_root).resolve()
    found: list[InputFile] = []

    def unlistable(error: OSError) -> None:
        # os.walk would skip the folder silently; record it so its files are not lost without a trace.
        path = Path(error.filename)
        if path != root:
            found.append(_flag(root, path, "unreadable", f"the folder could not be listed: {error.strerror or error}"))
        else:
            raise error

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        current = Path(dirpath)
        for name in list(dirnames):
            path = current / name
            if path.is_symlink():
                # os.walk does not descend into it; record it so nothing goes unaccounted.
                found.append(_flag(root, path, "symlink", "a symbolic link to a folder; links to folders are not followed"))
            elif _has_undecodable_name(root, path):
                # Its files could not be named in any table: record the folder itself, do not descend.
                dirnames.remove(name)
                found.append(_flag(root, path, "bad_name", "the folder name is not valid UTF-8; rename the folder"))
        for name in filenames:
            path = current / name
            if _has_undecodable_name(root, path):
                found.append(_flag(root, path, "bad_name", "the file name is not valid UTF-8; rename the file"))
                continue
            found.append(_inspect(root, path))
    found.sort(key=lambda f: f.source_path)
    return found


def _discover_remote(url: str) -> list[InputFile]:
    """Every file under an fsspec URL; absolute_path is the file's URL, so any process can open it."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    found = []
    for path, info in fs.find(root, detail=True).items():
        if info.get("type", "file") != "file":
            continue
        relative = path[len(root):].lstrip("/") if path.startswith(root) else path
        found.append(InputFile(relative, fs.unstrip_protocol(path), int(info.get("size") or 0)))
    found.sort(key=lambda f: f.source_path)
    return found


def file_version(absolute_path: str) -> tuple:
    """What stands for a file's bytes without reading them (cache keys): inode, size, mtime and ctime of a local
    file; size and the store's modification time or ETag of a URL. Raises OSError when it cannot be told."""
    if is_url(absolute_path):
        import fsspec

        fs, path = fsspec.core.url_to_fs(absolute_path)
        try:
            info = fs.info(path)
        except FileNotFoundError:
            raise
        except Exception as error:  # stores raise their own errors
            raise OSError(str(error)) from error
        return tuple(str(info.get(k)) for k in ("size", "mtime", "LastModified", "last_modified", "ETag", "etag",
                                                 "created", "md5Hash"))
    info = os.stat(absolute_path)
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _relative(root: Path, path: Path) -> str:
    # Names that are not UTF-8 arrive as lone surrogates (surrogateescape); no table can store those.
    raw = os.fsencode(path.relative_to(root).as_posix())
    return raw.decode("utf-8", "backslashreplace")


def _has_undecodable_name(root: Path, path: Path) -> bool:
    try:
        path.relative_to(root).as_posix().encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _flag(root: Path, path: Path, reason: str, detail: str) -> InputFile:
    return InputFile(_relative(root, path), str(path), 0, reason, detail)


def _inspect(root: Path, path: Path) -> InputFile:
    try:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return _flag(root, path, "symlink", "a symbolic link whose target is missing or loops")
            if not target.is_relative_to(root):
                return _flag(root, path, "symlink", "a symbolic link to a file outside the input folder; not followed")
            if not target.is_file():
                return _flag(root, path, "not_regular", "a symbolic link to something that is not a regular file")
            info = target.stat()
            return InputFile(_relative(root, path), str(target), info.st_size)
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return _flag(root, path, "not_regular", "not a regular file (a device, socket or pipe)")
        return InputFile(_relative(root, path), str(path), info.st_size)
    except OSError as error:
        return _flag(root, path, "unreadable", f"could not be inspected: {error.strerror or error}")


def read_limited(path: str, max_bytes: int) -> bytes | None:
    """Read at most `max_bytes` bytes of a regular file (or fsspec URL); None when it is larger; OSError when it
    is not regular."""
    if is_url(path):
        import fsspec

        with fsspec.open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
        return None if len(raw) > max_bytes else raw
    # No following a link swapped in since discovery, no blocking on a pipe: check what was opened.
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        raw = handle.read(max_bytes + 1)
    return None if len(raw) > max_bytes else raw
