"""A small load generator for 127.0.0.1 only: gunicorn under our control, threads of clients.

Each client is a thread sending one request at a time with http.client, logged in through a
session cookie made directly in the database, with the CSRF token the portal gave it. Runs
are bounded in time and in request count.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import ROOT, summary_ms

HOST = "127.0.0.1"  # loopback only, by design
VERSION = re.compile(rb'name="version" value="(\d+)"')
DIRECTION = re.compile(rb'name="direction" value="(next|prev)"')
STATE = re.compile(rb"<dt>State</dt><dd><strong>([^<]+)</strong>")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn releasemgmt.wsgi` on a free loopback port, as in production (README)."""

    def __init__(
        self, *, workers: int, log: Path, env: dict | None = None, config: Path | None = None
    ) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.config = config  # e.g. deploy/gunicorn.conf.py; the options below override it
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "releasemgmt.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--no-control-socket",
            "--graceful-timeout",
            "5",
        ]
        if self.config is not None:
            command += ["--config", str(self.config)]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"gunicorn exited with {code}; see {self.log}")
            try:
                if get(self.port, "/accounts/login/", "")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)


def request(
    port: int, method: str, path: str, cookie: str, body: dict | None = None, timeout: float = 60
) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, content, response
    finally:
        connection.close()


def get(port: int, path: str, cookie: str) -> tuple[int, bytes, http.client.HTTPResponse]:
    return request(port, "GET", path, cookie)


@dataclass
class Session:
    """A logged-in browser: session and CSRF cookies, and the token for forms."""

    username: str
    cookie: str
    token: str


def login(port: int, user, probe_path: str) -> Session:
    """A session made in the database (force_login), then a page that hands out a CSRF token."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = f"sessionid={client.cookies['sessionid'].value}"
    status, content, response = get(port, probe_path, session)
    if status != 200:
        raise RuntimeError(f"{probe_path} answered {status} for {user}")
    csrf_cookie = next(
        c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [] if "csrftoken=" in c
    )
    token = CSRF.search(content)
    if token is None:
        raise RuntimeError(f"no CSRF token on {probe_path}")
    return Session(user.username, f"{session}; {csrf_cookie}", token[1].decode())


@dataclass
class Outcome:
    label: str
    status: int  # 0: the connection failed
    seconds: float
    expected: bool
    at: float = 0.0  # time.monotonic() when it was sent


@dataclass
class PhaseResult:
    name: str
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    successes: Counter = field(default_factory=Counter)  # item id -> moves answered as done
    unknown: Counter = field(default_factory=Counter)  # item id -> moves with no answer
    notes: list[str] = field(default_factory=list)
    errors: list[bytes] = field(default_factory=list)  # bodies of 5xx answers (first 200)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def merge(self, other: "PhaseResult") -> None:
        """Add another round of the same phase."""
        self.seconds += other.seconds
        self.outcomes += other.outcomes
        self.errors += other.errors
        self.successes.update(other.successes)
        self.unknown.update(other.unknown)

    def count(self, counter: Counter, item_id: int) -> None:
        with self.lock:
            counter[item_id] += 1

    def for_label(self, label: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.label == label]

    def row(self, label: str) -> dict:
        outcomes = self.for_label(label)
        median, _p95, p99 = summary_ms([o.seconds for o in outcomes])
        statuses = Counter(o.status for o in outcomes)
        return {
            "phase": self.name,
            "request": label,
            "requests": len(outcomes),
            "rps": len(outcomes) / self.seconds if self.seconds else 0.0,
            "median_ms": median,
            "p99_ms": p99,
            "statuses": dict(sorted(statuses.items())),
            "errors": sum(not o.expected for o in outcomes),
        }


class Client:
    """One thread's worth of requests; `step` does one unit of work and records outcomes."""

    def __init__(self, port: int, session: Session) -> None:
        self.port = port
        self.session = session

    def timed(
        self, result: PhaseResult, label: str, method: str, path: str, body=None, ok=(200,)
    ) -> tuple[int, bytes]:
        at = time.monotonic()
        started = time.perf_counter()
        try:
            status, content, _ = request(self.port, method, path, self.session.cookie, body)
        except (OSError, http.client.HTTPException):
            status, content = 0, b""
        seconds = time.perf_counter() - started
        result.outcomes.append(Outcome(label, status, seconds, status in ok, at))
        if status >= 500 and len(result.errors) < 200:
            result.errors.append(content)
        return status, content

    def step(self, result: PhaseResult) -> None:
        raise NotImplementedError


class Getter(Client):
    def __init__(self, port: int, session: Session, path: str, label: str) -> None:
        super().__init__(port, session)
        self.path, self.label = path, label

    def step(self, result: PhaseResult) -> None:
        self.timed(result, self.label, "GET", self.path)


class FloorPoster(Client):
    def step(self, result: PhaseResult) -> None:
        body = {"csrfmiddlewaretoken": self.session.token, "note": "floor"}
        self.timed(result, "floor POST", "POST", "/bench/floor/", body)


class Mover(Client):
    """Moves its own items round-robin; it keeps the version each successful move returns."""

    def __init__(
        self, port: int, session: Session, code: str, items: list[dict], states: dict[str, int]
    ) -> None:
        super().__init__(port, session)
        self.code, self.items = code, items
        self.names = states  # enabled state name -> id, in order
        self.enabled = list(states.values())
        self.turn = 0

    def direction(self, item: dict) -> str:
        index = self.enabled.index(item["status_id"])
        if index == len(self.enabled) - 1:
            item["forward"] = False
        elif index == 0:
            item["forward"] = True
        return "next" if item.setdefault("forward", item["number"] % 2 == 1) else "prev"

    def step(self, result: PhaseResult) -> None:
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        direction = self.direction(item)
        path = f"/projects/{self.code}/items/{item['number']}/move/"
        body = {
            "csrfmiddlewaretoken": self.session.token,
            "version": item["version"],
            "direction": direction,
            "origin": "board",
        }
        status, _ = self.timed(result, "move POST", "POST", path, body, ok=(302,))
        if status == 302:
            result.count(result.successes, item["pk"])
            index = self.enabled.index(item["status_id"]) + (1 if direction == "next" else -1)
            item["status_id"], item["version"] = self.enabled[index], item["version"] + 1
        else:
            if status in (0, 503):  # no answer, or cut off: the journal will tell
                result.count(result.unknown, item["pk"])
            self.resync(result, item)

    def resync(self, result: PhaseResult, item: dict) -> None:
        """Read the item's version and state from its page, as a person reloading would."""
        for _ in range(100):
            path = f"/projects/{self.code}/items/{item['number']}/"
            status, content = self.timed(result, "item GET", "GET", path)
            if status == 200:
                item["version"] = int(VERSION.search(content)[1])
                item["status_id"] = self.names[STATE.search(content)[1].decode()]
                return
            time.sleep(0.2)


class Hammer(Client):
    """One of many clients moving the same item: read its page, then move it (409 if late)."""

    def __init__(self, port: int, session: Session, code: str, item: dict) -> None:
        super().__init__(port, session)
        self.code, self.item = code, item

    def step(self, result: PhaseResult) -> None:
        number = self.item["number"]
        status, content = self.timed(
            result, "item GET", "GET", f"/projects/{self.code}/items/{number}/"
        )
        if status != 200:
            return
        version = int(VERSION.search(content)[1])
        directions = DIRECTION.findall(content)
        direction = "next" if b"next" in directions else "prev"
        body = {
            "csrfmiddlewaretoken": self.session.token,
            "version": version,
            "direction": direction,
            "origin": "item",  # it came from the item page: a 409 shows that page again
        }
        path = f"/projects/{self.code}/items/{number}/move/"
        status, _ = self.timed(result, "move POST", "POST", path, body, ok=(302, 409))
        if status == 302:
            result.count(result.successes, self.item["pk"])
        elif status == 0:
            result.count(result.unknown, self.item["pk"])


def run_phase(
    name: str,
    clients: list[Client],
    *,
    seconds: float,
    max_requests: int = 200_000,
    during: Callable[[float], None] | None = None,
) -> PhaseResult:
    """Every client steps until the time is up or the request budget is spent.

    `during(elapsed)` is called every 0.05 s from the main thread (fault injection).
    """
    result = PhaseResult(name, seconds)
    deadline = time.monotonic() + seconds
    budget = threading.Semaphore(max_requests)

    def loop(client: Client) -> None:
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            client.step(result)

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        if during is not None:
            during(time.monotonic() - started)
        time.sleep(0.05)
    result.seconds = time.monotonic() - started
    return result
