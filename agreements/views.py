from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from agreements.documents import agreement_document_get
from agreements.selectors import request_scope


@login_required
@require_GET
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed PDF, for users who may read the agreement. Media files are never served
    from /media/: this view is the only way to them."""
    agreement = agreement_document_get(pk=pk, scope=request_scope(request))
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = f"{agreement.code}{PurePosixPath(agreement.document.name).suffix or '.pdf'}"
    response = FileResponse(handle, content_type="application/pdf", filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
