"""`make bench`: Practica served by gunicorn under wrk, next to a reference view.

Never part of the test suite. Every number is also quoted as a ratio to the reference
view measured in the same round, because absolute numbers on a shared machine move.
See the README's benchmark section, and `python -m benchmarks --help`.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
# Everything the bench serves or listens on stays in 18300-18399 on 127.0.0.1.
# BENCH_WEB_PORT, BENCH_SMTP_PORT and BENCH_DB_PREFIX let two benches share a machine.
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "18310"))
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT", "18325"))
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "practica_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DURATION = {"S": 2, "M": 10, "L": 10}
DEFAULT_DIGEST_MEMBERS = {"S": 100, "M": 5_000, "L": 100_000}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Datasets -------------------------------------------------------------------------


def database_url(size: str) -> str:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    return base.rstrip("/") + f"/{database_name(size)}"


def database_name(size: str) -> str:
    return f"{DB_PREFIX}_{size.lower()}"


def fingerprint(size: str) -> str:
    """Changes when the schema (any migration) or the dataset's version changes
    (`DATA_VERSION` in datasets.py, bumped with what the builder writes); S also
    follows the demo data."""
    from benchmarks.datasets import DATA_VERSION

    digest = hashlib.sha256(f"{size}:{DATA_VERSION}".encode())
    files = sorted(BASE_DIR.glob("*/migrations/*.py"))
    if size == "S":
        files += sorted(BASE_DIR.glob("*/demo*.py")) + sorted(BASE_DIR.glob("demo/**/*.py"))
    for path in files:
        digest.update(str(path.relative_to(BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def bench_env(size: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": database_url(size),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
        "REDIS_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "LOG_LEVEL": "WARNING",
    }


def stored_fingerprint(size: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(database_url(size).replace("postgres://", "postgresql://")) as conn:
            row = conn.execute("SELECT value FROM bench_dataset WHERE key = 'fingerprint'")
            found = row.fetchone()
    except psycopg.Error:
        return None
    return found[0] if found else None


def ensure_dataset(size: str, *, rebuild: bool) -> dict:
    """Build `practica_bench_<size>` unless a dataset with the same fingerprint is there;
    returns the manifest (ids, slugs, the member's session)."""
    import psycopg

    wanted = fingerprint(size)
    env = bench_env(size)
    env["DATABASE_POOL"] = "false"
    build = rebuild or stored_fingerprint(size) != wanted
    if build:
        say(f"Building dataset {size} ({database_name(size)}, fingerprint {wanted})")
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database_name(size)} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {database_name(size)}")
    else:
        say(f"Reusing dataset {size} (fingerprint {wanted}; --rebuild builds it again)")
    command = [PYTHON, "-m", "benchmarks.datasets", "--size", size, *(["--build"] if build else [])]
    out = subprocess.run(
        command, env=env, cwd=BASE_DIR, check=True, stdout=subprocess.PIPE, text=True
    )
    manifest = json.loads(out.stdout.strip().splitlines()[-1])
    if build:
        with psycopg.connect(database_url(size).replace("postgres://", "postgresql://")) as conn:
            conn.execute(
                "INSERT INTO bench_dataset VALUES ('fingerprint', to_jsonb(%s::text))"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [wanted],
            )
        say(f"Dataset {size} built in {manifest['build_seconds']} s")
    return manifest


# --- Pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str  # "anon" or "member"


def pages_for(m: dict) -> list[Page]:
    c, posts, search = m["community"], m["posts"], m["search"]
    both = ("anon", "member")
    table = [
        ("home", "/", both),
        ("directory", "/communities/", ("anon",)),
        ("community", f"/c/{c}/", both),
        ("feed", f"/c/{c}/posts/", both),
        ("feed-active", f"/c/{c}/posts/?sort=active", ("anon",)),
        ("feed-helpful", f"/c/{c}/posts/?sort=helpful", ("anon",)),
        ("feed-challenges", f"/c/{c}/posts/?kind=challenge", ("anon",)),
        ("post-5", f"/c/{c}/posts/{posts['5']}/", both),
        ("post-50", f"/c/{c}/posts/{posts['50']}/", both),
        ("post-200", f"/c/{c}/posts/{posts['200']}/", both),
        ("search-rare", f"/search/?q={quote_plus(search['rare'])}", ("anon",)),
        ("search-two", f"/search/?q={quote_plus(search['two'])}", ("anon",)),
        ("search-common", f"/search/?q={quote_plus(search['common'])}", both),
        ("tag", f"/tags/{m['tag']}/", ("anon",)),
        ("lessons", "/lessons/", ("anon",)),
        ("profile", f"/members/{m['author_id']}/", ("member",)),
        ("notifications", "/notifications/", ("member",)),
    ]
    return [Page(name, path, role) for name, path, roles in table for role in roles]


REFERENCE = Page("reference", "/bench/reference/", "anon")


def select_pages(pages: list[Page], patterns: list[str] | None) -> list[Page]:
    if not patterns:
        return pages
    return [
        p
        for p in pages
        if any(
            fnmatch.fnmatch(p.name, pat) or fnmatch.fnmatch(f"{p.name}:{p.role}", pat)
            for pat in patterns
        )
    ]


def cookie(page: Page, manifest: dict) -> str | None:
    return f"sessionid={manifest['session']}" if page.role == "member" else None


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the page's answer (e.g. to sign in), not followed


_no_redirects = urllib.request.build_opener(_KeepRedirects)


def fetch(url: str, cookie_header: str | None) -> tuple[int, int, int | None, float]:
    """One request: status, HTML bytes, queries (from the bench middleware's header),
    and how long it took in ms."""
    request = urllib.request.Request(url)
    if cookie_header:
        request.add_header("Cookie", cookie_header)
    started = time.perf_counter()
    try:
        with _no_redirects.open(request, timeout=120) as response:
            body = response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        body, status, headers = error.read(), error.code, error.headers
    queries = headers.get("X-Bench-Queries")
    elapsed = (time.perf_counter() - started) * 1000
    return status, len(body), int(queries) if queries else None, elapsed


_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, cookie_header: str | None, duration: float, threads: int, connections: int):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
    ]
    command += ["--timeout", "30s"]
    if cookie_header:
        command += ["-H", f"Cookie: {cookie_header}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {int(p): float(v) * _UNIT[u] for p, v, u in _LATENCY.findall(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": latency.get(50),
        "p99": latency.get(99),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


class Server:
    """gunicorn with two sync workers, the production WSGI entry point, DEBUG off."""

    def __init__(self, size: str):
        self.size = size
        self.process = None

    def __enter__(self):
        env = bench_env(self.size)
        log = open(RESULTS / f"gunicorn-{self.size}.log", "w")  # noqa: SIM115 - closed by gunicorn's exit
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi",
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{WEB_PORT}",
                "--timeout=120",
                "--log-level=warning",
            ],
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if fetch(self.url(REFERENCE.path), None)[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log.name}")
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{WEB_PORT}{path}"

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def probe(server: Server, pages: list[Page], manifest: dict) -> dict[Page, dict]:
    """Status, bytes and queries of one request per page, then a short warm-up."""
    found = {}
    for page in [REFERENCE, *pages]:
        url = server.url(page.path)
        # Warm both workers first: a worker's first request also opens its connection.
        for _ in range(10):
            fetch(url, cookie(page, manifest))
        status, size, queries, _ms = fetch(url, cookie(page, manifest))
        found[page] = {"status": status, "bytes": size, "queries": queries}
        if status != 200:
            say(f"  ! {page.name} ({page.role}) answered {status}")
    return found


def drain(server: Server) -> None:
    """Wait until requests wrk left queued in gunicorn's backlog are answered (the
    workers take them in order), so they do not slow down the next page's run."""
    for _ in range(2):
        fetch(server.url(REFERENCE.path), None)


def run_pages(size: str, manifest: dict, args) -> list[dict]:
    pages = select_pages(pages_for(manifest), args.page)
    duration = args.duration or DEFAULT_DURATION[size]
    rounds: list[dict[Page, dict]] = []
    with Server(size) as server:
        info = probe(server, pages, manifest)
        for r in range(args.rounds):
            say(f"  round {r + 1}/{args.rounds} at load {load()}")
            measured = {}
            for page in [REFERENCE, *pages]:
                measured[page] = wrk(
                    server.url(page.path),
                    cookie_header=cookie(page, manifest),
                    duration=duration,
                    threads=2,
                    connections=16,
                )
                measured[page]["ratio"] = measured[page]["rps"] / measured[REFERENCE]["rps"]
                drain(server)
            rounds.append(measured)
    rows = []
    for page in [REFERENCE, *pages]:
        per_round = [r[page] for r in rounds]

        def median(key, per_round=per_round):
            values = [m[key] for m in per_round if m[key] is not None]
            return statistics.median(values) if values else None

        rows.append(
            {
                "page": page.name,
                "role": page.role,
                "path": page.path,
                "rps": median("rps"),
                "p50_ms": median("p50"),
                "p99_ms": median("p99"),
                "ratio": median("ratio"),
                "ratios": [round(m["ratio"], 4) for m in per_round],
                "queries": info[page]["queries"],
                "bytes": info[page]["bytes"],
                "status": info[page]["status"],
                "non_2xx": sum(m["non_2xx"] for m in per_round),
            }
        )
    return rows


def run_search_latency(size: str, manifest: dict, args) -> list[dict]:
    """Search through the real page over one connection: latency, not throughput."""
    search = manifest["search"]
    queries = [
        ("reference", REFERENCE.path),
        ("rare word", f"/search/?q={quote_plus(search['rare'])}"),
        ("two words", f"/search/?q={quote_plus(search['two'])}"),
        ("only in old posts", f"/search/?q={quote_plus(search['old'])}"),
        ("common words", f"/search/?q={quote_plus(search['common'])}"),
    ]
    duration = args.duration or DEFAULT_DURATION[size]
    rows = []
    with Server(size) as server:
        for label, path in queries:
            for _ in range(2):  # warm both workers: a first request pays for cold caches
                fetch(server.url(path), None)
            status, size_bytes, count, single_ms = fetch(server.url(path), None)
            result = wrk(
                server.url(path), cookie_header=None, duration=duration, threads=1, connections=1
            )
            drain(server)
            rows.append(
                {
                    "query": label,
                    "path": path,
                    "status": status,
                    "queries": count,
                    "bytes": size_bytes,
                    "single_ms": single_ms,
                    **result,
                }
            )
    return rows


def start_sink() -> tuple[subprocess.Popen, str]:
    """Postfix's smtp-sink (C) when Debian's package can be unpacked, else the Python one."""
    found = subprocess.run(
        ["bash", "scripts/smtp_sink.sh"], cwd=BASE_DIR, capture_output=True, text=True
    )
    program = found.stdout.strip()
    if found.returncode == 0 and program:
        libraries = Path(program).parents[2] / "usr/lib/postfix"
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        sink = subprocess.Popen(
            [program, *user, f"127.0.0.1:{SMTP_PORT}", "256"],
            env={**os.environ, "LD_LIBRARY_PATH": str(libraries)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        wait_for_port(SMTP_PORT)
        return sink, "postfix smtp-sink"
    sink = subprocess.Popen(
        [PYTHON, "-m", "benchmarks.smtp_sink", f"--port={SMTP_PORT}"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert sink.stdout.readline().strip() == "ready"
    return sink, "aiosmtpd"


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def run_digest(size: str, members: int) -> dict:
    sink, kind = start_sink()
    try:
        env = bench_env(size)
        env["DATABASE_POOL"] = "false"
        out = subprocess.run(
            [PYTHON, "-m", "benchmarks.digest", f"--members={members}"],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            raise RuntimeError("the digest bench failed")
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        sink.send_signal(signal.SIGTERM)
        output = (sink.communicate(timeout=30)[0] or "").strip()
    # The Python sink prints what it received; smtp-sink says nothing (the outbox counts).
    result["sink"] = f"{kind} {output}".strip()
    return result


# --- Output ---------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def pages_table(rows: list[dict]) -> str:
    lines = [
        "| page | role | req/s | p50 ms | p99 ms | × reference | queries | HTML KB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        flag = "" if r["status"] == 200 and not r["non_2xx"] else f" (HTTP {r['status']})"
        lines.append(
            f"| {r['page']}{flag} | {r['role']} | {fmt(r['rps'], '.1f')} | "
            f"{fmt(r['p50_ms'] or None, '.1f')} | {fmt(r['p99_ms'] or None, '.1f')} | "
            f"{fmt(r['ratio'], '.3f')} | "
            f"{fmt(r['queries'], 'd')} | {r['bytes'] / 1024:.1f} |"
        )
    return "\n".join(lines)


def search_table(rows: list[dict]) -> str:
    lines = [
        "| search (one connection) | req/s | p50 ms | p99 ms | one request ms | queries "
        "| HTML KB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        # wrk counts only requests that finish within the run: a page slower than the
        # duration shows 0 req/s and no percentiles, the single request still says how slow.
        lines.append(
            f"| {r['query']} | {r['rps']:.1f} | {fmt(r['p50'] or None, '.1f')} | "
            f"{fmt(r['p99'] or None, '.1f')} | {r['single_ms']:.0f} | {fmt(r['queries'], 'd')} "
            f"| {r['bytes'] / 1024:.1f} |"
        )
    return "\n".join(lines)


def digest_table(d: dict) -> str:
    ref = d["reference"]
    return "\n".join(
        [
            "| digest | emails | seconds | emails/s | emails per CPU s | × reference "
            "| queries/email | peak RSS MB |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| weekly digest, {d['members']} members | {d['emails_sent']} | {d['seconds']} | "
            f"{d['emails_per_second']} | {d.get('emails_per_cpu_second', '—')} | "
            f"{d.get('ratio', '—')} | {d['queries_per_email']} | {d['peak_rss_mb']} |",
            f"| reference (render + MIME + SMTP) | {ref['emails_sent']} | {ref['seconds']} | "
            f"{ref['emails_per_second']} | — | 1 | 0 | — |",
        ]
    )


# --- Command line ---------------------------------------------------------------------


def ensure_tools() -> None:
    subprocess.run(["bash", str(BASE_DIR / "scripts" / "wrk.sh")], check=True)


def collectstatic(size: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        env={**bench_env(size), "DATABASE_POOL": "false"},
        cwd=BASE_DIR,
        check=True,
    )


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Serve Practica with gunicorn on a bench dataset and measure it with wrk.",
    )
    parser.add_argument(
        "--size",
        action="append",
        choices=["S", "M", "L"],
        help="dataset (repeatable); default S and M",
    )
    parser.add_argument(
        "--page",
        action="append",
        help="page name or glob, optionally name:role (repeatable); default all",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--duration",
        type=float,
        help="seconds of wrk per page per round (default 10; 2 at S)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the datasets again")
    parser.add_argument("--no-pages", action="store_true", help="skip the pages table")
    parser.add_argument(
        "--search",
        action="store_true",
        help="search latency over one connection (always on at L)",
    )
    parser.add_argument(
        "--digests",
        nargs="?",
        type=int,
        const=0,
        metavar="N",
        help="digest benchmark to N members (default 5,000 at M, 100,000 at L)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = args.size or ["S", "M"]
    RESULTS.mkdir(exist_ok=True)
    ensure_tools()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict = {"started": stamp, "load_at_start": load(), "cpus": os.cpu_count()}
    markdown = [f"# Practica bench {stamp}", "", f"Load at start: {load()}", ""]
    for size in sizes:
        manifest = ensure_dataset(size, rebuild=args.rebuild)
        collectstatic(size)
        flush_cache()
        section: dict = {"build_seconds": manifest.get("build_seconds"), "load": load()}
        if not args.no_pages:
            say(f"Pages at {size}")
            rows = run_pages(size, manifest, args)
            section["pages"] = rows
            table = pages_table(rows)
            markdown += [f"## Pages at {size} (load {section['load']} → {load()})", "", table, ""]
            print(f"\nPages at {size}, {args.rounds} rounds, medians (load now {load()})")
            print(table)
        if args.search or size == "L":
            say(f"Search at {size}, one connection")
            section["search"] = run_search_latency(size, manifest, args)
            table = search_table(section["search"])
            markdown += [f"## Search at {size} (load {load()})", "", table, ""]
            print(f"\nSearch at {size}, one connection (load now {load()})")
            print(table)
        if args.digests is not None:
            members = args.digests or DEFAULT_DIGEST_MEMBERS[size]
            say(f"Digests at {size} to {members} members")
            section["digest"] = run_digest(size, members)
            table = digest_table(section["digest"])
            markdown += [f"## Digests at {size} (load {load()})", "", table, ""]
            print(f"\nDigests at {size} (load now {load()})")
            print(table)
        report[size] = section
    report["load_at_end"] = load()
    (RESULTS / f"{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / f"{stamp}.md").write_text("\n".join(markdown))
    shutil.copyfile(RESULTS / f"{stamp}.md", RESULTS / "latest.md")
    print(f"\nWritten to benchmarks/results/{stamp}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
