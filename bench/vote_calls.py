"""How much Python each vote runs: function calls per htmx vote, Palabre beside the reference.

``http_votes.py`` gives the figure that matters, votes/s over HTTP, but on a shared 2-core
machine its runs wander by several points from one minute to the next. This counts instead,
deterministically, every function call (Python and built-in) made inside each app's
``wsgi_app`` while it answers a vote, in-process with Flask's test client on PostgreSQL: the
round of ``http_votes.py`` (300 statements, participants joined through its invite links, htmx
votes that carry the card's queue), and the reference app (``http_reference.py``) on the same
tables. Palabre's vote path is bound by Python execution (about 90 % user time under gunicorn),
so its calls per vote track its CPU per vote; a change to the hot path shows here at once.

Prints the calls per vote of each app, their ratio, and Palabre's calls by the stage of the
request they are made in (the innermost of the stages listed in ``STAGES``): for a browser's
next votes, which stand on what its last vote read (``visit(..., kept=True)``), then the
total for a browser's first vote in an app process that keeps the round (the common miss: a
browser reaching another app process; it reads the participant), and for a process's first
vote, which reads and decodes the round too. Figures only: the target is the HTTP ratio's.

The database is ``http_votes.py``'s (``PALABRE_BENCH_DATABASE_URL``, else
``palabre_bench_http``); the benchmark replaces its schema.

    .venv/bin/python bench/vote_calls.py [--participants N] [--votes N]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from bench import http_reference, http_votes

STAGES = (
    "open_session",
    "csrf_protect",
    "visit",
    "cast_vote_reading",
    "_card_context",
    "render",
    "commit",
    "process_response",
    "do_teardown_appcontext",
)
"""Functions of the request whose calls are counted apart (the innermost one running)."""


def count_calls(run: Callable[[], None], stages: tuple[str, ...] = ()) -> Counter[str]:
    """The calls made inside ``wsgi_app`` while ``run`` runs, by stage ("request" outside
    every stage; the test client's own calls are not counted)."""
    counts: Counter[str] = Counter()
    stack: list[str | None] = []

    def stage() -> str | None:
        return next((name for name in reversed(stack) if name), None)

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            name = frame.f_code.co_name
            inside = stage()
            if name == "wsgi_app" and inside is None:
                stack.append("request")
            else:
                stack.append(name if inside is not None and name in stages else None)
            counted = stage()
            if counted is not None:
                counts[counted] += 1
        elif event == "return":
            if stack:
                stack.pop()
        elif event == "c_call":
            counted = stage()
            if counted is not None:
                counts[counted] += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return counts


def palabre_voters(app: Flask, invites: list[str], participants: int) -> list[Any]:
    """Participants joined through the invite links, each with its client and first card."""
    people = []
    for n in range(participants):
        client = app.test_client()
        invite = invites[n % len(invites)]
        token = http_votes.CSRF.search(client.get(invite).get_data(as_text=True))
        assert token is not None
        joined = client.post(
            invite, data={"csrf_token": token.group(1), "language": "en", "accept": "y"}
        )
        assert joined.status_code == 303, joined.status_code
        page = client.get(f"/r/{http_votes.SLUG}")
        header = http_votes.HEADER_CSRF.search(page.get_data(as_text=True))
        assert header is not None
        person = http_votes.Participant(cookie="", csrf=header.group(1), statement=None)
        http_votes.read_card(person, page.data)
        people.append((client, person))
    return people


def palabre_vote(people: list[Any], rng: random.Random) -> Callable[[int], None]:
    def vote(turn: int) -> None:
        client, person = people[turn % len(people)]
        if person.statement is None:
            return
        answer = client.post(
            f"/r/{http_votes.SLUG}/vote",
            data={
                "statement_id": person.statement,
                "vote": rng.choice(http_votes.CHOICES),
                "shown_language": person.shown,
                "queue": person.queue,
            },
            headers={"HX-Request": "true", "X-CSRFToken": person.csrf},
        )
        assert answer.status_code == 200, answer.status_code
        http_votes.read_card(person, answer.data)

    return vote


def reference_vote(
    client: FlaskClient, round_id: int, people: list[int], statements: list[int]
) -> Callable[[int], None]:
    def vote(turn: int) -> None:
        client.set_cookie("participant", str(people[turn % len(people)]))
        answer = client.post(
            "/vote",
            data={
                "round_id": round_id,
                "statement_id": statements[turn % len(statements)],
                "vote": http_votes.CHOICES[turn % 3],
            },
        )
        assert answer.status_code == 204, answer.status_code

    return vote


def quiet_request_log() -> None:
    """Send the app's log lines (one per request) to nowhere rather than to the terminal, as
    gunicorn's workers send them to their log: they are made and formatted all the same, and
    their calls counted."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the benchmark
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--votes", type=int, default=300)
    args = parser.parse_args()
    url = http_votes.database_url()
    secret = secrets.token_urlsafe(48)
    round_id, invites = http_votes.build_round(url, secret, 300)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "RATELIMIT_JOIN": "1000000 per hour",
            "RATELIMIT_VOTE": "1000000 per hour",
            "OPINIONS_WORKER": "external",
        }
    )
    quiet_request_log()
    people = palabre_voters(app, invites, args.participants)
    cast = palabre_vote(people, random.Random(1))
    for turn in range(args.votes):  # warm: statements prepared, caches filled
        cast(turn)
    palabre = count_calls(lambda: [cast(turn) for turn in range(args.votes)], STAGES)

    def first(turn: int) -> None:  # as a browser's first vote in this process: nothing kept
        app.extensions.pop("palabre.kept_visits", None)
        cast(turn)

    unkept = count_calls(lambda: [first(turn) for turn in range(args.votes)])
    # Browsers new to this process, which keeps the round from the others' votes: the miss
    # a browser meets on each app process it reaches (the benchmark's joins, then one vote each).
    newcomers = palabre_voters(app, invites, args.votes)
    cast_first = palabre_vote(newcomers, random.Random(2))
    kept_round = count_calls(lambda: [cast_first(turn) for turn in range(len(newcomers))])

    os.environ["PALABRE_BENCH_DSN"] = (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    engine = app.extensions["palabre.engine"]
    with engine.connect() as connection:
        participants = [row[0] for row in connection.exec_driver_sql("SELECT id FROM participant")]
        statements = [row[0] for row in connection.exec_driver_sql("SELECT id FROM statement")]
    engine.dispose()
    reference = reference_vote(http_reference.app.test_client(), round_id, participants, statements)
    for turn in range(args.votes):
        reference(turn)
    minimal = count_calls(lambda: [reference(turn) for turn in range(args.votes)])

    ours, theirs = palabre.total() / args.votes, minimal.total() / args.votes
    print(f"calls per htmx vote, {args.votes} votes of {args.participants} participants:")
    print(f"  Palabre   {ours:7.0f}  (a browser's next votes: its last vote's visit kept)")
    print(f"  reference {theirs:7.0f}")
    print(f"  ratio     {ours / theirs:7.2f}")
    print(
        f"  Palabre   {kept_round.total() / len(newcomers):7.0f}"
        "  (a browser's first vote in a process that keeps the round)"
    )
    print(f"  Palabre   {unkept.total() / args.votes:7.0f}  (a process's first vote: nothing kept)")
    print("Palabre's calls per vote by stage (next votes):")
    for name, calls in palabre.most_common():
        print(f"  {calls / args.votes:7.0f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
