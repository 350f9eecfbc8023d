"""The events stage: one row per real-world return, merged across documents and languages.

``mentions`` reads one document's return figures as groups of people (kind, stage, date, origin); ``build``
merges them into the `events` and `event_sources` tables (schemas in `etl.schemas`); ``lexicon`` holds the cues.
"""
