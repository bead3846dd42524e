from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """The claims of the provider's people, as a corporate identity provider sends them.

    A person's first name is their full name; membership of the group "unverified" sends
    `email_verified: false`, of "mfa" an `amr` saying a second factor was used, and
    "acr-gold" an `acr` of "gold".
    """

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "email": "email",
        "email_verified": "email",
        "amr": "openid",
        "acr": "openid",
    }

    def get_additional_claims(self, request):
        user = request.user
        groups = set(user.groups.values_list("name", flat=True))
        claims = {
            "email": user.email,
            "email_verified": "unverified" not in groups,
            "amr": ["pwd", "otp", "mfa"] if "mfa" in groups else ["pwd"],
        }
        if user.first_name:
            claims["name"] = user.first_name
        if "acr-gold" in groups:
            claims["acr"] = "gold"
        return claims
