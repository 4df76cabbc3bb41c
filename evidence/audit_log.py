"""The journal of reads of a release's evidence: every pack download is recorded (who, when,
from where, what), so an auditor's reads are as visible as anyone's changes (issue 13.6)."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils import timezone

from evidence.models import EvidenceView
from releasemgmt.client_ip import client_ip_address

if TYPE_CHECKING:
    from projects.models import ReleaseProject

NO_READER = "An evidence view needs the request or the user who read it."


def evidence_view_record(
    *,
    project: "ReleaseProject",
    what: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> EvidenceView:
    """Record that the request's user (or `user`, outside a request: a command) read `what`
    ("pack.json", "pack.pdf"...) of `project`'s evidence. Written in its own statement, not
    on commit: a read that was served is on record even if nothing else is written."""
    if request is None and user is None:
        raise ValueError(NO_READER)
    reader = user if user is not None else request.user
    known = reader if reader is not None and reader.is_authenticated else None
    return EvidenceView.objects.create(
        history_date=timezone.now(),
        history_user=known,
        user_name=known.get_username() if known else "",
        ip_address=client_ip_address(request) if request is not None else None,
        project_id=project.pk,
        project_code=project.code,
        what=what[: EvidenceView._meta.get_field("what").max_length],
    )
