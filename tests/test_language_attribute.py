"""The page's `lang` names the language its text is in."""

from django.template.loader import render_to_string
from django.utils import translation

from members.emails import html_from_text, render_email


def test_the_error_page_and_emails_declare_the_language_they_are_written_in(db):
    with translation.override("de"):
        assert '<html lang="de">' in render_to_string("500.html")
        assert '<html lang="de">' in html_from_text("Betreff", "Hallo")
        assert (
            '<html lang="de">'
            in render_email("first_post_nudge", {"user": None, "community": None}).html
        )
    with translation.override("en"):
        assert '<html lang="en">' in render_to_string("500.html")


def test_the_language_menu_names_each_language_in_its_own_language(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in html
    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="de" lang="de" selected>Deutsch</option>' in html
