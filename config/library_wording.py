"""Messages of the libraries' own catalogues that Practica words differently.

Nothing imports this module: it exists so that `makemessages` puts these messages into
locale/de/LC_MESSAGES/django.po, whose translations win over django-allauth's German
("E-Mail", as everywhere else on the site, instead of "Email"). The English
catalogue's sentence-case wording of allauth's titles is kept in locale/en by hand.
"""

from django.utils.translation import gettext_noop

ALLAUTH = [
    gettext_noop("Email Address"),
    gettext_noop("Change Email"),
]
