"""Backups: a consistent `pg_dump` of the database, the media files, and a manifest with
each table's row count taken from the same snapshot as the dump, so a restore can prove
it brought everything back.

A backup is a folder `practica-<UTC time>/` holding `database.dump` (pg_dump's custom
format), `media.tar.gz` and `manifest.json`. It is written under a temporary name and
renamed when complete: a folder with the final name is always a whole backup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

PREFIX = "practica-"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Database:
    """Connection parameters for the command-line tools and psycopg."""

    name: str
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def from_settings(cls, alias: str = "default") -> Database:
        config = connections[alias].settings_dict
        return cls(
            name=config["NAME"],
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or "",
            host=config.get("HOST") or "127.0.0.1",
            port=str(config.get("PORT") or 5432),
        )

    def tool_args(self) -> list[str]:
        return ["--host", self.host, "--port", self.port, "--username", self.user]

    def tool_env(self) -> dict[str, str]:
        env = {**os.environ}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            dbname=dbname or self.name,
            user=self.user,
            password=self.password or None,
            host=self.host,
            port=self.port,
            connect_timeout=10,
            **kwargs,
        )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is missing: install PostgreSQL's client tools.")
    return path


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row counts of every table in the public schema."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    counts = {}
    for name in names:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
        counts[name] = conn.execute(query).fetchone()[0]
    return counts


def create_backup(
    output_dir: Path, *, media: bool = True, database: Database | None = None
) -> Path:
    """Write a complete backup under `output_dir` and return its folder."""
    database = database or Database.from_settings()
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = output_dir / f"{PREFIX}{stamp}"
    partial = output_dir / f".partial-{stamp}"
    partial.mkdir()
    try:
        # One snapshot for the dump and the counts: the manifest describes exactly what
        # the dump holds, even while the site keeps writing.
        with database.connect() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            counts = table_counts(conn)
            server_version = conn.info.server_version
            # pg_dump and pg_restore run from argument lists we build, never a shell.
            subprocess.run(  # nosec B603
                [
                    _tool("pg_dump"),
                    *database.tool_args(),
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--snapshot={snapshot}",
                    f"--file={partial / 'database.dump'}",
                    database.name,
                ],
                env=database.tool_env(),
                check=True,
                capture_output=True,
                text=True,
            )
            conn.execute("COMMIT")
        media_files = _archive_media(partial / "media.tar.gz") if media else None
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": database.name,
            "server_version": server_version,
            "tables": counts,
            "media_files": media_files,
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial.rename(final)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"pg_dump failed: {exc.stderr.strip()}") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _archive_media(target: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(root)))
                    count += 1
    return count


def prune(output_dir: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete backups; returns what was deleted."""
    backups = sorted(p for p in output_dir.glob(f"{PREFIX}*") if p.is_dir())
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def latest(output_dir: Path) -> Path | None:
    backups = sorted(p for p in output_dir.glob(f"{PREFIX}*") if p.is_dir())
    return backups[-1] if backups else None


@dataclass
class RestoreResult:
    tables: int
    rows: int
    media_files: int
    mismatches: dict[str, tuple[int, int]]


def ensure_database(database: Database) -> bool:
    """Create the target database when it does not exist. True when it was created."""
    with database.connect(dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database.name]
        ).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))
        return True


def is_empty(database: Database) -> bool:
    with database.connect() as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    return row[0] == 0


def restore_backup(
    backup: Path, *, media: bool = True, replace: bool = False, database: Database | None = None
) -> RestoreResult:
    """Restore `backup` into the configured database (created when missing) and its
    media files into MEDIA_ROOT, then compare every table's row count with the manifest.

    Refuses a database that already has tables unless `replace`: then existing objects
    are dropped first. The database part runs in one transaction: it lands whole or not
    at all.
    """
    database = database or Database.from_settings()
    manifest = json.loads((backup / "manifest.json").read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    connections.close_all()
    ensure_database(database)
    if not replace and not is_empty(database):
        raise BackupError(
            f"Database {database.name} is not empty: restore into a fresh database, "
            "or pass --replace to drop what is there."
        )
    command = [
        _tool("pg_restore"),
        *database.tool_args(),
        "--no-owner",
        "--no-acl",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={database.name}",
    ]
    if replace:
        command += ["--clean", "--if-exists"]
    result = subprocess.run(  # nosec B603
        [*command, str(backup / "database.dump")],
        env=database.tool_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    media_files = _extract_media(backup / "media.tar.gz") if media else 0
    with database.connect() as conn:
        restored = table_counts(conn)
    expected = manifest["tables"]
    mismatches = {
        name: (count, restored.get(name, -1))
        for name, count in expected.items()
        if restored.get(name) != count
    }
    return RestoreResult(len(restored), sum(restored.values()), media_files, mismatches)


def _extract_media(archive_path: Path) -> int:
    if not archive_path.exists():
        return 0
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        # The "data" filter refuses absolute paths, links out of the folder and devices.
        archive.extractall(root, members=members, filter="data")
    return len(members)
