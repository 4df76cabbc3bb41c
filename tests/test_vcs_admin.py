"""Administrators keep the webhooks in the admin: the secret is typed once, never shown
again, and an empty field keeps it; deliveries are read only."""

import pytest

from tests.conftest import Team
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import SECRET, github_post, payload
from vcs.models import Delivery, Provider, Webhook

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_webhook_and_sees_its_payload_path(team: Team, bot) -> None:
    client = team.client(team.admin)
    form = {"name": "pay", "provider": Provider.GITHUB, "service_account": bot.pk, "active": "on"}

    short = client.post("/admin/vcs/webhook/add/", {**form, "secret": "too-short"})
    assert short.status_code == 200
    assert not Webhook.objects.exists()

    client.post("/admin/vcs/webhook/add/", {**form, "secret": SECRET})
    hook = Webhook.objects.get()
    assert hook.secret == SECRET
    listing = client.get("/admin/vcs/webhook/").content.decode()
    assert f"/hooks/github/{hook.pk}/" in listing


def test_the_secret_is_never_shown_and_an_empty_field_keeps_it(team: Team, github) -> None:
    client = team.client(team.admin)
    page = client.get(f"/admin/vcs/webhook/{github.pk}/change/").content.decode()
    assert SECRET not in page

    client.post(
        f"/admin/vcs/webhook/{github.pk}/change/",
        {
            "name": "renamed",
            "provider": Provider.GITHUB,
            "service_account": github.service_account_id,
            "active": "on",
            "secret": "",
        },
    )

    github.refresh_from_db()
    assert (github.name, github.secret) == ("renamed", SECRET)


def test_deliveries_are_listed_read_only(team: Team, github, items) -> None:
    github_post(github, payload("github_push"))
    client = team.client(team.admin)
    delivery = Delivery.objects.get()

    assert "link(s) made" in client.get("/admin/vcs/delivery/").content.decode()
    assert client.get("/admin/vcs/delivery/add/").status_code == 403
    client.post(f"/admin/vcs/delivery/{delivery.pk}/change/", {"summary": "edited"})
    delivery.refresh_from_db()
    assert delivery.summary != "edited"


def test_people_who_are_not_staff_cannot_see_the_webhooks(team: Team, github) -> None:
    response = team.client(team.manager).get("/admin/vcs/webhook/")

    assert response.status_code == 302


def test_a_webhook_that_linked_something_is_kept_deactivate_it_instead(
    team: Team, github, items
) -> None:
    github_post(github, payload("github_push"))
    client = team.client(team.admin)

    page = client.post(f"/admin/vcs/webhook/{github.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200  # the admin lists the links that protect it
    assert Webhook.objects.filter(pk=github.pk).exists()
