"""Decisions: the methods as the app shows them, ballots, use cases, sealing and counting, and
the results page's view model."""
