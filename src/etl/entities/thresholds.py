"""Confidences, overlap priorities and cut-offs of the entity rules, named.

Calibrated as a set against the seeds gold floors and the dev set; don't tune one value in isolation.
"""

from __future__ import annotations

# ---------------------------------------------------------------- confidence of a mention, by how it was found

COUNTRY_NAME_CONFIDENCE = 0.95
COUNTRY_SHORT_ACRONYM_CONFIDENCE = 0.85  # a two-letter country acronym (РК, US): often something else
DEMONYM_CONFIDENCE = 0.75
GAZETTEER_PLACE_CONFIDENCE = 0.9  # regions, cities, camps
GAZETTEER_ORG_CONFIDENCE = 0.95
QUALIFIED_ORG_CONFIDENCE = 0.9  # a per-country institution with its country beside it
UNQUALIFIED_ORG_CONFIDENCE = 0.75  # the same without a country
KNOWN_ORG_MIN_CONFIDENCE = 0.85  # a rule / NER organization that resolves to a gazetteer identity

OPERATION_CUE_THEN_NAME_CONFIDENCE = 0.9  # операция «Жусан»
OPERATION_NAME_THEN_CUE_CONFIDENCE = 0.85  # «Жусан» операциясы, the “Zhusan” humanitarian operation
OPERATION_CAPITALISED_CONFIDENCE = 0.85  # Operation Zhusan
GAZETTEER_OPERATION_CONFIDENCE = 0.95

NATASHA_ORG_CONFIDENCE = 0.8
NATASHA_LOC_CONFIDENCE = 0.75
NATASHA_PERSON_CONFIDENCE = 0.85

KEYWORD_ORG_CONFIDENCE = 0.6  # capitalised words with an organization keyword
LOWER_KEYWORD_ORG_CONFIDENCE = 0.55  # capitalised words, then a lower-case keyword ("the Aqniet foundation")
ACRONYM_CONFIDENCE = 0.45  # a bare all-caps word
QUOTED_ACRONYM_CONFIDENCE = 0.5  # “AQNIET”
RULE_PERSON_CONFIDENCE = 0.6
SURNAME_ECHO_CONFIDENCE = 0.7  # a bare surname of a full name found elsewhere in the document

# ---------------------------------------------------------------- overlap priority: lower wins

OPERATION_PRIORITY = 0
GAZETTEER_ORG_PRIORITY = 1  # also every organization kept by org_vs_org
GAZETTEER_PLACE_PRIORITY = 2  # countries, regions, cities, camps
CREDIT_PERSON_PRIORITY = 3  # a photographer of a photo credit: the credit's shape says it is a person
FOUND_ORG_PRIORITY = 4  # NER and rule organizations, acronyms
FOUND_NAME_PRIORITY = 5  # persons, NER places, surname echoes
DEMONYM_PRIORITY = 6

# ---------------------------------------------------------------- cut-offs

PERSON_MATCH_RATIO = 90  # rapidfuzz ratio at which two person keys (or surname keys) are one person
GIVEN_NAME_PREFIX_LETTERS = 3  # same surname and these first letters of the given name: one person
SURNAME_ECHO_MIN_LETTERS = 4  # shorter surname keys are not looked for as bare words
RUSSIAN_FUNCTION_WORD_SHARE = 0.08  # share of Russian function words that makes a kk / ky / uz line Russian
ALL_CAPS_LINE_SHARE = 0.6  # share of upper-case letters above which a line is a headline (capitals say nothing)
NAME_MIN_WORDS = 2  # a person name run, particles not counted
NAME_MAX_WORDS = 4
KEYWORD_ORG_MAX_LOWER_WORDS = 3  # lower-case words before a kk / ky / uz organization keyword
KEYWORD_ORG_MAX_CAPITALISED_WORDS = 5  # capitalised words before those
