"""Pure numeric core of Palabre: opinion mapping and decision methods.

Only numpy, scipy and the standard library are imported here; never Flask, SQLModel or
``deliberation``.
"""
