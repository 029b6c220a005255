"""Includes compiled into the template that includes them.

Jinja renders ``{% include "name" %}`` at run time: it looks the template up, copies the
context and starts a new render, once per include and per render. A vote's answer includes
three partials, and the includes cost more than the partials' own markup. ``InliningLoader``
hands Jinja each template with the source of every literal include written in its place, in
a ``{% with %}`` block (an included template's assignments stay its own, as they do when it
is included), so that each page is one compiled template:

- only the plain form is inlined: ``{% include "name" %}``, a literal name, with context,
  with or without ``-`` whitespace control (kept outside the block, where it applied); any
  other include (a variable, a list, ``ignore missing``, ``without context``) stays an include;
- a template that extends another, or defines blocks or macros, is included as before;
- includes inside comments and ``raw`` blocks are left as they are written;
- a template is up to date while every file it was made of is (auto-reload sees a change to
  an inlined partial);
- an error inside an inlined partial is reported at its line in the including template.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jinja2 import BaseLoader, Environment

INCLUDE = re.compile(r"""\{%(-?)\s*include\s+(["'])([^"'\s]+)\2\s*(-?)%\}""")
LEFT_AS_WRITTEN = re.compile(r"\{#.*?#\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
TRAILING_NEWLINE = re.compile(r"(?:\r\n|\r|\n)\Z")
NOT_INLINED = re.compile(r"\{%-?\s*(?:extends|block|macro)\b")
MAX_DEPTH = 8
"""Includes nested deeper than this (or a template including itself) stay includes."""


class InliningLoader(BaseLoader):
    """``loader``'s templates, their literal includes inlined (see the module)."""

    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.loader.get_source(environment, template)
        checks = [uptodate] if uptodate is not None else []
        inlined = self._inlined(environment, source, (template,), checks)
        return inlined, filename, lambda: all(check() for check in checks)

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()

    def _inlined(
        self,
        environment: Environment,
        source: str,
        names: tuple[str, ...],
        checks: list[Callable[[], bool]],
    ) -> str:
        kept = [match.span() for match in LEFT_AS_WRITTEN.finditer(source)]

        def inline(match: re.Match[str]) -> str:
            name = match.group(3)
            if (
                name in names
                or len(names) > MAX_DEPTH
                or any(start <= match.start() < end for start, end in kept)
            ):
                return match.group(0)
            included, _filename, uptodate = self.loader.get_source(environment, name)
            if NOT_INLINED.search(included):
                return match.group(0)
            if not environment.keep_trailing_newline:  # as Jinja loads a template
                included = TRAILING_NEWLINE.sub("", included)
            if uptodate is not None:
                checks.append(uptodate)
            body = self._inlined(environment, included, (*names, name), checks)
            return f"{{%{match.group(1)} with %}}{body}{{% endwith {match.group(4)}%}}"

        return INCLUDE.sub(inline, source)
