"""Word lists and regexes of the events stage, in the six languages (en, ru, kk, ky, uz Latin/Cyrillic, tg).

Data only; `mentions` uses them to tell a completed return from a planned one, a cumulative total, or a figure
that is no return at all (a wish, a demand, a negation), and to read stages, dates and origins.
"""

from __future__ import annotations

import re

# --- what kind of figure -----------------------------------------------------------------------------------

# A plan or an expectation: the figure is to be returned, not returned yet.
PLANNED_RE = re.compile(
    r"(?<![\w'])(?:plan(?:s|ned|ning)?|will\s+(?:be\s+)?(?:return|repatriat|brought|bring|evacuat)\w*|"
    r"to be (?:returned|repatriated|brought|evacuated)|intends?|expects?|expected|upcoming|next (?:stage|group)|"
    r"планир\w*|план\w*|намер\w*|предстоит|ожида\w*|будут\s+(?:возвращ|вывез|доставл|эвакуир)\w*|собира\w*|"
    r"жоспар\w*|қайтарылады|қайтарылмақ\w*|қайтармақ\w*|күтіл\w*|"
    r"пландал\w*|пландоо\w*|кайтарылат|кайтарылмак\w*|күтүл\w*|"
    r"rejalashtir\w*|режалаштир\w*|qaytariladi|қайтарилади|kutilmoqda|кутилмоқда|kutmoqda|кутмоқда|"
    r"нақша\w*|ба\s+нақша|бармегардон\w*|баргардонида\s+мешав\w*|интизор\w*)(?![\w'])",
    re.IGNORECASE,
)
# Not a return at all: a wish, a request, a demand, or a return that did not happen.
NOT_A_RETURN_RE = re.compile(
    r"(?<![\w'])(?:want(?:s|ed)?\s+to|wish(?:es|ed)?\s+to|ask(?:s|ed)?\s+(?:for|to)|appeal\w*|"
    r"(?:can|could)\s*not|cannot|unable|must|should|need\s+to|called?\s+for|"
    r"хот(?:ят|ел[аи]?|ят)\s|желают|просят|просил\w*|требу\w*|нужно|необходимо|надо|не\s+могут|не\s+смогли|"
    r"қайтқысы\s+келе\w*|сұра\w*|өтін\w*|керек\w*|қажет\w*|"
    r"кайткысы\s+келе\w*|сура\w*|өтүн\w*|ишен\w*|"
    r"xohla\w*|istay\w*|so'ra\w*|kerak\w*|хоҳла\w*|истай\w*|сўра\w*|керак\w*|"
    r"мехоҳ\w*|хоҳиш\w*|бояд|лозим)(?![\w'])",
    re.IGNORECASE,
)
# A figure adding up several returns over a period: a cumulative total, never one return.
CUMULATIVE_RE = re.compile(
    r"(?<![\w'])(?:since|so far|to date|until now|over the (?:past|last)\s+\w+\s+years|in recent years|"
    r"(?:\w+\s+)?(?:times|stages|phases)\s+(?:before|so far)|in (?:\w+\s+)?(?:stages|phases)|"
    r"с\s+(?:19|20)\d\d|за (?:последние|все) \w+|в последние годы|к настоящему времени|"
    r"на сегодняшний день|до сих пор|в (?:\w+\s+)?этап(?:ов|ах|ами)|"
    r"жылдан\s+бері|бері\s+қарай|соңғы\s+жылдары|кезең(?:дер\w*|нің)|"
    r"жылдан\s+бери|буга\s+чейин|акыркы\s+жылдары|баскыч(?:тар\w*)|"
    r"yildan\s+beri|йилдан\s+бери|shu\s+kunga\s+qadar|шу\s+кунга\s+қадар|"
    r"hozirga\s+qadar|ҳозирга\s+қадар|bosqich(?:lar\w*)|босқич(?:лар\w*)|"
    r"аз\s+соли|то\s+имрӯз|марҳила(?:ҳо\w*))(?![\w'])",
    re.IGNORECASE,
)
# Several stages: "in five stages", "в рамках пяти этапов", "алғашқы төрт кезеңінде", "дастлабки икки босқичида"
# (a digit with a hyphen is an ordinal in the Turkic languages: "5-кезеңде" is the fifth stage, one return).
_CARDINALS = (r"two|three|four|five|six|seven|eight|nine|ten|several|multiple|"
              r"двух|трех|трёх|четырех|четырёх|пяти|шести|семи|восьми|нескольких|"
              r"екі|үш|төрт|бес|алты|жеті|бірнеше|эки|үч|беш|жети|бир\s+нече|"
              r"ikki|uch|to'rt|besh|olti|yetti|bir\s+necha|икки|уч|тўрт|олти|етти|бир\s+неча|"
              r"ду|се|чор|панҷ|шаш|чанд")
MULTI_STAGE_RE = re.compile(
    rf"(?<![\w'])(?:{_CARDINALS}|\d+)\s+(?:[^\W\d_]+\s+)?(?:stages|phases|rounds|flights|этап\w*|волн\w*|рейс\w*|"
    rf"кезең\w*|баскыч\w*|этаб\w*|bosqich\w*|босқич\w*|марҳила\w*)",
    re.IGNORECASE,
)
# "in total", "всего": cumulative unless the figure is the whole of its own breakdown ("47 people in total,
# including 15 women ...": the group's total).
TOTAL_MARKER_RE = re.compile(
    r"(?<![\w'])(?:altogether|in total|a total of|in all|всего|в общей сложности|итого|барлығы|жалпы|"
    r"жалпысынан|бардыгы|баары|jami|жами|umumiy|умумий|hammasi|ҳаммаси|дар\s+маҷмӯъ|ҳамагӣ)(?![\w'])",
    re.IGNORECASE,
)
# "from 2017 to 2020" written the Turkic way: "2017 yildan 2020 yilgacha", "2019-жылдан 2023-жылга чейин".
YEAR_RANGE_RE = re.compile(
    r"((?:19|20)\d\d)\s*[-‐]?\s*(?:yildan|йилдан|жылдан|жылдын|сол\w*)\s+(?:\S+\s+){0,3}?((?:19|20)\d\d)\s*[-‐]?\s*"
    r"(?:yilgacha|йилгача|жылға\s+дейін|жылга\s+чейин|жылы?|yil|йил)"
    r"|(?:с|from|between|аз)\s+((?:19|20)\d\d)\s*(?:года?|г\.|year|сол)?\s*(?:по|до|to|and|until|through|то|[-–—])\s*"
    r"((?:19|20)\d\d)"
    r"|((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)",
    re.IGNORECASE,
)
# Clauses a figure's return cue must share with it: a semicolon ends a clause ("37 women serve sentences;
# their children were brought back" counts no returned women).
CLAUSE_SEPARATOR_RE = re.compile(r";")

# --- stage of an operation, group number -----------------------------------------------------------------------

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
    **{f"{stem}{ending}": number for stem, number in (
        ("перв", 1), ("втор", 2), ("четверт", 4), ("пят", 5), ("шест", 6), ("седьм", 7), ("восьм", 8),
        ("девят", 9), ("десят", 10)) for ending in ("ый", "ой", "ая", "ую", "ое", "ого", "ом", "ых")},
    **dict.fromkeys(("третий", "третья", "третью", "третье", "третьего", "третьем", "третьей"), 3),
    "бірінші": 1, "екінші": 2, "үшінші": 3, "төртінші": 4, "бесінші": 5, "алтыншы": 6, "жетінші": 7,
    "биринчи": 1, "экинчи": 2, "үчүнчү": 3, "төртүнчү": 4, "бешинчи": 5, "алтынчы": 6, "жетинчи": 7,
    "birinchi": 1, "ikkinchi": 2, "uchinchi": 3, "to'rtinchi": 4, "beshinchi": 5, "oltinchi": 6, "yettinchi": 7,
    "биринчи_uz": 1, "иккинчи": 2, "учинчи": 3, "тўртинчи": 4, "бешинчи_uz": 5, "олтинчи": 6, "еттинчи": 7,
    "якум": 1, "дуюм": 2, "сеюм": 3, "чорум": 4, "панҷум": 5, "шашум": 6,
}
_ORDINAL_WORD = "|".join(sorted((re.escape(word.split("_")[0]) for word in ORDINALS), key=len, reverse=True))
_GROUP_WORD = (r"group|stage|phase|wave|flight|batch|групп\w*|этап\w*|волн\w*|парти\w*|топ\w*|кезең\w*|"
               r"баскыч\w*|тайпа\w*|guruh\w*|гуруҳ\w*|bosqich\w*|босқич\w*|гурӯҳ\w*|марҳила\w*")
# "the fourth group", "вторая группа", "екінші кезеңі", "to'rtinchi bosqich"
ORDINAL_GROUP_RE = re.compile(rf"(?<![\w'])({_ORDINAL_WORD})(?![\w'])\s+(?:\w+\s+){{0,2}}?(?:{_GROUP_WORD})(?![\w'])",
                              re.IGNORECASE)
# "3-этап", "2nd stage", "этап 3", "group 4"
NUMBERED_GROUP_RE = re.compile(
    rf"(?<![\w'])(\d{{1,2}})(?:-?(?:st|nd|rd|th|й|я|ий|ый|ой|го|інші|ынчы|нчи|inchi|ші|шы|чи|ум))?\s*[-‐]?\s*"
    rf"(?:{_GROUP_WORD})(?![\w'])|(?<![\w'])(?:{_GROUP_WORD})\s+(?:№\s*)?(\d{{1,2}})(?![\d])",
    re.IGNORECASE)
# An operation name with its stage: "Жусан-3", «Mehr-4», "Айкөл 3"
NAMED_STAGE_RE = re.compile(r"([^\W\d_]{3,})[»\"”']?\s*[-‐–]\s*(\d{1,2})(?![\d])|([^\W\d_]{3,})\s+(\d{1,2})(?![\d\w])")

# --- dates --------------------------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {}
for _number, _names in enumerate([
    "january январ қаңтар үчтүн yanvar январь январ",
    "february феврал ақпан бирдин fevral февраль",
    "march март наурыз жалган mart",
    "april апрел сәуір чын aprel апрель",
    "may мая мае май мамыр may",
    "june июн маусым кулжа iyun июнь",
    "july июл шілде теке iyul июль",
    "august август тамыз баш avgust",
    "september сентябр қыркүйек аяк sentabr сентябрь",
    "october октябр қазан тогуздун oktabr октябрь",
    "november ноябр қараша жетинин noyabr ноябрь",
    "december декабр желтоқсан бештин dekabr декабрь",
], start=1):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
# Russian month stems take endings (мая, августе, января); Kyrgyz folk month names are too ambiguous to use.
for _folk in ("үчтүн", "бирдин", "жалган", "чын", "бугу", "кулжа", "теке", "баш", "аяк", "тогуздун", "жетинин",
              "бештин"):
    MONTHS.pop(_folk, None)
_MONTH_ALTERNATION = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))


def _month_word(group: str) -> str:
    return rf"(?P<{group}>{_MONTH_ALTERNATION})[^\W\d_]*"


_DAYS = r"(?P<days>\d{1,2}(?:\s*(?:[-–—]|and|и|және|жана|va|ва|,)\s*\d{1,2})*)(?:[-‐]?[^\W\d_]{0,4})?"
# "7 and 9 May 2019", "21 мая", "5–6 қаңтарда", "May 21", "in August", "30 may kuni"
DATE_RE = re.compile(
    rf"(?<![\w']){_DAYS}\s+{_month_word('month')}(?:\s+(?P<year>(?:19|20)\d\d))?"
    rf"|(?<![\w']){_month_word('month2')}\s+(?P<days2>\d{{1,2}})(?!\d)(?:,?\s+(?P<year2>(?:19|20)\d\d))?"
    rf"|(?<![\w'\d]){_month_word('month3')}(?:\s+(?P<year3>(?:19|20)\d\d))?",
    re.IGNORECASE,
)

# --- where the people were brought from --------------------------------------------------------------------------

ORIGIN_NAMES = {
    "SY": r"syria\w*|сири\w*|сурия\w*|suriya\w*|сүрия\w*|шам\b",
    "IQ": r"iraq\w*|ирак\w*|ирақ\w*|iroq\w*|ироқ\w*|ироқ\w*",
    "AF": r"afghan\w*|афган\w*|ауған\w*|afg.on\w*|афғон\w*|афғонистон\w*|ооган\w*",
}
ORIGIN_RES = {code: re.compile(rf"(?<![\w'])(?:{names})", re.IGNORECASE) for code, names in ORIGIN_NAMES.items()}

# --- an operation told as done, without a figure ----------------------------------------------------------------

# A verb that tells an operation was carried out ("launched in January", "успешно проведена", "сәтті өткізілген",
# "ишке ашкан", "amalga oshirilgan", "гузаронида шуд"); with a return verb it makes a passing mention of a done
# return that may date an undated event (see `etl.events.passing`).
DONE_RE = re.compile(
    r"(?<![\w'])(?:launched|conducted|carried\s+out|completed|took\s+place|held|"
    r"провед[её]н\w*|провел\w*|осуществл[её]н\w*|осуществил\w*|заверш[её]н\w*|завершил\w*|состоял\w*|"
    r"өткізіл\w*|жүргізіл\w*|жүзеге\s+асыр\w*|жүзеге\s+асқан|аяқтал\w*|"
    r"өткөрүл\w*|ишке\s+аш\w*|жүргүзүл\w*|аяктал\w*|"
    r"o'tkazil\w*|o‘tkazil\w*|ўтказил\w*|amalga\s+oshiril\w*|амалга\s+оширил\w*|yakunlan\w*|якунлан\w*|"
    r"гузаронида\s+шуд\w*|анҷом\s+дода\s+шуд\w*|амалӣ\s+гардид\w*|ба\s+анҷом\s+расид\w*)(?![\w'])",
    re.IGNORECASE,
)
