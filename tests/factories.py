import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from members.models import User

KNOWN_PASSWORD = "practica-demo-password"


class UserFactory(DjangoModelFactory):
    """A member who signed up and verified their email address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@practica.test")
    display_name = factory.Faker("name")
    password = factory.django.Password(KNOWN_PASSWORD)
    is_active = True

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
