"""Texts across languages: the reading rule, language detection, translation by facilitators,
participants and (optionally) machines, PO files for translators' tools.

Every kind of text people write uses the same ``Translation`` model and the same reading rule
(``deliberation.translations.reading``): statements now, proposals and outcomes later.
"""
