"""My work, the search and the items list's saved filters. Thin: parse, call one read or
write, render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from items.engine import EngineError
from items.views import form_error, render_list_page
from projects.access import project_access
from workplace import services
from workplace.forms import SavedFilterForm, SearchForm
from workplace.selectors import item_for_key, items_search, my_work

NO_SUCH_KEY = gettext_lazy("No item {key} that you may see: showing what the search finds instead.")


@require_GET
def my_work_page(request: HttpRequest) -> HttpResponse:
    return render(request, "workplace/my_work.html", {"work": my_work(user=request.user)})


@require_GET
def my_work_badge(request: HttpRequest) -> HttpResponse:
    """The header's count, fetched after the page (htmx) so no page pays for it."""
    work = my_work(user=request.user)
    return render(request, "workplace/_badge.html", {"owed": work.owed})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render(request, "workplace/search.html", {"form": form}, status=400)
    text = form.cleaned_data["q"]
    if not text:
        return render(request, "workplace/search.html", {"form": form})
    item = item_for_key(user=request.user, text=text)
    if item is not None:
        return redirect(item.get_absolute_url())
    page = items_search(user=request.user, text=text, page=request.GET.get("page", 1))
    return render(
        request,
        "workplace/search.html",
        {"form": form, "text": text, "page": page, "query": request.GET.copy()},
    )


def _back_to_list(code: str, query: str = "") -> HttpResponse:
    url = reverse("items:list", kwargs={"code": code})
    return redirect(f"{url}?{query}" if query else url)


@require_POST
def saved_filter_create(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render_list_page(request, access, status=400)
    data = form.cleaned_data
    try:
        services.saved_filter_create(access=access, name=data["name"], query=data["query"])
    except EngineError as error:
        messages.error(request, error.message)
        return render_list_page(request, access, status=error.status_code)
    messages.success(request, _("Saved the filter “%(name)s”.") % {"name": data["name"]})
    return _back_to_list(code, data["query"])


@require_POST
def saved_filter_delete(request: HttpRequest, code: str, filter_id: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    saved = services.saved_filter_delete(access=access, filter_id=filter_id)
    messages.success(request, _("Deleted the saved filter “%(name)s”.") % {"name": saved.name})
    return _back_to_list(code)
