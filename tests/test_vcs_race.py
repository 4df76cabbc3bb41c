"""The same delivery arriving twice at the same moment (a provider's retry racing the first
attempt): the unique index decides, the second is answered "already received", and the item
moves once."""

import threading

import pytest
from django.db import connection

from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import fresh, github_post, payload
from vcs.models import Delivery, VcsLink, Webhook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_delivery_sent_twice_at_once_is_recorded_once(
    postgres: None, github: Webhook, items
) -> None:
    answers: list[tuple[int, bool]] = []
    start = threading.Barrier(2)

    def deliver() -> None:
        try:
            start.wait(timeout=30)
            response = github_post(github, payload("github_push"), delivery="raced")
            answers.append((response.status_code, response.json().get("duplicate", False)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [(200, False), (200, True)]
    assert Delivery.objects.count() == 1
    assert VcsLink.objects.count() == 2
    assert fresh(items[1]).version == 2  # "Fixes PAY-2" moved it once
