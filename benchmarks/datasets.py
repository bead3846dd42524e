"""Bench datasets, built fast on a throw-away database and reused while they still fit.

S is the demo data (`manage.py seed_demo`). M and L start from a few rows made by the
real services (communities with a published charter, facilitators, the member the
bench signs in as), then add members, posts, comments, topics and reactions in bulk
(COPY and INSERT ... SELECT), and finally fill every derived field the services keep:
comment counts and the comment text search indexes, last-activity timestamps, member
counts, charter acceptances and membership history, followers, reaction counters.

Columns the builder does not name get the model field's default, taken from the models
at build time, so a new column with a default needs no change here.

Run as `python -m benchmarks.datasets --size M [--rebuild]` with DATABASE_URL pointing
at the bench database; prints the dataset's manifest (the URLs' ids) as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from .text import ERA_DAYS, TOPICS, Writer

# Bump when the builder changes what it writes: datasets built before are rebuilt.
DATA_VERSION = 2
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Spec:
    members: int
    communities: int
    posts: int
    comments: int
    # Share of the posts that go to the first (the benched) community.
    main_share: float
    years: int = 3


SPECS = {
    "M": Spec(members=5_000, communities=12, posts=20_000, comments=100_000, main_share=0.99),
    "L": Spec(members=100_000, communities=40, posts=1_000_000, comments=200_000, main_share=0.3),
}
# Posts of the main community with exactly this many comments (the post pages).
SPECIAL_COMMENT_COUNTS = (200, 50, 5)
PASSWORD = "bench-password"
# The bulk-made members' addresses end with this.
CROWD_DOMAIN = "crowd.bench.practica.test"


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Defaults for the columns the builder does not write ------------------------------


@contextmanager
def column_defaults(models: Iterable):
    """Give every column of `models` its field's default as a database default, for the
    duration of the bulk load; a NOT NULL column without one fails loudly."""
    from psycopg import sql

    changed = []
    with connection.cursor() as cursor:
        raw = cursor.connection
        for model in models:
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if field.primary_key or getattr(field, "generated", False):
                    continue
                if not field.has_default() and (field.null or not field.empty_strings_allowed):
                    continue
                value = field.get_db_prep_save(field.get_default(), connection)
                literal = sql.Literal(value).as_string(raw)
                cursor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{field.column}" SET DEFAULT {literal}'
                )
                changed.append((table, field.column))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, column in changed:
                cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP DEFAULT')


def copy_rows(table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY `rows` into `table`; values are str, int, bool, None or datetimes."""
    count = 0
    names = ", ".join(f'"{c}"' for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@contextmanager
def indexes_dropped(tables: list[str]):
    """Drop the secondary indexes of `tables` for a bulk load and build them afterwards
    (much faster than maintaining a GIN index row by row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in saved:
                cursor.execute(definition)


# --- Builders -------------------------------------------------------------------------


def build_small() -> None:
    """The demo data, as `make run` loads it."""
    from django.core.management import call_command, get_commands, load_command_class

    command = load_command_class(get_commands()["seed_demo"], "seed_demo")
    parser = command.create_parser("manage.py", "seed_demo")
    force = any("--force" in action.option_strings for action in parser._actions)
    call_command("seed_demo", *(["--force"] if force else []), verbosity=0)


def _scaffold(spec: Spec, rng: random.Random):
    """Communities, their facilitators and the bench member, through the services."""
    from allauth.account.models import EmailAddress

    from communities import services
    from communities.models import Community
    from members.models import User

    def person(email: str, name: str) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    communities = []
    for i in range(spec.communities):
        owner = person(f"facilitator{i}@bench.practica.test", f"Facilitator {i}")
        community = services.community_create(
            user=owner,
            name=f"Bench practice {i}" if i else "Bedside handover practice",
            challenge="How do we hand over patients safely between shifts?",
            kind=Community.Kind.PRACTICE,
            purpose="We share what we tried at handover, what happened and what we learned.",
            tags=rng.sample(TOPICS, 3),
        )
        services.charter_publish(community=community, by=owner, is_material=True)
        now = timezone.now()
        Community.objects.filter(pk=community.pk).update(
            stage=Community.Stage.LAUNCHED,
            launched_at=now - spec.years * 365 * DAY,
            created_at=now - spec.years * 365 * DAY,
        )
        communities.append(Community.objects.get(pk=community.pk))
    member = person("member@bench.practica.test", "Bench Member")
    services.membership_join(community=communities[0], user=member, accepted_rules=True)
    return communities, member


def _bulk_members(spec: Spec, password_hash: str) -> list[int]:
    from members.models import User

    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
    first = [
        "Ada",
        "Ben",
        "Chloe",
        "Dev",
        "Emma",
        "Farid",
        "Grace",
        "Hugo",
        "Ines",
        "Jonas",
        "Kira",
        "Liam",
        "Mei",
        "Noor",
        "Omar",
    ]
    last = [
        "Osei",
        "Berg",
        "Costa",
        "Dubois",
        "Evans",
        "Fischer",
        "Garcia",
        "Haddad",
        "Ito",
        "Jensen",
        "Kowalski",
    ]
    start = timezone.now() - spec.years * 365 * DAY
    copy_rows(
        User._meta.db_table,
        ["password", "email", "display_name", "time_zone", "date_joined", "is_active"],
        (
            (
                password_hash,
                f"m{n}@{CROWD_DOMAIN}",
                f"{first[n % len(first)]} {last[n // len(first) % len(last)]} {n}",
                zones[n % len(zones)],
                start + timedelta(minutes=n),
                True,
            )
            for n in range(spec.members)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO account_emailaddress (user_id, email, verified, "primary")
            SELECT id, email, true, true FROM members_user WHERE email LIKE %s
            """,
            [f"%@{CROWD_DOMAIN}"],
        )
        cursor.execute(
            "SELECT id FROM members_user WHERE email LIKE %s ORDER BY id", [f"%@{CROWD_DOMAIN}"]
        )
        return [row[0] for row in cursor.fetchall()]


def _bulk_memberships(spec: Spec, communities, member_ids: list[int], rng: random.Random):
    """Every member is in the main community at M; at L each joins one to three
    communities, the big ones more often. Returns community id -> member ids."""
    from communities.models import CharterAcceptance, Membership, MembershipEvent

    ids = [c.pk for c in communities]
    weights = [1 / (i + 1) for i in range(len(ids))]
    members_of: dict[int, list[int]] = {pk: [] for pk in ids}
    rows = []
    for user_id in member_ids:
        if spec.main_share > 0.9:
            chosen = {ids[0]} | ({rng.choice(ids[1:])} if rng.random() < 0.1 else set())
        else:
            chosen = set(rng.choices(ids, weights, k=rng.randint(1, 3)))
        for community_id in chosen:
            members_of[community_id].append(user_id)
            rows.append((community_id, user_id))
    now = timezone.now()
    joined = now - spec.years * 365 * DAY
    copy_rows(
        Membership._meta.db_table,
        [
            "community_id",
            "user_id",
            "role",
            "status",
            "accepted_charter_number",
            "accepted_charter_at",
            "joined_at",
            "onboarding_completed_at",
            "created_at",
        ],
        ((c, u, "member", "active", 1, joined, joined, joined, joined) for c, u in rows),
    )
    bulk = "m.user_id IN (SELECT id FROM members_user WHERE email LIKE %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {CharterAcceptance._meta.db_table} (membership_id, version_id, accepted_at)
            SELECT m.id, v.id, m.accepted_charter_at FROM communities_membership m
            JOIN communities_charterversion v
              ON v.community_id = m.community_id AND v.number = m.accepted_charter_number
            WHERE {bulk}
            """,
            [f"%@{CROWD_DOMAIN}"],
        )
        for action, detail in (("joined", ""), ("rules_accepted", "v1")):
            cursor.execute(
                f"""
                INSERT INTO {MembershipEvent._meta.db_table}
                    (membership_id, actor_id, action, detail, created_at)
                SELECT m.id, m.user_id, %s, %s, m.joined_at FROM communities_membership m
                WHERE {bulk}
                """,
                [action, detail, f"%@{CROWD_DOMAIN}"],
            )
        cursor.execute(
            """
            UPDATE communities_community c SET member_count = (
                SELECT count(*) FROM communities_membership m
                WHERE m.community_id = c.id AND m.status = 'active')
            """
        )
    return members_of


def _post_counts(spec: Spec, community_ids: list[int]) -> list[int]:
    main = round(spec.posts * spec.main_share)
    rest = spec.posts - main
    weights = [1 / (i + 1) for i in range(len(community_ids) - 1)]
    total = sum(weights)
    counts = [main] + [int(rest * w / total) for w in weights]
    counts[0] += spec.posts - sum(counts)
    return counts


def _bulk_posts(spec: Spec, communities, members_of, writer: Writer, rng: random.Random):
    from practices.markdown import RENDERER_VERSION, post_excerpt, render_post_body
    from practices.models import Post

    now = timezone.now()
    span = spec.years * 365 * 24 * 3600
    era_start = now - ERA_DAYS * DAY
    counts = _post_counts(spec, [c.pk for c in communities])

    def rows():
        for community, count in zip(communities, counts, strict=True):
            authors = members_of[community.pk]
            for i in range(count):
                # Posts get more frequent towards the present (communities grow).
                age = span * (1 - rng.random() ** 0.7)
                published = now - timedelta(seconds=age)
                old = published < era_start
                challenge = rng.random() < 0.12
                outcome = "" if challenge else rng.choice(["worked", "mixed", "failed"])
                kind = "challenge" if challenge else "experience"
                text = {
                    "situation": writer.sentence(rng.randint(12, 30), old=old),
                    "tried": writer.sentence(rng.randint(10, 20), old=old),
                    "happened": "" if challenge else writer.sentence(rng.randint(8, 16), old=old),
                    "learned": "" if challenge else writer.sentence(rng.randint(8, 16), old=old),
                    "recommend": "" if challenge else writer.sentence(rng.randint(4, 10)),
                    "help_wanted": writer.sentence(rng.randint(6, 12)) if challenge else "",
                }
                # The stored HTML and excerpt, rendered as the services render them.
                body_html = render_post_body(text)
                yield (
                    community.pk,
                    rng.choice(authors),
                    kind,
                    "published",
                    writer.title(),
                    text["situation"],
                    text["tried"],
                    text["happened"],
                    outcome,
                    text["learned"],
                    text["recommend"],
                    text["help_wanted"],
                    json.dumps(body_html),
                    post_excerpt(kind, body_html),
                    RENDERER_VERSION,
                    i < 3,  # three starter posts per community
                    published,
                    published,
                    published,
                )

    copy_rows(
        Post._meta.db_table,
        [
            "community_id",
            "author_id",
            "kind",
            "status",
            "title",
            "situation",
            "tried",
            "happened",
            "outcome",
            "learned",
            "recommend",
            "help_wanted",
            "body_html",
            "excerpt",
            "markdown_version",
            "is_pinned",
            "created_at",
            "published_at",
            "last_activity_at",
        ],
        rows(),
    )


def _bulk_tags(rng: random.Random) -> None:
    """One to three topics per post (popular topics more often), through taggit's tables."""
    from taggit.models import Tag

    from practices.models import PostTag

    for name in TOPICS:
        Tag.objects.get_or_create(name=name, defaults={"slug": name.replace(" ", "-")})
    tag_ids = list(Tag.objects.filter(name__in=TOPICS).order_by("pk").values_list("pk", flat=True))
    weights = [1 / (i + 1) for i in range(len(tag_ids))]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM practices_post ORDER BY id")
        post_ids = [row[0] for row in cursor.fetchall()]
    copy_rows(
        PostTag._meta.db_table,
        ["content_object_id", "tag_id"],
        (
            (post_id, tag_id)
            for post_id in post_ids
            for tag_id in set(rng.choices(tag_ids, weights, k=rng.randint(1, 3)))
        ),
    )


def _bulk_comments(spec: Spec, main, members_of, writer: Writer, rng: random.Random):
    """The main community's newest non-pinned posts get exactly 200, 50 and 5 comments;
    the rest are spread over the other posts, a few busy ones and a long tail."""
    from practices.markdown import RENDERER_VERSION, render_markdown
    from practices.models import Comment

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, community_id, published_at FROM practices_post
            WHERE status = 'published' ORDER BY community_id <> %s, published_at DESC
            """,
            [main.pk],
        )
        posts = cursor.fetchall()
    special = [p for p in posts if p[1] == main.pk][10 : 10 + len(SPECIAL_COMMENT_COUNTS)]
    special_ids = {p[0] for p in special}
    others = [p for p in posts if p[0] not in special_ids]
    plan = list(zip(special, SPECIAL_COMMENT_COUNTS, strict=True))
    remaining = spec.comments - sum(SPECIAL_COMMENT_COUNTS)
    # Skewed: a third of the posts get comments, a few of them many.
    commented = rng.sample(others, min(len(others), max(1, len(others) // 3)))
    weights = [rng.paretovariate(1.5) for _ in commented]
    total = sum(weights)
    spread = [
        (p, max(1, round(remaining * w / total))) for p, w in zip(commented, weights, strict=True)
    ]
    busiest = max(range(len(spread)), key=lambda i: spread[i][1])
    spread[busiest] = (
        spread[busiest][0],
        spread[busiest][1] + remaining - sum(n for _p, n in spread),
    )
    plan += spread
    now = timezone.now()

    def rows():
        for (post_id, community_id, published), count in plan:
            authors = members_of[community_id]
            step = max(1.0, (now - published).total_seconds() / (count + 1))
            for n in range(count):
                body = writer.sentence(rng.randint(8, 40))
                yield (
                    post_id,
                    rng.choice(authors),
                    body,
                    render_markdown(body),
                    RENDERER_VERSION,
                    "visible",
                    published + timedelta(seconds=step * (n + 1) * rng.uniform(0.5, 1)),
                )

    copy_rows(
        Comment._meta.db_table,
        ["post_id", "author_id", "body", "body_html", "markdown_version", "status", "created_at"],
        rows(),
    )
    with connection.cursor() as cursor:
        # One reply in five answers the post's first comment (replies go one level deep).
        cursor.execute(
            """
            WITH firsts AS (
                SELECT DISTINCT ON (post_id) post_id, id FROM practices_comment
                ORDER BY post_id, created_at, id)
            UPDATE practices_comment c SET parent_id = f.id FROM firsts f
            WHERE c.post_id = f.post_id AND c.id <> f.id AND mod(c.id, 5) = 0
            """
        )
    return {count: p[0] for p, count in zip(special, SPECIAL_COMMENT_COUNTS, strict=True)}


def _bulk_reactions(spec: Spec, members_of, rng: random.Random) -> None:
    from practices.models import Reaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, community_id FROM practices_post WHERE status = 'published'")
        posts = cursor.fetchall()
    rows = set()
    for post_id, community_id in rng.sample(posts, len(posts) // 4):
        authors = members_of[community_id]
        for _ in range(min(len(authors), int(rng.paretovariate(1.2)))):
            rows.add((post_id, rng.choice(authors), rng.choice(["helpful", "helpful", "applied"])))
    copy_rows(Reaction._meta.db_table, ["post_id", "user_id", "kind"], iter(rows))


def _derived_fields(spec: Spec) -> None:
    """What the services keep up to date, computed once for all rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE practices_post p SET
                comment_count = s.n,
                comments_text = s.text,
                last_activity_at = greatest(p.last_activity_at, s.last)
            FROM (
                SELECT post_id, count(*) AS n, max(created_at) AS last,
                       left(string_agg(body, E'\n' ORDER BY created_at, id), 200000) AS text
                FROM practices_comment WHERE status = 'visible' AND hidden_at IS NULL
                GROUP BY post_id) s
            WHERE p.id = s.post_id
            """
        )
        cursor.execute(
            """
            UPDATE practices_post p SET helpful_count = s.helpful, applied_count = s.applied
            FROM (
                SELECT post_id, count(*) FILTER (WHERE kind = 'helpful') AS helpful,
                       count(*) FILTER (WHERE kind = 'applied') AS applied
                FROM practices_reaction GROUP BY post_id) s
            WHERE p.id = s.post_id
            """
        )
        # Authors follow their posts; commenters follow the posts they comment on.
        cursor.execute(
            """
            INSERT INTO practices_postfollow (user_id, post_id, created_at)
            SELECT author_id, id, created_at FROM practices_post
            UNION
            SELECT author_id, post_id, min(created_at) FROM practices_comment
            GROUP BY author_id, post_id
            ON CONFLICT DO NOTHING
            """
        )
        cursor.execute(
            """
            UPDATE communities_community c SET last_activity_at = s.last
            FROM (SELECT community_id, max(last_activity_at) AS last FROM practices_post
                  GROUP BY community_id) s
            WHERE c.id = s.community_id
            """
        )


def _notifications(member, main) -> None:
    """Sixty replies for the bench member, a third of them unread."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO members_notification
                (recipient_id, kind, actor_id, community_id, post_id, comment_id, summary, url,
                 created_at, read_at, email_status)
            SELECT %(member)s, 'reply', c.author_id, p.community_id, p.id, c.id,
                   left(c.body, 140),
                   '/c/' || %(slug)s || '/posts/' || p.id || '/#comment-' || c.id,
                   c.created_at, CASE WHEN row_number() OVER () %% 3 = 0 THEN NULL
                                      ELSE c.created_at END, 'sent'
            FROM practices_comment c JOIN practices_post p ON p.id = c.post_id
            WHERE p.community_id = %(community)s ORDER BY c.created_at DESC LIMIT 60
            """,
            {"member": member.pk, "slug": main.slug, "community": main.pk},
        )


def build_bulk(size: str) -> dict:
    from django.contrib.auth.hashers import make_password

    from communities.models import Membership
    from members.models import User
    from practices.models import Comment, Post, PostTag, Reaction

    spec = SPECS[size]
    rng = random.Random(10)
    writer = Writer(seed=10)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    # Step by step in autocommit: an interrupted build has no fingerprint and is redone.
    with column_defaults([User, Membership, Post, Comment, Reaction]):
        log("communities and the bench member, through the services")
        communities, member = _scaffold(spec, rng)
        log(f"{spec.members} members")
        member_ids = _bulk_members(spec, make_password(PASSWORD))
        members_of = _bulk_memberships(spec, communities, member_ids, rng)
        members_of[communities[0].pk].append(member.pk)
        tables = [Post._meta.db_table, Comment._meta.db_table, PostTag._meta.db_table]
        with indexes_dropped(tables):
            log(f"{spec.posts} posts")
            _bulk_posts(spec, communities, members_of, writer, rng)
            log("topics")
            _bulk_tags(rng)
            log(f"{spec.comments} comments")
            special = _bulk_comments(spec, communities[0], members_of, writer, rng)
            log("reactions")
            _bulk_reactions(spec, members_of, rng)
            log("derived fields: counters, comment text, activity, followers")
            _derived_fields(spec)
            log("indexes")
        _notifications(member, communities[0])
    return {
        "posts_with_comments": {str(k): v for k, v in special.items()},
        "search": {
            "rare": writer.rare_word(),
            "two": writer.two_words(),
            "old": "pager",
            "common": writer.common_words(),
        },
    }


# --- Manifest: what the pages point at ------------------------------------------------


def manifest(extra: dict) -> dict:
    """The ids and slugs the bench pages use, found in the data (so S works the same)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count, F, Func

    from communities.models import Community, Membership
    from members.models import User
    from practices.models import Post, PostTag

    main = (
        Community.objects.filter(stage="launched", visibility="public")
        .annotate(n=Count("posts"))
        .order_by("-n", "pk")
        .first()
    )
    member = (
        User.objects.filter(
            is_staff=False,
            memberships__community=main,
            memberships__status="active",
            memberships__role=Membership.Role.MEMBER,
        )
        .annotate(n=Count("notifications"))
        .order_by("-n", "pk")
        .first()
    )
    published = Post.objects.filter(community=main, status="published", hidden_at__isnull=True)
    posts = extra.get("posts_with_comments") or {}
    for n in ("200", "50", "5"):
        if n not in posts:
            # Small datasets have no such post: the nearest one not chosen yet.
            near = published.exclude(pk__in=posts.values()).annotate(
                d=Func(F("comment_count") - int(n), function="ABS")
            )
            posts[n] = near.order_by("d", "-published_at").values_list("pk", flat=True).first()
    tag = (
        PostTag.objects.filter(content_object__community=main)
        .values("tag__slug")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    author = Post.objects.get(pk=posts["50"]).author_id
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "members.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.set_expiry(24 * 3600)
    session.create()
    return {
        "community": main.slug,
        "member_id": member.pk,
        "author_id": author,
        "posts": posts,
        "tag": tag["tag__slug"],
        "search": extra.get("search")
        or {"rare": "bedside", "two": "handover checklist", "old": "pager", "common": "team"},
        "session": session.session_key,
    }


# --- Command line ---------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=["S", *SPECS], required=True)
    parser.add_argument("--build", action="store_true", help="build into an empty database")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    extra: dict = {}
    if args.build:
        started = time.monotonic()
        log("migrating")
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, value jsonb)"
            )
        if args.size == "S":
            build_small()
        else:
            extra = build_bulk(args.size)
        log("analyze")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        extra["build_seconds"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_dataset VALUES ('extra', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [json.dumps(extra)],
            )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_dataset WHERE key = 'extra'")
            row = cursor.fetchone()
            extra = row[0] if row else {}
            if isinstance(extra, str):
                extra = json.loads(extra)
    result = manifest(dict(extra))
    result["build_seconds"] = extra.get("build_seconds")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
