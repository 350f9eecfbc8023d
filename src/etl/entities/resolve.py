"""Within one document: organizations merged under one identity, then overlapping candidates resolved to mentions."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from etl.entities.candidates import Candidate
from etl.entities.canonical import is_qualified_org_id
from etl.entities.lexicon import rule_words
from etl.entities.thresholds import GAZETTEER_ORG_PRIORITY
from etl.entities.tokens import normalize_token


def _overlap(one: Candidate, other: Candidate) -> bool:
    return one.start < other.end and other.start < one.end


# ---------------------------------------------------------------- organizations: within-document identity

def resolve_orgs(body: str, candidates: list[Candidate]) -> list[Candidate]:
    """Within one document: an unqualified institution ('Совет безопасности') takes the one qualified form
    seen, and a name followed by '(ACRONYM)' shares the acronym's identity; a body inside a job title is dropped."""
    person_starts = {c.start for c in candidates if c.entity_type == "PERSON"}
    candidates = [c for c in candidates if c.entity_type != "ORG" or not _inside_job_title(body, c, person_starts)]
    qualified: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in candidates:
        base = is_qualified_org_id(c.canonical_id.removeprefix("org:")) if c.entity_type == "ORG" else None
        if base:
            qualified[base].add((c.canonical_id, c.canonical_name))
    out = []
    for c in candidates:
        base = c.canonical_id.removeprefix("org:")
        if c.entity_type == "ORG" and len(qualified.get(base, ())) == 1:
            qualified_id, qualified_name = next(iter(qualified[base]))
            c = replace(c, canonical_id=qualified_id, canonical_name=qualified_name)
        out.append(c)
    orgs_at = {c.start: c for c in out if c.entity_type == "ORG"}
    for index, org in enumerate(out):
        if org.entity_type != "ORG":
            continue
        parenthesis = re.match(r"\s*\(\s*", body[org.end:org.end + 6])
        acronym = orgs_at.get(org.end + parenthesis.end()) if parenthesis else None
        if acronym is None or acronym is org:
            continue
        if acronym.extractor.startswith("gazetteer") and not org.extractor.startswith("gazetteer"):
            out[index] = replace(org, canonical_id=acronym.canonical_id, canonical_name=acronym.canonical_name)
        elif not acronym.extractor.startswith("gazetteer"):
            acronym_index = out.index(acronym)
            out[acronym_index] = replace(acronym, canonical_id=org.canonical_id, canonical_name=org.canonical_name)
    return _local_org_names(out)


def _inside_job_title(body: str, org: Candidate, person_starts: set[int]) -> bool:
    """'председателя кабинета министров Улукбека Марипова': a lower-case body between a job title and the name of
    the one who holds it is part of the title."""
    if not body[org.start:org.start + 1].islower():
        return False
    gap = re.match(r"[ \t]+", body[org.end:org.end + 4])
    if gap is None or org.end + gap.end() not in person_starts:
        return False
    title = re.search(r"([^\W\d_][\w-]*)[ \t]+$", body[max(0, org.start - 40):org.start])
    return title is not None and normalize_token(title.group(1)).startswith(rule_words().job_title_heads)


def _local_org_names(candidates: list[Candidate]) -> list[Candidate]:
    """Outside English, an organization's canonical name is its fullest nominative form in the document's
    language ('Совет безопасности Кыргызской Республики'); canonical_id stays the cross-lingual key."""
    fullest: dict[str, str] = {}
    for c in candidates:
        if c.entity_type != "ORG" or c.lang in ("en", "") or not c.display:
            continue
        best = fullest.get(c.canonical_id)
        if best is None or (len(c.display.split()), len(c.display)) > (len(best.split()), len(best)):
            fullest[c.canonical_id] = c.display
    return [replace(c, canonical_name=fullest[c.canonical_id])
            if c.entity_type == "ORG" and c.lang not in ("en", "") and c.canonical_id in fullest else c
            for c in candidates]


def org_vs_org(candidates: list[Candidate]) -> list[Candidate]:
    """Among overlapping organization spans the longest wins, unless it is an unresolved name that would
    swallow a gazetteer organization with another identity ('Ержан Ашикбаев ... БҰҰ ... кеңесінің')."""
    orgs = sorted((c for c in candidates if c.entity_type == "ORG"), key=lambda c: (-(c.end - c.start), c.priority))
    known = [c for c in orgs if c.extractor == "gazetteer:org"]
    kept: list[Candidate] = []
    for org in orgs:
        if any(_overlap(org, other) for other in kept):
            continue
        if not org.known and any(_overlap(org, other) and other.canonical_id != org.canonical_id for other in known):
            continue
        kept.append(org)
    return ([c for c in candidates if c.entity_type != "ORG"]
            + [replace(org, priority=GAZETTEER_ORG_PRIORITY) for org in kept])


# ---------------------------------------------------------------- overlaps between all types

_COUNTRY_ID = re.compile(r"[A-Z]{2}")


def select_non_overlapping(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping mentions by priority then length; country names may nest inside organizations."""
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.priority, -(c.end - c.start), c.start)):
        start, end = candidate.start, candidate.end
        if end <= start:
            continue
        fits = True
        for other in chosen:
            if start < other.end and other.start < end:  # _overlap, inline: every pair is compared
                nested = (candidate.entity_type == "LOC" and _COUNTRY_ID.fullmatch(candidate.canonical_id) and
                          other.entity_type == "ORG" and other.start <= start and end <= other.end)
                if not nested:
                    fits = False
                    break
        if fits:
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: (c.start, c.end))
