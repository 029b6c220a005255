"""Pol.is interoperability: import an openData export into a round, export a round as one."""
