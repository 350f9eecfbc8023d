"""Article body: the lines after the headline without boilerplate, captions and story lists, as paragraphs (a photo
credit that names its photographer is kept: the photographer is one of the story's persons)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from etl.fields.agency import is_agency_only
from etl.fields.boilerplate import (
    MAX_BOILERPLATE_CHARS,
    READ_ALSO_RE,
    credited_persons,
    is_boilerplate_line,
    is_end_marker,
    is_photo_credit,
)
from etl.fields.phrases import SENTENCE_END_RE, fold, strip_line

MAX_CAPTION_CHARS = 150
MAX_CAPTION_WORDS = 25  # a full sentence above a photo credit at the start of a block is still a caption
MAX_HEADLINE_LIKE_CHARS = 200  # a linked headline after "Читайте также" is short and has no full stop
MIN_PARAGRAPH_WORDS = 8  # a sentence of this many words (or a line over MAX_HEADLINE_LIKE_CHARS) is article text


def _is_headline_like(line: str) -> bool:
    return len(line) <= MAX_HEADLINE_LIKE_CHARS and not SENTENCE_END_RE.search(line)


def _is_paragraph(line: str) -> bool:
    return len(line) > MAX_HEADLINE_LIKE_CHARS or (bool(SENTENCE_END_RE.search(line))
                                                   and len(line.split()) >= MIN_PARAGRAPH_WORDS)


def _is_caption(line: str, starts_block: bool) -> bool:
    """True for a short line that can be the caption of the photo credited on the next line."""
    if len(line) > MAX_CAPTION_CHARS or line.endswith(":"):
        return False
    # Where paragraphs are separated by single newlines, a sentence above a credit may be article text.
    return not SENTENCE_END_RE.search(line) or (starts_block and len(line.split()) <= MAX_CAPTION_WORDS)


def _removed_lines(stripped: Sequence[str], start: int) -> set[int]:
    """Indices (>= start) of boilerplate lines, photo captions, read-also links and trailing story lists."""
    removed: set[int] = set()
    count = len(stripped)
    index = start
    while index < count:
        line = stripped[index]
        starts_block = index == start or not stripped[index - 1]
        if not line:
            index += 1
            continue
        if len(line) <= MAX_BOILERPLATE_CHARS and (is_end_marker(line) or READ_ALSO_RE.match(fold(line))):
            removed.add(index)
            following = [later for later in range(index + 1, count) if stripped[later]]
            if is_end_marker(line) and not any(_is_paragraph(stripped[later]) for later in following):
                removed.update(following)  # only other stories' headlines remain
                break
            # A bare "Читайте также" is followed by the linked headline.
            if following and is_end_marker(line) and _is_headline_like(stripped[following[0]]):
                removed.add(following[0])
            index += 1
            continue
        if is_boilerplate_line(line) or is_agency_only(line):
            if not credited_persons(line):  # a credit naming its photographer stays: the photographer is a person
                removed.add(index)
        elif index + 1 < count and is_photo_credit(stripped[index + 1]) and _is_caption(line, starts_block):
            removed.add(index)  # caption printed right above its photo credit
        index += 1
    return removed


def _continues(previous: str, line: str, raw: str) -> bool:
    """True when a line is the wrapped continuation of the previous line rather than a new paragraph."""
    return (
        not raw[:1].isspace()
        and bool(previous)
        and (previous[-1].isalnum() or previous[-1] in ",-–")
        and line[:1].islower()
    )


def extract_body(lines: Sequence[str], start: int = 0, skip: Iterable[int] = ()) -> str:
    """Article text from line `start` on without boilerplate lines; paragraphs joined by a blank line.

    Kept lines are only stripped at their edges, never edited inside. Lines in `skip` (title, dateline) are dropped.
    """
    stripped = [strip_line(raw) for raw in lines]
    removed = _removed_lines(stripped, start) | set(skip)
    paragraphs: list[list[str]] = []
    open_paragraph = False
    for index in range(start, len(lines)):
        line = stripped[index]
        if not line or index in removed:
            open_paragraph = False
            continue
        if open_paragraph and _continues(paragraphs[-1][-1], line, lines[index]):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        open_paragraph = True
    return "\n\n".join("\n".join(paragraph) for paragraph in paragraphs)
