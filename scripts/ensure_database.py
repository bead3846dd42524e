"""Creates the database named in DATABASE_URL when it does not exist yet."""

import os
import sys
from pathlib import Path

import environ
import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/practica")
config = env.db_url_config(url)
name = config["NAME"]
try:
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        autocommit=True,
        connect_timeout=5,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Database {name}: created")
        else:
            print(f"Database {name}: present")
except psycopg.OperationalError as exc:
    sys.exit(f"Cannot reach PostgreSQL for DATABASE_URL={url}: {exc}")
