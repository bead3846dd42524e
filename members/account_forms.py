"""allauth's password forms with Practica's single sign-on rule (members/sso.py).

Kept apart from members/forms.py: allauth's sign-up form is built on
`members.forms.SignupForm`, so that module cannot import allauth's forms.
"""

from allauth.account import forms as allauth_forms

from .sso import check_password_allowed


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form; addresses at SSO-only domains have no password way in."""

    def clean(self) -> dict:
        # Before the password is checked: the answer says nothing about the account.
        check_password_allowed(self.data.get("login", ""))
        cleaned_data = super().clean()
        # The account signed in to may be reached through another of its addresses.
        if self.user is not None:
            check_password_allowed(self.user.email)
        return cleaned_data


class PasswordSignupForm(allauth_forms.SignupForm):
    """allauth's password sign-up; addresses at SSO-only domains sign up through SSO."""

    def clean_email(self) -> str:
        email = super().clean_email()
        check_password_allowed(email)
        return email


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "")
        check_password_allowed(email)
        return super().clean_email()


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """A reset link sent before the member's domain became SSO-only sets no password."""

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if self.user is not None:
            check_password_allowed(self.user.email)
        return cleaned_data
