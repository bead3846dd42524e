"""Admin actions declare the permission they need: view-only staff change nothing."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from communities.models import Community
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


OUR_APPS = {"communities", "webhooks", "practices", "members"}


def _actions():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for action in model_admin.actions or ():
            func = getattr(model_admin, action) if isinstance(action, str) else action
            yield f"{model.__name__}.{getattr(func, '__name__', action)}", func


def test_every_admin_action_declares_its_permissions():
    missing = [name for name, func in _actions() if not getattr(func, "allowed_permissions", ())]
    assert not missing, f"Add permissions=[...] to these admin actions: {missing}"


def test_view_only_staff_cannot_archive_through_an_action(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_community"))
    TOTP.activate(staff, generate_totp_secret())
    community = CommunityFactory()
    client.force_login(staff)

    client.post(
        reverse("admin:communities_community_changelist"),
        {"action": "archive", "_selected_action": [community.pk], "post": "yes"},
    )

    assert Community.objects.get(pk=community.pk).stage == Community.Stage.LAUNCHED
