"""The processes the load bench starts on loopback ports, and stops again: the
stand-in Slack, `mentorbot serve` (real gunicorn), PgBouncer and HAProxy.

Each runs in a process group of its own, so that stopping it (or killing a
replica with SIGKILL) reaches gunicorn's workers too; `Processes` stops every
group it started, in reverse order, when its `with` block ends for any reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from psycopg.conninfo import conninfo_to_dict

from bench.cpu import CpuMeter

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-bench-signing-secret"


def cpu_model() -> str:
    """The machine the figures were measured on, as `lscpu` names it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    fields = {
        k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())
    }
    model = fields.get("Model name") or platform.processor() or "?"
    return f"{model}, {fields.get('CPU(s)', '?')} CPU(s)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(
    url: str, *, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not healthy after {timeout:g} s")


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    part: str  # what the CPU table calls it

    def kill(self) -> None:
        """SIGKILL to the whole group: the master and every worker, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Processes:
    """Starts the bench's processes; stops them all on exit (or Ctrl-C)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mentorbot-load-")))
    started: list[Started] = field(default_factory=list)
    meter: CpuMeter = field(default_factory=CpuMeter)

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for one in reversed(self.started):
            one.stop()
        self.started.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each part: the bot (every `serve`), the
        other processes started here, PostgreSQL and the bench."""
        parts: dict[str, list[int]] = {}
        for one in self.started:
            parts.setdefault(one.part, []).append(one.process.pid)
        return self.meter.read(parts)

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, *, part: str = ""
    ) -> Started:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        one = Started(name, process, log, part or name)
        self.started.append(one)
        return one

    def standin(self) -> tuple[str, str]:
        """The stand-in Slack: its Web API URL and its control URL."""
        one = self.start("standin", [sys.executable, "-m", "bench.standin_server"], part="stand-in")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            first = one.log.read_text().splitlines()[:1]
            if first and first[0].startswith("{"):
                found = json.loads(first[0])
                return str(found["api_url"]), str(found["control"])
            if one.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the stand-in Slack did not start:\n{one.tail()}")

    def serve(
        self,
        name: str,
        database_url: str,
        api_url: str,
        *,
        workers: int | None,
        scheduler: bool,
    ) -> tuple[Started, str]:
        """`mentorbot serve` on a free loopback port; its base URL once healthy."""
        port = free_port()
        argv = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        if workers is not None:
            argv += ["--workers", str(workers)]
        env = {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-load-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "MENTORSHIP_SCHEDULER": "true" if scheduler else "false",
            "MENTORSHIP_LOG_LEVEL": "WARNING",
        }
        one = self.start(name, argv, env, part="bot")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base + "/healthz", process=one.process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{one.tail()}") from None
        return one, base

    def pgbouncer(self, database_url: str, *, pool_size: int) -> str:
        """PgBouncer in transaction pooling in front of `database_url`'s
        database; the URL to reach that database through it."""
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        params = conninfo_to_dict(database_url)
        port = free_port()
        name = str(params["dbname"])
        target = " ".join(
            f"{key}={params[key]}" for key in ("host", "port", "user", "dbname") if params.get(key)
        )
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"{name} = {target}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
            f"unix_socket_dir = {self.folder}\n"
            "auth_type = any\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 1000\n"
            # The app sends `options=-c timezone=UTC`; PgBouncer 1.18 refuses
            # a startup parameter it does not know unless told to ignore it.
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.folder / 'pgbouncer-own.log'}\n"
            "log_connections = 0\nlog_disconnections = 0\n"
        )
        # PgBouncer will not run as root; the Debian package's user may.
        argv = [binary, str(config)]
        if os.geteuid() == 0:
            argv = [binary, "-u", "postgres", str(config)]
            os.chmod(self.folder, 0o755)
            shutil.chown(config, "postgres")
            (self.folder / "pgbouncer-own.log").touch()
            shutil.chown(self.folder / "pgbouncer-own.log", "postgres")
        one = self.start("pgbouncer", argv, part="PgBouncer")
        user = params.get("user") or "postgres"
        url = f"postgresql://{user}@127.0.0.1:{port}/{name}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if one.process.poll() is not None:
                break
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return url
            time.sleep(0.1)
        raise RuntimeError(f"PgBouncer did not start:\n{one.tail()}")

    def haproxy(self, backends: list[str]) -> str:
        """HAProxy on a loopback port in front of `backends` (base URLs),
        checking each one's /healthz; its base URL once it answers."""
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        port = free_port()
        servers = "\n".join(
            f"    server r{index} {url.removeprefix('http://')} check inter 1s fall 3 rise 2"
            for index, url in enumerate(backends, 1)
        )
        config = self.folder / "haproxy.cfg"
        config.write_text(
            "global\n    maxconn 2000\n"
            "defaults\n    mode http\n    timeout connect 1s\n"
            "    timeout client 60s\n    timeout server 60s\n"
            # A busy replica answers /healthz late, not never: only one that
            # stays silent (a killed one) is taken out.
            "    timeout check 5s\n"
            # A connection that fails before the request is sent is tried on
            # another replica; a request sent to a replica that then dies is
            # not (a POST): it comes back 502 and Slack would retry it.
            "    retries 3\n    option redispatch 1\n"
            f"frontend slack\n    bind 127.0.0.1:{port}\n    default_backend bots\n"
            "backend bots\n    balance roundrobin\n"
            "    option httpchk GET /healthz\n    http-check expect status 200\n"
            f"{servers}\n"
        )
        one = self.start("haproxy", [binary, "-db", "-f", str(config)], part="HAProxy")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base + "/healthz", process=one.process, timeout=30)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{one.tail()}") from None
        return base
