"""Word lists, phrase tables and regexes of the facts stage: counted nouns, qualifiers, totals, breakdowns, years.

Data only, in the six languages (ru, en, kk, ky, uz, tg); the rules that use it are in `reading` and `totals`.
Words are matched after `numbers.normalize_word` (lower case, ё as е, one apostrophe).
"""

from __future__ import annotations

import re
from functools import lru_cache

from etl.facts.numbers import APOSTROPHES, TURKIC_POSSESSIVE_SUFFIX

# --- subjects and countries -------------------------------------------------------------------------------

SUBJECTS = ("persons", "women", "children", "women_and_children", "men", "orphans", "countries", "families",
            "stages", "other")
QUALIFIERS = ("exact", "more_than", "about", "at_least", "less_than")
PEOPLE = frozenset({"persons", "women", "children", "women_and_children", "men", "orphans", "families"})
CENTRAL_ASIA = frozenset({"KZ", "KG", "UZ", "TJ", "TM"})
# Where people are brought home from: never the home country of the people counted.
CONFLICT_ZONES = frozenset({"SY", "IQ", "AF"})
# A figure for a whole region ("1,6 тысячи детей репатриированы в Центральную Азию") is no one country's.
REGION_RE = re.compile(
    r"central\s+asia(?!n\s+(?:country|nation|state|republic)\b)|центральн\w*\s+ази|орталық\s+ази|борбордук\s+ази|markaziy\s+osiyo|марказий\s+осиё"
    r"|осиёи\s+марказӣ|ca\s+countries|стран\w*\s+(?:ца|центральной\s+азии|региона)", re.IGNORECASE)
# which subjects a breakdown part or a summand may have, by the subject of the whole
PART_SUBJECTS: dict[str, frozenset[str]] = {
    "persons": frozenset({"persons", "women", "children", "men", "orphans", "women_and_children"}),
    "women_and_children": frozenset({"women", "children", "orphans", "women_and_children"}),
    "children": frozenset({"children", "orphans"}),
    "women": frozenset({"women"}),
    "men": frozenset({"men"}),
    "orphans": frozenset({"orphans"}),
    "families": frozenset({"families"}),
    "countries": frozenset({"countries"}),
    "stages": frozenset({"stages"}),
}


# --- counted nouns ----------------------------------------------------------------------------------------

TURKIC_CASE_SUFFIXES = (
    "лар|лер|дар|дер|тар|тер|лор|лөр|дор|дөр|тор|төр|ның|нің|дың|дің|тың|тің|нын|нин|дын|дин|тын|тин|нун|нүн|дун|"
    "дүн|тун|түн|ға|ге|қа|ке|га|го|гө|ка|ко|кө|на|не|нө|но|ны|ні|ды|ді|ты|ті|ну|нү|ду|дү|ту|тү|да|де|та|те|до|дө|"
    "то|тө|нда|нде|дан|ден|тан|тен|нан|нен|дон|дөн|тон|төн|нон|нөн|мен|бен|пен|менен|ымыз|іміз|мыз|міз|сы|сі|"
    "су|сү|си|ы|і|у|ү|и|а|е|н|ң|нинг|ни|ларга|лари|lar|ler|ning|ni|ga|ka|qa|da|ta|dan|imiz|miz|si|i|ng"
)


def _turkic(*stems: str) -> str:
    return "(?:" + "|".join(stems) + f")(?:{TURKIC_CASE_SUFFIXES}){{0,3}}"


# Tajik plural, ezafe, object and possessive endings: "кӯдакон", "шаҳрвандашро", "занони", "кӯдакро"
TAJIK_SUFFIXES = "он|ён|гон|ҳо|и|ӣ|ро|аш|ашон|ам|ат|амон|атон|е"


def _tajik(*stems: str) -> str:
    return "(?:" + "|".join(stems) + f")(?:{TAJIK_SUFFIXES}){{0,3}}"


# (subject, fullmatch pattern over a lower-cased word with ё -> е); first match wins
_SUBJECT_NOUN_PATTERNS: list[tuple[str, str]] = [
    ("orphans", r"сирот(?:а|ы|е|у|ой|ам|ами|ах)?|детей-сирот|дети-сироты|orphans?|" + _turkic("жетім", "жетим", "етим", "yetim", "etim") + "|"
                 + _tajik("ятим", "йатим", "бесаробон", "бепарастор")),
    ("women_and_children", r"women-and-children"),
    ("children", r"дет(?:и|ей|ям|ьми|ях)|ребен(?:ок|ка|ку|ком|ке)|несовершеннолетн(?:ий|их|им|ими|его|ему|ие|юю|яя)|"
                 r"подрост(?:ок|ка|ков|кам|ками|ках|ки)|младен(?:ец|ца|цев|цам|цами|цах|цы)|малолетн(?:их|ие|им)|"
                 r"мальчи(?:к|ка|ков|кам|ками|ках|ки)|девоч(?:ка|ки|ек|кам|ками|ках|ку)|"
                 r"child|children|kids?|minors?|boys?|girls?|teenagers?|adolescents?|infants?|bab(?:y|ies)|"
                 r"juveniles?|youngsters?|" + _turkic("бала", "балдар", "сәби", "жасөспірім", "өспүрүм", "перзент", "бола", "ўсмир",
                                                       "гўдак", "фарзанд", "bola", "o'smir", "go'dak", "farzand",
                                                       # boys and girls: "8-і ұл, 6-сы қыз", "o'g'il bola"
                                                       "ұл", "уул", "o'g'il", "ўғил", "қыз", "кыз", "qiz", "қиз") + "|"
                 + _tajik("кӯдак", "кудак", "тифл", "атфол", "бача", "наврас", "писар", "духтар")),
    ("women", r"женщин(?:а|ы|е|у|ой|ам|ами|ах)?|жен(?:а|ы|ам|ами|ах)?|матер(?:и|ей|ям|ями|ях)|мать|"
              r"вдов(?:а|ы|ам|ами|ах)?|wom[ae]n|wi(?:fe|ves)|mothers?|widows?|"
              + _turkic("әйел", "аял", "аёл", "хотин", "ayol", "xotin") + "|" + _tajik("зан", "бонув", "модар")),
    ("men", r"мужчин(?:а|ы|е|у|ой|ам|ами|ах)?|m[ae]n|" + _turkic("эркек", "эркак", "erkak", "ер") + "|"
            + _tajik("мард")),
    ("families", r"сем(?:ей|ьи|ьям|ьями|ьях|ья)|famil(?:y|ies)|households?|"
                 + _turkic("отбасы", "үй-бүлө", "оила", "oila") + "|" + _tajik("оила", "хонавода")),
    ("stages", r"этап(?:а|ов|ам|ами|ах|ы|е)?|фаз(?:а|ы|у|ам|ами|ах)?|волн(?:а|ы|у|ам|ами|ах)?|stages?|phases?|"
               r"waves?|" + _turkic("кезең", "этап", "баскыч", "босқич", "bosqich", "etap")),
    ("countries", r"стран(?:а|ы|е|у|ой|ам|ами|ах)?|государств(?:о|а|у|ом|е|ам|ами|ах)?|countr(?:y|ies)|states?|"
                  r"nations|" + _turkic("ел", "мемлекет", "мамлекет", "өлкө", "давлат", "мамлакат", "davlat",
                                         "mamlakat")),
    ("persons", r"человек(?:а|у|ом)?|люд(?:и|ей|ям|ьми|ях)|лиц(?:а|о|ам|ами|ах)?|"
                r"граждан(?:ин|ина|ину|ином|ине|е|ам|ами|ах|ка|ки|ок)?|соотечественни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"(?:казахстан|кыргызстан|киргизстан|узбекистан|таджикистан)(?:ец|ца|цев|цам|цами|цах|цы|ок|ки)|"
                r"жител(?:ь|я|ей|ям|ями|ях|и)|беженц(?:а|ев|ам|ами|ах|ы)|беженец|мигрант(?:а|ов|ам|ами|ах|ы)?|"
                r"репатриант(?:а|ов|ам|ами|ах|ы|ок|ки)?|возвращен(?:ец|цев|ца|цам|цами|цах|цы)|"
                r"боевик(?:а|ов|ам|ами|ах|и)?|террорист(?:а|ов|ам|ами|ах|ы)?|"
                r"(?:заключенн|осужденн|задержанн|пленн)(?:ый|ых|ым|ыми|ые|ого)|участни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"член(?:а|ов|ам|ами|ах|ы)?|кандас(?:а|ов|ам|ы)?|оралман(?:а|ов|ам|ы)?|"
                r"people|persons?|individuals?|citizens?|nationals?|returnees?|repatriates?|residents?|refugees?|"
                r"migrants?|fighters?|militants?|terrorists?|detainees?|prisoners?|inmates?|members|relatives?|"
                r"compatriots?|(?:kazakhstani|kyrgyzstani|uzbekistani|tajikistani)s|participants?|adults?|"
                r"survivors?|evacuees?|civilians?|victims?|passengers?|experts?|specialists?|students?|viewers?|"
                r"жертв(?:а|ы|у|ой|ам|ами|ах)?|пассажир(?:а|ов|ам|ами|ах|ы)?|эксперт(?:а|ов|ам|ами|ах|ы)?|"
                r"специалист(?:а|ов|ам|ами|ах|ы)?|студент(?:а|ов|ам|ами|ах|ы)?|зрител(?:ь|я|ей|ям|ями|ях|и)|"
                r"волонтер(?:а|ов|ам|ами|ах|ы)?|сотрудни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"(?:психолог|педагог|врач|учител|социальн\w+ работни)(?:а|ов|ам|ами|ах|ы|и|ей|ь|я|ям|ями|ях)?|"
                r"psychologists?|teachers?|doctors?|social workers?|volunteers?|staff|employees?|"
                # a demonym counts people: "98 кыргызстандык", "200 o'zbekistonlik", "30 қазақстандық әйел"
                r"(?:қазақстан|кыргызстан|қырғызстан|өзбекстан|тәжікстан|тажикстан|түркменстан)д[ыі]қ|"
                r"(?:казакстан|кыргызстан|өзбекстан|тажикстан|түркмөнстан)д[ыу]к|"
                r"(?:qozog'iston|qirg'iziston|o'zbekiston|tojikiston|turkmaniston)lik|"
                r"(?:қозоғистон|қирғизистон|ўзбекистон|тожикистон|туркманистон)лик|"
                + _turkic("психолог", "педагог", "маман", "адис", "мугалим", "мұғалім", "дәрігер", "доктур",
                          "қызметкер", "кызматкер", "волонтер", "ерікті", "мутахассис", "mutaxassis", "psixolog",
                          "pedagog", "o'qituvchi", "ўқитувчи", "shifokor", "шифокор", "xodim", "ходим", "ko'ngilli",
                          "кўнгилли") + "|"
                + _turkic("адам", "азамат", "кісі", "тұрғын", "қандас", "отандас", "жаран", "атуул", "киши", "тургун",
                          "мекендеш", "одам", "фуқаро", "шахс", "ватандош", "kishi", "odam", "fuqaro", "shaxs",
                          "vatandosh", "мүше", "мүчө", "a'zo", "аъзо", "жолаушы", "жүргүнчү", "yo'lovchi") + "|"
                + _tajik("шаҳрванд", "шахрванд", "ҳамватан", "хамватан", "одам", "кас", "сокин", "муҳоҷир",
                         "гуреза", "тоҷикистонӣ", "тоҷикистони")),
    ("other", r"этнос(?:а|ов|ам|ами|ах|ы)?|этническ(?:их|ие)|национальност(?:ь|и|ей|ям|ями|ях)|"
              r"народност(?:ь|и|ей|ям|ями|ях)|лагер(?:ь|я|ей|ям|ями|ях|и)|организаци(?:я|и|й|ям|ями|ях|ю)|"
              r"операци(?:я|и|й|ям|ями|ях|ю)|мисси(?:я|и|й|ям|ями|ях|ю)|рейс(?:а|ов|ам|ами|ах|ы)?|"
              r"самолет(?:а|ов|ы)?|регион(?:а|ов|ам|ами|ах|ы)?|област(?:ь|и|ей|ям|ями|ях)|город(?:а|ов|ам|ами|ах)?|"
              r"центр(?:а|ов|ам|ами|ах|ы)?|школ(?:а|ы|у|ам|ами|ах)?|проект(?:а|ов|ам|ами|ах|ы)?|"
              r"программ(?:а|ы|у|ам|ами|ах)?|групп(?:а|ы|у|ам|ами|ах)?|делегаци(?:я|и|й|ям|ями|ях)|"
              r"учреждени(?:е|я|й|ям|ями|ях)|"
              r"groups?|ethnicit(?:y|ies)|nationalit(?:y|ies)|camps?|organi[sz]ations?|ngos|operations?|missions?|"
              r"flights?|planes?|aircraft|regions?|cities|city|cent(?:er|re)s?|schools?|projects?|programm?e?s?|"
              r"delegations?|institutions?|agenc(?:y|ies)|"
              + _turkic("ұлт", "этнос", "лагерь", "лагер", "ұйым", "улут", "уюм", "миллат", "ташкилот", "millat",
                        "lager", "tashkilot", "рейс", "reys", "мектеп", "maktab", "мактаб",
                        # aircraft: "екі ұшақпен", "эки учак менен", "ikki samolyotda"
                        "ұшақ", "учак", "samolyot", "самолёт", "самолет", "tayyora", "тайёра") + "|"
              + _tajik("ҳавопаймо", "тайёра")),
]
SUBJECT_NOUNS = [(subject, re.compile(pattern.replace("ё", "е"))) for subject, pattern in _SUBJECT_NOUN_PATTERNS]


# --- words between a number and its noun ------------------------------------------------------------------

# "a mother and her four children", "женщина и четверо ее детей": a possessive pronoun between number and noun
POSSESSIVE_MODIFIERS = {"her", "his", "their", "ее", "её", "его", "их", "своих", "свои", "оның", "олардың", "uning",
                        "ularning"}
ENGLISH_MODIFIERS = {
    "more", "additional", "other", "new", "young", "small", "foreign", "member", "kazakh", "uzbek", "kyrgyz",
    "tajik", "turkmen", "former", "local", "adult", "underage", "minor", "unaccompanied", "vulnerable", "female",
    "male", "ethnic", "repatriated", "returned", "further", "different", "european", "asian", "african",
}
ENGLISH_ADJECTIVE_RE = re.compile(r"[a-z]+(?:ian|an|ese|ish|ic|al|ed|ful|ous|ive|less|ble|ary|ory|i|ern)")
RUSSIAN_ADJECTIVE_RE = re.compile(r"[а-я]+(?:ых|их|ые|ие|ый|ий|ой|ая|яя|ую|юю|ым|им|ыми|ими|ого|его|ому|ему)(?:ся)?")
TURKIC_ADJECTIVE_RE = re.compile(
    r"[^\W\d_']+(?:лық|лік|дық|дік|тық|тік|лык|лик|дык|дик|тык|тик|лук|лүк|дук|дүк|тук|түк|lik|ған|ген|қан|кен|"
    r"ган|гон|гөн|кон|көн|gan|kan|qan|даги|dagi|деги|дагы|сыз|сіз|siz|лган|lgan)"
)
# "беш жаңы социалдык кызматкер", "yana 12 nafar", "тағы 40 бала": new/other/more before the noun
TURKIC_MODIFIERS = {"жаңа", "жаңы", "yangi", "янги", "басқа", "башка", "boshqa", "бошқа", "тағы", "дагы", "yana",
                    "яна", "кішкентай", "кичинекей", "kichik", "кичик",
                    # "12 nafari chin yetim", "тўлиқ етим": full orphans (both parents lost)
                    "chin", "чин", "to'liq", "тўлиқ", "толук", "толық"}
MEASURE_WORDS = {"nafar", "нафар", "nafari", "нафари", "nafarini", "нафарини", "нафарашон", "нафараш", "ta", "та",
                 "tasi", "еще", "more"}
# "young" before a children noun, not an age: "156 жаш бала", "жас балалар", "yosh bolalar"
YOUNG_WORDS = {"жас", "жаш", "ёш", "yosh"}
# "N nafari" (N of them), "N nafardan ziyodi" (more than N of them): the whole is named before, in the genitive
# or the ablative ("Bolalarning 12 nafari", "boladan 140 nafari")
POSSESSIVE_MEASURE_WORDS = {"nafari", "нафари", "nafarini", "нафарини", "tasi", "таси"}
ABLATIVE_MEASURE_WORDS = {"nafardan", "нафардан", "tadan", "тадан"}
# an ablative noun right before the number names the group it is taken from: "boladan 140 nafari"
ABLATIVE_BEFORE_RE = re.compile(r"([^\W\d_']+(?:дан|ден|тан|тен|нан|нен|дон|дөн|тон|төн|dan|tan|nan))[\s\u00a0]*$",
                                re.IGNORECASE)
# Uzbek/Tajik "nafar" counts people when no noun follows it: "ҳаҷми 260 нафар", "yana 12 nafar qaytdi"
PERSON_MEASURE_WORDS = {"nafar", "нафар", "нафарашон", "нафараш"}
# "of whom 400 were children": a copula may stand between a breakdown part and its noun
COPULAS = {"were", "are", "was", "is", "являются", "являлись", "были", "было"}
# subjects that a predicate "orphans" narrows: "30 of the children are orphans", "18 бала – жетім"
ORPHANED_BY_PREDICATE = frozenset({"children", "persons"})
CONJUNCTIONS = {"и", "and", "мен", "пен", "бен", "және", "жана", "менен", "va", "ва", "&"}
# a bare case ending written apart from the digits: "700 dan ortiq"
DETACHED_CASE_ENDINGS = {"dan", "ga", "дан", "ден", "га", "ге", "нан", "нен"}


# an age or a duration follows the number: "32 yoshli erkak", "44 жастағы әйел", "5 years", "тens of thousands"
AGE_OR_DURATION_RE = re.compile(
    r"years?|year-old|aged|months?|days?|weeks?|hours?|лет|года?|летн\w*|месяц\w*|дн(?:я|ей)|недел\w*|"
    r"жас|жастағы|жаштагы|жашар|жаштан|жыл\w*|ай|yosh\w*|yashar|yil\w*|ёш\w*|яшар|йил\w*|"
    r"сол|сола\w*|солаи|соли|моҳ\w*|рӯз\w*|ҳафта\w*|"
    r"(?:мың|миң|жүз|он|ming|yuz|o'n|минг|юз|ўн)(?:даған|деген|доган|лаган|lab|лаб|lar)"
)


# --- qualifiers ------------------------------------------------------------------------------------------

_QUALIFIER_PHRASES_BEFORE: list[tuple[str, str]] = [
    ("more_than", r"более чем|больше чем|более|свыше|больше|сверх|more than|over|upwards of|in excess of|above|"
                  r"well over|just over|in all over|беш аз|зиёда аз|зиёд аз|зиёда аз|аз \d+ зиёд|"
                  # a figure passed: "now exceeds 500", "превысило 300"
                  r"exceeds|exceeded|exceeding|превысил[аои]?|превышает|превышают|превысит"),
    ("at_least", r"не менее чем|не менее|не меньше чем|не меньше|как минимум|по меньшей мере|по крайней мере|минимум|"
                 r"at least|no fewer than|no less than|not less than|a minimum of|кемінде|кеминде|жок дегенде|"
                 r"kamida|камида|ең кемі|на камтар аз|ҳадди ақал|дасти кам"),
    ("less_than", r"менее чем|менее|меньше чем|меньше|не более чем|не более|не больше|почти|чуть меньше|максимум|до|"
                  r"less than|fewer than|under|up to|nearly|almost|no more than|not more than|at most|just under|"
                  r"as many as|то|қариб|кам аз"),
    ("about", r"около|порядка|примерно|приблизительно|ориентировочно|где-то|about|around|approximately|roughly|"
              r"some|an estimated|estimated|close to|circa|approx\.?|шамамен|шамасы|болжол менен|болжолу|болжол|"
              r"qariyb|taxminan|тахминан|қарийб|тахминан|тақрибан|таќрибан|наздики|тахминан|наздик ба|қариб ба"),
]
QUALIFIERS_BEFORE = [(q, re.compile(rf"(?<![\w'])(?:{p})[\s\u00a0]*$")) for q, p in _QUALIFIER_PHRASES_BEFORE]


def _phrase_words(phrases: str) -> int:
    """The most words one alternative of `phrases` spans: its words are parted by single literal spaces only."""
    if re.search(r"\\s|[()*{]", phrases):
        raise ValueError("a phrase with groups or flexible spaces needs its own bound")
    return max(alternative.count(" ") + 1 for alternative in phrases.split("|"))


# the most words a QUALIFIERS_BEFORE match spans (trailing spaces aside): it lies in the number's last few words
QUALIFIER_PHRASE_WORDS = max(_phrase_words(phrases) for _, phrases in _QUALIFIER_PHRASES_BEFORE)
QUALIFIERS_AFTER: dict[str, str] = {
    **dict.fromkeys(["астам", "артық", "көп", "ашык", "ашуун", "көбүрөөк", "ortiq", "ziyod", "ko'p", "ko'proq",
                     "ортиқ", "зиёд", "кўп", "кўпроқ"], "more_than"),
    **dict.fromkeys(["жуық", "жакын", "yaqin", "яқин", "шамасында"], "about"),
    **dict.fromkeys(["кем", "аз", "kam", "кам", "az", "дейін", "шейін", "чейин", "gacha", "гача"], "less_than"),
}
# These compare only after an ablative ("100-ден аз", "50 kishidan kam"): Tajik "аз" after a noun is "from"
# ("104 кӯдак аз урдугоҳҳо": 104 children from the camps, exact)
LESS_AFTER_ABLATIVE_ONLY = frozenset({"аз", "az", "кам", "kam"})
ABLATIVE_END_RE = re.compile(r"(?:дан|ден|тан|тен|нан|нен|дон|дөн|тон|төн|нон|нөн|dan|tan|nan)$", re.IGNORECASE)
# the same postpositions with a possessive ending: "балалардың 30-дан астамы" (more than 30 of the children)
POSSESSIVE_QUALIFIERS_AFTER: dict[str, str] = {
    **dict.fromkeys(["астамы", "артығы", "ашыгы", "ашууну", "ortig'i", "ortiqi", "ziyodi", "ортиғи", "зиёди"],
                    "more_than"),
    **dict.fromkeys(["жуығы", "жакыны", "yaqini", "яқини", "чамалуусу", "шамасы"], "about"),
}
# "800дөй" (about 800): a similative ending on the digits
ABOUT_NUMBER_RE = re.compile(r"\d[-‐‑]?(?:дай|дей|дой|дөй|тай|тей|той|төй)$")
# "алардын 200гө чамалуусу" (about 200 of them): a genitive pronoun names people counted before
GENITIVE_PRONOUNS = {"алардын", "олардың", "ularning", "уларнинг", "улардан", "ulardan"}
POSSESSIVE_NUMBER_RE = re.compile(rf"\d[-‐‑]?(?:{TURKIC_POSSESSIVE_SUFFIX})$")
# a Turkic genitive noun right before a possessive number names what is counted: "балалардың 30-ы"
GENITIVE_BEFORE_RE = re.compile(r"([^\W\d_']+(?:ның|нің|дың|дің|тың|тің|нын|нин|дын|дин|тын|тин|нун|нүн|дун|дүн|тун|"
                                r"түн|ning|нинг))[\s\u00a0]*(?:[^\W\d_']+[\s\u00a0]+)?$", re.I)
# the most words a GENITIVE_BEFORE_RE match spans: the genitive and one word after it
GENITIVE_BEFORE_WORDS = 2
# "Qaytarilganlarning 22 nafari", "Оралғандардың 30-ы": those who were returned (never a proper name)
PARTICIPLE_GENITIVE_RE = re.compile(
    r"(?:gan|kan|qan|ган|ған|ген|қан|кен|кан|гөн|гон)(?:lar|лар|лер|дар|дер|тар|тер|дор|дөр)?"
    r"(?:ning|нинг|ның|нің|дың|дің|нын|нин|дын|дин)$", re.I)
# "Из них свыше 360 — дети": after a breakdown marker a dash may stand for the copula
DASH_COPULAS = {"—", "–", "-"}
# "more than 700 of its citizens"
ENGLISH_OF_DETERMINERS = {"its", "their", "the", "our"}
# "выросло до 832", "rose to 832", "с 500 до 832": "до"/"to" gives the new level, not an upper bound
CHANGE_TO_LEVEL_RE = re.compile(r"(?:(?:вырос\w*|возрос\w*|увеличил\w*|сократил\w*|снизил\w*|уменьшил\w*|дошл\w*|"
                                r"дош[её]л|поднял\w*|rose|risen|grew|climbed|increased|fell|dropped|declined)|"
                                r"(?<![\w'])(?:с|from)\s+[\d\s.,]+\s*(?:[^\W\d_]+\s+)?)\s+(?:до|to)\s*$", re.I)
# "700 с лишним": more than, written after the number
RUSSIAN_MORE_AFTER_RE = re.compile(r"[\s\u00a0]*с (?:лишним|небольшим)\b")


# --- totals, breakdown markers, return verbs -------------------------------------------------------------

TOTAL_BEFORE_RE = re.compile(
    r"(?<![\w'])(?:всего|в общей сложности|итого|общее (?:число|количество)|общей численностью|in total|a total of|"
    r"total of|altogether|overall|in all|барлығы|барлыгы|жалпы|жалпысынан|бардыгы|баары|jami|жами|umumiy|умумий|"
    r"hammasi|ҳаммаси|"
    # a running count to date is a total of the returns so far
    r"to date|so far|until now|in recent years|now (?:exceeds|stands at|totals)|has now reached|"
    r"уже превысил\w*|уже составляет|на сегодняшний день|до сих пор|к настоящему времени|"
    r"за последние годы|за все время|буга чейин|бүгүнкү күнгө чейин|акыркы жылдары|бүгінге дейін|осы уақытқа дейін|"
    r"соңғы жылдары|bugungi kungacha|бугунги кунгача|shu kungacha|шу кунгача|то имрӯз|то ба имрӯз|солҳои охир)(?![\w'])",
    re.I,
)
TOTAL_AFTER_RE = re.compile(r"^[^,;:()]{0,40}?(?<![\w'])(?:in total|in all|altogether|overall)(?![\w'])", re.I)
BREAKDOWN_MARKER_RE = re.compile(
    r"(?<![\w'])(?:из них|из которых|в том числе|в т\. ?ч\.|включая|среди них|среди которых|of whom|of which|of them|"
    r"including|among them|among whom|оның ішінде|олардың ішінде|соның ішінде|анын ичинде|алардын ичинен|"
    r"алардын ичинде|анын ичинен|анын ичинде|шундан|улардан|шулардан|shundan|ulardan|shu jumladan|jumladan|"
    r"шу жумладан|жумладан|аз ҷумла|аз он ҷумла|аз онҳо|аз ин шумора|аз шумораи)(?![\w'])",
    re.I,
)
# "The remaining 14 children ...", "Калган 14 бала ...": opening a sentence, the rest of a group counted just before
REMAINDER_OPENER_RE = re.compile(
    r"^[\s\u00a0]*(?:the (?:remaining|other)|the rest of the|остальные|оставшиеся|қалған|калган|qolgan|қолган|"
    r"боқимонда)[\s\u00a0]+$", re.IGNORECASE)
# "30 of the children": a part of a group counted before, named again by its noun
OF_THE_AFTER_NUMBER_RE = re.compile(r"[\s\u00a0]+of (?:the|these|those)(?![\w'])", re.IGNORECASE)
# a dash that opens a breakdown right after a whole: "двадцать пять граждан — семь женщин и 18 детей"
SPACED_DASH_RE = re.compile(r"\s[—–]\s")
# "a mother and her four children", "женщина и её четверо детей": a possessive pronoun right before a part
POSSESSIVE_PRONOUN_BEFORE_RE = re.compile(
    r"(?<![\w'])(?:her|his|their|её|ее|его|их|оның|олардың|анын|алардын|uning|ularning|унинг|уларнинг|вай|онҳо)"
    r"[\s\u00a0]+$",
    re.I,
)
# "18 of whom are orphans": a part named by the number, then "of whom" (its whole is the figure before it)
PART_OF_AFTER_NUMBER_RE = re.compile(r"[\s\u00a0]+of (?:whom|them|which)(?![\w'])", re.I)
# a breakdown marker, then at most a qualifier, right before the number: "Из них свыше 360 — дети"
BREAKDOWN_BEFORE_NUMBER_RE = re.compile(
    r"(?:" + BREAKDOWN_MARKER_RE.pattern + r")[\s\u00a0]*(?:[^\W\d_]+[\s\u00a0]+){0,2}$", re.I)
RETURN_CUE_RE = re.compile(
    r"(?<![\w'])(?:return(?:ed|ing|s)?|returnees?|repatriat\w*|brought (?:back|home)|evacuat\w*|rescued|"
    r"flown (?:back|home)|возвращ\w*|возвращен\w*|вернул\w*|вернуть|вернут\w*|вернувш\w*|верн[её]н\w*|"
    r"возвратил\w*|репатри\w*|вывез\w*|"
    r"вывоз\w*|эвакуир\w*|эвакуац\w*|доставлен\w*|"
    r"қайтарыл\w*|қайтарған\w*|елге орал\w*|орал(?:ды|ған)\w*|әкелін\w*|жеткізіл\w*|эвакуац\w*|"
    r"кайтарыл\w*|кайтып кел\w*|алып келин\w*|мекенине кайт\w*|"
    r"қайтарил\w*|олиб келин\w*|qaytaril\w*|olib kelin\w*|vataniga qayt\w*|evakuatsiya\w*|"
    r"came (?:back|home)|arrived home|homecoming|airlifted|freed|(?:are|is|were|was) (?:now |back |safely )?home|"
    r"landed|прибыл\w* на родину|освобожд\w*|"
    r"(?:carried|transported|flew|delivered)\b[^.;]{0,80}\bto (?:kazakhstan|kyrgyzstan|uzbekistan|tajikistan|"
    r"turkmenistan|(?:their )?homeland)|"
    r"olib chiqil\w*|олиб чиқил\w*|алып шығыл\w*|алып чыгыл\w*|көшіріл\w*|көчүрүл\w*|бошотул\w*|босатыл\w*|"
    r"қайтар\w*|қайтиб кел\w*|қайтиш\w*|qaytar\w*|qaytib kel\w*|qaytish\w*|кайтар\w*|"
    r"баргардон\w*|бозгардон\w*|баргашт\w*|оварда\w*|меоран\w*|меорад|интиқол\w*|ба ватан\w*)",
    re.I,
)
# An announced return, not a done one: "will be returned", "планирует вернуть", "қайтарылады", "меорад"
PLANNED_CUE_RE = re.compile(
    r"(?<![\w'])(?:will (?:be )?(?:return|repatriat|bring|brought|evacuat|fly|flown)\w*|plans? to|planning to|"
    r"planned|intends? to|(?:is|are) (?:set|expected|due|to be) to|to be (?:returned|repatriated|brought|evacuated)|"
    r"планиру\w*|намерен\w*|собира\w*ся|будут? (?:возвращ|вывез|эвакуир|вернут)\w*|предстоит|ожида\w*ся|"
    r"вернут(?:ь|ся)? в ближайшее|"
    r"жоспарла\w*|қайтарылады|әкелінеді|оралады|кайтарылат|алып келинет|пландаштыр\w*|"
    r"rejalashtir\w*|режалаштир\w*|қайтаради|qaytaradi|қайтарилади|qaytariladi|кутаётган\w*|кутмоқда|"
    r"kutayotgan\w*|kutmoqda|олиб келинади|olib kelinadi|"
    r"нақша\w*|меорад|меоранд|баргардонида мешав\w*|баргардонида шаванд|бояд(?:\s+\w+){0,4}\s+баргардонида|барои баргардон\w*)(?![\w'])",
    re.I,
)
# where the clause of a total marker starts: after ";", ":", "(", ", " or a spaced dash
CLAUSE_BREAK_RE = re.compile(r"[;:(]|, |\s[—–]\s")
# an ISO alpha-2 country code, as the entities stage writes it in canonical_id
COUNTRY_CODE_RE = re.compile(r"[A-Z]{2}")


# a return verb right after a bare number names people: "еще 90 вернулись", "40 returned on their own"
RETURN_VERB_AFTER_RE = re.compile(
    r"[\s\u00a0]+(?:вернулись|возвратились|вернулся|вернулась|returned|came back|came home|have returned|"
    r"қайтты|оралды|кайтып келди|кайтышты|qaytdi|qaytib keldi|қайтди|қайтиб келди|баргаштанд|баргашт)(?![\w'])",
    re.I,
)
# "the first group", "вторая группа", "бірінші топ", "birinchi guruh": groups of a return told one by one
GROUP_WORD_RE = re.compile(
    r"(?<![\w'])(?:groups?|batch(?:es)?|групп\w*|парти[яиюей]\w*|топ(?:тың|қа|та|ы|тар\w*)?|тобы|guruh\w*|"
    r"гуруҳ\w*|группа\w*)(?![\w'])", re.I)
# a wish or an appeal is no return: "286 women wanted to return home", "просят вернуть", "qaytishni xohlaydi"
RETURN_WISH_BEFORE_RE = re.compile(
    r"(?<![\w'])(?:want(?:s|ed)?|wish(?:es|ed)?|hop(?:e|es|ed)|ask(?:s|ed)?|appeal(?:s|ed)?|urg(?:e|es|ed)|"
    r"call(?:s|ed)? on|willing|eager|(?:refus|declin)(?:e|es|ed)|хот(?:ят|ел[аи]?|ят ли)|хочет|желают|желает|"
    r"прос(?:ят|ит|или)|призыва\w*|отказ\w*)(?:\s+\w+){0,2}\s*$",
    re.I,
)

# People who ARE somewhere (held, living, staying), said with a finite verb of the present: a state, neither a
# return nor a planned one ("43 women are held in Iraqi prisons", "в лагерях остаются 800 граждан", "қамауда
# отыр", "камакта жатат", "lagerlarda qolmoqda", "дар маҳбас қарор доранд"). Participles ("living", "находящиеся",
# "жүрген", "qolgan") describe the group and are left out: "лагерьде жүрген 47 адам оралды" is a return.
STATE_CUE_RE = re.compile(
    r"(?<![\w'])(?:(?:are|is)\s+(?:still\s+|currently\s+|now\s+|being\s+)?(?:held|detained|kept|imprisoned|"
    r"housed|staying|living|located|in)|remains?\s+(?:in|at|under|held|detained|there)|"
    r"(?:live|lives|stay|stays)\s+in|"
    r"наход(?:ятся|ится)|содерж(?:атся|ится)|оста(?:ются|ётся|ется)|прожива(?:ют|ет)|пребыва(?:ют|ет)|"
    r"отыр|отыр(?:ады|мыз)|жүр|жүреді|жатыр|тұрады|қамауда|бар(?!\s+болғаны)|"
    r"отурат|отурушат|жатат|жатышат|жүрөт|жүрүшөт|камакта|"
    r"qolmoqda|қолмоқда|saqlanmoqda|сақланмоқда|yashamoqda|яшамоқда|mavjud|мавжуд|"
    r"қарор\s+доранд|қарор\s+дорад|мебошанд|боқӣ\s+мондаанд|боқӣ\s+мондааст|зиндагӣ\s+мекунанд|"
    r"нигоҳ\s+дошта\s+мешаванд)(?![\w'])",
    re.IGNORECASE,
)
# People who came back by themselves are no return of the operation: "вернулись самостоятельно", "өз алдынча
# кайтып келген эки аял", "returned on their own"
SELF_RETURN_RE = re.compile(
    r"(?<![\w'])(?:самостоятельно|on their own|by themselves|of their own accord|өз алдынча|өз бетінше|өз бетімен|"
    r"o'z ixtiyori bilan|ўз ихтиёри билан|mustaqil ravishda|мустақил равишда|мустақилона|худ ба худ)(?![\w'])",
    re.IGNORECASE,
)
# how far a self-return phrase may stand from the return verb it qualifies
SELF_RETURN_REACH = 30
# "the operation" without its name ("операцияның төрт кезеңінде", "this operation"): the one named just before
OPERATION_ANAPHOR_RE = re.compile(
    r"(?<![\w'])(?:(?:the|this) (?:operation|mission)|операци[яиюей]\w*|operatsiya\w*|операцияс\w*|amaliyot\w*|"
    r"амалиёт\w*|амалиёти\w*)(?![\w'])", re.IGNORECASE)
# a state verb right after these describes the people in a relative clause: "47 people who are held ... returned"
RELATIVE_BEFORE_RE = re.compile(r"(?<![\w'])(?:who|that|which|которые|которых|кто)[\s\u00a0]*$", re.IGNORECASE)


def last_words_start(text: str, words: int) -> int:
    """Where the whitespace before the last `words` words of `text` begins (0 when it has no more words).

    A regex anchored at the end of `text` whose match spans at most `words` words, searched from there, finds what
    a search of all of `text` finds (lookbehinds still see the text before), without trying every earlier start.
    """
    pieces = text.rsplit(None, words)
    return len(pieces[0]) if len(pieces) > words else 0


# a sentence is asked again for each of its figures, and again when the table is read back; bounded for long runs
CUE_CACHE_SIZE = 1 << 12


@lru_cache(maxsize=CUE_CACHE_SIZE)
def has_return_cue(text: str) -> bool:
    """True when `text` says people were (or are to be) returned, repatriated, brought back or evacuated; a wish or
    an appeal to return ("wanted to return home", "просят вернуть") is none."""
    return any(not RETURN_WISH_BEFORE_RE.search(text[max(0, match.start() - 40):match.start()])
               for match in RETURN_CUE_RE.finditer(text))


@lru_cache(maxsize=CUE_CACHE_SIZE)
def has_planned_cue(text: str) -> bool:
    """True when `text` announces a return to come ("will be repatriated", "намерены вернуть", "қайтаради")."""
    return bool(PLANNED_CUE_RE.search(text))


# --- years -----------------------------------------------------------------------------------------------

_YEAR_GROUP = r"((?:19|20)\d{2})"
YEAR_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("range", re.compile(rf"(?<![\w'])(?:с|со|from|between|от)\s+{_YEAR_GROUP}\s*(?:года?|г\.|year)?\s*"
                         rf"(?:по|до|to|and|until|till|through|[-–—])\s*{_YEAR_GROUP}(?!\d)", re.I)),
    ("range", re.compile(rf"(?<![\d.,]){_YEAR_GROUP}\s*[-–—]\s*{_YEAR_GROUP}(?!\d)")),
    ("range", re.compile(rf"(?<![\d.,]){_YEAR_GROUP}\s*-?\s*(?:yildan|йилдан|жылдан|жылдардан)\s+{_YEAR_GROUP}\s*-?\s*"
                         r"(?:yilgacha|йилгача|жылға|жылга|жылы|йили|yili)", re.I)),
    ("since", re.compile(rf"(?<![\w'])(?:с|со|since|from|начиная с)\s+{_YEAR_GROUP}(?!\d)", re.I)),
    ("since", re.compile(rf"(?<![\d.,]){_YEAR_GROUP}\s*-?\s*(?:жылдан|жылдардан|yildan|йилдан)", re.I)),
    ("single", re.compile(rf"(?<![\d.,]){_YEAR_GROUP}(?![\d]|[.,]\d)")),
]
YEAR_DIGITS_RE = re.compile(r"(?:19|20)\d{2}")


# --- tokens, and a year-like number that is a year -------------------------------------------------------

# a word (apostrophes and hyphens inside) or one punctuation mark
TOKEN_RE = re.compile(rf"[^\W_]+(?:[{APOSTROPHES}'\-][^\W_]+)*|[^\w\s]")
_MONTH_NAMES = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|"
    r"декабр[ья]|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан|"
    r"январь|февраль|апрель|июнь|июль|сентябрь|октябрь|ноябрь|декабрь|yanvar|fevral|mart|aprel|iyun|iyul|"
    r"avgust|sentabr|oktabr|noyabr|dekabr"
)
# a 4-digit year-like number after these is a year even if a noun follows ("In 2019 children were ...",
# "с 1 января 2008 граждане ..."); "of 2000 children", "до 2000 человек" stay counts
YEAR_PREPOSITION_BEFORE_RE = re.compile(
    rf"(?<![\w'])(?:in|since|from|by|until|till|between|в|во|с|со|по|{_MONTH_NAMES})"
    r"[\s\u00a0]*$",
    re.I,
)
WORD_START_RE = re.compile(r"[^\W\d_]")


# --- the noun named before the number --------------------------------------------------------------------

# "the number of returnees reached 600", "число возвращенных детей составило 600", "балалар саны 600-ге жетті"
NUMBER_OF_RE = re.compile(
    r"(?<![\w'])(?:(?:total )?number of|(?:общее )?(?:число|количество)|численность)\s+(?P<rest>[^\d]{0,60})$", re.I
)
TURKIC_COUNT_OF_RE = re.compile(r"(?P<noun>[^\W\d_']+)\s+(?:саны|soni|сони)\s*(?P<gap>[^\d]{0,15})$", re.I)
# What NUMBER_OF_RE and TURKIC_COUNT_OF_RE cannot match without, found fast (a text without it is spared their scan,
# which tries them at every character)
NUMBER_OF_WORD_RE = re.compile(r"[nчк](?:umber of|исл|оличеств)", re.I)
COUNT_OF_WORD_RE = re.compile(r"[сs](?:аны|они|oni)", re.I)
COUNT_OF_GAP_RE = re.compile(
    # up to four words may stand before the verb: "the number of citizens returned under Zhusan now exceeds 500"
    r"\s*(?:(?:[^\W\d_]+\s+){0,4}?(?:[—–:-]|reached|stood at|stands at|was|is|totall?ed|totals|amounted to|rose to|"
    r"is now|exceeds|exceeded|составил[аои]?|составляет|достигл[аои]?|достиг|превысил[аои]?|превышает))?"
    r"\s*(?:[^\W\d_]+\s*)?",
    re.I,
)
NOUN_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# a noun with a Turkic possessive ending: "fuqarosi", "азаматы"
POSSESSIVE_NOUN_RE = re.compile(r".+(?:si|сі|сы|си|ы|і)", re.I)


def held_where_they_are(sentence: str, start: int, end: int) -> bool:
    """True when the predicate nearest the figure at [start, end) of `sentence`, within its clause, says where
    people are (STATE_CUE_RE) or that they came back by themselves (SELF_RETURN_RE) rather than that they were or
    will be returned: then the figure is neither a return nor a planned one ("43 women and 92 children are held in prisons, and 75 children will be returned": 43 and 92)."""
    clause_start = max((m.end() for m in CLAUSE_BREAK_RE.finditer(sentence, 0, start)), default=0)
    separator = CLAUSE_BREAK_RE.search(sentence, end)
    clause = sentence[:separator.start() if separator else len(sentence)]
    cues = [(m.start(), m.end(), True) for m in STATE_CUE_RE.finditer(clause, clause_start)
            if not RELATIVE_BEFORE_RE.search(clause[max(clause_start, m.start() - 12):m.start()])]
    selves = [(m.start(), m.end(), True) for m in SELF_RETURN_RE.finditer(clause, clause_start)]
    cues += selves
    if not cues:
        return False
    cues += [(m.start(), m.end(), False) for pattern in (RETURN_CUE_RE, PLANNED_CUE_RE)
             for m in pattern.finditer(clause, clause_start)
             if not any(m.start() - SELF_RETURN_REACH <= self_end and self_start <= m.end() + SELF_RETURN_REACH
                        for self_start, self_end, _ in selves)]
    nearest = min(cues, key=lambda cue: (start - cue[1] if cue[1] <= start else cue[0] - end, not cue[2]))
    return nearest[2]
