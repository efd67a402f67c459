"""The parts of ``bench/torture.py``: the sink it delivers to, the bot process it kills, what it reads
from the database, the proxy that cuts PostgreSQL off, and the lead list it imports.

Times are ``time.perf_counter()`` everywhere (CLOCK_MONOTONIC on Linux), the clock the loopback
receiver stamps each request with.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import requests
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from socialleads.testing.http_receiver import LoopbackReceiver, ReceivedRequest, ScriptedResponse

REPO = Path(__file__).resolve().parents[1]

# --- the sink: a loopback webhook receiver that keeps every POST -----------------------------------

Delivery = tuple[str, int]
"""A delivery as a receiver tells them apart: the idempotency key and the lead's revision."""


@dataclass(frozen=True)
class Post:
    """One POST the receiver got: its delivery (None for a notice), the status answered, when it came."""

    delivery: Delivery | None
    status: int
    at: float


class Receiver(LoopbackReceiver):
    """The webhook sink's far end: answers after ``latency`` seconds, as ``answer`` says (200 if None),
    and logs each POST with its ``Idempotency-Key``, the body's ``revision`` and the status it got."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.answer: Callable[[float], ScriptedResponse] | None = None
        self.posts: list[Post] = []
        self.last_at = 0.0
        """When the latest request came."""
        self._log_lock = threading.Lock()
        self._ids = 0

    def ok(self) -> ScriptedResponse:
        """A 200 with a record id, as a CRM answers."""
        self._ids += 1
        body = json.dumps({"id": f"r{self._ids}"}).encode()
        return ScriptedResponse(200, body, {"Content-Type": "application/json"}, delay=self.latency)

    def _record(self, request: ReceivedRequest) -> ScriptedResponse:
        """Called by LoopbackReceiver's handler for every request: log it, pick the answer."""
        key = request.header("Idempotency-Key")
        delivery = None
        if key is not None:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                delivery = (key, int(request.json()["revision"]))
        with self._log_lock:
            answer = self.answer(request.received_at) if self.answer is not None else self.ok()
            self.posts.append(Post(delivery, answer.status, request.received_at))
            self.last_at = max(self.last_at, request.received_at)
        return answer

    def log(self) -> list[Post]:
        """A copy of the POSTs so far, in arrival order."""
        with self._log_lock:
            return list(self.posts)

    def accepted(self, since: float = 0.0, until: float = math.inf) -> set[Delivery]:
        """Deliveries answered 2xx between ``since`` and ``until``."""
        return {
            p.delivery for p in self.log() if p.delivery and 200 <= p.status < 300 and since <= p.at <= until
        }


@dataclass
class Repeats:
    """POSTs of a delivery the receiver had already accepted, and how long after the first they came."""

    count: int = 0
    delays: list[float] = field(default_factory=list)


def repeats(posts: Iterable[Post]) -> Repeats:
    """Count repeats among ``posts``: POSTs of a delivery that was answered 2xx before."""
    first: dict[Delivery, float] = {}
    found = Repeats()
    for post in posts:
        if post.delivery is None:
            continue
        if post.delivery in first:
            found.count += 1
            found.delays.append(post.at - first[post.delivery])
        elif 200 <= post.status < 300:
            first[post.delivery] = post.at
    return found


def first_accepted(posts: Iterable[Post]) -> dict[Delivery, float]:
    """When each delivery was first answered 2xx."""
    first: dict[Delivery, float] = {}
    for post in posts:
        if post.delivery is not None and 200 <= post.status < 300:
            first.setdefault(post.delivery, post.at)
    return first


# --- the database, read from outside the bot ------------------------------------------------------


class Store:
    """Reads the bot's database with plain SQL (no pool: every read sees what is committed now).

    Every read answers as for an empty database while the bot has not created its tables yet.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite_path = Path(make_url(url).database or "") if url.startswith("sqlite") else None
        self.engine: Engine = create_engine(url, poolclass=NullPool)

    def close(self) -> None:
        self.engine.dispose()

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        if self.sqlite_path is not None and not self.sqlite_path.exists():
            return []
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        except DBAPIError as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                return []
            raise

    def count(self, sql: str, **params: Any) -> int:
        rows = self._rows(sql, **params)
        return int(rows[0][0] or 0) if rows else 0

    def recorded(self) -> dict[str, int]:
        """Per idempotency key, the newest revision the database records as delivered."""
        rows = self._rows(
            "SELECT idempotency_key, delivered_revision FROM deliveries WHERE delivered_revision IS NOT NULL"
        )
        return {str(key): int(revision) for key, revision in rows}

    def delivered_count(self) -> int:
        return self.count("SELECT count(*) FROM deliveries WHERE delivered_revision IS NOT NULL")

    def current(self) -> set[Delivery]:
        """Every delivery at the revision it should reach the sink with."""
        return {(str(k), int(r)) for k, r in self._rows("SELECT idempotency_key, revision FROM deliveries")}

    def undelivered(self) -> int:
        """Deliveries not yet recorded as delivered at their current revision (dead letters included)."""
        return self.count(
            "SELECT count(*) FROM deliveries WHERE status <> 'delivered' "
            "OR delivered_revision IS NULL OR delivered_revision < revision"
        )

    def leads(self) -> int:
        return self.count("SELECT count(*) FROM leads")

    def lead_emails(self) -> set[str]:
        return {str(e) for (e,) in self._rows("SELECT email FROM leads WHERE email IS NOT NULL")}

    def native_ids(self, source: str) -> set[str]:
        return {str(n) for (n,) in self._rows("SELECT native_id FROM raw_events WHERE source = :s", s=source)}

    def stored_twice(self) -> dict[str, int]:
        """Rows beyond the first of one raw event, of one person's lead (by email), of one event's touch."""
        return {
            "events": self.count(
                "SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM raw_events "
                "GROUP BY source, native_id HAVING count(*) > 1) AS d"
            ),
            "leads": self.count(
                "SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM leads WHERE email IS NOT NULL "
                "GROUP BY email HAVING count(*) > 1) AS d"
            ),
            "touches": self.count(
                "SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM touches "
                "GROUP BY raw_event_id HAVING count(*) > 1) AS d"
            ),
        }

    def cursor_mentions(self, source: str, word: str) -> bool:
        """Whether the source's stored cursor mentions ``word`` (a CSV file the poll finished reading)."""
        rows = self._rows("SELECT cursor FROM source_state WHERE source = :s", s=source)
        if not rows or rows[0][0] is None:
            return False
        value = rows[0][0]
        return word in (value if isinstance(value, str) else json.dumps(value))

    def settle(self, timeout: float = 3.0) -> None:
        """After a kill on PostgreSQL: wait until the server has ended the dead bot's sessions, so a
        commit already on its way is applied (or not) before we read. No-op on SQLite."""
        if self.sqlite_path is not None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            others = self.count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            if others == 0:
                return
            time.sleep(0.02)


def delivered_in(recorded: dict[str, int], delivery: Delivery) -> bool:
    """Whether the database records ``delivery`` (that revision or a newer one) as delivered."""
    return recorded.get(delivery[0], 0) >= delivery[1]


@contextlib.contextmanager
def postgres_database(admin_url: str, label: str) -> Iterator[str]:
    """A fresh database on the server of ``admin_url`` for one scenario; dropped afterwards."""
    name = f"torture_{label}_{os.getpid()}_{random.randrange(16**6):06x}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the bot, as a process that can be killed -----------------------------------------------------

#: The fork server: imports the bot's code (every plugin too, as ``build_bot`` discovers them) once,
#: then for each order on stdin forks a child that runs exactly ``socialleads run`` in the order's
#: folder, environment and log, in a session of its own. It reports on stdout when it is ready, each
#: child it started, and each child's exit code (it is their parent, so it reaps them). When its stdin
#: closes (the bench ended, however), it kills the bots still running.
FORK_SERVER = """
import atexit, json, os, select, signal, sys, threading, traceback
import scheduler, socialleads.bot, socialleads.cli, socialleads.registry
socialleads.registry.discover()


def tell(message):
    sys.stdout.write(json.dumps(message) + "\\n")
    sys.stdout.flush()


def run_bot(order):
    os.setsid()
    os.chdir(order["cwd"])
    os.environ.clear()
    os.environ.update(order["env"])
    log = os.open(order["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    sys.argv = ["socialleads", "run"]
    code = 0
    try:
        socialleads.cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    # What the interpreter does on its way out, then out without returning to the server's loop.
    threading._shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


children = set()
tell({"ready": os.getpid()})
while True:
    readable, _, _ = select.select([sys.stdin], [], [], 0.02)
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        children.discard(pid)
        tell({"exit": pid, "code": os.waitstatus_to_exitcode(status)})
    if readable:
        line = sys.stdin.readline()
        if not line:  # the bench is gone: so are the bots it left running
            for pid in children:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            break
        pid = os.fork()
        if pid == 0:
            run_bot(json.loads(line))
        children.add(pid)
        tell({"started": pid})
"""


def bot_environment(work: Path, database_url: str, port: int, extra: dict[str, str]) -> dict[str, str]:
    """The environment of ``socialleads run`` in ``work``: its own config, data and database."""
    env = _base_environment()
    env.update(
        {
            "SOCIALLEADS_CONFIG_DIR": str(work / "config"),
            "SOCIALLEADS_DATA_DIR": str(work / "data"),
            "SOCIALLEADS_DATABASE_URL": database_url,
            "SOCIALLEADS_WEB__PORT": str(port),
            **extra,
        }
    )
    return env


def _base_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEADS_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _spawn(
    argv: list[str], cwd: Path, env: dict[str, str], log: Path, talks: bool = False
) -> subprocess.Popen[str]:
    """A process in a session of its own (so what it leaves behind can be found by its group); with
    ``talks``, its stdout is a pipe to us (stderr still goes to ``log``)."""
    with log.open("a") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and code
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if talks else out,
            stderr=out if talks else subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


class Forked:
    """A bot the fork server started: a pid, and its exit code once the server reaped it."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid

    def poll(self) -> int | None:
        return self.server.exit_code(self.pid, 0)

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        code = self.server.exit_code(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired("socialleads run", timeout or 0)
        return code


class ForkServer:
    """Starts bots by forking a process that imported their code once (``FORK_SERVER``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process = _spawn(
            [sys.executable, "-c", FORK_SERVER], REPO, _base_environment(), folder / "fork-server.log", True
        )
        self._cond = threading.Condition()
        self._exits: dict[int, int] = {}
        self._started: list[int] = []
        self._ready = False
        self._reader = threading.Thread(target=self._read, name="fork-server", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            with self._cond:
                if "ready" in message:
                    self._ready = True
                elif "started" in message:
                    self._started.append(int(message["started"]))
                elif "exit" in message:
                    self._exits[int(message["exit"])] = int(message["code"])
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait(self, condition: Callable[[], bool], timeout: float | None, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: condition() or self.process.poll() is not None, timeout):
                raise RuntimeError(
                    f"the fork server did not {what} in time; see {self.folder}/fork-server.log"
                )
            if not condition():
                raise RuntimeError(f"the fork server ended; see {self.folder}")

    def start(self, cwd: Path, env: dict[str, str], log: Path) -> Forked:
        """Fork ``socialleads run`` in ``cwd`` with ``env``, its output appended to ``log``."""
        self._wait(lambda: self._ready, 300, "get ready")
        assert self.process.stdin is not None
        with self._cond:
            self._started.clear()
        self.process.stdin.write(json.dumps({"cwd": str(cwd), "env": env, "log": str(log)}) + "\n")
        self.process.stdin.flush()
        self._wait(lambda: bool(self._started), 30, "fork")
        with self._cond:
            return Forked(self, self._started.pop())

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exits or self.process.poll() is not None, timeout)
            return self._exits.get(pid)

    def close(self) -> None:
        """Stop the server; it kills any bot it started that still runs."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        end_group(self.process)
        self._reader.join(5)


Handle = subprocess.Popen[str] | Forked


def _group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def end_group(process: Handle) -> None:
    """SIGKILL ``process`` and whatever is left in its process group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
    if isinstance(process, subprocess.Popen) and process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    if _group_members(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


class BotProcess:
    """``socialleads run`` in ``work``, started, SIGKILLed and started again.

    Each start is a session (and process group) of its own, so helper processes a killed bot leaves
    behind can be counted (``orphans``) and then ended. With a ``forks`` server, each start is a fork
    of a process that imported the bot's code once: a restart then measures the bot, not the import
    of its libraries; without, ``python -m socialleads run`` from scratch. ``restarts`` says how long
    each restart took, from the kill to answering /healthz.
    """

    def __init__(self, work: Path, env: dict[str, str], port: int, forks: ForkServer | None) -> None:
        self.work = work
        self.env = env
        self.port = port
        self.forks = forks
        self.process: Handle | None = None
        self.started_at = 0.0
        self.up_at: float | None = None
        self.killed_at: float | None = None
        self.restarts: list[float] = []
        self.orphans = 0
        self.events: list[tuple[str, float, int]] = []
        """("start" | "up" | "kill" | "stop", when, pid), for ``--keep``'s record."""

    def start(self) -> float:
        """Start the bot; returns the moment it was started."""
        log = self.work / "bot.log"
        if self.forks is not None:
            self.process = self.forks.start(self.work, self.env, log)
        else:
            self.process = _spawn([sys.executable, "-m", "socialleads", "run"], self.work, self.env, log)
        self.started_at = time.perf_counter()
        self.up_at = None
        self.events.append(("start", self.started_at, self.process.pid))
        return self.started_at

    def is_up(self) -> bool:
        """Whether it answers /healthz (remembers the first time it did, for the restart time)."""
        if self.up_at is not None:
            return True
        try:
            requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5)
        except requests.RequestException:
            return False
        self.up_at = time.perf_counter()
        if self.process is not None:
            self.events.append(("up", self.up_at, self.process.pid))
        if self.killed_at is not None:
            self.restarts.append(self.up_at - self.killed_at)
        return True

    def wait_up(self, timeout: float = 120.0) -> float:
        """Wait until it answers /healthz; returns that moment. Raises ``RuntimeError`` if it exits or
        does not answer within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self.is_up():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.process.poll()}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not answer within {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.02)
        assert self.up_at is not None
        return self.up_at

    def sleep_until(self, moment: float) -> None:
        """Wait until ``moment`` (perf_counter)."""
        while (left := moment - time.perf_counter()) > 0:
            time.sleep(min(left, 0.05))

    def kill(self) -> float:
        """SIGKILL the bot, as a crash or an OOM kill would; returns the moment of the kill."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.killed_at = time.perf_counter()
        self.events.append(("kill", self.killed_at, self.process.pid))
        self.process.wait(30)
        return self.killed_at

    def reap(self, grace: float = 0.5) -> int:
        """Count the processes the killed bot left behind after ``grace`` seconds, then end them."""
        assert self.process is not None
        pgid = self.process.pid
        deadline = time.monotonic() + grace
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _group_members(pgid)
        self.orphans += len(left)
        if left:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        return len(left)

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM (a clean stop); returns the exit code, or None if it had to be killed."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.poll()
        os.kill(self.process.pid, signal.SIGTERM)
        self.events.append(("stop", time.perf_counter(), self.process.pid))
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def close(self) -> None:
        """End the bot and anything left in its process group."""
        if self.process is not None:
            end_group(self.process)
            self.process = None

    def errors_logged(self) -> int:
        """Lines the bot logged at ERROR level, over all its runs (a crash's traceback is one)."""
        path = self.work / "bot.log"
        if not path.exists():
            return 0
        return sum(1 for line in path.read_text(errors="replace").splitlines() if " ERROR " in line)

    def log_tail(self, chars: int = 3000) -> str:
        path = self.work / "bot.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def write_record(folder: Path, receiver: Receiver, bot: BotProcess) -> None:
    """For ``--keep``: every POST and every start, kill and stop of the bot, in time order, as JSON lines
    (``record.jsonl``; times in seconds from the first line)."""
    lines: list[tuple[float, dict[str, Any]]] = [
        (p.at, {"post": list(p.delivery) if p.delivery else None, "status": p.status}) for p in receiver.log()
    ]
    lines += [(at, {"bot": what, "pid": pid}) for what, at, pid in bot.events]
    lines.sort(key=lambda line: line[0])
    zero = lines[0][0] if lines else 0.0
    with (folder / "record.jsonl").open("w") as out:
        for at, line in lines:
            out.write(json.dumps({"t": round(at - zero, 4), **line}) + "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- a database outage: a TCP proxy that can cut every connection ---------------------------------


class TcpProxy:
    """A loopback TCP proxy to ``upstream``; ``cut()`` closes every connection and refuses new ones
    (accepted, then closed at once) until ``resume()``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._up = True
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="pg-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._up:
                    client.close()
                    continue
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                server.settimeout(None)
                self._open |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._shut(sock)

    def _shut(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
        with self._lock:
            self._open.discard(sock)

    def cut(self) -> None:
        """The database goes away: every proxied connection is closed, new ones are refused."""
        with self._lock:
            self._up = False
            sockets = list(self._open)
        for sock in sockets:
            self._shut(sock)

    def resume(self) -> None:
        """The database is back."""
        with self._lock:
            self._up = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._thread.join(5)


# --- the lead list ----------------------------------------------------------------------------------

FIRST = (
    "Anna", "Gunnar", "Lucía", "Jörg", "Camille", "Mia", "João", "Emily", "Sigrún", "Pablo", "Ólafur",
    "Zoë", "Þórdís", "Seán", "Björk", "François", "Ingrid", "Mateo", "Chloé", "Dagný", "Lukas", "Aoife",
)  # fmt: skip
LAST = (
    "Jónsdóttir", "Magnússon", "Fernández", "Müller", "Dubois", "Hansen", "Silva", "Carter", "Berg",
    "O'Brien", "Ægisdóttir", "García-López", "Søndergaard", "Lefèvre", "Schröder", "Pálsson", "Nuñez",
)  # fmt: skip
PROVIDERS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "simnet.is", "gmx.de")
COMPANIES = (
    "Hús & Heimili ehf.",
    "Nordic Interiors, Inc.",
    'Casa "Bonita" S.L.',
    "Möbelhaus Berg GmbH",
    "Atelier Lumière; Paris",
    "",
)
TITLES = ("Interior designer", "Owner", "Head of Purchasing", "Architect", "", "Store manager")
PLACES = (("Reykjavík", "IS"), ("Madrid", "ES"), ("Berlin", "DE"), ("Lyon", "FR"), ("Aarhus", "DK"))
FOLD = str.maketrans({"ð": "d", "þ": "th", "æ": "ae", "ø": "o", "ß": "ss"})


def _ascii(text_: str) -> str:
    folded = unicodedata.normalize("NFKD", text_.lower().translate(FOLD))
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch == "."))


def _phone(rng: random.Random, region: str, taken: set[str]) -> str:
    """A valid, unused mobile number of ``region``, written as people write it."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None, region
    national = str(example.national_number)
    while True:
        digits = national[:2] + "".join(rng.choice("0123456789") for _ in national[2:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 not in taken:
            taken.add(e164)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def people(count: int, seed: int) -> list[dict[str, str]]:
    """``count`` distinct people (each email and phone used once) as a trade-show export lists them:
    names in several languages, company names with commas, quotes and ampersands, mixed consent."""
    rng = random.Random(seed)
    taken: set[str] = set()
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, region = rng.choice(PLACES)
        rows.append(
            {
                "Full Name": f"{first} {last}",
                "Email": f"{_ascii(first)}.{_ascii(last)}.{n}@{rng.choice(PROVIDERS)}",
                "Phone": _phone(rng, region, taken),
                "Company": rng.choice(COMPANIES),
                "Job Title": rng.choice(TITLES),
                "City": city,
                "Country": region,
                "Consent": rng.choice(("yes", "yes", "no")),
            }
        )
    return rows


def drop_csv(inbox: Path, name: str, rows: list[dict[str, str]]) -> None:
    """Write the list beside the inbox, then move it in whole, as a careful upload does."""
    staging = inbox.parent / f".{name}.part"
    with staging.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    staging.replace(inbox / name)
