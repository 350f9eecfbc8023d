"""Publishing agency: known agencies, domains and labelled agency names, and the cues that name one publisher."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from etl.fields.phrases import PHRASES, WORD_RE, fold

MAX_AGENCY_LINE_CHARS = 60  # a line naming only an agency ("— Tengrinews.kz") is at most this long
CUE_CHARS_BEFORE = 80  # the text before a mention, on its line, searched for a publisher cue
CUE_CHARS_AFTER = 60  # the same after it
CUE_CHARS_AFTER_AGENCY_WORD = 120  # "X ақпарат агенттігі ... хабарлағандай": the cue may come a few words later
SIGN_OFF_MIN_POSITION = 0.5  # a "— X" sign-off stands in the second half of the text
PARAGRAPH_MIN_WORDS = 12  # a line this long is the article's text, not its masthead
MAX_TAGLINE_WORDS = 6  # a site header opening with the outlet's name ("24.kg — Новости Кыргызстана")
PUBLISHER, WEAK, NO_ATTRIBUTION = 2, 1, 0  # attribution strengths


@dataclass(frozen=True)
class Mention:
    """An agency name in a text: `text[start:end]`, and the agency's one name whatever the spelling."""

    start: int
    end: int
    name: str


# A word starts an alias unless it continues a token (a domain, an address, a path: "kabar.kg/news"); a slash
# after a space opens one ("/Кабар/").
_WORD_START = re.compile(r"(?<![\w.@-])(?<![\w.@-]/)\w+")
_WORD_RUN = re.compile(r"\w+")


def _alias_index() -> dict[str, list[tuple[re.Pattern[str], str, str]]]:
    """Gazetteer aliases keyed by their folded first word, longest alias first; values are (pattern, alias, agency name)."""
    index: dict[str, list[tuple[re.Pattern[str], str, str]]] = {}
    seen: set[str] = set()
    for agency in PHRASES["agencies"]:
        flags = 0 if agency.get("case_sensitive") else re.IGNORECASE
        for alias in agency["aliases"]:
            first_word = _WORD_START.match(alias)
            if first_word is None or alias.casefold() in seen:
                continue
            seen.add(alias.casefold())
            pattern = re.compile(re.escape(alias).replace(r"\ ", r"\s+") + r"(?![\w-]|\.\w)", flags)
            index.setdefault(first_word.group(0).casefold(), []).append((pattern, alias, agency["name"]))
    for candidates in index.values():
        candidates.sort(key=lambda candidate: len(candidate[1]), reverse=True)
    return index


# A dict lookup per word is much faster than one regex alternation over hundreds of aliases.
_ALIAS_INDEX = _alias_index()
_ALIAS_FIRST_WORDS = frozenset(_ALIAS_INDEX)
_DOMAIN = re.compile(
    r"(?<![\w.@/-])(?:www\.)?((?:[^\W_][\w-]*\.)+"
    r"(?:kz|kg|uz|tj|tm|ru|com|org|net|info|news|media|asia|az|ua|by|am|ge|io|tv|uk|de|fr|cn|tr))(?![\w-]|\.\w)",
    re.IGNORECASE,
)
# a domain's ending, without which _DOMAIN cannot match
_DOMAIN_ENDING = re.compile(
    r"\.(?:kz|kg|uz|tj|tm|ru|com|org|net|info|news|media|asia|az|ua|by|am|ge|io|tv|uk|de|fr|cn|tr)(?![\w-]|\.\w)",
    re.IGNORECASE,
)
# "агентство «Новый Регион»", "ИА Trend": group 1 quoted, group 2 a bare Latin name
_QUOTED_AGENCY = re.compile(
    r"(?<!\w)(?:агентств[оауе]|информагентств[оауе]|МИА|ИА|IA)\s+"
    r"(?:[«\"“„]([^»\"”“\n]{2,40})[»\"”“]|([A-Z][\w.-]+(?:\s[A-Z][\w.-]+)?))"
)
_QUOTED_AGENCY_NEEDS = ("агентств", "ИА", "IA")  # "информагентство" and "МИА" hold two of them
_OPENING_QUOTES = "«\"“„"  # _LABELLED_QUOTED_NAME and _QUOTED_OUTLET match only after one of them
# «Халқ сўзи» газетаси, «Ана тілі» газеті: a quoted outlet the agency list lacks, named by the outlet word after it
_OUTLET_WORDS = "|".join(
    sorted((re.escape(word) for word in PHRASES["agency_cues"]["filler"] if word not in ("of", "the")),
           key=len, reverse=True)
)
_SOURCE_LABELS = r"(?:source|sources|источник|источники|дереккөз|булак|manba|манба|манбаъ)"
_QUOTED_OUTLET = re.compile(rf"[«\"“„]([^»\"”“\n]{{2,40}})[»\"”“]\s+(?=(?i:{_OUTLET_WORDS})(?![^\W\d_]))")
# "Источник: «Азаттык Азия»": a quoted name under a source label
_LABELLED_QUOTED_NAME = re.compile(
    rf"^[ \t]*{_SOURCE_LABELS}[ \t]*:[ \t]*"
    r"[«\"“„]([^»\"”“\n]{2,40})[»\"”“][ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAMED_NEWS_AGENCY = re.compile(r"\b((?:[A-Z][\w.'-]*\s+){0,2}[A-Z][\w.'-]*)\s+(?:News|Information)\s+Agency\b")


def _cue_regex(name: str) -> str:
    fragments = sorted({fold(fragment) for fragment in PHRASES["agency_cues"][name]}, key=len, reverse=True)
    return "|".join(fragment.replace(" ", r"\s+") for fragment in fragments)


_FILLER = _cue_regex("filler")
_AGENCY_WORDS = frozenset(fold(word) for word in PHRASES["agency_cues"]["filler"]) - {"of", "the"}
_CUE_TAIL = rf"\s*[:,]?\s*(?:(?:{_FILLER})\s+){{0,3}}[«\"“„']?\s*$"
_BEFORE_PUBLISHER = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('publisher_before')}){_CUE_TAIL}")
_BEFORE_WEAK = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('weak_before')}){_CUE_TAIL}")
_BEFORE_CITED = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('cited_before')}){_CUE_TAIL}")
# "X reports", "X news agency reported", "Азаттык радиосу кабарлады", "«Дунё» АА нашри асосида": up to three outlet
# words between the name and the cue
_AFTER_PUBLISHER = re.compile(
    rf"^[»\"”']?\s*,?\s*(?:(?:{_FILLER})\s*,?\s+){{0,3}}(?:{_cue_regex('publisher_after')})(?![^\W\d_])"
)
# "Stan.kz ақпарат агенттігі мемлекет басшысының баспасөз хатшысына сілтеме жасап хабарлағандай": the agency word,
# a few words, then the cue
_AGENCY_THEN_CUE = re.compile(
    r"^[»\"”']?\s*(?:(?:ақпарат|маалымат|axborot|ахборот|информационное)\s+)?(?:агенттігі|агенттиги|agentligi|"
    r"агентлиги|агентство|news\s+agency)\b[^.!?]{0,90}?"
    rf"(?<![^\W\d_])(?:{_cue_regex('publisher_after')})(?![^\W\d_])",
    re.I,
)
_SIGN_OFF_BEFORE = re.compile(r"(?:^|\s)[—–|-]\s*$")
_LINE_END_AFTER = re.compile(r"^[»\"”']?\s*[.)]?\s*$")
_SOURCE_LABEL_BEFORE = re.compile(
    rf"^\s*(?:©|\(c\)|{_SOURCE_LABELS}\s*[:—–-])?"
    r"\s*[«\"“']?\s*$"
)
_HAS_LABEL = re.compile(r"[©\w]")
_CAPS_CITY = r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ \-]{1,30}[.,]\s*"
# Agency datelines: "ASTANA. KAZINFORM - ...", "БИШКЕК, 21 сен — АКИpress. ..."
_CAPS_DATELINE_BEFORE = re.compile(rf"{_CAPS_CITY}$")
_CAPS_DATELINE_DASH_BEFORE = re.compile(rf"{_CAPS_CITY}[^\n]{{0,25}}\s[—–-]\s*$")
# wire dateline "BISHKEK (AKIpress) -", "ДУШАНБЕ (Sputnik) —": the agency in brackets after a capitals city
_CAPS_DATELINE_PAREN_BEFORE = re.compile(r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ \-]{1,30}(?:,[^\n(]{0,30})?\s*\(\s*$")
_PAREN_DASH_AFTER = re.compile(r"^\s*\)\s*[—–-]")
# Title-case datelines: "Москва. 10 февраля. INTERFAX.RU - ...", "Бишкек, 26.12.24. /Кабар/. ...",
# "Бишкек, "Саясат.kg". ...": a city opening the line, an optional date, the agency, then a dash or a full stop.
# "Бишкек, 5 марта /Кабар/.", "ДУШАНБЕ, 19.07.2022 /АМИТ «Ховар»/.", "Душанбе, 5.03.2021 (АМИТ «Ховар»).",
# "Toshkent, Kun.uz. ...": a date without a full stop before a slash or bracket, an agency-kind word inside them, or
# no date and a full stop after the agency.
_CITY_DATELINE_BEFORE = re.compile(
    r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҶҲ][^\W\d_][\w-]{0,24}[.,]\s*"
    rf"(?:[^\n/(«\"“]{{1,20}}?(?:[.,]\s*[/«\"“]?|\s[/(]\s*(?:(?i:{_FILLER})\s+)?[«\"“]?)|[/«\"“])?\s*$")
_CITY_DATELINE_AFTER = re.compile(r"\s*(?:[»\"”]?\s*[/)]\s*[.,—–-]?|[»\"”]\s*[.,—–-]|[—–-]\s|\.\s)")
# "Душанбе, 12 марта - Sputnik. ...": the agency after a dash, then a full stop
_CITY_DATELINE_DASH_BEFORE = re.compile(r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][^\W\d_][\w-]{0,24},\s*[^\n—–-]{1,20}\s[—–-]\s*$")
_STOP_AFTER = re.compile(r"\s*[.,]")
# "© AP / Gabriel Chaim": a photographer's credit, not a publisher
_PHOTO_CREDIT_AFTER = re.compile(r"^\s*/\s*[^\W\d_]")
# "Copyright © 2017 Maral FM", "© 2019 «Egemen Qazaqstan» республикалық газеті", "© «24.kg» маалымат агенттиги,
# 2021.": the site's own notice names its publisher. The year before or after the name tells it from "© AP / X".
_COPYRIGHT_LINE = re.compile(r"^[ \t]*(?:copyright[ \t]*)?(?:©|\(c\))[ \t]*([^\n]*)$", re.IGNORECASE | re.MULTILINE)
_COPYRIGHT_YEARS = r"(?:19|20)\d{2}(?:[ \t]*[-–][ \t]*(?:19|20)\d{2})?(?!\d)"
_COPYRIGHT_YEAR_FIRST = re.compile(rf"{_COPYRIGHT_YEARS}[ \t]*[,.]?[ \t]*")
_COPYRIGHT_QUOTED_NAME = re.compile(r"[«\"“„]([^»\"”“\n]{2,40})[»\"”“]")
_COPYRIGHT_BARE_NAME = re.compile(
    rf"([^\W\d_][\w&'’ -]{{1,38}}?(?:\.[a-z]{{2,6}})?)(?=[ \t]*(?:[.,;|]|$)|[ \t]+{_COPYRIGHT_YEARS})", re.IGNORECASE
)
_COPYRIGHT_YEAR_AFTER = re.compile(rf"(?<!\d){_COPYRIGHT_YEARS}")
_DASH_AFTER = re.compile(r"^\s*[—–-]")
_SEPARATOR_AFTER = re.compile(r"\s*[—–|:-]")


_INSTITUTION_DOMAINS = frozenset(domain.casefold() for domain in PHRASES["institution_domains"])
_INSTITUTION_LABELS = frozenset(("gov", "mfa", "mid", "president", "parliament", "un", "edu", "mil"))


def _is_institution_domain(domain: str) -> bool:
    """Government, UN and social-network sites are sources of information, not publishing agencies."""
    labels = domain.casefold().split(".")
    return ".".join(labels) in _INSTITUTION_DOMAINS or any(label in _INSTITUTION_LABELS for label in labels[:-1])


def _copyright_names(text: str) -> list[tuple[int, int]]:
    """Spans of the publisher names in the text's copyright notices (lines opening with "©", "(c)", "Copyright ©")."""
    spans = []
    for line in _COPYRIGHT_LINE.finditer(text):
        rest, offset = line.group(1), line.start(1)
        year_first = _COPYRIGHT_YEAR_FIRST.match(rest)
        position = year_first.end() if year_first else 0
        name = _COPYRIGHT_QUOTED_NAME.match(rest, position) or _COPYRIGHT_BARE_NAME.match(rest, position)
        if name is None or not (year_first or _COPYRIGHT_YEAR_AFTER.search(rest[name.end() :])):
            continue
        spans.append((offset + name.start(1), offset + name.end(1)))
    return spans


def _alias_word_starts(text: str) -> list[tuple[int, list[tuple[re.Pattern[str], str, str]]]]:
    """(offset, gazetteer candidates) of each word of `text` that starts an alias, leftmost first.

    The distinct words are looked up once each; only the few that start an alias are then located in the text
    (a word starts where `_WORD_START` matches exactly that word), instead of one lookup per word of the text.
    """
    # The \w+ runs hold every word _WORD_START finds (and some it does not, which the check below drops): a plain
    # run is found faster than one with its lookbehinds.
    words = list(set(_WORD_RUN.findall(text)))
    folded = list(map(str.casefold, words))
    if _ALIAS_FIRST_WORDS.isdisjoint(folded):
        return []
    starts = []
    for word, key in zip(words, folded):
        candidates = _ALIAS_INDEX.get(key)
        if not candidates:
            continue
        position = text.find(word)
        while position != -1:
            at = _WORD_START.match(text, position)
            if at is not None and at.end() == position + len(word):
                starts.append((position, candidates))
            position = text.find(word, position + 1)
    starts.sort(key=lambda start: start[0])
    return starts


def agency_mentions(text: str) -> list[Mention]:
    """Known agencies, domains and "агентство «X»" / "X News Agency" names, leftmost first, no overlaps."""
    found: list[tuple[int, int, int, str]] = []  # (start, priority, end, name); lower priority wins a tie
    for start, candidates in _alias_word_starts(text):
        for pattern, _alias, _agency_name in candidates:
            alias_match = pattern.match(text, start)
            if alias_match:
                # The name as the text writes it ("Кабар", "INTERFAX.RU"): what readers and the gold see
                found.append((alias_match.start(), 0, alias_match.end(), alias_match.group(0)))
                break
    # Each pattern runs only on a text holding a string it cannot match without (much faster than the scan).
    if _DOMAIN_ENDING.search(text):
        for domain in _DOMAIN.finditer(text):
            if not _is_institution_domain(domain.group(1)):
                found.append((domain.start(1), 1, domain.end(1), domain.group(1)))
    if any(word in text for word in _QUOTED_AGENCY_NEEDS):
        for quoted in _QUOTED_AGENCY.finditer(text):
            group = 1 if quoted.group(1) else 2
            found.append((quoted.start(group), 2, quoted.end(group), quoted.group(group).strip()))
    quoted_text = any(quote in text for quote in _OPENING_QUOTES)
    if quoted_text:
        for named in _LABELLED_QUOTED_NAME.finditer(text):  # the whole quoted name, over a known alias inside it
            found.append((named.start(1), 0, named.end(1), named.group(1).strip()))
    for pattern in (_NAMED_NEWS_AGENCY, _QUOTED_OUTLET):
        if (pattern is _NAMED_NEWS_AGENCY and "Agency" not in text) or (pattern is _QUOTED_OUTLET and not quoted_text):
            continue
        for named in pattern.finditer(text):
            found.append((named.start(1), 2, named.end(1), named.group(1).strip()))
    for start, end in _copyright_names(text):
        found.append((start, 3, end, text[start:end].strip()))
    mentions: list[Mention] = []
    for start, _, end, name in sorted(found, key=lambda candidate: (candidate[1], candidate[0], -candidate[2])):
        if not any(start < mention.end and mention.start < end for mention in mentions):
            mentions.append(Mention(start=start, end=end, name=name))
    return sorted(mentions, key=lambda mention: mention.start)


def _attribution_strength(text: str, mention: Mention) -> int:
    """PUBLISHER when the context names the mention as publisher, WEAK for a weaker attribution, else NO_ATTRIBUTION."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.end)
    line_end = len(text) if line_end == -1 else line_end
    raw_before = text[line_start : mention.start]
    before = fold(raw_before[-CUE_CHARS_BEFORE:]) + " "  # the cue patterns expect a space before the name
    after = fold(text[mention.end : min(line_end, mention.end + CUE_CHARS_AFTER)])
    if _BEFORE_CITED.search(before) or ("©" in raw_before and _PHOTO_CREDIT_AFTER.match(after)):
        return NO_ATTRIBUTION
    if any(line_start + start == mention.start for start, _ in _copyright_names(text[line_start:line_end])):
        return PUBLISHER
    if (
        _BEFORE_PUBLISHER.search(before)
        or _AFTER_PUBLISHER.match(after)
        # "... — Kazinform" signs off the article; near the top the same dash credits a photo caption
        or (_SIGN_OFF_BEFORE.search(before) and _LINE_END_AFTER.match(after)
            and mention.start >= len(text) * SIGN_OFF_MIN_POSITION)
        or (_SOURCE_LABEL_BEFORE.match(before) and _HAS_LABEL.search(before))
        # a line naming only the outlet credits it below the article's first paragraph, not in the masthead above
        or (_SOURCE_LABEL_BEFORE.match(before) and _LINE_END_AFTER.match(after)
            and mention.start > _first_paragraph_start(text))
        or _AGENCY_THEN_CUE.match(text[mention.end : line_end][:CUE_CHARS_AFTER_AGENCY_WORD])
        or (_CAPS_DATELINE_BEFORE.match(raw_before) and _DASH_AFTER.match(after))
        or _CAPS_DATELINE_DASH_BEFORE.match(raw_before)
        or (_CAPS_DATELINE_PAREN_BEFORE.match(raw_before) and _PAREN_DASH_AFTER.match(after))
        or (_CITY_DATELINE_BEFORE.match(raw_before) and _CITY_DATELINE_AFTER.match(text, mention.end))
        or (_CITY_DATELINE_DASH_BEFORE.match(raw_before) and _STOP_AFTER.match(text, mention.end))
    ):
        return PUBLISHER
    if _BEFORE_WEAK.search(before):
        return WEAK
    return NO_ATTRIBUTION


def _first_paragraph_start(text: str) -> int:
    """Offset of the first line of at least PARAGRAPH_MIN_WORDS words (the article's first paragraph), else len."""
    offset = 0
    for line in text.split("\n"):
        if len(line.split()) >= PARAGRAPH_MIN_WORDS:
            return offset
        offset += len(line) + 1
    return len(text)


def canonical_agency(name: str) -> str:
    """One name per agency for a name as written ("ҚАЗАҚПАРАТ", "Kazinform" -> "Kazinform"; "Tengrinews.kz" ->
    "Tengrinews"), for comparing agencies across documents; a name the agency list lacks comes back as given."""
    written = name.strip()
    word = _WORD_START.match(written)
    for pattern, _alias, agency_name in _ALIAS_INDEX.get(word.group(0).casefold(), ()) if word else ():
        if pattern.fullmatch(written):
            return agency_name
    return written


def extract_source_agency(text: str) -> str | None:
    """Publishing agency named by an attribution ("передает X", "X reports", "Source: X", "— X"), else None.

    Order: the first mention with a publisher cue, then the one outlet with a weak cue ("according to X", "told X",
    "в интервью X"). Two different outlets with weak cues are sources the text quotes, and neither is its publisher.
    Only gazetteer agencies, domains and explicitly labelled agencies count, so press services never do.
    """
    weak: dict[str, str] = {}  # canonical name -> the first weakly attributed mention as written
    for mention in agency_mentions(text):
        strength = _attribution_strength(text, mention)
        if strength == PUBLISHER:
            return mention.name
        if strength == WEAK:
            weak.setdefault(canonical_agency(mention.name), mention.name)
    return next(iter(weak.values())) if len(weak) == 1 else None


# Short lines judged per process: the headline search, the title's suffix and the body ask about the same lines.
LINE_CACHE_SIZE = 8192


def is_agency_only(line: str) -> bool:
    """True for a line naming only an agency ("Kazinform", "— Tengrinews.kz", "Информационное агентство Кабар")."""
    return len(line) <= MAX_AGENCY_LINE_CHARS and _is_agency_only_line(line)


# Only short lines are cached: article paragraphs, each seen once, would push the repeated ones out.
@lru_cache(maxsize=LINE_CACHE_SIZE)
def _is_agency_only_line(line: str) -> bool:
    mentions = agency_mentions(line)
    if len(mentions) != 1:
        return False
    rest = line[: mentions[0].start] + " " + line[mentions[0].end :]
    return all(fold(word) in _AGENCY_WORDS for word in WORD_RE.findall(rest))


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_site_tagline(line: str) -> bool:
    """True for a short site header that opens with the outlet's name ("24.kg — Новости Кыргызстана")."""
    if len(line.split()) > MAX_TAGLINE_WORDS:
        return False
    mentions = agency_mentions(line)
    return bool(mentions) and mentions[0].start == 0 and bool(_SEPARATOR_AFTER.match(line[mentions[0].end :]))
