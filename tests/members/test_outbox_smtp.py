"""The outbox against a real SMTP server on this machine: a batch spread over several
connections reaches the server once per email, and one refused address fails alone."""

import threading

import pytest
from aiosmtpd.controller import Controller

from members import outbox
from members.models import OutboundEmail
from tests.worker import free_port

pytestmark = pytest.mark.django_db


class RecordingServer:
    """Accepts every message except for refused@, and remembers who sent what from where."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, tuple]] = []  # (recipient, client address)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, session.peer))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    handler = RecordingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


def _rows(addresses):
    return [
        OutboundEmail.objects.create(
            to=address,
            subject="Your weekly digest",
            body_text=f"Hello {address}",
            body_html=f"<p>Hello {address}</p>",
            from_email="Practica <hello@practica.localhost>",
            kind="digest",
        )
        for address in addresses
    ]


def test_a_batch_goes_out_over_several_connections_each_email_once(smtp_server, settings):
    settings.EMAIL_DELIVERY_CONNECTIONS = 3
    addresses = [f"member{n}@practica.test" for n in range(12)]
    emails = _rows(addresses)

    outcomes = outbox.emails_deliver(email_ids=[e.pk for e in emails])

    assert set(outcomes.values()) == {"sent"}
    assert sorted(rcpt for rcpt, _peer in smtp_server.received) == sorted(addresses)
    assert len({peer for _rcpt, peer in smtp_server.received}) == 3
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    # Delivered once: a second run finds nothing of its own to send.
    assert outbox.emails_deliver(email_ids=[e.pk for e in emails]) == {}
    assert len(smtp_server.received) == 12


def test_a_refused_address_fails_alone_and_the_others_go_out(smtp_server, settings):
    settings.EMAIL_DELIVERY_CONNECTIONS = 2
    emails = _rows(["ada@practica.test", "refused@practica.test", "ben@practica.test"])

    outcomes = outbox.emails_deliver(email_ids=[e.pk for e in emails])

    assert [outcomes[e.pk] for e in emails] == ["sent", "failed", "sent"]
    assert sorted(r for r, _p in smtp_server.received) == ["ada@practica.test", "ben@practica.test"]
    refused = OutboundEmail.objects.get(to="refused@practica.test")
    assert refused.status == OutboundEmail.Status.FAILED
    assert "550" in refused.last_error


def test_one_connection_sends_the_batch_in_order(smtp_server, settings):
    settings.EMAIL_DELIVERY_CONNECTIONS = 1
    addresses = [f"member{n}@practica.test" for n in range(5)]
    emails = _rows(addresses)

    outbox.emails_deliver(email_ids=[e.pk for e in emails])

    assert [r for r, _p in smtp_server.received] == addresses
    assert len({p for _r, p in smtp_server.received}) == 1
