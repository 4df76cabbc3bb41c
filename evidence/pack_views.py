"""Downloading a release's evidence pack: JSON, printable HTML and PDF of the same content, and
the pack's JSON Schema (docs/EVIDENCE.md "The evidence pack"). Every download is journaled
(evidence.audit_log): who read which release's evidence, when and from where."""

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from evidence.audit_log import evidence_view_record
from evidence.pack import pack_build, pack_serialise, pack_unsealed
from evidence.services import journal_seal
from projects.access import Access, project_access

PACK_FORBIDDEN = gettext_noop(
    "Only the release's managers and auditors can download its evidence pack."
)
SCHEMA_FILE = Path(__file__).parent / "schema" / "pack-v1.json"
PRINT_STYLESHEET = "css/evidence-print.css"


def pack_may_download(*, access: Access) -> bool:
    """Release managers of the release and administrators (MANAGE), and auditors (every
    release; projects/auditors.py)."""
    return access.can_manage or access.is_auditor


def _pack_access(request: HttpRequest, code: str) -> Access:
    access = project_access(user=request.user, code=code)  # outsiders: 404
    if not pack_may_download(access=access):
        raise PermissionDenied(_(PACK_FORBIDDEN))
    return access


def _pack(access: Access) -> dict[str, Any]:
    """The pack, every row in it sealed: rows still waiting for the sealer (a few seconds in
    production) are sealed first, as the sealer would; a row it could not seal stays listed
    under "unsealed"."""
    pack = pack_build(project=access.project)
    unsealed = pack_unsealed(pack=pack)
    if unsealed:
        journal_seal(rows=unsealed)
        pack = pack_build(project=access.project)
    return pack


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def pack_json(request: HttpRequest, code: str) -> HttpResponse:
    access = _pack_access(request, code)
    body = pack_serialise(pack=_pack(access))
    evidence_view_record(project=access.project, what="pack.json", request=request)
    response = HttpResponse(body, content_type="application/json")
    return _attachment(response, f"{code}-evidence-pack.json")


@require_GET
def pack_html(request: HttpRequest, code: str) -> HttpResponse:
    access = _pack_access(request, code)
    context = {"pack": _pack(access), "project": access.project, "printable": False}
    evidence_view_record(project=access.project, what="pack.html", request=request)
    return HttpResponse(render_to_string("evidence/pack.html", context, request=request))


@require_GET
def pack_pdf(request: HttpRequest, code: str) -> HttpResponse:
    access = _pack_access(request, code)
    # Imported here: WeasyPrint loads Pango and friends, which only this view needs.
    from weasyprint import CSS, HTML, URLFetcher

    context = {"pack": _pack(access), "project": access.project, "printable": True}
    html = render_to_string("evidence/pack.html", context)
    stylesheet = CSS(string=Path(finders.find(PRINT_STYLESHEET)).read_text())
    # No fetching: the document carries everything it shows, and fetches nothing it names.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    body = document.write_pdf(stylesheets=[stylesheet])
    evidence_view_record(project=access.project, what="pack.pdf", request=request)
    response = HttpResponse(body, content_type="application/pdf")
    return _attachment(response, f"{code}-evidence-pack.pdf")


@login_not_required
@require_GET
def pack_schema(request: HttpRequest) -> FileResponse:
    """The pack's JSON Schema, public: an auditor checks a pack without an account."""
    return FileResponse(SCHEMA_FILE.open("rb"), content_type="application/schema+json")
