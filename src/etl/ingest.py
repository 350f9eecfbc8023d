"""Ingest stage: find input files, read bytes, decode to normalized text, give each document its id.

Only this module reads input files. Everything that cannot become a document becomes a quarantine
record with a short reason code and a sentence a person understands. Files are never read whole above
the byte limit, never followed out of the input root, and never opened when they are not regular files.

HTML pages (text that opens with a doctype or an <html>, <head> or <body> tag) are reduced to their
visible text: the <title> first, then one line per block element, without script, style, navigation
and footer. Markup inside an ordinary text (a quoted <script> tag) is kept verbatim as data.
"""

from __future__ import annotations

import errno
import errno
import hashlib
import logging
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

# Single-byte encodings our sources use when they are not UTF-8 (Cyrillic first, then Western).
_LEGACY_ENCODINGS = ["cp1251", "koi8_r", "cp866", "iso8859_5", "cp1252"]
_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# C0/C1 controls except tab and newline, plus lone surrogates: never valid in a document.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")

# Read errors that may pass on their own (flaky network mounts, interrupted calls): retried, not quarantined.
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.ESTALE, errno.EBUSY})

DOCUMENT_INPUT_COLUMNS = ["doc_id", "source_path", "content_sha256", "text", "char_count", "encoding"]
QUARANTINE_COLUMNS = [
    "source_path", "doc_id", "stage", "reason", "detail", "raw_sha256", "run_id", "quarantined_at",
]


@dataclass(frozen=True, slots=True)  # slots: a run lists every input file, 100,000s of them
class InputFile:
    """One entry found under the input root; `problem` is set when it must not be read."""

    source_path: str  # relative to the input root, POSIX
    absolute_path: str
    size: int
    problem: str | None = None  # reason code
    problem_detail: str | None = None


@dataclass(frozen=True)
class DecodedText:
    """The result of decoding raw bytes: text, or a reason why there is none."""

    text: str | None
    encoding: str | None
    reason: str | None = None
    detail: str | None = None


def is_url(location: str | Path) -> bool:
    """True for an fsspec URL other than a local file (s3://bucket/news, memory://inbox, ...)."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def local_path(location: str | Path) -> Path:
    """A local folder given as a path or a file:// URL."""
    text = str(location)
    return Path(text[len("file://"):]) if text.startswith("file://") else Path(text)


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


def decode_bytes(raw: bytes) -> DecodedText:
    """Decode raw bytes of a text file (UTF-8 with or without BOM, UTF-16/32, cp1251, KOI8-R, ...); never raises.

    Returns text, or no text and a reason: empty, binary or undecodable. HTML pages come back as their visible text;
    UTF-8 with a few corrupt bytes comes back with U+FFFD in their place (a log warning says how many).
    """
    decoded = _decode(raw)
    if decoded.text is not None and _HTML_PAGE.match(decoded.text):
        return DecodedText(html_to_text(decoded.text), decoded.encoding)
    return decoded


def _decode(raw: bytes) -> DecodedText:
    if not raw.strip():
        return DecodedText(None, None, "empty", "the file is empty or holds only whitespace")
    for magic, what in _BINARY_MAGIC:
        if raw.startswith(magic):
            return DecodedText(None, None, "binary", f"the file is {what}, not text")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _strict(raw, encoding, len(bom))
    utf16 = _guess_utf16(raw)
    if utf16:
        if len(raw) % 2:
            log.warning("UTF-16 input has an odd number of bytes; the last byte is dropped")
        return _strict(raw[: len(raw) - len(raw) % 2], utf16, 0)
    # Before UTF-8: NUL and other control bytes are valid UTF-8, so binary data would otherwise pass as text.
    if _looks_binary(raw):
        return DecodedText(None, None, "binary", "the file holds control bytes of binary data, not text")
    try:
        return DecodedText(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(raw) - 3 and error.reason == "unexpected end of data":
            log.warning("UTF-8 input cut inside a character at byte %d; the incomplete character is dropped", error.start)
            return DecodedText(raw[: error.start].decode("utf-8"), "utf-8")
    damaged = _damaged_utf8(raw)
    if damaged is not None:
        return DecodedText(damaged, "utf-8")
    best = _best_legacy_match(raw)
    if best is None:
        return DecodedText(None, None, "undecodable", "no text encoding fits the file's bytes")
    return DecodedText(str(best), best.encoding)


def _damaged_utf8(raw: bytes) -> str | None:
    """UTF-8 text with a few corrupt bytes, which become U+FFFD; None when the bytes are not mostly UTF-8.

    A legacy encoding read as UTF-8 fails on nearly every non-ASCII byte, so a text with many valid
    multi-byte characters and a few bad sequences (one stray byte makes up to 3, plus one per KiB) is
    UTF-8 that was damaged, not cp1251.
    """
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode("utf-8"))
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    if bad > 3 + len(raw) // 1024 or multibyte < 20 * bad:
        return None
    log.warning("UTF-8 input has %d invalid byte sequence(s); each is replaced by U+FFFD", bad)
    return text


def _best_legacy_match(raw: bytes):
    """charset-normalizer's best guess, with near-ties broken by how common the encoding is in our sources."""
    matches = list(from_bytes(raw, cp_isolation=_LEGACY_ENCODINGS))
    if not matches:
        return None
    best = matches[0]
    close = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    return min(close, key=lambda m: _LEGACY_ENCODINGS.index(m.encoding) if m.encoding in _LEGACY_ENCODINGS else 99)


def _strict(raw: bytes, encoding: str, bom_length: int) -> DecodedText:
    try:
        return DecodedText(raw.decode(encoding), encoding.replace("-sig", ""))
    except UnicodeDecodeError as error:
        # utf-8-sig counts positions after its BOM; the others count from the first byte.
        position = error.start + (bom_length if encoding == "utf-8-sig" else 0)
        return DecodedText(None, None, "undecodable", f"the file claims {encoding} but byte {position} is invalid")


def _guess_utf16(raw: bytes) -> str | None:
    """Recognise BOM-less UTF-16: the high byte of each pair takes very few values (0x00 for ASCII, 0x04 for Cyrillic)."""
    sample = raw[: min(4096, len(raw) - len(raw) % 2)]
    if len(sample) < 8:
        return None
    for encoding, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        counts = Counter(high)
        top_two = sum(n for _, n in counts.most_common(2))
        if top_two >= 0.9 * len(high) and (counts[0] + counts[4]) >= 0.5 * len(high):
            # The sample may end inside a surrogate pair: replace rather than fail; printable text decides.
            text = sample.decode(encoding, errors="replace")
            printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
            if printable >= 0.95 * len(text):
                return encoding
    return None


def _looks_binary(raw: bytes) -> bool:
    """More than 5% control bytes (not tab, newlines, form feed) at the start or the end: binary, not text."""
    sample = raw[:8192] + raw[-8192:] if len(raw) > 16384 else raw
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > 0.05 * len(sample)


_HTML_PAGE = re.compile(r"\A\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
# Whole subtrees that are not article text; <title> is kept from <head>.
_HTML_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "nav", "footer", "aside", "form",
                        "button", "select"})
_HTML_BLOCK = frozenset({"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
                         "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section",
                         "table", "td", "th", "title", "tr", "ul"})


class _VisibleText(HTMLParser):
    """Collects the visible text of a page, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skipping: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title" and not self._skipping and not self.title and not self._in_title:
            self._in_title = True
        elif tag in _HTML_SKIP or tag == "title":
            # Only the page's first <title> counts: an <svg> holds <title> elements of its own.
            self._skipping.append(tag)
        if tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
        elif tag in self._skipping:
            # Close the innermost open element of that name and anything left open inside it.
            del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag):]
        if tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: its <title> line, then the body's text with a line per block element."""
    parser = _VisibleText()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError) as error:  # html.parser gives up on a few malformed constructs
        log.warning("HTML page could not be parsed to the end (%s); keeping the text read so far", error)
    title = " ".join("".join(parser.title).split())
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    body = "\n\n".join(line for line in lines if line)
    return f"{title}\n\n{body}" if title else body


def normalize_text(text: str) -> str:
    """NFC, `\\n` newlines, no control characters, no trailing spaces, no BOM."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(normalized_text: str) -> str:
    """The document id: sha256 of the normalized text."""
    return sha256_hex(normalized_text.encode("utf-8"))


def ingest_files(files: Iterable[InputFile], max_bytes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and decode `files`; return (documents with DOCUMENT_INPUT_COLUMNS, quarantine rows)."""
    documents: list[dict] = []
    quarantined: list[dict] = []
    for item in files:
        if item.problem:
            quarantined.append(quarantine_row(item.source_path, None, "ingest", item.problem, item.problem_detail or "", None))
            continue
        if item.size > max_bytes:
            quarantined.append(quarantine_row(
                item.source_path, None, "ingest", "too_large",
                f"the file has {item.size} bytes, above the limit of {max_bytes} (--max-bytes)", None))
            continue
        try:
            raw = read_limited(item.absolute_path, max_bytes)
        except OSError as error:
            if error.errno in TRANSIENT_ERRNOS:
                raise  # the caller retries; a file is quarantined only for a lasting reason
            quarantined.append(quarantine_row(item.source_path, None, "ingest", "unreadable",
                                              f"the file could not be read: {error.strerror or error}", None))
            continue
        if raw is None:
            quarantined.append(quarantine_row(item.source_path, None, "ingest", "too_large",
                                              f"the file grew above the limit of {max_bytes} bytes while being read", None))
            continue
        raw_sha = sha256_hex(raw)
        decoded = decode_bytes(raw)
        text = normalize_text(decoded.text) if decoded.text is not None else None
        if decoded.reason or not text or not text.strip():
            reason = decoded.reason or "empty"
            detail = decoded.detail or "no text is left after removing control characters and whitespace"
            quarantined.append(quarantine_row(item.source_path, None, "ingest", reason, detail, raw_sha))
            continue
        documents.append({
            "doc_id": doc_id_for(text),
            "source_path": item.source_path,
            "content_sha256": raw_sha,
            "text": text,
            "char_count": len(text),
            "encoding": decoded.encoding,
        })
    for row in quarantined:
        log.warning("quarantined %s: %s (%s)", row["source_path"], row["reason"], row["detail"])
    docs = pd.DataFrame(documents, columns=DOCUMENT_INPUT_COLUMNS)
    docs["char_count"] = docs["char_count"].astype("int64")
    return docs, quarantine_frame(quarantined)


def quarantine_row(source_path: str | None, doc_id: str | None, stage: str, reason: str, detail: str,
                   raw_sha256: str | None) -> dict:
    """One quarantine record as a dict with QUARANTINE_COLUMNS; run_id and quarantined_at are set at publish."""
    return {
        "source_path": source_path, "doc_id": doc_id, "stage": stage, "reason": reason, "detail": detail,
        "raw_sha256": raw_sha256, "run_id": None, "quarantined_at": None,
    }


def quarantine_frame(rows: Iterable[Mapping]) -> pd.DataFrame:
    """Quarantine rows as a DataFrame with QUARANTINE_COLUMNS (also when empty)."""
    frame = pd.DataFrame(list(rows), columns=QUARANTINE_COLUMNS)
    frame["quarantined_at"] = pd.to_datetime(frame["quarantined_at"], utc=True)
    return frame


def split_known_and_duplicates(
    docs: pd.DataFrame, published: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop documents already published (same doc_id and path: skipped) and duplicates (same doc_id, other path).

    `published` maps doc_id -> source_path of documents already in the warehouse. Within `docs`, the
    original of a group of identical documents is the one with the smallest source_path, so the choice
    does not depend on the order files were read in. Returns (new documents, duplicate quarantine rows,
    number skipped as unchanged).
    """
    ordered = docs.sort_values("source_path", kind="stable")
    keep: list[int] = []
    duplicates: list[dict] = []
    skipped = 0
    first_path: dict[str, str] = {}
    for index, row in ordered.iterrows():
        doc_id, path = row["doc_id"], row["source_path"]
        original = published.get(doc_id) or first_path.get(doc_id)
        if original is None:
            first_path[doc_id] = path
            keep.append(index)
        elif original == path:
            skipped += 1
        else:
            duplicates.append(quarantine_row(
                path, doc_id, "ingest", "duplicate",
                f"same text as {original}; only that copy is kept", row["content_sha256"]))
    return docs.loc[sorted(keep)].reset_index(drop=True), quarantine_frame(duplicates), skipped


# A file quarantined for one of these reasons may hold the same text as before: its document stays published.
UNKNOWN_CONTENT_REASONS = frozenset({"unreadable"})


def documents_now(quarantined: Iterable[pd.DataFrame], index: pd.DataFrame) -> dict[str, str | None]:
    """source_path -> doc_id of every file this run read (None when the file now holds nothing publishable).

    `quarantined` are the ingest stage's quarantine rows, `index` its documents (doc_id, source_path). Files
    that could not be read at all are left out: an outage of the input store must not unpublish anything.
    """
    current: dict[str, str | None] = {}
    for frame in quarantined:
        for path, reason in zip(frame["source_path"], frame["reason"]):
            if reason not in UNKNOWN_CONTENT_REASONS:
                current[path] = None
    current.update(zip(index["source_path"], index["doc_id"]))
    return current


def superseded_documents(published: pd.DataFrame, current: Mapping[str, str | None]) -> set[str]:
    """doc_ids of published documents whose file now holds other text (or nothing usable).

    `published` has doc_id and source_path of the warehouse's documents; `current` maps each source_path
    seen by this run to its doc_id now (None when the file is quarantined at ingest). A file that is no
    longer in the input supersedes nothing: input folders may be delivered in parts.
    """
    return {doc_id for doc_id, path in zip(published["doc_id"], published["source_path"])
            if path in current and current[path] != doc_id}
