"""Uploads kept in S3-compatible object storage, against a real S3 server process.

moto's S3 server runs as a process of its own on a free local port; the storage is
configured by the project's own settings code from the same variables an operator
sets (README, "Storing uploads in object storage"). Files go in through the real
views and services, are checked in the bucket with boto3 directly, come back byte for
byte through the views that check the door (streamed by Practica, never a redirect to
the bucket), and the cleanup deletes them from the bucket.
"""

from __future__ import annotations

import io
import re
import secrets
import socket
import subprocess
import sys
import time
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from communities import services as community_services
from config import settings as project_settings
from practices import attachments
from practices.models import Attachment, Post
from tests.builders import add_member
from tests.factories import PostFactory, UserFactory
from tests.practices.test_attachments import POST, jpeg_with_gps, pdf_bytes, png_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEYS = {"AWS_ACCESS_KEY_ID": "practica-test", "AWS_SECRET_ACCESS_KEY": "practica-test-secret"}
REGION = "eu-central-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on 127.0.0.1, started for this module and stopped after it."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("s3") / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = _client(endpoint)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"the S3 server did not start (log: {log.name})") from None
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A new private bucket, and the default storage pointed at it by the project's
    settings code (the variables an operator sets), for one test."""
    name = f"practica-{secrets.token_hex(6)}"
    s3 = _client(s3_endpoint)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    environment = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_LOCATION": "uploads",
        **KEYS,
    }
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._default_storage()}
    return Bucket(name, s3)


class Bucket:
    def __init__(self, name: str, client) -> None:
        self.name = name
        self.client = client

    def object_keys(self) -> set[str]:
        answer = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in answer.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def has(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def is_private(self, key: str) -> bool:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        return not any("AllUsers" in str(grant.get("Grantee", {})) for grant in grants)


def _key(field) -> str:
    """The object key of a stored file: the storage's folder, then the file's name."""
    return f"uploads/{field.name}"


def _served(response) -> bytes:
    assert response.status_code == 200
    assert not response.has_header("Location")
    return b"".join(response.streaming_content)


def test_the_storage_is_s3_with_private_objects(bucket):
    from storages.backends.s3 import S3Storage

    name = default_storage.save("probe/x.txt", ContentFile(b"x"))
    # The models' file fields use the default storage, now the bucket.
    assert isinstance(Attachment._meta.get_field("file").storage._wrapped, S3Storage)
    assert bucket.object_keys() == {f"uploads/{name}"}
    assert bucket.is_private(f"uploads/{name}")


def test_an_attachment_goes_to_the_bucket_and_comes_back_only_through_the_door(
    client, private_community, outsider, bucket
):
    author = add_member(private_community).user
    client.force_login(author)
    response = client.post(
        reverse("practices:create", args=[private_community.slug, "experience"]),
        {
            **POST,
            "files": [
                upload("Ward rota.pdf", pdf_bytes()),
                upload("whiteboard.jpg", jpeg_with_gps()),
            ],
        },
    )
    assert response.status_code == 302
    post = Post.objects.get(title=POST["title"])
    pdf, photo = post.attachments.order_by("pk")

    # In the bucket, under random names that keep nothing of the original ones.
    assert bucket.object_keys() == {_key(pdf.file), _key(photo.file), _key(photo.thumbnail)}
    assert re.fullmatch(r"uploads/attachments/\d{4}/\d{2}/[A-Za-z0-9_-]{24}\.pdf", _key(pdf.file))
    for key in bucket.object_keys():
        assert "Ward" not in key and "rota" not in key and "whiteboard" not in key
        assert bucket.is_private(key)
    assert bucket.read(_key(pdf.file)) == pdf_bytes()

    # Byte for byte through the door, streamed by Practica with its own headers.
    served = client.get(pdf.get_absolute_url())
    assert _served(served) == pdf_bytes()
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Length"] == str(len(pdf_bytes()))
    assert served["Content-Disposition"] == 'attachment; filename="Ward rota.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, max-age=3600"
    assert "sandbox" in served["Content-Security-Policy"]
    image = client.get(photo.get_absolute_url())
    assert _served(image) == bucket.read(_key(photo.file))
    assert image["Content-Type"] == "image/webp"
    assert image["Content-Disposition"].startswith("inline;")
    thumbnail = Image.open(io.BytesIO(_served(client.get(photo.thumbnail_url))))
    assert thumbnail.format == "WEBP" and max(thumbnail.size) <= 480

    # Not for anyone else: signed out, an outsider, a member who left.
    urls = [pdf.get_absolute_url(), photo.get_absolute_url(), photo.thumbnail_url]
    client.logout()
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(outsider)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    reader = add_member(private_community)
    client.force_login(reader.user)
    assert client.get(pdf.get_absolute_url()).status_code == 200
    community_services.membership_leave(membership=reader)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_a_cover_and_an_avatar_are_kept_in_the_bucket_and_served_by_their_views(
    client, facilitator, community, bucket
):
    client.force_login(facilitator)
    response = client.post(
        reverse("communities:manage", args=[community.slug]),
        {
            "name": community.name,
            "kind": community.kind,
            "challenge": community.challenge,
            "language": "en",
            "cover_color": "teal",
            "visibility": community.visibility,
            "join_policy": community.join_policy,
            "cover_image": upload("our ward.jpg", jpeg_with_gps(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": facilitator.display_name,
            "time_zone": "UTC",
            "language": "en",
            "avatar": upload("me.png", png_bytes(size=(900, 900)), "image/png"),
        },
    )
    assert response.status_code == 302
    community.refresh_from_db()
    facilitator.refresh_from_db()

    cover_key, avatar_key = _key(community.cover_image), _key(facilitator.avatar)
    assert bucket.object_keys() == {cover_key, avatar_key}
    assert re.fullmatch(r"uploads/covers/\d{4}/\d{2}/[A-Za-z0-9_-]{24}\.webp", cover_key)
    assert re.fullmatch(r"uploads/avatars/\d{4}/\d{2}/[A-Za-z0-9_-]{24}\.webp", avatar_key)
    client.logout()
    cover = client.get(reverse("communities:cover", args=[community.slug]))
    assert _served(cover) == bucket.read(cover_key)
    assert cover["Content-Type"] == "image/webp"
    avatar = client.get(reverse("members:avatar", args=[facilitator.pk]))
    assert Image.open(io.BytesIO(_served(avatar))).size == (512, 512)


def test_removed_and_orphaned_files_are_deleted_from_the_bucket(client, community, bucket):
    author = add_member(community).user
    post = PostFactory(community=community, author=author)

    def attach(name, data, to=post):
        return attachments.attachment_add(
            post=to,
            uploader=author,
            checked=attachments.check_file(upload(name, data)),
        )

    kept = attach("kept.pdf", pdf_bytes())
    removed = attach("board.png", png_bytes())
    client.force_login(author)
    client.post(
        reverse("practices:edit", args=[community.slug, post.pk]),
        {
            "title": post.title,
            "tried": "x",
            "happened": "y",
            "learned": "z",
            "outcome": "worked",
            "action": "publish",
            "remove": [str(removed.pk)],
        },
    )
    removed.refresh_from_db()
    assert removed.removed_at is not None
    # A file whose row went with a post deleted outright.
    cascaded = attach("gone.txt", b"gone", to=PostFactory(community=community, author=author))
    Attachment.objects.filter(pk=cascaded.pk).delete()
    assert bucket.has(_key(removed.file)) and bucket.has(_key(cascaded.file))

    assert attachments.attachments_remove_orphans() == 2  # the file and its thumbnail
    assert not bucket.has(_key(removed.file)) and not bucket.has(_key(removed.thumbnail))
    assert bucket.has(_key(cascaded.file))  # too young to be called an orphan yet
    later = timezone.now() + timedelta(hours=25)
    assert attachments.attachments_remove_orphans(now=later) == 1

    assert bucket.object_keys() == {_key(kept.file)}
    assert attachments.attachments_remove_orphans(now=later) == 0


def test_reencode_uploads_reads_and_replaces_files_in_the_bucket(bucket):
    old = UserFactory()
    old.avatar.save("holiday photo.jpg", ContentFile(jpeg_with_gps()), save=True)
    old_key = _key(old.avatar)
    assert bucket.has(old_key)

    call_command("reencode_uploads", stdout=io.StringIO())

    old.refresh_from_db()
    assert not bucket.has(old_key)
    assert bucket.object_keys() == {_key(old.avatar)}
    stored = Image.open(io.BytesIO(bucket.read(_key(old.avatar))))
    assert stored.format == "WEBP" and not stored.getexif()
