from django.conf import settings


def site(request) -> dict[str, str]:
    return {"SITE_NAME": "Practica", "SITE_URL": settings.SITE_URL}
