"""The opinion map in the app: votes read from the database, snapshots computed by the engine
(``voting.opinions``) outside requests, stored, and read by the pages.

- loading the matrix: ``matrix`` (a round's votes as arrays, and its marks);
- running the job: ``snapshots`` (due rounds, compute and store), ``document`` (the stored
  document), ``worker`` and ``lease`` (who computes, when);
- reading what is stored: ``stored`` (latest snapshot, its marks), ``priorities`` (routing);
- the page's view model: ``presentation`` (``build_map``) and ``picture`` (the SVG map).
"""
