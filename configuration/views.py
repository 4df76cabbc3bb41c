"""The item page's dependencies and configuration items (POST only), and the catalogue."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from configuration import services
from configuration.forms import CatalogueSearchForm, CIAddForm, DependencyAddForm
from configuration.selectors import catalogue_list
from items.engine import EngineError
from items.views import form_error, item_or_404, render_item_page
from projects.access import Access, project_access
from projects.roles import EDIT_ITEMS

CATALOGUE_PAGE = 50

Write = Callable[[Access, int, dict], str]


def _handle(
    request: HttpRequest,
    code: str,
    number: int,
    form_class: type[forms.Form] | None,
    write: Write,
) -> HttpResponse:
    """Check the right (404 outsiders, 403 read-only), validate, write, answer like the item
    page: a refusal renders it with the message and the status that says why."""
    access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
    item = item_or_404(access, number)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, form_error(form))
        return render_item_page(request, access, item, status=400)
    try:
        done = write(access, item.pk, form.cleaned_data if form else {})
    except EngineError as error:
        messages.error(request, error.message)
        return render_item_page(
            request, access, item_or_404(access, number), status=error.status_code
        )
    messages.success(request, done)
    return redirect(f"{item.get_absolute_url()}#dependencies")


def _added(access: Access, item_id: int, data: dict) -> str:
    dependency = services.dependency_add(access=access, item_id=item_id, key=data["key"])
    return _("{key} now depends on {other}.").format(
        key=dependency.item.key, other=dependency.depends_on.key
    )


@require_POST
def dependency_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _handle(request, code, number, DependencyAddForm, _added)


@require_POST
def dependency_remove(request: HttpRequest, code: str, number: int, pk: int) -> HttpResponse:
    def write(access: Access, item_id: int, data: dict) -> str:
        services.dependency_remove(access=access, item_id=item_id, dependency_id=pk)
        return _("Dependency removed.")

    return _handle(request, code, number, None, write)


@require_POST
def ci_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    def write(access: Access, item_id: int, data: dict) -> str:
        services.item_ci_add(
            access=access, item_id=item_id, configuration_item_id=data["configuration_item"]
        )
        return _("Configuration item added.")

    return _handle(request, code, number, CIAddForm, write)


@require_POST
def ci_remove(request: HttpRequest, code: str, number: int, pk: int) -> HttpResponse:
    def write(access: Access, item_id: int, data: dict) -> str:
        services.item_ci_remove(access=access, item_id=item_id, link_id=pk)
        return _("Configuration item removed.")

    return _handle(request, code, number, None, write)


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue of configuration items: read-only for every logged-in user (the
    administrators keep it in the admin)."""
    form = CatalogueSearchForm(request.GET)
    status, query = 200, ""
    if form.is_valid():
        query = form.cleaned_data["q"]
    else:
        status = 400
        messages.error(request, form_error(form))
    # Paginator.get_page reads any odd page number as the nearest page: never a 500.
    page = Paginator(catalogue_list(query=query), CATALOGUE_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "items": page.object_list, "page": page, "query": query}
    return render(request, "configuration/catalogue.html", context, status=status)
