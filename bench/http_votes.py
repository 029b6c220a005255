"""Benchmark of the vote path over HTTP, as citizens meet it.

Palabre runs under gunicorn (4 workers x 4 threads) on PostgreSQL with the opinions worker
beside it; participants join through the round's real invite links, then 16 keep-alive
connections post htmx votes (``HX-Request``, CSRF header, the session cookie) and read the
next card out of each answer. In the same run, a minimal reference app (``http_reference.py``:
Flask and psycopg, the same vote upsert and event insert, no next card) takes the same load on
the same tables. The two alternate three times; while votes flow, one more connection reads
the participation page to time it.

Prints, per app, the median over the runs of votes/s, p50/p90/p99 latency, errors, and the
CPU per vote of the app's processes and of PostgreSQL (read from /proc), then the ratio of
Palabre's votes/s to the reference's. Exits 1 when Palabre is under 50 % of the reference or
had errors. The load generator, both apps, PostgreSQL and the worker share the machine, so
the ratio is the figure to compare across machines, not the absolute rates.

The database is ``PALABRE_BENCH_DATABASE_URL``, else ``palabre_bench_http`` on the local
server (created if missing; the benchmark owns it and replaces its schema).

    .venv/bin/python bench/http_votes.py [--participants N] [--statements N] [--seconds S] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import requests
from sqlalchemy import make_url, text
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import deliberation.models  # noqa: E402, F401 - registers every table
from app import create_app  # noqa: E402
from deliberation.db import make_engine  # noqa: E402
from deliberation.models import ModerationMode, Phase, Round, RoundTerritory, Territory, VoteValue  # noqa: E402
from deliberation.services.invites import create_invite, invite_token  # noqa: E402
from deliberation.services.statements import add_seed_statement  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/palabre_bench_http"
SLUG = "bench-http"
TERRITORIES = ("north", "south", "east")
PALABRE_PORT, REFERENCE_PORT = 5311, 5312
CONNECTIONS = 16
WORKERS, THREADS = 4, 4
TARGET_RATIO = 0.5
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER_CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
STATEMENT = re.compile(rb'name="statement_id" value="(\d+)"')
CHOICES = tuple(vote.choice for vote in VoteValue)


@dataclass
class Participant:
    cookie: str
    csrf: str
    statement: int | None


@dataclass
class Load:
    """What one timed run measured."""

    votes: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    page_latencies: list[float] = field(default_factory=list)


# --- Set-up ---------------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("PALABRE_BENCH_DATABASE_URL", DEFAULT_URL)
    parsed = make_url(url)
    admin = parsed.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
    return url


def build_round(url: str, secret: str, statements: int) -> tuple[int, list[str]]:
    """A fresh schema with one open round, its territories, seed statements and invite links;
    returns the round id and one invite path per territory."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "SERVER_NAME": "bench.local"})
    with app.app_context(), Session(app.extensions["palabre.engine"]) as session:
        round_ = Round(
            slug=SLUG,
            title={"en": "Benchmark round"},
            question={"en": "How fast can we vote?"},
            languages=["en"],
            phase=Phase.OPEN,
            moderation_mode=ModerationMode.POST,
        )
        session.add(round_)
        session.flush()
        invites = []
        for slug in TERRITORIES:
            territory = Territory(slug=slug, names={"en": slug.title()})
            session.add(territory)
            session.flush()
            session.add(RoundTerritory(round_id=round_.id, territory_id=territory.id))
            session.flush()
            invites.append(create_invite(session, round_=round_, territory_id=territory.id or 0))
        for n in range(statements):
            add_seed_statement(
                session, round_=round_, text=f"Benchmark statement number {n}.", language="en"
            )
        session.commit()
        paths = [f"/join/{invite_token(invite)}" for invite in invites]
        round_id = round_.id or 0
    app.extensions["palabre.engine"].dispose()
    return round_id, paths


def join(base: str, invite: str) -> Participant:
    """Join through the invite link as a browser would, then read the first card.

    The session cookie is ``Secure`` (production mode, meant for HTTPS behind a proxy): it is
    sent back over this plain loopback connection all the same."""
    browser = requests.Session()
    form = browser.get(base + invite, timeout=30)
    _insecure(browser)
    token = CSRF.search(form.text)
    assert token is not None, form.text[:300]
    joined = browser.post(
        base + invite,
        data={"csrf_token": token.group(1), "language": "en", "accept": "y"},
        allow_redirects=False,
        timeout=30,
    )
    assert joined.status_code == 303, joined.status_code
    _insecure(browser)
    page = browser.get(base + f"/r/{SLUG}", timeout=30)
    header = HEADER_CSRF.search(page.text)
    assert header is not None, page.text[:300]
    statement = STATEMENT.search(page.content)
    return Participant(
        cookie="; ".join(f"{c.name}={c.value}" for c in browser.cookies),
        csrf=header.group(1),
        statement=int(statement.group(1)) if statement else None,
    )


def _insecure(browser: requests.Session) -> None:
    for cookie in browser.cookies:
        cookie.secure = False


# --- Processes ------------------------------------------------------------------------------


@contextmanager
def serve(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while port:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def gunicorn(app: str, port: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU of ``pids`` (clock ticks from /proc), gone processes counting 0."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def tree(root: int) -> set[int]:
    """``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def postgres_pids() -> set[int]:
    pids = set()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().startswith("postgres"):
                pids.add(int(comm.parent.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


# --- Load -----------------------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[bytes, bytes], bytes]:
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    headers: dict[bytes, bytes] = {}
    cookies: list[bytes] = []
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"set-cookie":
            cookies.append(value.strip().split(b";", 1)[0])
        headers[name.lower()] = value.strip()
    if cookies:
        headers[b"set-cookie"] = b"; ".join(cookies)
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return status, headers, body


def _post(path: str, body: str, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


async def _palabre_connection(
    port: int, people: list[Participant], load: Load, stop: float, rng: random.Random
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path = f"/r/{SLUG}/vote"
    try:
        turn = 0
        while time.monotonic() < stop:
            person = people[turn % len(people)]
            turn += 1
            if person.statement is None:
                continue
            body = urlencode({"statement_id": person.statement, "vote": rng.choice(CHOICES)})
            headers = {"Cookie": person.cookie, "HX-Request": "true", "X-CSRFToken": person.csrf}
            started = time.perf_counter()
            status, answer_headers, answer = await _exchange(
                reader, writer, _post(path, body, headers)
            )
            load.latencies.append(time.perf_counter() - started)
            if status != 200:
                load.errors += 1
                continue
            load.votes += 1
            if b"set-cookie" in answer_headers:
                person.cookie = answer_headers[b"set-cookie"].decode()
            found = STATEMENT.search(answer)
            person.statement = int(found.group(1)) if found else None
    finally:
        writer.close()


async def _reference_connection(
    port: int,
    *,
    round_id: int,
    people: list[int],
    statements: list[int],
    load: Load,
    stop: float,
    rng: random.Random,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        turn = 0
        while time.monotonic() < stop:
            person = people[turn % len(people)]
            turn += 1
            body = urlencode(
                {
                    "round_id": round_id,
                    "statement_id": rng.choice(statements),
                    "vote": rng.choice(CHOICES),
                }
            )
            started = time.perf_counter()
            status, _headers, _body = await _exchange(
                reader, writer, _post("/vote", body, {"Cookie": f"participant={person}"})
            )
            load.latencies.append(time.perf_counter() - started)
            if status == 204:
                load.votes += 1
            else:
                load.errors += 1
    finally:
        writer.close()


async def _page_reader(port: int, person: Participant, load: Load, stop: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET /r/{SLUG} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {person.cookie}\r\n\r\n"
    ).encode()
    try:
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _headers, _body = await _exchange(reader, writer, request)
            load.page_latencies.append(time.perf_counter() - started)
            if status != 200:
                load.errors += 1
            await asyncio.sleep(0.1)
    finally:
        writer.close()


def run_palabre(people: list[Participant], seconds: float, seed: int) -> Load:
    load = Load()

    async def main() -> None:
        stop = time.monotonic() + seconds
        rng = random.Random(seed)
        shares = [people[i::CONNECTIONS] for i in range(CONNECTIONS)]
        await asyncio.gather(
            *(_palabre_connection(PALABRE_PORT, share, load, stop, rng) for share in shares),
            _page_reader(PALABRE_PORT, people[-1], load, stop),
        )

    asyncio.run(main())
    return load


def run_reference(
    round_id: int, people: list[int], statements: list[int], seconds: float, seed: int
) -> Load:
    load = Load()

    async def main() -> None:
        stop = time.monotonic() + seconds
        rng = random.Random(seed)
        shares = [people[i::CONNECTIONS] for i in range(CONNECTIONS)]
        await asyncio.gather(
            *(
                _reference_connection(
                    REFERENCE_PORT,
                    round_id=round_id,
                    people=share,
                    statements=statements,
                    load=load,
                    stop=stop,
                    rng=rng,
                )
                for share in shares
            )
        )

    asyncio.run(main())
    return load


# --- Report ---------------------------------------------------------------------------------


@dataclass
class Figures:
    rate: float
    p50: float
    p90: float
    p99: float
    errors: int
    app_cpu_ms: float
    db_cpu_ms: float
    page_p50: float | None = None
    page_p99: float | None = None


def figures(load: Load, seconds: float, app_cpu: float, db_cpu: float) -> Figures:
    ms = sorted(x * 1000 for x in load.latencies) or [float("nan")]
    pages = sorted(x * 1000 for x in load.page_latencies)
    votes = max(load.votes, 1)
    return Figures(
        rate=load.votes / seconds,
        p50=ms[len(ms) // 2],
        p90=ms[int(len(ms) * 0.9)],
        p99=ms[int(len(ms) * 0.99)],
        errors=load.errors,
        app_cpu_ms=1000 * app_cpu / votes,
        db_cpu_ms=1000 * db_cpu / votes,
        page_p50=pages[len(pages) // 2] if pages else None,
        page_p99=pages[int(len(pages) * 0.99)] if pages else None,
    )


def median_figures(runs: list[Figures]) -> Figures:
    def med(name: str) -> float:
        return statistics.median(getattr(r, name) for r in runs)

    pages = [r for r in runs if r.page_p50 is not None]
    return Figures(
        rate=med("rate"),
        p50=med("p50"),
        p90=med("p90"),
        p99=med("p99"),
        errors=sum(r.errors for r in runs),
        app_cpu_ms=med("app_cpu_ms"),
        db_cpu_ms=med("db_cpu_ms"),
        page_p50=statistics.median(r.page_p50 for r in pages) if pages else None,  # type: ignore[misc]
        page_p99=statistics.median(r.page_p99 for r in pages) if pages else None,  # type: ignore[misc]
    )


def line(name: str, f: Figures) -> str:
    text_ = (
        f"{name:<10} {f.rate:8.0f} votes/s  p50 {f.p50:6.1f} ms  p90 {f.p90:6.1f} ms  "
        f"p99 {f.p99:6.1f} ms  errors {f.errors}  CPU/vote app {f.app_cpu_ms:5.2f} ms "
        f"PostgreSQL {f.db_cpu_ms:5.2f} ms"
    )
    if f.page_p50 is not None:
        text_ += f"  page GET p50 {f.page_p50:.1f} ms p99 {f.page_p99:.1f} ms"
    return text_


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    began = time.monotonic()
    url = database_url()
    secret = secrets.token_urlsafe(48)
    os.environ["PALABRE_SECRET_KEY"] = secret  # the in-process app that builds the round
    round_id, invites = build_round(url, secret, args.statements)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PALABRE_")}
    palabre_env = base_env | {
        "PALABRE_DATABASE_URL": url,
        "PALABRE_SECRET_KEY": secret,
        "PALABRE_OPINIONS_WORKER": "external",
        "PALABRE_RATELIMIT_JOIN": "1000000 per hour",
        "PALABRE_INSTANCE_PATH": str(Path("/tmp") / "palabre-bench-http"),
    }
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    reference_env = base_env | {"PALABRE_BENCH_DSN": dsn}
    print(
        f"set-up: 1 round, {args.statements} statements, {len(invites)} territories; "
        f"gunicorn {WORKERS} workers x {THREADS} threads; {CONNECTIONS} connections; "
        f"{args.runs} x {args.seconds:.0f} s per app",
        flush=True,
    )
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app", "opinions", "worker"]
    with serve(gunicorn("app:create_app()", PALABRE_PORT), palabre_env, PALABRE_PORT) as palabre:
        started = time.monotonic()
        base = f"http://127.0.0.1:{PALABRE_PORT}"
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            people = list(
                pool.map(lambda n: join(base, invites[n % len(invites)]), range(args.participants))
            )
        with psycopg.connect(dsn) as connection:
            ids = [row[0] for row in connection.execute("SELECT id FROM participant ORDER BY id")]
            statements = [row[0] for row in connection.execute("SELECT id FROM statement")]
        print(
            f"joined {len(people)} participants through invite links in "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )
        with (
            serve(flask, palabre_env, 0),
            serve(
                gunicorn("bench.http_reference:app", REFERENCE_PORT), reference_env, REFERENCE_PORT
            ) as reference,
        ):
            reference_pids = tree(reference.pid)
            palabre_pids = tree(palabre.pid)
            results: dict[str, list[Figures]] = {"palabre": [], "reference": []}
            for run in range(args.runs):
                for name in ("palabre", "reference"):
                    app_pids = palabre_pids if name == "palabre" else reference_pids
                    db_pids = postgres_pids()
                    app_before, db_before = cpu_seconds(app_pids), cpu_seconds(db_pids)
                    if name == "palabre":
                        load = run_palabre(people, args.seconds, seed=run)
                    else:
                        load = run_reference(round_id, ids, statements, args.seconds, run)
                    db_pids |= postgres_pids()
                    result = figures(
                        load,
                        args.seconds,
                        cpu_seconds(app_pids) - app_before,
                        cpu_seconds(db_pids) - db_before,
                    )
                    results[name].append(result)
                    print(f"run {run + 1} " + line(name, result), flush=True)
    palabre_median = median_figures(results["palabre"])
    reference_median = median_figures(results["reference"])
    ratio = palabre_median.rate / reference_median.rate
    print("median " + line("palabre", palabre_median))
    print("median " + line("reference", reference_median))
    print(
        f"ratio: Palabre records {ratio:.0%} of the reference's votes/s "
        f"(target >= {TARGET_RATIO:.0%}, 0 errors); {time.monotonic() - began:.0f} s in all"
    )
    return 0 if ratio >= TARGET_RATIO and palabre_median.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
