"""The request's own reading of small url-encoded forms and of the ``Cookie`` header gives
what werkzeug's gives, and hands anything else to werkzeug; the response sends the headers
werkzeug would send."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask import Flask, request
from flask import Request as FlaskRequest
from flask import Response as FlaskResponse
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from deliberation.wsgi import FORM_TYPE, SMALL_FORM, Request, Response

BODIES = [
    b"",
    b"statement_id=12&vote=agree&shown_language=en&queue=3+4+5",
    b"a=1&a=2&b=",
    b"a&&b=&=c&",
    b"a==b&c=d=e",
    b"na%20me=v%2Bw&plus=%2B+%2B",
    b"text=caf%C3%A9+%E2%80%94+ok",
    b"bad=%FF%FEx&half=%4&end=%",
    b"raw=\xff\xfe",
    b"a=1;b=2",
]


def _environ(body: bytes, **overrides: Any) -> dict[str, Any]:
    environ = EnvironBuilder(
        method="POST", data=body, content_type=FORM_TYPE, path="/"
    ).get_environ()
    environ.update(overrides)
    return environ


def _werkzeug_form(environ: dict[str, Any]) -> list[tuple[str, str]]:
    copy = dict(environ, **{"wsgi.input": BytesIO(environ["wsgi.input"].getvalue())})
    return list(WerkzeugRequest(copy).form.items(multi=True))


def _no_werkzeug_parser(*_args: Any) -> None:
    raise AssertionError("werkzeug's form parser ran")


@pytest.mark.parametrize("body", BODIES)
def test_a_small_form_reads_as_werkzeug_reads_it(
    body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = _environ(body)
    expected = _werkzeug_form(environ)
    monkeypatch.setattr(FlaskRequest, "_load_form_data", _no_werkzeug_parser)
    read = Request(environ)
    assert list(read.form.items(multi=True)) == expected
    assert not read.files
    assert read.get_data() == b"", "the body was read, as after werkzeug's parser"


@pytest.mark.parametrize(
    "overrides",
    [
        {"CONTENT_TYPE": f"{FORM_TYPE}; charset=UTF-8"},
        {"CONTENT_LENGTH": ""},
        {"CONTENT_LENGTH": "1" * 5000},
    ],
    ids=["content type parameters", "no length", "absurd length"],
)
def test_other_forms_go_to_werkzeug(overrides: dict[str, str]) -> None:
    body = b"a=1&b=x+y"
    environ = _environ(body, **overrides)
    assert list(Request(environ).form.items(multi=True)) == _werkzeug_form(environ)


def test_a_large_form_goes_to_werkzeug_with_the_same_result() -> None:
    body = b"text=" + b"x+" * SMALL_FORM + b"&n=1"
    environ = _environ(body)
    read = Request(environ)
    assert read.form["n"] == "1"
    assert read.form["text"] == "x " * SMALL_FORM


def test_a_body_read_first_is_still_parsed_as_a_form() -> None:
    read = Request(_environ(b"a=1&b=2"))
    assert read.get_data() == b"a=1&b=2"
    assert read.form.to_dict() == {"a": "1", "b": "2"}


def test_a_body_shorter_than_its_length_is_a_disconnected_client() -> None:
    environ = _environ(b"a=1&b=2", CONTENT_LENGTH="40")
    with pytest.raises(ClientDisconnected):
        Request(environ).form  # noqa: B018 - the property reads the body


def test_a_form_larger_than_the_app_allows_is_refused(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    with (
        app.test_request_context(
            "/", method="POST", data=b"a=12345&b=67890", content_type=FORM_TYPE
        ),
        pytest.raises(RequestEntityTooLarge),
    ):
        request.form  # noqa: B018


def test_multipart_forms_and_their_files_go_to_werkzeug(app: Flask) -> None:
    with app.test_request_context(
        "/", method="POST", data={"a": "1", "file": (BytesIO(b"data"), "votes.csv")}
    ):
        assert request.form["a"] == "1"
        assert request.files["file"].read() == b"data"


def test_one_cookie_header_is_parsed_once_into_cookies_no_request_can_change() -> None:
    header = 'session=abc.def; lang="fr"; empty=; session=second'
    first = Request(EnvironBuilder(headers={"Cookie": header}).get_environ()).cookies
    again = Request(EnvironBuilder(headers={"Cookie": header}).get_environ()).cookies
    expected = WerkzeugRequest(EnvironBuilder(headers={"Cookie": header}).get_environ()).cookies
    assert list(first.items(multi=True)) == list(expected.items(multi=True))
    assert again is first
    with pytest.raises(TypeError):
        first["session"] = "changed"  # type: ignore[index]
    other = Request(EnvironBuilder(headers={"Cookie": "session=xyz"}).get_environ()).cookies
    assert other["session"] == "xyz"
    assert Request(EnvironBuilder().get_environ()).cookies.to_dict() == {}


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {}),
        (200, {"Location": "/r/ünïcode"}),
        (201, {"Content-Location": "/r/é"}),
        (204, {}),
        (422, {}),
        (303, {"Location": "/r/x"}),
    ],
)
def test_a_response_sends_the_headers_werkzeug_would_send(
    status: int, headers: dict[str, str]
) -> None:
    environ = EnvironBuilder(path="/r/x").get_environ()
    ours = Response(b"body", status=status, headers=headers)
    theirs = FlaskResponse(b"body", status=status, headers=headers)
    assert ours.get_wsgi_response(environ)[2] == theirs.get_wsgi_response(environ)[2]


def test_a_streamed_response_has_its_length_left_unset() -> None:
    environ = EnvironBuilder().get_environ()
    streamed = Response(iter([b"a", b"b"]))
    assert "Content-Length" not in dict(streamed.get_wsgi_response(environ)[2])


def test_the_app_reads_its_requests_and_answers_with_these(app: Flask) -> None:
    assert app.request_class is Request
    assert app.response_class is Response
