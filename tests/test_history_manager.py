"""The journal's history managers are built once per model and behave as the library's."""

import pytest
from django.apps import apps

from items.models import ReleaseItem
from journal.history_manager import HistoryDescriptorBuiltOnce
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def tracked_models() -> list:
    return [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]


def test_every_tracked_model_builds_its_history_manager_class_once() -> None:
    assert len(tracked_models()) >= 10
    for model in tracked_models():
        name = model._meta.simple_history_manager_attribute
        assert isinstance(model.__dict__[name], HistoryDescriptorBuiltOnce), model
        assert type(getattr(model, name)) is type(getattr(model, name)), model


def test_an_items_history_holds_its_own_rows_and_the_models_history_all_rows(
    team: Team,
) -> None:
    first, second = team.item(), team.item()

    assert [row.id for row in first.history.all()] == [first.pk]
    assert first.history.instance == first
    assert first.history.first().change_id == first.change_id
    assert {row.id for row in ReleaseItem.history.all()} == {first.pk, second.pk}
    assert ReleaseItem.history.model.__name__ == "HistoricalReleaseItem"
