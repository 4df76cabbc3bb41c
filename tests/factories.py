"""factory-boy factories: every test builds its data here."""

import factory
from django.contrib.auth import get_user_model

from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from projects.models import Lifecycle, ReleaseMember, ReleaseProject
from projects.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReleaseProject

    name = factory.Sequence(lambda n: f"Release {n}")
    code = factory.Sequence(lambda n: f"P{n:03d}")
    release_manager = factory.SubFactory(UserFactory)
    lifecycle = Lifecycle.IN_PROGRESS


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReleaseMember

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.DEVELOPER


def first_state() -> ReleaseStatus:
    return ReleaseStatus.objects.filter(enabled=True).order_by("position", "id").first()


class ItemFactory(factory.django.DjangoModelFactory):
    """Builds items directly (not through the engine): fast setup for reads and counts."""

    class Meta:
        model = ReleaseItem

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Faker("sentence", nb_words=5)
    kind = Kind.CHANGE_REQUEST
    priority = Priority.MEDIUM
    status = factory.LazyFunction(first_state)
    position = factory.Sequence(lambda n: (n + 1) * 10)
