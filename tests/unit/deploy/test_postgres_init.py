"""deploy/postgres/init.sh on a real, throwaway PostgreSQL cluster (initdb in a temporary folder, on a Unix socket
only, passwords checked with SCRAM): each service's role reaches its own database and no other, and running the
script again changes the passwords to the new ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dependencies import require
from tests.unit.deploy.tools import DEPLOY, SERVICES, clean_env, run

SCRIPT = DEPLOY / "postgres" / "init.sh"


def _as_owner() -> list[str]:
    """initdb and the server refuse to run as root: as the postgres user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def cluster() -> Iterator[Path]:
    tools = [shutil.which(name) for name in ("initdb", "pg_ctl", "psql")]
    require(all(tools) and (os.geteuid() != 0 or shutil.which("runuser") is not None),
            "PostgreSQL server binaries (initdb, pg_ctl, psql)", "apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="slrt-pg-init-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    owner = _as_owner()
    try:
        subprocess.run([*owner, "initdb", "-D", str(data), "-U", "postgres", "--auth=trust"], check=True,
                       capture_output=True, timeout=120)
        (data / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        subprocess.run([*owner, "pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
                        f"-k {folder} -c listen_addresses=''", "start"], check=True, capture_output=True, timeout=60)
        yield folder
    finally:
        subprocess.run([*owner, "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _passwords(round_: str) -> dict[str, str]:
    return {f"SLRT_{s.upper()}_DB_PASSWORD": f"{s}-{round_}-Secret0123456789" for s in SERVICES}


def _init(socket_dir: Path, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run("bash", SCRIPT, env=clean_env(PGHOST=str(socket_dir), POSTGRES_USER="postgres",
                                             POSTGRES_DB="postgres", **passwords))


def _psql(socket_dir: Path, user: str, database: str, password: str, sql: str) -> subprocess.CompletedProcess[str]:
    return run("psql", "--no-psqlrc", "--quiet", "-At", "-h", socket_dir, "-U", user, "-d", database, "-c", sql,
               env=clean_env(PGPASSWORD=password))


def test_each_role_owns_its_database_and_reaches_no_other(cluster: Path) -> None:
    passwords = _passwords("first")
    done = _init(cluster, passwords)
    assert done.returncode == 0, done.stderr
    for service in SERVICES:
        password = passwords[f"SLRT_{service.upper()}_DB_PASSWORD"]
        own = _psql(cluster, service, f"slrt_{service}", password,
                    "CREATE TABLE probe (x int); DROP TABLE probe; SELECT current_user, current_database()")
        assert own.returncode == 0, own.stderr
        assert own.stdout.split() == [f"{service}|slrt_{service}"]
        for other in SERVICES:
            if other != service:
                denied = _psql(cluster, service, f"slrt_{other}", password, "SELECT 1")
                assert denied.returncode != 0 and "permission denied for database" in denied.stderr
        wrong = _psql(cluster, service, f"slrt_{service}", "not-the-password", "SELECT 1")
        assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
    owners = _psql(cluster, "postgres", "postgres", "", "SELECT datname || '=' || pg_get_userbyid(datdba) "
                   "FROM pg_database WHERE datname LIKE 'slrt_%' ORDER BY 1")
    assert owners.stdout.split() == sorted(f"slrt_{s}={s}" for s in SERVICES)
    roles = _psql(cluster, "postgres", "postgres", "", "SELECT rolname FROM pg_roles WHERE rolname IN "
                  "('intake','routing','notification','reporting') AND NOT (rolsuper OR rolcreatedb "
                  "OR rolcreaterole) AND rolcanlogin ORDER BY 1")
    assert roles.stdout.split() == sorted(SERVICES)


def test_running_it_again_applies_new_passwords(cluster: Path) -> None:
    assert _init(cluster, _passwords("first")).returncode == 0
    changed = _passwords("second")
    done = _init(cluster, changed)
    assert done.returncode == 0, done.stderr
    old = _psql(cluster, "intake", "slrt_intake", _passwords("first")["SLRT_INTAKE_DB_PASSWORD"], "SELECT 1")
    assert old.returncode != 0
    new = _psql(cluster, "intake", "slrt_intake", changed["SLRT_INTAKE_DB_PASSWORD"], "SELECT 1")
    assert new.returncode == 0, new.stderr


def test_a_missing_password_stops_it(cluster: Path) -> None:
    passwords = _passwords("first")
    del passwords["SLRT_REPORTING_DB_PASSWORD"]
    done = _init(cluster, passwords)
    assert done.returncode != 0 and "SLRT_REPORTING_DB_PASSWORD is not set" in done.stderr
