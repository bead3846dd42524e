"""What the API says about a community and the viewer's standing in it."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Community, Membership


class CommunitySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The community's page on the site.")

    class Meta:
        model = Community
        fields = [
            "slug",
            "name",
            "kind",
            "challenge",
            "visibility",
            "join_policy",
            "stage",
            "language",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, community: Community) -> str:
        return self.context["request"].build_absolute_uri(community.get_absolute_url())


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "status"]
        read_only_fields = fields


class CommunityDetailSerializer(CommunitySerializer):
    purpose = serializers.CharField(read_only=True)
    audience = serializers.CharField(read_only=True)
    membership = serializers.SerializerMethodField()

    class Meta(CommunitySerializer.Meta):
        fields = [*CommunitySerializer.Meta.fields, "purpose", "audience", "membership"]
        read_only_fields = fields

    def get_membership(self, community: Community) -> MembershipSerializer(allow_null=True):  # type: ignore[valid-type]
        membership = self.context.get("membership")
        return MembershipSerializer(membership).data if membership else None
