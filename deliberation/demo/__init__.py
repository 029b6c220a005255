"""The demonstration: four rounds of a cross-border deliberation in the Eurodistrict
Strasbourg–Ortenau, one per phase (open, drafting, deciding, reported), on the same territories,
with synthetic participants whose votes have real opinion structure.

- ``data/``: the texts, as data (territories, and one file per round);
- ``texts``: reads them into specs;
- ``synthetic``: the one generator of synthetic opinions (demo, tests and benchmarks);
- ``crowd``: the demo's participants, statements and ballots, drawn with it;
- ``bulk``: the one bulk loader (demo, Pol.is import and benchmarks);
- ``seed``: ``seed_demo`` and ``describe``, behind ``flask demo seed``.

This module imports nothing, so that ``deliberation.demo.bulk`` stays light for the importer.
"""
