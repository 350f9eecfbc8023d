"""Kazakh, Kyrgyz and Uzbek paragraphs (both scripts): persons by surname morphology, organizations by keyword."""

from __future__ import annotations

import re
from functools import lru_cache

from etl.entities.candidates import (
    Candidate,
    Span,
    Word,
    caps_runs,
    org_candidate,
    overlaps,
    sentence_initial,
)
from etl.entities.canonical import canonical_org
from etl.entities.lexicon import (
    ACCUSATIVE_ENDING,
    CASE_MARKED_WORD,
    GENITIVE_WORD,
    KK_KY_UZ_SENTENCE_STARTERS,
    NAME_FINAL_VOWELS,
    NAME_WORD,
    PATRONYM_WORD,
    PATRONYMIC_ENDING,
    SURNAME_MORPHOLOGY,
    rule_words,
)
from etl.entities.thresholds import (
    FOUND_NAME_PRIORITY,
    FOUND_ORG_PRIORITY,
    KEYWORD_ORG_CONFIDENCE,
    KEYWORD_ORG_MAX_CAPITALISED_WORDS,
    KEYWORD_ORG_MAX_LOWER_WORDS,
    RULE_PERSON_CONFIDENCE,
)
from etl.entities.tokens import normalize_token, tokenize
from etl.entities.transliteration import slugify

NAME_CONJUNCTIONS = frozenset(("жана", "және", "va", "ва", "и"))  # 'and' closing a list inside one name

# a place made an adjective, 'the one in X' ('Ақтаудағы', 'Бишкектеги', 'O'zbekistondagi')
LOCATIVE_ADJECTIVE = re.compile(r"(?:дағы|дегі|тағы|тегі|дагы|деги|догу|дөгү|тагы|теги|тогу|төгү|даги|таги|dagi|tagi)$", re.IGNORECASE)


def case_marked_word(word: str) -> bool:
    """'Majlisda', 'Мәжілісте', 'Жыйында': a capitalised word carrying a case suffix, so not a given name."""
    marked = CASE_MARKED_WORD.match(word)
    if marked is None:
        return False
    return len(marked.group("suffix")) >= 3 or marked.group("stem")[-1].lower() not in NAME_FINAL_VOWELS


def turkic_candidates(body: str, start: int, end: int, route: str, covered: list[Span]) -> list[Candidate]:
    """Persons by surname morphology or a job title before them, organizations by keyword (kk / ky / uz / tg)."""
    tajik = tajik_org_candidates(body, start, end, route) if route == "tg" else []
    return (tajik + keyword_org_candidates(body, start, end, route)
            + coordinated_org_candidates(body, start, end, route)
            + surname_person_candidates(body, start, end, route, covered)
            + titled_person_candidates(body, start, end, route, covered))


TAJIK_EZAFE_MAX_WORDS = 6  # words of a Tajik organization name after its head word


def tajik_org_candidates(body: str, start: int, end: int, route: str) -> list[Candidate]:
    """'Вазорати корҳои хориҷии Тоҷикистон', 'Кумитаи давлатии амнияти миллӣ': a capitalised head word, then the
    ezafe chain (each word but the last ends in -и; the adjective ending -ӣ and a name end it)."""
    heads = rule_words().tg_org_heads
    tokens = tokenize(body[start:end])
    out = []
    for index, (head_start, head_end, head) in enumerate(tokens):
        if not head[:1].isupper() or normalize_token(head) not in heads:
            continue
        if index + 1 < len(tokens) and normalize_token(tokens[index + 1][2]).startswith("матбуот"):
            continue  # 'Маркази матбуотии Вазорати ...': a press centre is annotated as its body, found next
        last = index
        while (last + 1 < len(tokens) and last - index < TAJIK_EZAFE_MAX_WORDS and tokens[last][2].endswith("и")
               and re.fullmatch(r"[ \t]+", body[start + tokens[last][1]:start + tokens[last + 1][0]])):
            last += 1
        if last == index:
            continue
        org_start, org_end = start + head_start, start + tokens[last][1]
        out.append(org_candidate(org_start, org_end, body[org_start:org_end], "rule:org", KEYWORD_ORG_CONFIDENCE,
                                 FOUND_ORG_PRIORITY, route))
    return out


# 'and' joining coordinated names before one plural keyword ('Сыртқы істер, Ішкі істер және Қорғаныс министрліктері')
_COORDINATION = re.compile(r"[ \t]*,[ \t]*|[ \t]+(?:мен|бен|пен|және|жана|менен|va|ва|ҳамда|hamda)[ \t]+")


def coordinated_org_candidates(body: str, start: int, end: int, route: str) -> list[Candidate]:
    """'Қорғаныс, ішкі істер министрліктері': one organization per coordinated name, each with the singular
    keyword ('Қорғаныс министрлігі', 'Ішкі істер министрлігі'). Names joined by 'and' are all taken; of those
    joined by commas only the nearest, since a comma list may begin with other bodies ('СІМ, арнайы қызмет, ...')."""
    plurals = rule_words().plural_org_keywords
    hits = _word_starts("plural_org_keywords", body, start, end)
    if not hits:
        return []
    plural_prefixes = tuple(plurals)
    out = []
    for word_start, word_end, word in tokenize(body[start:end]):
        if start + word_start not in hits:
            continue
        norm = normalize_token(word)
        if not norm.startswith(plural_prefixes):
            continue
        plural = next(p for p in plurals if norm.startswith(p))
        keyword_start, keyword_end = start + word_start, start + word_end
        line_start = body.rfind("\n", 0, keyword_start) + 1
        conjuncts = _conjuncts_before(body, max(line_start, start), keyword_start)
        if len(conjuncts) < 2 or not any(body[a:b][:1].isupper() for a, b in conjuncts):
            continue
        for index, (name_start, name_end) in enumerate(conjuncts):
            name = body[name_start:name_end]
            display = f"{name[:1].upper()}{name[1:]} {plurals[plural]}"
            mention_end = keyword_end if index == len(conjuncts) - 1 else name_end
            out.append(_named_org(name_start, mention_end, display, route))
    return out


def _conjuncts_before(body: str, line_start: int, keyword_start: int) -> list[Span]:
    """The coordinated names (1-3 words each) right before a plural keyword, in reading order."""
    segment = body[line_start:keyword_start]
    if not segment.endswith((" ", "\t")):
        return []
    pieces = _COORDINATION.split(segment)
    separators = [m.group() for m in _COORDINATION.finditer(segment)]
    offsets, position = [], line_start
    for index, piece in enumerate(pieces):
        offsets.append(position)
        position += len(piece) + (len(separators[index]) if index < len(separators) else 0)
    conjuncts: list[Span] = []
    commas = 0
    for index in range(len(pieces) - 1, -1, -1):
        name = _name_tail(body, offsets[index], offsets[index] + len(pieces[index].rstrip()))
        if name is None:
            break
        conjuncts.insert(0, name)
        if index == 0 or name[0] != offsets[index] + len(pieces[index]) - len(pieces[index].lstrip()):
            break  # the piece held more than the name: the list begins here
        commas += "," in separators[index - 1]
        if commas > 1:
            break  # at most one comma step: a comma list may begin with other bodies ('СІМ, арнайы қызмет, ...')
    return conjuncts


def _name_tail(body: str, start: int, end: int) -> Span | None:
    """The last 1-3 words of body[start:end] that may open an organization name, or None."""
    rules = rule_words()
    words = list(re.finditer(r"[^\W\d_]+(?:['ʼʻ’‘][^\W\d_]+)*", body[start:end]))
    tail: list[re.Match[str]] = []
    for word in reversed(words[-3:]):
        norm = normalize_token(word.group())
        if (norm in KK_KY_UZ_SENTENCE_STARTERS or norm.startswith(rules.turkic_org_stems)
                or (tail and case_marked_word(word.group()))):
            break
        tail.insert(0, word)
    if not tail:
        return None
    return start + tail[0].start(), start + tail[-1].end()


def _named_org(start: int, end: int, display: str, route: str) -> Candidate:
    """An organization mention whose name (display) is not its surface ('Қорғаныс' -> 'Қорғаныс министрлігі')."""
    known = canonical_org(display, route)
    if known is not None:
        name, org_id = known
        return Candidate(start=start, end=end, entity_type="ORG", canonical_name=name, canonical_id=f"org:{org_id}",
                         confidence=KEYWORD_ORG_CONFIDENCE, extractor="rule:org", priority=FOUND_ORG_PRIORITY,
                         lang=route, display=display, known=True)
    return Candidate(start=start, end=end, entity_type="ORG", canonical_name=display,
                     canonical_id=f"org:{slugify(display)}", confidence=KEYWORD_ORG_CONFIDENCE, extractor="rule:org",
                     priority=FOUND_ORG_PRIORITY, lang=route, display=display)


def titled_person_candidates(body: str, start: int, end: int, route: str, covered: list[Span]) -> list[Candidate]:
    """'бірінші орынбасары Мұхтар Тілеуберді', 'Вазири корҳои хориҷии Тоҷикистон Сироҷиддин Муҳриддин': two or
    three capitalised words right after a job title (a Tajik title phrase may end in its country) are a name
    even without a surname ending; 'жетекчилиги Джунг Таппа Самман жана Хил Силви' names two people."""
    rules = rule_words()
    hits = _word_starts("person_titles", body, start, end)
    if not hits:
        return []
    tokens = [(start + s, start + e, w) for s, e, w in tokenize(body[start:end])]
    out = []
    for index, (word_start, _, word) in enumerate(tokens):
        if word_start not in hits or normalize_token(word) not in rules.person_titles:
            continue
        first = index + 1
        # a title phrase: up to three lower-case words, then the country ('Вазири корҳои хориҷии Тоҷикистон')
        lower = first
        while lower < len(tokens) and lower - first < 3 and tokens[lower][2][:1].islower():
            lower += 1
        if lower < len(tokens) and overlaps(tokens[lower][0], tokens[lower][1], covered):
            first = lower + 1
            while first < len(tokens) and overlaps(tokens[first][0], tokens[first][1], covered):
                first += 1
        while first < len(tokens) and re.fullmatch(r"[ \t]+", body[tokens[first - 1][1]:tokens[first][0]]):
            name = _name_after_title(body, tokens, first, covered)
            if not name:
                break
            out.append(Candidate(start=tokens[first][0], end=tokens[name - 1][1], entity_type="PERSON",
                                 canonical_name="", canonical_id="", confidence=RULE_PERSON_CONFIDENCE,
                                 extractor="rule:person", priority=FOUND_NAME_PRIORITY, lang=route))
            conjunction = tokens[name] if name < len(tokens) else None
            if conjunction is None or normalize_token(conjunction[2]) not in PERSON_CONJUNCTIONS:
                break
            first = name + 1
    return out


def _name_after_title(body: str, tokens: list[Word], first: int, covered: list[Span]) -> int:
    """The index after the 2-3 name words that open at tokens[first], or 0 when they are no name."""
    rules = rule_words()
    last = first
    while last < len(tokens) and last - first < 3:
        word_start, word_end, surface = tokens[last]
        norm = normalize_token(surface)
        if (NAME_WORD.fullmatch(surface) is None or overlaps(word_start, word_end, covered)
                or norm in rules.en_stopwords or norm in rules.titles or norm in rules.person_titles
                or norm in KK_KY_UZ_SENTENCE_STARTERS or norm.startswith(rules.turkic_org_stems)
                or (last > first and re.fullmatch(r"[ \t]+", body[tokens[last - 1][1]:word_start]) is None)):
            break
        last += 1
    if last - first < 2 or case_marked_word(tokens[first][2]):
        return 0
    if last - first == 3 and _capitalised_word_follows(body, tokens, last) and not PATRONYMIC_ENDING.search(
            normalize_token(tokens[first + 1][2])):
        # 'Садыр Жапаров Эл Аралык ...': a third capital word that more capital words follow opens the next name
        return last - 1
    return last


def _capitalised_word_follows(body: str, tokens: list[Word], index: int) -> bool:
    """Whether tokens[index] is a capitalised word that only spaces part from the word before it."""
    return (index < len(tokens) and tokens[index][2][:1].isupper()
            and re.fullmatch(r"[ \t]+", body[tokens[index - 1][1]:tokens[index][0]]) is not None)


@lru_cache(maxsize=4)
def _words_pattern(field: str) -> re.Pattern[str]:
    """A regex finding any word of a RuleWords list in normalized text (a cheap test before tokenizing a chunk)."""
    words = sorted(getattr(rule_words(), field), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")")  # over normalized (lower-case) text


def _word_starts(field: str, body: str, start: int, end: int) -> frozenset[int] | range:
    """Offsets into body where a word of a RuleWords list may start within body[start:end]: a cheap pass over the
    normalized chunk, so that only those tokens are normalized one by one (every offset when folding changed the
    chunk's length)."""
    text = normalize_token(body[start:end])
    if _words_pattern(field).search(text) is None:
        return frozenset()
    if len(text) != end - start:
        return range(start, end)
    return frozenset(start + match.start() for match in _words_pattern(field).finditer(text))


# 'and' between two names after one title: 'Джунг Таппа Самман жана Хил Силви'
PERSON_CONJUNCTIONS = frozenset({"жана", "және", "va", "ва"})


def surname_person_candidates(body: str, start: int, end: int, route: str, covered: list[Span]) -> list[Candidate]:
    """'Ержан Ашикбаев', 'Ашикбаев Ержан', 'Е. Ашикбаев', 'Бекболот уулу': a word with a surname ending and
    the capitalised given name beside it."""
    rules = rule_words()
    out = []
    text = body[start:end]

    def given_name(word: Word) -> bool:
        word_start, word_end, surface = word
        norm = normalize_token(surface)
        return (NAME_WORD.fullmatch(surface) is not None and not overlaps(word_start, word_end, covered)
                and norm not in rules.en_stopwords and norm not in rules.titles
                and norm not in KK_KY_UZ_SENTENCE_STARTERS and not norm.startswith(rules.turkic_org_stems))

    for run in caps_runs(text, start, set()):
        used_until = -1  # index of the run's last word already in a name
        for k, surname in enumerate(run):
            surname_start, surname_end, surname_text = surname
            if k <= used_until or not SURNAME_MORPHOLOGY.match(surname_text) or not given_name(surname):
                continue
            before = body[max(0, surname_start - 4):surname_start]
            initial = re.search(r"(?:^|[\s(])([А-ЯЁӘҒҚҢӨҰҮҺІA-Z])\.\s?$", before)
            # a given name never carries a genitive: "Oliy Majlisning Inson ..." modifies what follows
            if (k > 0 and k - 1 > used_until and given_name(run[k - 1]) and not GENITIVE_WORD.search(run[k - 1][2])
                    and not case_marked_word(run[k - 1][2])):
                name_start, name_end = run[k - 1][0], surname_end
            elif k + 1 < len(run) and given_name(run[k + 1]) and not SURNAME_MORPHOLOGY.match(run[k + 1][2]):
                name_start, name_end = surname_start, run[k + 1][1]
                k += 1
            elif initial:
                name_start, name_end = surname_start - (len(before) - initial.start(1)), surname_end
            else:
                continue
            patronym = re.match(r"[ \t]+(\w+)", body[name_end:])
            if patronym and PATRONYM_WORD.match(patronym.group(1)):
                name_end += patronym.end()
            used_until = k
            out.append(Candidate(start=name_start, end=name_end, entity_type="PERSON", canonical_name="",
                                 canonical_id="", confidence=RULE_PERSON_CONFIDENCE, extractor="rule:person",
                                 priority=FOUND_NAME_PRIORITY, lang=route))
    return out


def keyword_org_candidates(body: str, start: int, end: int, route: str) -> list[Candidate]:
    """'<Capitalised ...> <lower-case ...> министрлігі' style organization names (kk / ky / uz)."""
    rules = rule_words()
    stems = rules.turkic_org_stems
    tokens = tokenize(body[start:end])  # offsets relative to start
    out = []
    plurals = tuple(rules.plural_org_keywords)
    for keyword_index, (_, keyword_end, keyword) in enumerate(tokens):
        if not normalize_token(keyword).startswith(stems) or normalize_token(keyword).startswith(plurals):
            continue  # a plural keyword names several bodies: coordinated_org_candidates
        first = keyword_index  # the organization's first token, walked back from the keyword
        lowers = 0
        while (first > 0 and lowers < KEYWORD_ORG_MAX_LOWER_WORDS and not tokens[first - 1][2][:1].isupper()
               and _joined(body, start, tokens[first - 1], tokens[first])):
            first -= 1
            # a hyphenated compound is one word, 'and' none: 'Mahalla va oilani qo'llab-quvvatlash vazirligi'
            lowers += (body[start + tokens[first][1]:start + tokens[first + 1][0]] not in ("-", "–")
                       and normalize_token(tokens[first][2]) not in NAME_CONJUNCTIONS)
        if (lowers and first > 0 and tokens[first - 1][2][:1].isupper()
                and re.fullmatch(r",[ \t]+", body[start + tokens[first - 1][1]:start + tokens[first][0]])
                and any(normalize_token(word) in NAME_CONJUNCTIONS for _, _, word in tokens[first:keyword_index])):
            first -= 1  # 'Эмгек, социалдык камсыздоо жана миграция министрлиги': a list of the body's fields
        caps = 0
        while (first > 0 and caps < KEYWORD_ORG_MAX_CAPITALISED_WORDS and tokens[first - 1][2][:1].isupper()
               and _joined(body, start, tokens[first - 1], tokens[first])):
            first -= 1
            caps += 1
        while first < keyword_index and not tokens[first][2][:1].isupper():
            first += 1
        if first < keyword_index and (normalize_token(tokens[first][2]) in KK_KY_UZ_SENTENCE_STARTERS or (
                (case_marked_word(tokens[first][2]) or ACCUSATIVE_ENDING.search(tokens[first][2]))
                and sentence_initial(body, start + tokens[first][0]))):
            first += 1  # 'Tadbirda ...', 'Жиынға ...', 'Loyihani ...': the sentence's place, goal or object opens it
        if not tokens[first][2][:1].isupper() or first == keyword_index:
            continue  # a keyword alone ('Маркази', 'Министрлиги' opening a sentence) names no body
        if any(normalize_token(surface) in rules.not_org_words for _, _, surface in tokens[first:keyword_index]):
            continue  # "Президенттин басма сөз кызматы", "Toshkent viloyatidagi reabilitatsiya markazi"
        words = [surface for _, _, surface in tokens[first:keyword_index]]
        place = max((i for i, word in enumerate(words) if LOCATIVE_ADJECTIVE.search(word)), default=None)
        if place is not None and not any(word[:1].isupper() for word in words[place + 1:]) and not any(
                GENITIVE_WORD.search(word) for word in words[:place]):  # 'Қазақстанның Түркиядағы елшілігі' is named
            continue  # "Ақтаудағы оңалту орталығы", "O'zbekistondagi vakolatxonasi": a place's centre or office, unnamed
        org_start, org_end = start + tokens[first][0], start + keyword_end
        out.append(org_candidate(org_start, org_end, body[org_start:org_end], "rule:org", KEYWORD_ORG_CONFIDENCE,
                                 FOUND_ORG_PRIORITY, route))
    return out


def _joined(body: str, offset: int, left: Word, right: Word) -> bool:
    """Two tokens (offsets relative to offset) separated only by spaces or a hyphen / dash."""
    return re.fullmatch(r"[ \t]*(?:[-–][ \t]*)?", body[offset + left[1]:offset + right[0]]) is not None
