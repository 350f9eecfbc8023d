"""Bytes to normalized text: encodings, HTML pages reduced to their visible text, document ids.

HTML pages (text that opens with a doctype or an <html>, <head> or <body> tag) are reduced to their visible
text: the <title> first, then one line per block element, without script, style, navigation and the like.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

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
# Invisible format characters: they split a word for search ("Kyr\u200bgyzstan") and reorder what a reader sees
# (U+202E, right-to-left override), and none of our languages needs them. Soft hyphen, Mongolian vowel separator,
# zero-width space, LRM/RLM, Arabic letter mark, bidi embeddings, overrides and isolates, word joiner and the
# invisible operators, deprecated format controls. (U+FEFF is a control above.)
FORMAT_CHARS = re.compile(r"[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f]")
# ZWNJ and ZWJ shape words in Arabic-script (Persian, Tajik in Perso-Arabic script), Syriac and Indic text: kept
# next to a letter of those scripts, dropped elsewhere (in Latin or Cyrillic text they only split a word).
_JOINING_SCRIPTS = "\u0600-\u074f\u0750-\u077f\u08a0-\u08ff\u0900-\u0dff\ufb50-\ufdff\ufe70-\ufefe"
_STRAY_JOINERS = re.compile(rf"(?<![{_JOINING_SCRIPTS}])[\u200c\u200d](?![{_JOINING_SCRIPTS}])")


@dataclass(frozen=True)
class DecodedText:
    """The result of decoding raw bytes: text, or a reason why there is none."""

    text: str | None
    encoding: str | None
    reason: str | None = None
    detail: str | None = None


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
        if high.count(0) + high.count(4) < 0.5 * len(high):  # the second test below, before counting every value
            continue
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
    controls = len(sample) - len(sample.translate(None, _BINARY_CONTROL_BYTES))
    return controls > 0.05 * len(sample)


_BINARY_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in (9, 10, 12, 13))


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
    """NFC, `\\n` newlines, no control characters, no trailing spaces, no BOM, no invisible format characters
    (zero-width, bidi: `FORMAT_CHARS`; ZWNJ/ZWJ kept only beside letters of scripts that need them).

    Every stage reads this text: entity and fact offsets index it, and `doc_id_for` hashes it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARS.sub("", text)
    text = FORMAT_CHARS.sub("", text)
    if "\u200c" in text or "\u200d" in text:  # the pattern's lookbehind makes its scan slow
        text = _STRAY_JOINERS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(normalized_text: str) -> str:
    """The document id: sha256 of the UTF-8 bytes of `normalize_text`'s result (so a copy that differs only in
    encoding, newlines, controls or invisible format characters has the same id)."""
    return sha256_hex(normalized_text.encode("utf-8"))
