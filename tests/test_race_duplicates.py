"""Double submits that race past the pre-checks: the unique index refuses the second insert and
the service answers a clear 409, never an IntegrityError (500)."""

import threading
import time

import pytest
from django.db import connection, transaction

from projects import services
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def first_insert_commits_late(insert) -> threading.Thread:
    """Insert in another connection and commit a moment later, while the caller's own insert
    (past its pre-checks, which could not see the uncommitted row) waits on the unique index."""
    inserted = threading.Event()

    def target() -> None:
        try:
            with transaction.atomic():
                insert()
                inserted.set()
                time.sleep(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    assert inserted.wait(timeout=30)
    return thread


def test_adding_the_same_member_twice_at_once_answers_409(postgres: None, team: Team) -> None:
    nina_id = team.outsider.pk
    thread = first_insert_commits_late(
        lambda: ReleaseMember.objects.create(
            project_id=team.project.pk, user_id=nina_id, role=Role.VIEWER
        )
    )

    with pytest.raises(services.MemberError) as excinfo:
        services.project_add_member(
            access=team.access(team.manager), user=team.outsider, role=Role.DEVELOPER
        )
    thread.join(timeout=30)

    assert excinfo.value.status_code == 409
    assert excinfo.value.message == services.ALREADY_MEMBER.format(user=team.outsider, code="PAY")
    assert ReleaseMember.objects.get(project=team.project, user=team.outsider).role == Role.VIEWER
    assert not ReleaseMember.history.filter(user=team.outsider, role=Role.DEVELOPER).exists()


def test_creating_the_same_code_twice_at_once_answers_409(postgres: None, team: Team) -> None:
    thread = first_insert_commits_late(
        lambda: ReleaseProject.objects.create(
            code="CORE", name="First", release_manager_id=team.manager.pk
        )
    )

    with pytest.raises(services.ProjectConflict) as excinfo:
        services.project_create(
            actor=team.manager,
            code="CORE",
            fields={"name": "Second", "release_manager": team.manager},
        )
    thread.join(timeout=30)

    assert excinfo.value.message == services.CODE_TAKEN.format(code="CORE")
    assert ReleaseProject.objects.get(code="CORE").name == "First"
    assert not ReleaseProject.history.filter(name="Second").exists()
