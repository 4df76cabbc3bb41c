from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from evidence.selectors import seal_latest
from items.selectors import project_member_users
from journal.forms import JournalFilterForm
from journal.selectors import (
    ALL_SOURCES,
    ITEM_SOURCES,
    PROJECT_SOURCES,
    JournalQuery,
    item_history_identity,
    journal_entries,
)
from projects.access import project_access
from projects.selectors import user_sees_every_release

ONLY_SUPERUSERS = gettext_noop(
    "Only administrators and auditors can read the journal of the whole installation."
)
NO_SUCH_ITEM = gettext_noop("This release project never had such an item.")


def _journal_page(
    request: HttpRequest,
    *,
    template: str,
    context: dict,
    users,
    sources: list[str],
    **scope,
) -> HttpResponse:
    # The latest seal's digest, to compare with a copy kept elsewhere (docs/EVIDENCE.md).
    seal = seal_latest()
    form = JournalFilterForm(request.GET or None, users=users, sources=sources)
    status = 200
    if form.is_bound and not form.is_valid():
        entries, has_more, status = [], False, 400
    else:
        query = form.journal_query() if form.is_bound else JournalQuery()
        entries, has_more = journal_entries(sources=sources, query=query, **scope)
    params = request.GET.copy()
    if has_more:
        params["before"] = entries[-1].cursor
    context |= {
        "form": form,
        "entries": entries,
        "next_query": params.urlencode() if has_more else "",
        "is_first_page": not request.GET.get("before"),
        "seal": seal,
    }
    return render(request, template, context, status=status)


@require_GET
def item_journal(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    identity = item_history_identity(project=access.project, number=number)
    if identity is None:
        raise Http404(_(NO_SUCH_ITEM))
    item_id, title = identity
    return _journal_page(
        request,
        template="journal/item_journal.html",
        context={"access": access, "project": access.project, "number": number, "title": title},
        users=project_member_users(project=access.project),
        sources=ITEM_SOURCES,
        item_id=item_id,
        project=access.project,
    )


@require_GET
def project_journal(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    return _journal_page(
        request,
        template="journal/project_journal.html",
        context={"access": access, "project": access.project},
        users=project_member_users(project=access.project),
        sources=PROJECT_SOURCES,
        project=access.project,
    )


@require_GET
def global_journal(request: HttpRequest) -> HttpResponse:
    if not user_sees_every_release(user=request.user):
        raise PermissionDenied(_(ONLY_SUPERUSERS))
    return _journal_page(
        request,
        template="journal/global_journal.html",
        context={},
        users=get_user_model().objects.order_by("username"),
        sources=ALL_SOURCES,
    )
