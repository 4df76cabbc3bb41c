"""Item import pages: upload, preview, confirm. Views parse the request, call one selector or
service, render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from imports.forms import ConfirmForm, UploadForm
from imports.selectors import ImportPlan, import_plan
from imports.services import ImportRefused, items_import
from imports.tokens import TokenError, Upload, upload_from_token, upload_token
from imports.uploads import MAX_UPLOAD_BYTES, TOO_BIG, UploadError, sheet_read, upload_format
from projects.access import Access, project_access
from projects.roles import EDIT_ITEMS, MOVE_ANY

TEMPLATE = "imports/item_import.html"


def _page(
    request: HttpRequest,
    access: Access,
    *,
    form: UploadForm | None = None,
    plan: ImportPlan | None = None,
    upload: Upload | None = None,
    status: int = 200,
) -> HttpResponse:
    token = ""
    if plan is not None and upload is not None and not plan.has_errors:
        token = upload_token(
            upload_name=upload.file_name,
            file_format=upload.file_format,
            content=upload.content,
            plan_digest=plan.digest,
            user_id=access.user.pk,
            code=access.project.code,
        )
    context = {
        "access": access,
        "project": access.project,
        "form": form or UploadForm(),
        "plan": plan,
        "file_name": upload.file_name if upload else "",
        "confirm": ConfirmForm(initial={"token": token}) if token else None,
        "can_set_state": access.can(MOVE_ANY),
    }
    return render(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
def item_import(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the upload form. POST: the preview of the uploaded file; nothing is written."""
    access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
    if request.method == "GET":
        return _page(request, access)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, access, form=form, status=400)
    uploaded = form.cleaned_data["file"]
    try:
        file_format = upload_format(uploaded.name)
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise UploadError(TOO_BIG.format(limit=MAX_UPLOAD_BYTES // 1024))
        content = uploaded.read()
        sheet = sheet_read(content=content, file_format=file_format)
    except UploadError as error:
        messages.error(request, error.message)
        return _page(request, access, form=form, status=400)
    plan = import_plan(access=access, sheet=sheet)
    upload = Upload(
        file_name=uploaded.name, file_format=file_format, content=content, plan_digest="", nonce=""
    )
    return _page(
        request, access, form=form, plan=plan, upload=upload, status=400 if plan.has_errors else 200
    )


@require_POST
def item_import_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Write the previewed import, all rows or none."""
    access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Nothing to import: upload a file first."))
        return _page(request, access, status=400)
    try:
        upload = upload_from_token(
            token=form.cleaned_data["token"], user_id=request.user.pk, code=code
        )
        result = items_import(access=access, upload=upload)
    except (TokenError, UploadError) as error:
        messages.error(request, error.message)
        return _page(request, access, status=400)
    except ImportRefused as refusal:
        messages.error(request, refusal.message)
        return _page(request, access, plan=refusal.plan, upload=upload, status=refusal.status_code)
    messages.success(
        request,
        gettext(
            "Imported {file} (import #{number}): {created} created, {updated} updated, "
            "{moved} moved."
        ).format(
            file=result.receipt.file_name,
            number=result.receipt.pk,
            created=result.created,
            updated=result.updated,
            moved=result.moved,
        ),
    )
    return redirect("items:list", code=code)
