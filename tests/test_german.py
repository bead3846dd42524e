"""Practica in German: pages, emails and digests for visitors, members and facilitators.

The community and its posts are written in German too, so every word on a page should
be German; a page fails when it shows one of the English words listed below (site
wording left untranslated). Parts marked with another language (lang="en") are skipped.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from communities import reminders, services
from communities.models import Community, Rule
from members import digests, notifications
from members.models import OutboundEmail
from practices import moderation
from practices import services as practices_services
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# Words of the site's English wording that German never uses. Matched as whole words,
# case-sensitively ("Start", "Name" or "Filter" are German too and are not listed).
ENGLISH = [
    "the",
    "and",
    "you",
    "your",
    "with",
    "of",
    "to",
    "for",
    "is",
    "are",
    "this",
    "not",
    "Sign in",
    "Sign up",
    "Sign out",
    "Share",
    "Save",
    "Edit",
    "Delete",
    "Join",
    "Leave",
    "Rules",
    "Members",
    "Member",
    "Community",
    "Communities",
    "Experience",
    "Experiences",
    "Challenge",
    "Challenges",
    "Posts",
    "Comments",
    "Notifications",
    "Settings",
    "Search",
    "Digest",
    "Facilitator",
    "Facilitators",
    "Manage",
    "Health",
    "Invitations",
    "Reports",
    "Overview",
    "Welcome",
    "Profile",
    "Password",
    "Email",
    "Next",
    "Previous",
    "Page",
    "Language",
    "Topics",
    "Cancel",
    "Publish",
    "Draft",
    "Drafts",
    "Bookmark",
    "Follow",
    "Helpful",
    "Report",
    "Home",
    "Lessons",
    "Week",
    "days",
    "hours",
    "ago",
    "Monday",
    "December",
    "Nothing",
    "yet",
    "Show",
    "Back",
    "Send",
]
ENGLISH_WORD = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")

EXPERIENCE = {
    "title": "Übergabe am Patientenbett",
    "situation": "Eine chirurgische Station mit 28 Betten.",
    "tried": "Wir haben die Übergabe ans Bett verlegt.",
    "happened": "Die Patientinnen korrigierten in der ersten Woche zwei Fehler.",
    "outcome": "worked",
    "learned": "Wer im Bett liegt, kontrolliert am besten, was wir sagen.",
    "recommend": "Klein anfangen, mit einer Schicht.",
}
CHALLENGE = {
    "title": "Nachtschichten vergessen die Bilanzblätter",
    "situation": "Eine Station mit 28 Betten, zwei Pflegekräfte nachts.",
    "tried": "Eine Erinnerung im Dienstplan.",
    "help_wanted": "Was hat bei Ihnen funktioniert?",
}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: element text and labelling attributes, without
    scripts, styles and parts marked with a language other than German."""

    LABELS = ("title", "alt", "aria-label", "placeholder")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its text skipped?

    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = (
            self.skipping()
            or tag in ("script", "style", "template")
            or (lang is not None and not lang.startswith("de"))
            # Time zones are named by their identifiers ("America/Port_of_Spain").
            or (tag == "option" and "/" in (attrs.get("value") or ""))
        )
        if not skip:
            self.parts += [attrs[name] for name in self.LABELS if attrs.get(name)]
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str) -> list[str]:
    """Each English word with a little context, to find it on the page."""
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in ENGLISH_WORD.finditer(text)]


def assert_german_page(client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="de">' in html, url
    assert english_in(visible_text(html)) == [], url
    return html


def committed():
    """Run what waits for the commit (emails, tasks) at the end of the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


# --- A German community ---------------------------------------------------------------


@pytest.fixture
def facilitator():
    return UserFactory(display_name="Fatma Yilmaz", language="de", digest_cadence="off")


@pytest.fixture
def member():
    return UserFactory(display_name="Jonas Weber", language="de", digest_cadence="weekly")


def write_rules_in_german(community: Community) -> None:
    """The facilitator words the suggested rules in German.

    (The suggestions are translated once, when communities/services.py is imported, so
    a new community starts with them in the language of that moment.)
    """
    for rule in Rule.objects.filter(community=community):
        rule.title, rule.explanation = gettext(rule.title), gettext(rule.explanation)
        rule.save(update_fields=["title", "explanation"])
    community.expectations = gettext(community.expectations)
    community.save(update_fields=["expectations"])


@pytest.fixture
def community(facilitator, member) -> Community:
    """Launched through the services, as a German-speaking facilitator does it."""
    with translation.override("de"), committed():
        community = services.community_create(
            user=facilitator,
            name="Sichere Übergaben",
            challenge="Bei Schichtübergaben gehen Informationen verloren.",
            kind="practice",
            tags=["übergabe", "nachtdienst"],
            language="de",
        )
        write_rules_in_german(community)
        services.community_update(
            community=community,
            purpose="Wir vergleichen, wie wir zwischen den Schichten übergeben.",
            audience="Pflegekräfte und Stationsleitungen",
            meeting_rhythm="Monatliche Fallbesprechung",
        )
        services.charter_publish(community=community, by=facilitator, is_material=True)
        services.onboarding_configure(
            community=community,
            welcome_message="Schön, dass Sie da sind!",
            profile=True,
            intro=True,
            pinned=False,
        )
        services.invitations_create(
            community=community, by=facilitator, emails=["kern@practica.test"], role="core"
        )
        post = practices_services.post_create(
            community=community, author=facilitator, kind="experience", data=EXPERIENCE
        )
        community = services.community_launch(community=community, by=facilitator)
        MembershipFactory(community=community, user=member, newcomer=True)
        practices_services.post_create(
            community=community, author=member, kind="challenge", data=CHALLENGE
        )
        post.community = community  # launched now
        practices_services.comment_create(
            post=post, author=member, body="Das probieren wir nächste Woche aus."
        )
    community.refresh_from_db()
    return community


@pytest.fixture
def experience(community):
    return community.posts.get(kind="experience")


def community_pages(community, experience) -> list[str]:
    slug = community.slug
    return [
        reverse("communities:detail", args=[slug]),
        reverse("communities:charter", args=[slug]),
        reverse("practices:feed", args=[slug]),
        experience.get_absolute_url(),
    ]


def test_visitors_read_the_site_in_german(client, community, experience):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    pages = [
        reverse("home"),
        reverse("communities:directory"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("practices:lessons"),
        *community_pages(community, experience),
    ]
    for url in pages:
        assert_german_page(client, url)


def test_members_use_the_site_in_german(client, community, experience, member):
    client.force_login(member)
    slug = community.slug
    pages = [
        reverse("home"),
        reverse("communities:directory"),
        reverse("communities:mine"),
        *community_pages(community, experience),
        reverse("communities:members", args=[slug]),
        reverse("practices:create", args=[slug, "experience"]),
        reverse("practices:create", args=[slug, "challenge"]),
        reverse("practices:bookmarks"),
        reverse("practices:drafts"),
        reverse("practices:search") + "?q=Übergabe",
        reverse("practices:lessons"),
        reverse("practices:tag", args=["übergabe"]),
        reverse("members:notifications"),
        reverse("members:notification_settings"),
        reverse("members:profile_edit"),
        reverse("members:profile", args=[member.pk]),
        reverse("members:digest_preview"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]
    for url in pages:
        assert_german_page(client, url)


def test_facilitators_manage_their_community_in_german(client, community, experience, facilitator):
    client.force_login(facilitator)
    slug = community.slug
    manage_pages = [
        "manage",
        "manage_launch",
        "manage_charter",
        "manage_questions",
        "manage_onboarding",
        "manage_requests",
        "manage_invitations",
        "manage_members",
        "manage_health",
        "manage_reports",
        "manage_log",
        "manage_safeguards",
    ]
    for name in manage_pages:
        assert_german_page(client, reverse(f"communities:{name}", args=[slug]))
    for url in [*community_pages(community, experience), reverse("members:notifications")]:
        assert_german_page(client, url)


def test_the_post_page_and_dashboard_show_dates_the_german_way(client, community, facilitator):
    client.force_login(facilitator)
    launched = timezone.localtime(community.launched_at)

    html = assert_german_page(client, reverse("communities:manage_launch", args=[community.slug]))

    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]  # fmt: skip
    assert f"{launched.day}. {months[launched.month - 1]} {launched.year}" in html


# --- Emails in the recipient's language -------------------------------------------------


def test_the_digest_is_written_in_the_members_language(community, member, facilitator):
    # An English reader of the same community gets the same digest in English.
    english = UserFactory(language="en", digest_cadence="weekly")
    MembershipFactory(community=community, user=english)
    now = timezone.now() + timedelta(hours=1)
    with committed():
        counts = digests.send_batch(
            user_ids=[member.pk, english.pk],
            period="weekly:2099-W01",
            since=now - timedelta(days=7),
            now=now,
        )

    assert counts["sent"] == 2
    german = OutboundEmail.objects.get(to=member.email, kind="digest")
    assert german.subject.startswith("Ihre wöchentliche Zusammenfassung von Practica")
    assert english_in(german.body_text) == []
    assert english_in(visible_text(german.body_html)) == []
    assert "Hallo Jonas Weber," in german.body_text
    other = OutboundEmail.objects.get(to=english.email, kind="digest")
    assert other.subject.startswith("Your weekly Practica digest")


def test_onboarding_reminders_are_written_in_the_members_language(community, member):
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=1), tick=False):
        reminders.reminders_send()

    email = OutboundEmail.objects.get(to=member.email, kind="onboarding_reminder")
    assert email.subject == "Ein paar erste Schritte in Sichere Übergaben"
    assert "Stellen Sie sich vor" in email.body_text  # a step still open
    assert english_in(email.body_text) == []
    assert english_in(visible_text(email.body_html)) == []


def test_notification_emails_are_written_in_the_recipients_language(
    community, experience, member, facilitator
):
    # An English-speaking member comments; the German author is told in German.
    english = UserFactory(display_name="Ann Smith", language="en")
    MembershipFactory(community=community, user=english)
    practices_services.comment_create(post=experience, author=english, body="Danke!")

    notifications.send_notification_emails(now=timezone.now() + timedelta(minutes=10))

    email = OutboundEmail.objects.filter(to=facilitator.email).latest("pk")
    assert "Übergabe am Patientenbett" in email.subject
    assert english_in(email.body_text) == []
    assert english_in(visible_text(email.body_html)) == []


def test_a_membership_request_reaches_each_facilitator_in_their_language(community, facilitator):
    services.community_update(community=community, join_policy="request")
    applicant = UserFactory(display_name="Ann Smith", language="en")

    # The applicant reads the site in English; the facilitator gets the email in German.
    with translation.override("en"), committed():
        services.membership_request(
            community=community, user=applicant, answers=[], accepted_rules=True
        )

    email = OutboundEmail.objects.get(to=facilitator.email, kind="membership_requested")
    assert email.subject == "Ann Smith möchte Sichere Übergaben beitreten"
    assert english_in(email.body_text) == []
    assert english_in(visible_text(email.body_html)) == []


def test_a_moderation_warning_reaches_the_author_in_their_language(community, facilitator, member):
    challenge = community.posts.get(kind="challenge")
    rule = Rule.objects.filter(community=community).order_by("position").first()

    with translation.override("en"), committed():
        moderation.review_hide_and_warn(
            by=facilitator, post=challenge, reason="Bitte ohne Namen.", rule_id=str(rule.pk)
        )

    email = OutboundEmail.objects.get(to=member.email, kind="moderation_warning")
    assert email.subject == "Ein Hinweis der Moderation von Sichere Übergaben"
    assert english_in(email.body_text) == []
    assert english_in(visible_text(email.body_html)) == []


# --- The language switcher ---------------------------------------------------------------


def switch(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_the_switcher_stores_a_members_choice_in_their_profile(client):
    user = UserFactory(language="en")
    client.force_login(user)

    response = switch(client, "de")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "de"
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="de">' in page
    assert "Willkommen zurück" in page


def test_the_switchers_choice_wins_over_the_language_saved_before(client):
    user = UserFactory(language="de")
    client.force_login(user)
    assert '<html lang="de">' in client.get(reverse("home")).content.decode()

    switch(client, "en")

    user.refresh_from_db()
    assert user.language == "en"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()
    # The choice belongs to the person: a new session, without the cookie, keeps it.
    client.logout()
    client.cookies.clear()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_the_profile_decides_over_a_cookie_from_another_browser(client):
    user = UserFactory(language="de")
    client.cookies["django_language"] = "en"
    client.force_login(user)

    assert '<html lang="de">' in client.get(reverse("home")).content.decode()


def test_visitors_switch_with_a_cookie_only(client):
    switch(client, "de")

    assert client.cookies["django_language"].value == "de"
    assert '<html lang="de">' in client.get(reverse("home")).content.decode()


def test_a_forged_switch_changes_nothing(db):
    from django.test import Client

    user = UserFactory(language="en")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert switch(client, "de").status_code == 403

    user.refresh_from_db()
    assert user.language == "en"


def test_an_unknown_language_is_not_stored(client):
    user = UserFactory(language="de")
    client.force_login(user)

    switch(client, "xx")

    user.refresh_from_db()
    assert user.language == "de"


def test_the_switcher_names_each_language_in_itself(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"

    html = client.get(reverse("home")).content.decode()

    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="de" lang="de" selected>Deutsch</option>' in html
