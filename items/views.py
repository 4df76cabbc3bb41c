"""Board, items list and item pages. Views parse the request, call one service, render."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.selectors import approvals_panel
from items import engine, services
from items.arrows import board_arrows, board_urls
from items.cards import card_html
from items.engine import EngineError
from items.filters import BoardQuickFilter, ItemFilter
from items.forms import (
    BulkMoveForm,
    DeleteForm,
    IncludeForm,
    ItemForm,
    MoveForm,
    ReorderForm,
    VersionedForm,
)
from items.models import ReleaseItem, ReleaseStatus
from items.panels import item_panels, list_panels
from items.policy import MovePolicy
from items.selectors import (
    COLUMN_PAGE,
    CardsWanted,
    board_column_cards,
    board_columns_for_project,
    board_with_decisions,
    item_for_project,
    item_to_change,
    items_for_project,
    other_inclusions,
)
from items.tables import PAGE_SIZES, ItemTable
from items.workflow import Workflow, workflow_current
from planning.freezes import freeze_banner
from planning.gates import freeze_gate_windows
from projects.access import Access, project_access
from projects.roles import EDIT_ITEMS, MANAGE, MOVE, MOVE_ANY
from qa.selectors import qa_panel
from releasemgmt.exports import EXPORT_FORMATS, EXPORT_PARAMETER, table_export_response
from releasemgmt.pagination import table_configure

ITEMS_PER_PAGE = 25
ITEMS_PER_PAGE_MAX = PAGE_SIZES[-1]
ORIGINS = ("board", "item", "list")
REORDERED = {
    "up": gettext_lazy("Moved {key} up."),
    "down": gettext_lazy("Moved {key} down."),
    "top": gettext_lazy("Sent {key} to the top of its column."),
    "bottom": gettext_lazy("Sent {key} to the bottom of its column."),
}


def item_or_404(access: Access, number: int, *, to_change: bool = False) -> ReleaseItem:
    find = item_to_change if to_change else item_for_project
    item = find(project=access.project, number=number)
    if item is None:
        raise Http404(_(engine.ITEM_NOT_FOUND).format(code=access.project.code))
    return item


def form_error(form) -> str:
    """A form's errors as one sentence, for the message of a 400 answer."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- The board -------------------------------------------------------------------------


def _board_filter(request: HttpRequest, access: Access, workflow: Workflow) -> BoardQuickFilter:
    """The quick filter of the board's query string; the last enabled state is "done"."""
    enabled = [s for s in workflow.states if s.enabled]
    return BoardQuickFilter(
        request.GET,
        queryset=items_for_project(project=access.project),
        project=access.project,
        user=access.user,
        done_state_id=enabled[-1].id if enabled else None,
    )


def _board_context(
    request: HttpRequest, access: Access, *, only_states: tuple[int, ...] = ()
) -> dict:
    """The board (or, with `only_states`, those columns of it) as the user's filter shows it."""
    workflow = workflow_current()
    board_filter = _board_filter(request, access, workflow)
    items = board_filter.qs
    if only_states:
        items = items.filter(status_id__in=only_states)
    columns = board_columns_for_project(
        items=items, states=workflow.states, expanded=_expanded(request)
    )
    if only_states:
        columns = [c for c in columns if c.state.id in only_states]
    cards = [item for column in columns for item in column.items]
    policy = MovePolicy(access=access, workflow=workflow, items=cards, project_wide=True)
    board_with_decisions(columns=columns, policy=policy)
    query = request.GET.urlencode()
    board_urls(columns=columns, project=access.project)
    can_move = access.can(MOVE)
    if can_move:
        board_arrows(columns=columns, project=access.project, query=query)
    csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
    for item in cards:
        item.html = card_html(item=item, can_move=can_move, csrf_input=csrf_input)
    return {
        "access": access,
        "project": access.project,
        "filter": board_filter,
        "columns": columns,
        "query": query,
        "can_move": can_move,
        # The freeze gate has read the windows for the arrows: the banner reuses them.
        "freeze": freeze_banner(project=access.project, windows=freeze_gate_windows(policy)),
        "can_include": access.can(MANAGE) and not access.read_only_reason,
    }


def _expanded(request: HttpRequest) -> int | None:
    """The column whose every card is shown (?column=<state id>), if any."""
    value = request.GET.get("column", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _board_in_place(
    request: HttpRequest,
    access: Access,
    *,
    number: int,
    states: tuple[int, ...],
    message: str,
    status: int = 200,
) -> HttpResponse:
    """Answer an htmx move on the board: only the changed columns' cards and counts, swapped
    out of band, and the result for the live region with the control to focus."""
    context = _board_context(request, access, only_states=states)
    moved = next((i for c in context["columns"] for i in c.items if i.number == number), None)
    action = request.POST.get("direction") or request.POST.get("shift") or ""
    context.update(
        message=message,
        failed=status >= 400,
        focus=f"card-{moved.pk}" if moved else "",
        focus_value=action,
    )
    response = render(request, "items/board.html#in_place", context, status=status)
    response["HX-Reswap"] = "none"  # nothing but the out-of-band parts
    return response


@dataclass(frozen=True, slots=True)
class _Head:
    """A column's heading and "Show all" link, for an answer that sends a few of its cards."""

    state: ReleaseStatus
    count: int
    more: int
    over_limit: bool


def _wanted(
    *, item_pk: int, source: int, target: int, shift: str, expanded: int | None
) -> list[CardsWanted]:
    """The cards an arrow press changes, besides the moved one: those whose arrows depend on
    their place (a column's first two and last two), and the card that moves up into a
    column's page when the moved one leaves it (the expanded column has no page)."""

    def page(state_id: int) -> int:
        return 0 if state_id == expanded else COLUMN_PAGE

    if source != target:  # off the old column, to the bottom of the new one
        return [
            CardsWanted(source, top=2, bottom=2, rank=page(source)),
            CardsWanted(target, bottom=3),
        ]
    if shift == "top":
        return [CardsWanted(source, top=3, bottom=2)]
    if shift == "bottom":
        return [CardsWanted(source, top=2, bottom=3, rank=page(source))]
    return [CardsWanted(source, around=item_pk)]  # up or down: it and its neighbour swap


def _asked(item: ReleaseItem, wanted: CardsWanted, count: int) -> bool:
    rank = item.column_rank
    return (
        rank <= wanted.top
        or rank > count - wanted.bottom
        or rank == wanted.rank
        or wanted.around in (item.pk, item.above_pk, item.below_pk)
    )


def _board_patch(
    request: HttpRequest,
    access: Access,
    *,
    item_pk: int,
    source: int | None,
    target: int,
    message: str,
) -> HttpResponse:
    """Answer an arrow press on the board with only what changed, swapped out of band: the
    moved card taken from its old place and put in its new one, the cards whose arrows changed
    with their place, the card that moved up into a page, the changed columns' counts, and the
    result for the live region with the control to focus.

    It assumes the board shows the columns as they were before the press (the press came from
    it); a later page load or filter change shows them afresh. `source` None: an arrow's move,
    from the state next to `target`.
    """
    action = request.POST.get("direction") or request.POST.get("shift") or ""
    workflow = workflow_current()
    if source is None:
        ids = [s.id for s in workflow.states if s.enabled]
        source = ids[ids.index(target) + (-1 if action == "next" else 1)]
    board_filter = _board_filter(request, access, workflow)
    expanded = _expanded(request)
    wanted = _wanted(item_pk=item_pk, source=source, target=target, shift=action, expanded=expanded)
    columns = board_column_cards(items=board_filter.qs, states=workflow.states, wanted=wanted)
    by_state = {w.state_id: w for w in wanted}
    replaced, inserted, heads, moved = [], [], [], None
    for column in columns:
        count, ask = column.count, by_state[column.state.id]
        shown = count if column.state.id == expanded else min(count, COLUMN_PAGE)
        column.items = [i for i in column.items if i.column_rank <= shown and _asked(i, ask, count)]
        heads.append(_Head(column.state, count, count - shown, column.over_limit))
        here = next((i for i in column.items if i.pk == item_pk), None)
        for item in column.items:
            if item is here:
                moved = item
                above = next(
                    (i for i in column.items if i.column_rank == item.column_rank - 1), None
                )
                if item.column_rank == 1:
                    where = f"afterbegin:#cards-{column.state.id}"
                elif above is not None:
                    where = f"afterend:#card-{above.pk}"
                else:  # not expected: its new neighbour was not read; send the columns whole
                    states = tuple(dict.fromkeys((source, target)))
                    return _board_in_place(
                        request, access, number=item.number, states=states, message=message
                    )
                inserted.append((where, item))  # after the cards around it are refreshed
            elif ask.rank == item.column_rank and (here is None or here.column_rank > ask.rank):
                # It was the first card below the page: the page's new last card.
                inserted.append((f"beforeend:#cards-{column.state.id}", item))
            else:
                replaced.append(item)
    cards = [item for column in columns for item in column.items]
    policy = MovePolicy(access=access, workflow=workflow, items=cards)  # a few: by their ids
    board_with_decisions(columns=columns, policy=policy)
    board_urls(columns=columns, project=access.project)
    query = request.GET.urlencode()
    can_move = access.can(MOVE)
    if can_move:
        board_arrows(columns=columns, project=access.project, query=query)
    csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
    for item in replaced:
        item.html = card_html(item=item, can_move=can_move, csrf_input=csrf_input, oob=True)
    for _where, item in inserted:
        item.html = card_html(item=item, can_move=can_move, csrf_input=csrf_input)
    context = {
        "project": access.project,
        "removed": item_pk,
        "replaced": replaced,
        "inserted": inserted,
        "heads": heads,
        "query": query,
        "message": message,
        "failed": False,
        "focus": f"card-{moved.pk}" if moved else "",
        "focus_value": action,
    }
    response = render(request, "items/board.html#patch", context)
    response["HX-Reswap"] = "none"  # nothing but the out-of-band parts
    return response


def _in_place(request: HttpRequest) -> bool:
    return bool(request.htmx) and _origin(request) == "board"


def _render_board(request: HttpRequest, access: Access, *, status: int = 200) -> HttpResponse:
    template = "items/board.html#board" if request.htmx else "items/board.html"
    context = _board_context(request, access)
    if status == 200 and context["filter"].form.errors:
        status = 400  # the page still shows, with the filter's errors and the filter ignored
    return render(request, template, context, status=status)


@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    return _render_board(request, project_access(user=request.user, code=code))


# --- Moves and reorders ------------------------------------------------------------------


def _origin(request: HttpRequest) -> str:
    origin = request.POST.get("origin", "board")
    return origin if origin in ORIGINS else "board"


def _after_change(
    request: HttpRequest, access: Access, *, item: ReleaseItem, status: int = 200
) -> HttpResponse:
    """Answer a move: the board in place for htmx, otherwise back where the user came from.

    A refusal renders the page with its message instead of redirecting, so the HTTP status
    says what happened.
    """
    origin = _origin(request)
    if status >= 400 and origin == "item" and not request.htmx:
        return render(request, "items/item_detail.html", _item_context(access, item), status=status)
    if request.htmx or status >= 400:
        return _render_board(request, access, status=status)
    if origin == "item":
        return redirect(item.get_absolute_url())
    url = reverse(f"items:{origin}", kwargs={"code": access.project.code})
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@require_POST
def item_move(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MOVE)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return _after_change(request, access, item=item_or_404(access, number), status=400)
    # On the board the answer changes the card's old column too. An arrow's move leaves the
    # state next to the new one; a move to a chosen state (a drop) reads where it was first.
    chosen = _in_place(request) and form.cleaned_data["to_status"] is not None
    before = item_or_404(access, number) if chosen else None
    try:
        # The engine finds the item by its number as it locks it: no separate read first.
        moved = engine.item_move(
            access=access,
            number=number,
            expected_version=form.cleaned_data["version"],
            direction=form.cleaned_data["direction"] or None,
            to_status_id=form.cleaned_data["to_status"],
            comment=form.cleaned_data["comment"],
            emergency=form.cleaned_data["emergency"],
        )
    except engine.ItemNotFound as error:
        raise Http404(error.message) from None
    except EngineError as error:
        item = item_or_404(access, number)
        if _in_place(request):  # the card snaps back into its column, with the reason
            return _board_in_place(
                request,
                access,
                number=number,
                states=(item.status_id,),
                message=error.message,
                status=error.status_code,
            )
        messages.error(request, error.message)
        return _after_change(request, access, item=item, status=error.status_code)
    message = _("Moved {key} to {state}.").format(key=moved.key, state=moved.status.name)
    if _in_place(request):
        return _board_patch(
            request,
            access,
            item_pk=moved.pk,
            source=None if before is None else before.status_id,
            target=moved.status_id,
            message=message,
        )
    messages.success(request, message)
    return _after_change(request, access, item=moved)


@require_POST
def item_reorder(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MOVE)
    item = item_or_404(access, number, to_change=True)
    form = ReorderForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return _after_change(request, access, item=item, status=400)
    try:
        engine.item_reorder(
            access=access,
            item_id=item.pk,
            expected_version=form.cleaned_data["version"],
            shift=form.cleaned_data["shift"],
            comment=form.cleaned_data["comment"],
        )
    except EngineError as error:
        if _in_place(request):
            return _board_in_place(
                request,
                access,
                number=number,
                states=(item.status_id,),
                message=error.message,
                status=error.status_code,
            )
        messages.error(request, error.message)
        return _after_change(request, access, item=item, status=error.status_code)
    message = REORDERED[form.cleaned_data["shift"]].format(key=item.key)
    if _in_place(request):
        return _board_patch(
            request,
            access,
            item_pk=item.pk,
            source=item.status_id,
            target=item.status_id,
            message=message,
        )
    messages.success(request, message)
    return _after_change(request, access, item=item)


@require_POST
def items_bulk_move(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MOVE_ANY)
    form = BulkMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return _render_list(request, access, status=400)
    try:
        moved = engine.items_move_bulk(
            access=access,
            versions=form.cleaned_data["versions"],
            to_status_id=form.cleaned_data["to_status"],
            comment=form.cleaned_data["comment"],
        )
    except EngineError as error:
        messages.error(request, _("Nothing was moved: {reason}").format(reason=error.message))
        return _render_list(request, access, status=error.status_code)
    done = ngettext("Moved {count} item to {state}.", "Moved {count} items to {state}.", len(moved))
    messages.success(request, done.format(count=len(moved), state=moved[0].status.name))
    url = reverse("items:list", kwargs={"code": code})
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@require_POST
def item_include(request: HttpRequest, code: str) -> HttpResponse:
    """Add an existing change (from a release the user can see) to this release too."""
    access = project_access(user=request.user, code=code, right=MANAGE)
    form = IncludeForm(request.POST)
    origin = "list" if request.POST.get("origin") == "list" else "board"
    render_page = _render_list if origin == "list" else _render_board
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render_page(request, access, status=400)
    try:
        item = services.item_include(access=access, ref=form.cleaned_data["change"])
    except EngineError as error:
        messages.error(request, error.message)
        return render_page(request, access, status=error.status_code)
    messages.success(
        request,
        _("Added {change} “{title}” to {code} as {key}.").format(
            change=item.change.key, title=item.title, code=code, key=item.key
        ),
    )
    return redirect(reverse(f"items:{origin}", kwargs={"code": code}))


# --- The items list ------------------------------------------------------------------------


def _render_list(request: HttpRequest, access: Access, *, status: int = 200) -> HttpResponse:
    item_filter = ItemFilter(
        request.GET, queryset=items_for_project(project=access.project), project=access.project
    )
    table = ItemTable(item_filter.qs, selectable=access.can(MOVE_ANY))
    page_error = table_configure(
        request=request, table=table, per_page=ITEMS_PER_PAGE, per_page_max=ITEMS_PER_PAGE_MAX
    )
    export = None
    if status == 200:
        # Machines read exports (imports read them back): their headers and labels in English;
        # a refused format's page in the reader's language.
        exporting = request.GET.get(EXPORT_PARAMETER) in EXPORT_FORMATS
        with translation.override("en" if exporting else translation.get_language()):
            export = table_export_response(
                request=request,
                table=table,
                filename_stem=f"{access.project.code}-items",
                exclude_columns=("select",),
            )
    if export is not None:
        return export
    context = {
        "access": access,
        "project": access.project,
        "filter": item_filter,
        "table": table,
        "states": [s for s in engine.states_in_order() if s.enabled]
        if access.can(MOVE_ANY)
        else [],
        "query": request.GET.urlencode(),
        "can_include": access.can(MANAGE) and not access.read_only_reason,
        "list_panels": list_panels(access=access),  # saved filters (workplace)
    }
    if page_error:
        messages.error(request, page_error)
    if status == 200 and (item_filter.form.errors or page_error):
        status = 400
    return render(request, "items/item_list.html", context, status=status)


@require_GET
def item_list(request: HttpRequest, code: str) -> HttpResponse:
    return _render_list(request, project_access(user=request.user, code=code))


def render_list_page(request: HttpRequest, access: Access, *, status: int = 200) -> HttpResponse:
    """The items list, for another app's refused form (saved filters) to show its message on."""
    return _render_list(request, access, status=status)


# --- One item ------------------------------------------------------------------------------


def _item_context(access: Access, item: ReleaseItem) -> dict:
    workflow = workflow_current()
    policy = MovePolicy(access=access, workflow=workflow, items=[item])
    previous, following = policy.neighbours(item.status_id)
    enabled = [s for s in workflow.states if s.enabled and s.id != item.status_id]
    chosen = {s.id: policy.decide(item, s, chosen=True) for s in enabled}
    context = {
        "access": access,
        "project": access.project,
        "item": item,
        "previous": previous,
        "following": following,
        "move_prev": previous and policy.decide(item, previous),
        "move_next": following and policy.decide(item, following),
        "states": [s for s in enabled if chosen[s.id].allowed],
        # Moves a rule blocks: a release manager may force them, with a justification.
        "emergency_states": [s for s in enabled if chosen[s.id].blocked]
        if access.can(MOVE_ANY)
        else [],
        "can_move": access.can(MOVE),
        "can_move_any": access.can(MOVE_ANY),
        "can_edit": access.can(EDIT_ITEMS),
        # A released, closed or cancelled release keeps its items (projects.access).
        "can_delete": access.can(MANAGE) and not access.read_only_reason,
        "approvals": approvals_panel(access=access, item=item, policy=policy),
        "qa": qa_panel(access=access, item=item, policy=policy),
        # Other apps' panels (configuration, version control), registered in items.panels.
        "item_panels": item_panels(access=access, item=item),
        "also_in": other_inclusions(item=item, user=access.user),
    }
    context["also_in_keys"] = ", ".join(other.key for other in context["also_in"])
    return context


@require_GET
def item_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    item = item_or_404(access, number)
    return render(request, "items/item_detail.html", _item_context(access, item))


@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
    form = ItemForm(request.POST or None, project=access.project)
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.item_create(access=access, fields=form.cleaned_data)
            except EngineError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Added {key}.").format(key=item.key))
                return redirect(item.get_absolute_url())
        status = 400
    else:
        status = 200
    context = {"access": access, "project": access.project, "form": form, "item": None}
    return render(request, "items/item_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
    item = item_or_404(access, number)
    form = ItemForm(request.POST or None, instance=item, project=access.project)
    version_form = VersionedForm(request.POST or None, initial={"version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and version_form.is_valid():
            try:
                services.item_update(
                    access=access,
                    item_id=item.pk,
                    expected_version=version_form.cleaned_data["version"],
                    fields=form.cleaned_data,
                )
            except EngineError as error:
                messages.error(request, error.message)
                status = error.status_code
            else:
                messages.success(request, _("Saved {key}.").format(key=item.key))
                return redirect("items:detail", code=code, number=number)
        elif not version_form.is_valid():
            messages.error(request, form_error(version_form))
    context = {
        "access": access,
        "project": access.project,
        "form": form,
        "version_form": version_form,
        "item": item,
    }
    return render(request, "items/item_form.html", context, status=status)


@require_POST
def item_delete(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    item = item_or_404(access, number)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render(request, "items/item_detail.html", _item_context(access, item), status=400)
    try:
        key = services.item_delete(
            access=access,
            item_id=item.pk,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except EngineError as error:
        messages.error(request, error.message)
        return render(
            request, "items/item_detail.html", _item_context(access, item), status=error.status_code
        )
    messages.success(request, _("Removed {key}; its journal is kept.").format(key=key))
    return redirect("items:list", code=code)


def render_item_page(
    request: HttpRequest, access: Access, item: ReleaseItem, *, status: int = 200
) -> HttpResponse:
    """The item page, also for other apps' refusals (approvals, QA), so the status says why."""
    return render(request, "items/item_detail.html", _item_context(access, item), status=status)
