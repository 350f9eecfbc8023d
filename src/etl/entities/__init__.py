"""The entities stage: PERSON / ORG / LOC / OPERATION mentions with cross-lingual ids; ``extract`` is the entry point.

Modules, from the entry point down: ``extract`` (entities_frame, extract_entities, load_models); ``routing``
(which rules read a paragraph); ``candidates`` (the Candidate record, gazetteer and operation candidates,
shared rule helpers); ``russian``, ``latin``, ``turkic`` (per-language rules); ``persons`` and ``resolve``
(identities and overlaps within a document); ``models`` (natasha); ``canonical`` (canonical names and ids of
one name); ``gazetteer`` and ``matcher`` (the alias matcher over CLDR and the domain gazetteer);
``transliteration``, ``tokens``; ``lexicon`` (word lists, regex tables) and ``thresholds`` (confidences,
priorities, cut-offs).
"""
