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
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    input_root: str | None = None  # the local input folder the file is read beneath (None for a URL)


def input_exists(location: str | Path) -> bool:
    """Whether the input folder (a local path or an fsspec URL) exists."""
    if is_url(location):
        import fsspec

        fs, root = fsspec.core.url_to_fs(str(location))
        return fs.isdir(root)
    return local_path(location).is_dir()


def discover_files(input_root: str | Path, exclude: Iterable[str | Path] = ()) -> list[InputFile]:
    """List every file under `input_root` (a folder or an fsspec URL), sorted.

    In a local folder, symlinks leaving the root or pointing to folders are flagged, never followed. The walk
    goes from folder descriptor to folder descriptor, each opened with O_NOFOLLOW beneath its parent, so a folder
    swapped for a symlink while the walk runs is flagged, never entered. Folders in `exclude` (the pipeline's own
    warehouse and state folders, should they lie inside the input) are left out, and a log line says so.
    """
    if is_url(input_root):
        return _discover_remote(str(input_root))
    root = local_path(input_root).resolve()
    walk = _Walk(root, _folder_identities(exclude))
    root_descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        walk.folder(root_descriptor, root, is_root=True)
    finally:
        os.close(root_descriptor)
    walk.found.sort(key=lambda f: f.source_path)
    return walk.found


def _folder_identities(folders: Iterable[str | Path]) -> dict[tuple[int, int], str]:
    """(device, inode) -> path of each existing local folder: identities survive another spelling of the path."""
    identities = {}
    for folder in folders:
        if is_url(folder):
            continue
        try:
            info = os.stat(local_path(folder))
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            identities[(info.st_dev, info.st_ino)] = str(folder)
    return identities


@dataclass
class _Walk:
    """One walk of a local input folder by descriptors; `found` collects an InputFile per entry."""

    root: Path
    excluded: dict[tuple[int, int], str]
    found: list[InputFile] = field(default_factory=list)

    def folder(self, descriptor: int, path: Path, is_root: bool = False) -> None:
        try:
            with os.scandir(descriptor) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as error:
            if is_root:
                raise
            # Its files would be lost without a trace: record the folder itself.
            self.found.append(_flag(self.root, path, "unreadable",
                                    f"the folder could not be listed: {error.strerror or error}"))
            return
        for name in names:
            self.entry(descriptor, path / name, name)

    def entry(self, parent: int, path: Path, name: str) -> None:
        if _has_undecodable_name(self.root, path):
            # Its name could not be stored in any table (nor its files' names, for a folder): do not descend.
            what = "folder" if _is_folder(parent, name) else "file"
            self.found.append(_flag(self.root, path, "bad_name", f"the {what} name is not valid UTF-8; rename the {what}"))
            return
        try:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except OSError as error:
            self.found.append(_flag(self.root, path, "unreadable", f"could not be inspected: {error.strerror or error}"))
            return
        if stat.S_ISLNK(info.st_mode):
            self.found.append(_inspect_link(self.root, path))
        elif stat.S_ISDIR(info.st_mode):
            self.subfolder(parent, path, name)
        elif stat.S_ISREG(info.st_mode):
            self.found.append(InputFile(_relative(self.root, path), str(path), info.st_size, input_root=str(self.root)))
        else:
            self.found.append(_flag(self.root, path, "not_regular", "not a regular file (a device, socket or pipe)"))

    def subfolder(self, parent: int, path: Path, name: str) -> None:
        try:
            descriptor = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR):  # replaced by a link (or a file) since it was listed
                self.found.append(_flag(self.root, path, "symlink", _FOLDER_LINK))
            else:
                self.found.append(_flag(self.root, path, "unreadable",
                                        f"the folder could not be listed: {error.strerror or error}"))
            return
        try:
            info = os.fstat(descriptor)
            own = self.excluded.get((info.st_dev, info.st_ino))
            if own is not None:
                log.info("left out of the input: %s is the pipeline's own folder %s", _relative(self.root, path), own)
                return
            self.folder(descriptor, path)
        finally:
            os.close(descriptor)


_FOLDER_LINK = "a symbolic link to a folder; links to folders are not followed"


def _is_folder(parent: int, name: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


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


def _inspect_link(root: Path, path: Path) -> InputFile:
    """A symbolic link found in the walk: read as its target when that is a regular file inside the root."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return _flag(root, path, "symlink", "a symbolic link whose target is missing or loops")
    try:
        if target.is_dir():
            return _flag(root, path, "symlink", _FOLDER_LINK)
        if not target.is_relative_to(root):
            return _flag(root, path, "symlink", "a symbolic link to a file outside the input folder; not followed")
        if not target.is_file():
            return _flag(root, path, "not_regular", "a symbolic link to something that is not a regular file")
        info = target.stat()
    except OSError as error:
        return _flag(root, path, "unreadable", f"could not be inspected: {error.strerror or error}")
    return InputFile(_relative(root, path), str(target), info.st_size, input_root=str(root))


def read_limited(path: str, max_bytes: int, input_root: str | None = None) -> bytes | None:
    """Read at most `max_bytes` bytes of a regular file (or fsspec URL); None when it is larger; OSError when it
    is not regular, or when it or a folder on its way down from `input_root` is a symbolic link.

    With `input_root`, `path` is opened beneath it one component at a time, each folder with O_NOFOLLOW |
    O_DIRECTORY relative to the one above and the file with O_NOFOLLOW: a folder swapped for a link to elsewhere
    after the listing fails the read (ELOOP) instead of reading outside bytes.
    """
    if is_url(path):
        import fsspec

        with fsspec.open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
        return None if len(raw) > max_bytes else raw
    # No blocking on a pipe: what was opened is checked before reading.
    descriptor = _open_beneath(input_root, path) if input_root else os.open(
        path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        # A read of max_bytes + 1 allocates that much; read the size stat gave (and one byte more, to see a file
        # that grew since), then on up to the limit only if it did grow.
        wanted = max_bytes + 1
        raw = handle.read(min(wanted, info.st_size + 1))
        if len(raw) == info.st_size + 1 and len(raw) < wanted:
            raw += handle.read(wanted - len(raw))
    return None if len(raw) > max_bytes else raw


def _open_beneath(input_root: str, path: str) -> int:
    """A read-only descriptor of `path`, opened from `input_root` down without following any link."""
    parts = Path(path).relative_to(input_root).parts
    if not parts or ".." in parts:
        raise OSError(errno.EINVAL, "not a file beneath the input folder")
    folder = os.open(input_root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in parts[:-1]:
            below = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = below
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OSError(error.errno, "the file or a folder on its path was replaced by a symbolic link while the "
                                       "run read it; links are not followed") from error
        raise
    finally:
        os.close(folder)
