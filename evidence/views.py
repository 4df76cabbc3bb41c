import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from evidence.selectors import seal_export, seal_latest

ONLY_SUPERUSERS = "Only administrators can export the journal's seal."


@require_GET
def seal_json(request: HttpRequest) -> HttpResponse:
    """The latest seal (digest, root, signature) and the public key, to keep outside the
    database: a later journal_verify --expect DIGEST proves nothing before it was rewritten."""
    if not request.user.is_superuser:
        raise PermissionDenied(ONLY_SUPERUSERS)
    document = seal_export(seal=seal_latest())
    number = document["seal"]["number"] if document["seal"] else 0
    response = HttpResponse(json.dumps(document, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="journal-seal-{number}.json"'
    return response
