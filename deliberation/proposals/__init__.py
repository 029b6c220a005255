"""Proposals: co-drafting texts from what a round agreed on (drafting phase).

``drafting`` holds the authors' use cases (write, edit, versions, co-author links, display
names), ``amendments`` the paragraph amendments, ``endorsements`` the endorsements,
``curation`` the facilitators' merging and selection, ``listing`` the queries shared by the
pages, and ``diff`` the word-level diff. Services flush and raise; the views commit.
"""
