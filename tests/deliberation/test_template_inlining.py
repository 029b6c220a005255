"""Inlined includes render exactly what Jinja's includes render."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import DictLoader, Environment, FileSystemLoader, TemplateSyntaxError

from deliberation.template_inlining import InliningLoader

PARTIALS = {
    "plain.html": "<p>{{ name }}</p>\n",
    "sets.html": "{% set name = 'inside' %}<i>{{ name }}</i>",
    "nested.html": '<div>{% include "plain.html" %}</div>\n\n',
    "loops.html": "{% for item in items %}{{ loop.index }}:{{ item }}{{ suffix }} {% endfor %}",
    "self.html": 'again {% include "self.html" %}',
    "macro.html": "{% macro hello() %}hi {{ name }}{% endmacro %}{{ hello() }}",
    "raw.html": '{% raw %}{% include "plain.html" %}{% endraw %}{# {% include "plain.html" %} #}',
    "crlf.html": "<b>{{ name }}</b>\r\n",
    "imports.html": '{% from "macro.html" import hello %}[{{ hello() }}]',
    "broken.html": "{{ name }\n",
}
CASES = {
    "plain": '<a>{% include "plain.html" %}</a>',
    "single quotes": "<a>{% include 'plain.html' %}</a>",
    "whitespace control": '<a>\n  {%- include "plain.html" -%}\n  </a>',
    "assignments stay inside": '{% include "sets.html" %}{{ name }}',
    "assignments before": '{% set name = "before" %}{% include "plain.html" %}',
    "nested": '{% include "nested.html" %}|',
    "in a loop": '{% for name in ["a", "b"] %}{% include "plain.html" %}{% endfor %}',
    "loop of its own": '{% set suffix = "!" %}{% include "loops.html" %}',
    "with block": '{% with name = "w" %}{% include "plain.html" %}{% endwith %}{{ name }}',
    "itself": '{% include "self.html" %}',
    "macros": '{% include "macro.html" %}',
    "raw and comments": '{% include "raw.html" %}{# {% include "plain.html" %} #}',
    "carriage returns": '{% include "crlf.html" %}.',
    "imports": '{% include "imports.html" %}',
    "variable name": '{% set partial = "plain.html" %}{% include partial %}',
    "ignore missing": '{% include "missing.html" ignore missing %}.',
    "without context": '{% include "plain.html" without context %}',
}


def _environments(case: str) -> tuple[Environment, Environment]:
    templates = PARTIALS | {"page.html": CASES[case]}
    return Environment(loader=DictLoader(templates)), Environment(
        loader=InliningLoader(DictLoader(templates))
    )


@pytest.mark.parametrize("case", CASES)
def test_an_inlined_include_renders_as_the_include(case: str) -> None:
    included, inlined = _environments(case)
    context = {"name": "N", "items": ["x", "y"]}
    if case == "itself":
        with pytest.raises(RecursionError):
            included.get_template("page.html").render(context)
        return
    assert inlined.get_template("page.html").render(context) == included.get_template(
        "page.html"
    ).render(context)


def test_only_the_plain_literal_include_is_inlined() -> None:
    loader = InliningLoader(DictLoader(PARTIALS | {"page.html": CASES["plain"]}))
    source = loader.get_source(Environment(), "page.html")[0]
    assert source == "<a>{% with %}<p>{{ name }}</p>{% endwith %}</a>"
    for case in ("variable name", "ignore missing", "without context", "macros", "itself"):
        loader = InliningLoader(DictLoader(PARTIALS | {"page.html": CASES[case]}))
        assert "include" in loader.get_source(Environment(), "page.html")[0], case


def test_an_error_in_an_inlined_partial_names_the_including_template() -> None:
    environment = Environment(
        loader=InliningLoader(
            DictLoader(PARTIALS | {"page.html": 'a\n{% include "broken.html" %}'})
        )
    )
    with pytest.raises(TemplateSyntaxError) as error:
        environment.get_template("page.html")
    assert (error.value.name, error.value.lineno) == ("page.html", 2)


def test_a_changed_partial_makes_the_page_out_of_date(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text('[{% include "part.html" %}]')
    (tmp_path / "part.html").write_text("one")
    environment = Environment(loader=InliningLoader(FileSystemLoader(tmp_path)), auto_reload=True)
    assert environment.get_template("page.html").render() == "[one]"
    part = tmp_path / "part.html"
    part.write_text("two")
    mtime = part.stat().st_mtime + 5
    os.utime(part, (mtime, mtime))
    assert environment.get_template("page.html").render() == "[two]"


def test_the_app_inlines_its_includes(app: Flask) -> None:
    source = app.jinja_env.loader.get_source(app.jinja_env, "participate/_vote_response.html")[0]
    assert "include" not in source
    assert 'id="card"' in source
    assert 'id="progress"' in source
