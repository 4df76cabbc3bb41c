"""factory-boy factories: every test builds its data here."""

import factory
from django.contrib.auth import get_user_model
from django.db import transaction

from items.models import CONTENT_FIELDS, Change, Kind, Priority, ReleaseItem, ReleaseStatus
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


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change

    title = factory.Faker("sentence", nb_words=5)
    kind = Kind.CHANGE_REQUEST


class ItemFactory(factory.django.DjangoModelFactory):
    """Builds items directly (not through the engine): fast setup for reads and counts.

    Content fields (title, kind, ...) go to a new change, unless `change` is given (another
    release's change: include it here too).
    """

    class Meta:
        model = ReleaseItem

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    priority = Priority.MEDIUM
    status = factory.LazyFunction(first_state)
    position = factory.Sequence(lambda n: (n + 1) * 10)

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> ReleaseItem:
        content = {name: kwargs.pop(name) for name in CONTENT_FIELDS if name in kwargs}
        if kwargs.get("change") is not None and content:
            raise TypeError("the content belongs to the change given: set it there")
        with transaction.atomic():  # one transaction, as items.services.item_create
            if kwargs.get("change") is None:
                kwargs["change"] = ChangeFactory(**content, created_by=kwargs.get("created_by"))
            return super()._create(model_class, *args, **kwargs)
