"""Knowledge base (知识库) and instant answers (即时解答).

- ``models``: items, their version history, the revision row search processes watch.
- ``entries``: the validated content of an item (API bodies, import rows).
- ``service``: create, edit, retire, list. ``importer``: CSV/JSONL in and out. ``seed``: demo data.
- ``analysis`` + ``search``: Chinese segmentation, synonyms, BM25 and a calibrated confidence.
- ``retrieval``: the per-process index, rebuilt when the database says the content changed.
The dialogue steps that use it are in ``intake.instant_answers``.
"""
