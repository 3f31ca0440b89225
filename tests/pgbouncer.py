"""PgBouncer in transaction pooling mode in front of the test PostgreSQL.

Started on a free loopback port from a configuration of its own (trust for
the login the tests use; every database name passed through to the same
server), stopped when the block ends. `unavailable()` says why it cannot run
here (no binary; root without an unprivileged user to run it as), or None.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

# PgBouncer refuses to run as root; the Debian package's server runs as this user.
RUN_AS_WHEN_ROOT = "postgres"
STARTUP_WAIT_S = 10.0


def binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )


def _run_as() -> str | None:
    """Whom to run PgBouncer as, when this process is root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(RUN_AS_WHEN_ROOT)
    except KeyError:
        return ""
    return RUN_AS_WHEN_ROOT


def unavailable() -> str | None:
    if binary() is None:
        return "the pgbouncer binary is not installed (Debian: apt-get install pgbouncer)"
    if _run_as() == "":
        return f"running as root and there is no {RUN_AS_WHEN_ROOT!r} user to run pgbouncer as"
    return None


def version() -> str:
    found = binary()
    assert found is not None
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


@dataclass(frozen=True)
class PgBouncer:
    port: int
    pool_size: int
    folder: Path

    def url(self, database_url: str) -> str:
        """The same database, user and password, through PgBouncer."""
        url = make_url(database_url)
        query = {k: v for k, v in url.query.items() if k != "host"}
        through = url.set(host="127.0.0.1", port=self.port, query=query)
        return through.render_as_string(hide_password=False)

    def log(self) -> str:
        return (self.folder / "pgbouncer.log").read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _config(folder: Path, server_url: str, port: int, pool_size: int) -> Path:
    params = {k: str(v) for k, v in conninfo_to_dict(server_url).items() if v is not None}
    user = params.get("user") or os.environ.get("PGUSER") or "postgres"
    host = params.get("host") or "127.0.0.1"
    server = f"host={host} port={params.get('port', '5432')}"
    (folder / "users.txt").write_text(f"{_quote(user)} {_quote(params.get('password', ''))}\n")
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
* = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
admin_users = {user}
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 2000
; nothing but what libpq and psycopg send by themselves: the bot needs no
; ignore_startup_parameters
"""
    )
    for path in (folder, ini, folder / "users.txt"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return ini


@contextmanager
def running(server_url: str, *, pool_size: int, port: int | None = None) -> Iterator[PgBouncer]:
    """PgBouncer in front of the server of `server_url`, `pool_size` server
    connections per database and user; on `port` if given (a restart)."""
    reason = unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    port = port or _free_port()
    ini = _config(folder, server_url, port, pool_size)
    run_as = _run_as()
    command = [str(binary()), *(["-u", run_as] if run_as else []), str(ini)]
    with (folder / "pgbouncer.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    bouncer = PgBouncer(port, pool_size, folder)
    try:
        _wait_until_up(bouncer, server_url, process)
        yield bouncer
    finally:
        process.terminate()  # SIGTERM: immediate shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(bouncer: PgBouncer, server_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_WAIT_S
    through = bouncer.url(server_url)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited ({process.returncode}):\n{bouncer.log()}")
        try:
            with psycopg.connect(through, connect_timeout=2, prepare_threshold=None) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
