"""Word lists and regex tables of the entity rules: the shipped gazetteer's lists and the inline ones, named.

Calibrated as a set against the seeds and the dev set; don't tune one entry in isolation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from etl.entities.tokens import normalize_token


@lru_cache(maxsize=1)
def gazetteer_data() -> dict:
    """The shipped domain gazetteer (organizations, operations, camps, abbreviations)."""
    return json.loads(files("etl").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))


def leading_letters(words: Iterable[str]) -> str:
    """A lookahead for the first letters of words (ё too where е, as the patterns that fold ё take either): put
    before an alternation of the words, it spares the regex engine trying every word at every position, with the
    same matches (a case-insensitive pattern makes it case-insensitive too)."""
    letters = {word[0] for word in words}
    if "е" in letters:
        letters.add("ё")
    return "(?=[" + "".join(re.escape(letter) for letter in sorted(letters)) + "])"


# ---------------------------------------------------------------- gazetteer matching and person keys

# case endings (ru, kk, ky, uz, tg) an alias's last word may carry and still match: 'Казахстана', 'Қазақстанның'
CYRILLIC_NAME_SUFFIXES = frozenset([  # ро: the Tajik accusative
    "а", "я", "у", "ю", "ом", "ем", "ой", "ою", "ей", "е", "и", "ы", "ам", "ям", "ами", "ями", "ах", "ях", "ов",
    "ев", "ые", "ых", "ым", "ыми", "ая", "ую", "ое", "ого", "ому", "ие", "их", "им", "ими", "его", "ему", "ға",
    "ге", "қа", "ке", "на", "не", "ның", "нің", "дың", "дің", "тың", "тің", "ны", "ні", "ды", "ді", "ты", "ті",
    "н", "да", "де", "та", "те", "нда", "нде", "дан", "ден", "тан", "тен", "нан", "нен", "мен", "бен", "пен",
    "дағы", "дегі", "тағы", "тегі", "ндағы", "ндегі", "ы", "і", "сы", "сі", "сын", "сін", "сына", "сіне", "сының",
    "сінің", "сында", "сінде", "сынан", "сінен", "сымен", "сімен", "ға", "дейін", "га", "го", "гө", "ка", "ко",
    "кө", "нын", "нин", "нун", "нүн", "дын", "дин", "дун", "дүн", "тын", "тин", "тун", "түн", "ну", "нү", "ду",
    "дү", "ту", "тү", "до", "дө", "то", "тө", "ндо", "ндө", "дон", "дөн", "тон", "төн", "нон", "нөн", "менен",
    "дагы", "деги", "нинг", "ни", "даги", "ро",
]) | {""}

# the same for Latin-script aliases: possessive 's, Uzbek case endings
LATIN_NAME_SUFFIXES = frozenset(["", "'s", "s'", "ga", "ka", "qa", "ning", "ni", "da", "dan", "dagi", "ta", "tan"])

# what may follow a demonym stem in Cyrillic: 'казахстан|ских', 'қазақстан|дық'
CYRILLIC_ADJECTIVE_ENDING = re.compile(
    r"(?:[йи]?(?:ск|цк)(?:ий|ый|ая|ое|ие|ые|ого|ому|им|ым|ом|ой|ую|их|ых|ими|ыми))"
    r"|(?:(?:лық|лік|дық|дік|тық|тік|лык|лик|лук|лүк|дык|дик|дук|дүк|тык|тик|тук|түк)"
    r"(?:тар|тер|лар|лер|дар|дер)?"
    r"(?:дың|дің|тың|тің|ның|нің|нын|нин|дын|дин|тын|тин|ға|ге|қа|ке|га|ка|ды|ді|ты|ті|ны|ні|ди|ти|ни"
    r"|да|де|та|те|дан|ден|тан|тен|нан|нен|мен|бен|пен|менен)?)"
    r"|(?:лик(?:лар)?(?:нинг|ни|га|да|дан)?)"
)

# and in Latin script: 'Kazakh|s', 'Afghan|i', 'o'zbekiston|lik'
LATIN_ADJECTIVE_ENDING = re.compile(r"(?:n|an|ian|i|ese|ish)s?|s|(?:lik(?:lar)?(?:ning|ni|ga|da|dan)?)")

# Russian adjective endings an alias's first word may inflect from ('Объединённые' -> 'Объединённых')
RU_ADJECTIVE_ENDINGS = ("ые", "ая", "ий", "ый", "ое", "ой", "ие")

# an acronym with a Turkic case ending glued on: 'ЮНИСЕФтин', 'БМТнинг', 'BMTning'
GLUED_CASE_ACRONYM = re.compile(
    r"([A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҲ]{2,})(ның|нің|дың|дің|тың|тің|нын|нин|нун|нүн|дын|дин|дун|дүн|тын|тин|тун|түн|нинг|ning|"
    r"ға|ге|қа|ке|га|го|гө|ка|ко|кө|да|де|та|те|до|дө|то|тө|дан|ден|тан|тен|дон|дөн|тон|төн|нан|нен|дағы|дегі|"
    r"тағы|тегі|дагы|деги|даги|ны|ні|ды|ді|ни|ди|ga|ka|qa|da|dan|dagi|ni)"
)

# patronymics and Turkic 'son of / daughter of' words: not part of a person key
PATRONYMIC_ENDING = re.compile(
    r"(?:ович|евич|ьевич|овна|евна|ична|инична|ұлы|улы|қызы|кызы|уулу|ovich|evich|ovna|evna|uly|uli|ulı|qızı|kyzy|kizi|qizi|ogli|o'g'li)$"
)

# what may follow a Cyrillic surname stem in -ов/-ин: the feminine -а, then a case ending
SURNAME_CASE_TAILS = frozenset(
    a + c
    for a in ("", "а")
    for c in ("", "а", "у", "ым", "ом", "е", "ой", "ою", "ых", "ыми", "ому", "ого", "тың", "тің", "ның", "нің",
              "қа", "ке", "ға", "ге", "ты", "ті", "ны", "ні", "та", "те", "тан", "тен", "пен", "бен", "мен", "нан",
              "нен", "тын", "тин", "дын", "дин", "нын", "нин", "ка", "га", "го", "ко", "ту", "ду", "ну", "дун",
              "тун", "нун", "дан", "ден", "менен", "дын", "гө", "кө", "до", "то", "дон", "тон", "нон")
)

# a Latin surname in -ov/-ev/-in and its case ending
LATIN_SURNAME = re.compile(r"^(?P<stem>.+?(?:ov|ev|yev|in))(?P<tail>a?(?:ning|ni|ga|da|dan|dir|tyng|ting|nyng|ning)?)$")
# spellings of one sound in different romanisations, folded to one (in this order) for person keys
LATIN_SPELLING_FOLDS = (("dzh", "j"), ("zh", "j"), ("kh", "h"), ("x", "h"), ("q", "k"), ("w", "v"), ("ph", "f"))

# ---------------------------------------------------------------- paragraph routing

# letters only Kazakh (among kk / ky / ru) writes
KK_LETTERS = re.compile(r"[әғқұһіӘҒҚҰҺІ]")

# letters Kyrgyz writes (Kazakh too, but then KK_LETTERS match first)
KY_LETTERS = re.compile(r"[ңөүҢӨҮ]")

# letters only Tajik writes (among the Cyrillic alphabets read here)
TG_LETTERS = re.compile(r"[ӣӯҷӢӮҶ]")

# letters only Cyrillic Uzbek writes
UZ_CYR_LETTERS = re.compile(r"[ўҳЎҲ]")

# Latin Uzbek: oʻ / gʻ and common function words (two of them make a line Uzbek)
UZ_LATIN_MARKERS = re.compile(r"[oOgG][ʻ'‘’`]|\b(?:va|bilan|uchun|yil|boʻyicha|qilindi|respublikasi)\b", re.IGNORECASE)

# ---------------------------------------------------------------- candidate rules

# opening quote -> its closing quote
QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"', "'": "'", "‹": "›"}

# a web domain: natasha tags 'Kazinform.kz' as an organization
DOMAIN_RE = re.compile(r"\.(?:kz|kg|uz|ru|com|org|net|info|tj|tm|gov)\b", re.IGNORECASE)

# Russian function words: their share tells a Russian line in a kk / ky / uz document
RU_FUNCTION_WORDS = {"и", "в", "во", "на", "не", "что", "с", "со", "по", "для", "из", "от", "к", "о", "об", "это", "как",
                     "его", "её", "их", "был", "была", "были", "также", "который", "которые", "при", "за", "до",
                     "после", "или", "но", "а", "же", "том", "этом", "года", "году"}

# capitalised only because they open a sentence: never a given name or an organization's first word
KK_KY_UZ_SENTENCE_STARTERS = {
    "бүгін", "кеше", "сондай", "сондай-ақ", "осы", "бұл", "ал", "мұнда", "онда", "бүгүн", "кечээ", "ошондой", "бул",
    "ошол", "bugun", "kecha", "shuningdek", "bu", "ushbu", "shu", "бугун", "шунингдек", "ушбу", "шу", "бу",
    "сонымен", "сонымен қатар", "дегенмен", "алайда", "бирок", "ammo", "lekin", "аммо", "лекин", "биринчи",
}


@dataclass(frozen=True)
class RuleWords:
    """The gazetteer's word lists as the rules use them, folded with ``normalize_token`` where they are looked up so."""

    en_stopwords: frozenset[str]  # sentence-initial words that never start a name
    titles: frozenset[str]  # Mr, President, ...: dropped from the front of a name
    connectors: frozenset[str]  # lower-case words inside a capitalised name: of, the, for, ...
    en_org_keywords: frozenset[str]  # one-word English organization keywords: Ministry, Foundation, ...
    turkic_org_stems: tuple[str, ...]  # kk / ky / uz organization keywords, matched as word prefixes
    generic_acronyms: frozenset[str]  # acronyms that name no organization: TV, PDF, ...
    not_org_words: frozenset[str]  # press-service, locative and 'authorities' words: never in a keyword organization
    operation_cues: tuple[str, ...]  # "operation" in every language, longest first (regex alternation order)
    facility_words: tuple[str, ...]  # prison / camp / city word prefixes: a name next to one is a place
    not_facility_words: frozenset[str]  # words those prefixes begin that name no place ('campaign')
    platforms: frozenset[str]  # social networks and messengers: never an organization
    person_titles: frozenset[str]  # kk / ky / uz / tg job titles written right before a name
    job_title_heads: tuple[str, ...]  # stems of a title that governs the body it names, before the holder's name
    outlet_nouns: tuple[str, ...]  # 'news agency', 'басылмасы': the name before them is a news outlet
    read_us_words: tuple[str, ...]  # 'читайте', 'ўқинг': a 'read us on <platform>' line
    plural_org_keywords: dict[str, str]  # 'министрліктері' -> 'министрлігі' (after coordinated names)
    ethnonyms: dict[str, str]  # 'кыргыз' -> 'KG': a lower-case ethnonym qualifying an institution after it
    tg_org_heads: frozenset[str]  # Tajik words that open an organization name ('Вазорати', 'Кумитаи')
    press_service_nouns: tuple[str, ...]  # 'press service', 'баспасөз қызметі': the name before them is the body


@lru_cache(maxsize=1)
def rule_words() -> RuleWords:
    """The rules' word lists, built once from the shipped gazetteer."""
    data = gazetteer_data()
    keywords = data["org_keywords"]
    return RuleWords(
        en_stopwords=frozenset(normalize_token(w) for w in data["en_stopwords"]),
        titles=frozenset(normalize_token(w) for w in data["en_titles"]),
        connectors=frozenset(data["en_connectors"]),
        en_org_keywords=frozenset(normalize_token(w) for w in keywords["en"] if " " not in w),
        turkic_org_stems=tuple(normalize_token(w) for lang in ("kk", "ky", "uz") for w in keywords[lang]
                               if " " not in w),
        generic_acronyms=frozenset(data["generic_acronyms"]),
        not_org_words=frozenset(normalize_token(w) for w in data["press_service_words"] + data["locative_words"]
                                + data["authority_words"]),
        operation_cues=tuple(sorted({normalize_token(c) for c in data["operation_cues"]}, key=len, reverse=True)),
        facility_words=tuple(normalize_token(w) for w in data["facility_words"]),
        not_facility_words=frozenset(normalize_token(w) for w in data["not_facility_words"]),
        platforms=frozenset(normalize_token(w) for w in data["platforms"]),
        person_titles=frozenset(normalize_token(w) for w in data["person_title_words"]),
        job_title_heads=tuple(normalize_token(w) for w in data["job_title_heads"]),
        outlet_nouns=tuple(sorted({normalize_token(w) for w in data["outlet_nouns"]}, key=len, reverse=True)),
        read_us_words=tuple(sorted({normalize_token(w) for w in data["read_us_words"]}, key=len, reverse=True)),
        plural_org_keywords={normalize_token(k): v for k, v in data["plural_org_keywords"].items()},
        ethnonyms={normalize_token(word): code for code, words in data["ethnonyms"].items() for word in words},
        tg_org_heads=frozenset(normalize_token(w) for w in data["tg_org_heads"]),
        press_service_nouns=tuple(sorted({normalize_token(w) for w in data["press_service_nouns"]}, key=len,
                                         reverse=True)),
    )

# a word of a capitalised run: letters (with inner hyphens / apostrophes), an ordinal, or a quote mark
CAPS_RUN_WORD = re.compile(r"[^\W\d_]+(?:[-'’ʻ‘][^\W\d_]+)*|\d+(?:st|nd|rd|th)?|[«»“”\"„]", re.UNICODE)

# Only keywords that name a body on their own: "Foreign Policy office", "UN agency" or "Kazakh foreign
# ministry" are parts or descriptions of an organisation, not its name.
EN_LOWER_ORG_KEYWORD = re.compile(r"[ \t]+(foundation|fund|association|centre|center|institute|group)\b")

# a capitalised word that looks like a given name or surname
NAME_WORD = re.compile(
    r"[A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІЎҲҶӢӮ][a-zß-öø-ÿа-яёәғқңөұүһіўҳҷӣӯ'’ʻ]+(?:-[A-ZА-Яa-zа-я][a-zа-яё'’ʻ]+)*")

# lower-case particles inside a person name: al-, bin, van, de, ...
NAME_PARTICLES = {"al", "el", "bin", "ibn", "ni", "de", "van", "von", "der", "du", "da", "ul", "ud", "abu", "ни", "аль", "ибн"}

# English derivational endings: a capitalised word ending so is a common word, not a name
EN_NON_NAME_SUFFIXES = ("tion", "ment", "ness", "ity", "ism", "ance", "ence", "ical", "ive", "ous", "ful", "less", "ship",
                        "ing", "ly", "ed", "ers", "ies", "ics", "ions", "ings")

# a capitalised surname by its ending (-ов, -ева, -uly, ...), optionally with a case ending
SURNAME_MORPHOLOGY = re.compile(
    r"^[А-ЯЁӘҒҚҢӨҰҮҺІЎҲA-Z][\w'ʻ’\-]*?(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ov|ev|yev|ova|eva|yeva|in|ina|uly|ulı|kyzy|qizi)"
    r"(?:а|у|ым|ом|е|ой|тың|тің|ның|нің|қа|ке|ға|ге|ка|га|ты|ті|ны|ні|та|те|тан|тен|пен|бен|мен|нан|нен|тын|тин|дын|дин|"
    r"нын|нин|ту|ду|ну|дун|тун|нун|дан|ден|менен|го|ко|до|то|дон|тон|нон|нинг|ни|ning|ni|ga|ka|da|dan)?$"
)

# Uzbek/Kazakh/Kyrgyz genitive on a name word ("Majlisning", "Кеңесінің"): the word modifies what follows
# an accusative ending (kk / ky / uz): the sentence's object, not a name's first word
ACCUSATIVE_ENDING = re.compile(r"(?:ты|ті|ны|ні|ды|ді|ту|тү|ну|нү|ду|дү|ni|ini)$")

GENITIVE_WORD = re.compile(r"(?:ning|нинг|ның|нің|нын|нин|нун|нүн)$", re.IGNORECASE)

# A locative / ablative / dative / genitive ending (uz, kk, ky) after a stem of 3+ letters
CASE_MARKED_WORD = re.compile(
    r"^(?P<stem>[^\W\d_][\w'ʻ’‘`]{2,}?)(?P<suffix>ning|dan|da|ga|нинг|дан|ден|нан|нен|дон|дөн|"
    r"ның|нің|дың|дің|тың|тің|нын|нун|нүн|дын|дун|дүн|тын|тун|түн|да|де|та|те|до|дө|то|тө|ға|ге|қа|ке|"
    r"га|го|гө|ка|ко|кө)$", re.IGNORECASE)

# not in the list: -тан/-тен, -дин/-тин, which end common given names (Нұрсұлтан, Дастан, Нурдин, Мартин)
# stems ending so are read as female given names ("Farida", "Рита", "Ольга"), not as a case-marked noun
NAME_FINAL_VOWELS = "aeioаеиоэяёьъ'ʻ’‘`"

# a separate Turkic patronym word after a name: ұлы, уулу, qizi, o'g'li
PATRONYM_WORD = re.compile(r"^(?:ұлы|улы|уулу|қызы|кызы|uly|ulı|o[ʻ'‘’]g[ʻ'‘’]li|qizi)$", re.IGNORECASE)

# a capitalised Cyrillic name word (pattern text, used inside CYRILLIC_PARTICLE_NAME)
CYRILLIC_NAME = r"[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+(?:-[А-ЯЁ][а-яё]+)?"

# given name, a name particle (ван, де, аль, ...), family name: 'Артур ван Дизен'
CYRILLIC_PARTICLE_NAME = re.compile(
    rf"(?<![\w-])({CYRILLIC_NAME})((?:[ \t]+(?:ван|фон|де|дер|ди|да|ле|ла|аль|эль)){{1,2}})[ \t]+({CYRILLIC_NAME})(?![\w-])")

# first words of an English organization that may take a "to / at / in <Place>" complement ("Permanent Mission to ...")
REPRESENTATION_OFFICE_WORDS = ("permanent", "embassy", "mission", "office", "delegation", "representation")

# a kk / ky / uz surname with a case ending glued on ("Ашикбаевтың"): group 1 is the surname
TURKIC_SURNAME_WITH_CASE = re.compile(
    r"^(.+?(?:ов|ев|ин|ова|ева|ина|ov|ev|ova|eva))(?:тың|тің|ның|нің|қа|ке|ға|ге|ка|га|ты|ті|ны|ні|та|те|"
    r"тан|тен|пен|бен|мен|нан|нен|тын|тин|дын|дин|нын|нин|ту|ду|ну|дун|тун|нун|дан|ден|менен|го|ко|до|то|дон|тон|"
    r"нон|нинг|ни)$")

# a Latin Uzbek surname's case ending ("Mirziyoyevning")
UZ_LATIN_SURNAME_CASE = re.compile(r"(?<=ov|ev|va)(?:ning|ni|ga|da|dan)$")
