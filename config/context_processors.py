from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest | None) -> dict[str, str]:
    return {"SITE_NAME": "Practica", "SITE_URL": settings.SITE_URL}
