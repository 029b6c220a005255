"""Use cases: one function each, the session passed in, one commit per use case."""
