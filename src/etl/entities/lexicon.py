"""Word lists and regex tables of the entity rules: the shipped gazetteer's lists and the inline ones, named.

Calibrated as a set against the seeds and the dev set; don't tune one entry in isolation.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def gazetteer_data() -> dict:
    """The shipped domain gazetteer (organizations, operations, camps, abbreviations)."""
    return json.loads(files("etl").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- gazetteer matching and person keys

# case endings (ru, kk, ky, uz) an alias's last word may carry and still match: 'Казахстана', 'Қазақстанның'
CYRILLIC_NAME_SUFFIXES = frozenset("""
а я у ю ом ем ой ою ей е и ы ам ям ами ями ах ях ов ев ые ых ым ыми ая ую ое ого ому ие их им ими его ему
ға ге қа ке на не ның нің дың дің тың тің ны ні ды ді ты ті н да де та те нда нде дан ден тан тен нан нен
мен бен пен дағы дегі тағы тегі ндағы ндегі ы і сы сі сын сін сына сіне сының сінің сында сінде сынан сінен
сымен сімен ға дейін
га го гө ка ко кө нын нин нун нүн дын дин дун дүн тын тин тун түн ну нү ду дү ту тү до дө то тө ндо ндө
дон дөн тон төн нон нөн менен дагы деги
нинг ни даги
""".split()) | {""}

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
              "тун", "нун", "дан", "ден", "менен", "дын")
)

# a Latin surname in -ov/-ev/-in and its case ending
LATIN_SURNAME = re.compile(r"^(?P<stem>.+?(?:ov|ev|yev|in))(?P<tail>a?(?:ning|ni|ga|da|dan|dir|tyng|ting|nyng|ning)?)$")
# spellings of one sound in different romanisations, folded to one (in this order) for person keys
LATIN_SPELLING_FOLDS = (("dzh", "j"), ("zh", "j"), ("kh", "h"), ("x", "h"), ("q", "k"), ("w", "v"), ("ph", "f"))
