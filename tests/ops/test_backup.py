"""The backup drill: seed, back up, restore into a fresh database, compare, sign in."""

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from config import backups
from practices.models import Comment, Post
from tests.factories import (
    KNOWN_PASSWORD,
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.worker import PROJECT

pytestmark = [pytest.mark.ops]

# The smallest valid PNG: one transparent pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e5270ede0000000049454e44ae426082"
)


def database_url(name: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"


def connect(name: str, **kwargs) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=name, user=settings["USER"], host=settings["HOST"], port=settings["PORT"], **kwargs
    )


@pytest.fixture
def fresh_database():
    """The name of a database that does not exist yet; dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    yield name
    with connect("postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def manage(*args, database: str, media_root, timeout=120, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url(database),
        "MEDIA_ROOT": str(media_root),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SIGN_IN = """
from django.test import Client
client = Client()
response = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
assert response.status_code == 302, response.status_code
home = client.get("/")
print(home.status_code, home.wsgi_request.user.email)
"""


def test_backup_and_restore_into_a_fresh_database_bring_everything_back(
    transactional_db, tmp_path, settings, fresh_database
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    member = UserFactory(display_name="Ada Nightingale")
    member.avatar.save("ada.png", ContentFile(PIXEL), save=True)
    community = CommunityFactory(name="Night shift circle")
    MembershipFactory(community=community, user=member)
    posts = [
        PostFactory(community=community, author=member, title=f"Handover lesson {n}")
        for n in range(5)
    ]
    for post in posts:
        CommentFactory(post=post, author=member, body=f"We tried it on ward {post.pk}.")
    UserFactory.create_batch(10)

    path = backups.create_backup(tmp_path / "backups")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["tables"]["practices_post"] == 5
    assert manifest["media_files"] == 1

    restored_media = tmp_path / "restored-media"
    result = manage("restore", str(path), database=fresh_database, media_root=restored_media)
    assert result.returncode == 0, result.stderr
    assert "row counts match the manifest" in result.stdout

    with connection.cursor() as cursor, connect(fresh_database) as restored:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert backups.table_counts(restored) == _counts(cursor, tables)
        titles = restored.execute("SELECT title FROM practices_post ORDER BY id").fetchall()
        bodies = restored.execute("SELECT body FROM practices_comment ORDER BY id").fetchall()
        avatar = restored.execute(
            "SELECT avatar FROM members_user WHERE email = %s", [member.email]
        ).fetchone()[0]
    assert [t for (t,) in titles] == list(
        Post.objects.order_by("pk").values_list("title", flat=True)
    )
    assert [b for (b,) in bodies] == list(
        Comment.objects.order_by("pk").values_list("body", flat=True)
    )
    assert (restored_media / avatar).read_bytes() == PIXEL

    # The restored site works: the member signs in with their password.
    script = f"EMAIL = {member.email!r}\nPASSWORD = {KNOWN_PASSWORD!r}\n{SIGN_IN}"
    signed_in = manage("shell", "-c", script, database=fresh_database, media_root=restored_media)
    assert signed_in.returncode == 0, signed_in.stderr
    assert signed_in.stdout.strip().endswith(f"200 {member.email}")


def _counts(cursor, tables):
    counts = {}
    for name in tables:
        cursor.execute(f'SELECT count(*) FROM "{name}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def test_restore_refuses_a_database_that_has_tables(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    UserFactory()
    path = backups.create_backup(tmp_path / "backups", media=False)

    result = manage(
        "restore", str(path), database=connection.settings_dict["NAME"], media_root=tmp_path
    )

    assert result.returncode == 1
    assert "is not empty" in result.stderr


def test_backup_keeps_only_the_newest_when_asked(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for _ in range(3):
        call_command("backup", output_dir=tmp_path / "b", no_media=True, keep=2)

    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(kept) == 2
    assert all(name.startswith("practica-") for name in kept)
    assert backups.latest(tmp_path / "b").name == kept[-1]
