from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Puts the e-mail address, user name and groups in the ID token and the userinfo answer."""

    oidc_claim_scope = None  # every claim whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "preferred_username": user.username,
            "groups": [group.name for group in user.groups.all()],
        }
