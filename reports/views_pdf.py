"""Pages for official documents: choose, draft (edit the text, see what changed), render in
the background, download. Thin: scope and rules live in selectors_pdf and services_pdf."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.selectors import request_plan, request_scope
from core.text import nfc
from reports import selectors_pdf, services_pdf
from reports.models import DocumentKind, RenderJob
from reports.pdf_data import Kind, document_figures, document_period, figures_changes

FIELD_NAMES = {
    "achieved": gettext_lazy("achieved"),
    "target": gettext_lazy("target"),
    "baseline": gettext_lazy("baseline"),
    "expected": gettext_lazy("Expected by now"),
    "months_submitted": gettext_lazy("monthly reports submitted"),
}


class DocumentForm(forms.Form):
    issuer = forms.ChoiceField(label=gettext_lazy("Issuing agency"))
    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "Leave empty: on issue the register gives the agency's next number of the year. "
            "A number typed here is checked against the register."
        ),
    )
    # ISO value: an <input type=date> shows only "2026-12-01" (pitfalls.md); the localised
    # "01/12/2026" would leave the field empty in the browser.
    issued_on = forms.DateField(
        label=gettext_lazy("Date of issue"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    addressees = forms.CharField(
        label=gettext_lazy("To (Kính gửi), one per line"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("A report to a higher body names it here."),
    )
    narrative = forms.CharField(
        label=gettext_lazy("Summary text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
        required=False,
        help_text=gettext_lazy(
            "Written from the figures; edit it freely. Blank lines separate paragraphs."
        ),
    )
    signatory_deputy_of = forms.CharField(
        label=gettext_lazy("Signs on behalf of (KT.)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            'When a deputy signs, the head\'s title, e.g. "Giám đốc": printed '
            '"KT. GIÁM ĐỐC" above the position. Empty when the head signs.'
        ),
    )
    signatory_title = forms.CharField(
        label=gettext_lazy("Signatory's position"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    signatory_name = forms.CharField(
        label=gettext_lazy("Signatory"), max_length=200, required=False
    )
    co_signatory_deputy_of = forms.CharField(
        label=gettext_lazy("Second signatory signs on behalf of (KT., joint report)"),
        max_length=100,
        required=False,
    )
    co_signatory_title = forms.CharField(
        label=gettext_lazy("Second signatory's position (joint report)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    co_signatory_name = forms.CharField(
        label=gettext_lazy("Second signatory (joint report)"), max_length=200, required=False
    )
    recipients = forms.CharField(
        label=gettext_lazy("Recipients (one per line)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        required=False,
        help_text=gettext_lazy('The last line, "- Lưu: VT, …", is added from the drafting unit.'),
    )
    drafting_unit = forms.CharField(
        label=gettext_lazy("Drafting unit (abbreviation)"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            'Printed in the last line of the recipients, "- Lưu: VT, PV01.". '
            "Empty: the issuing agency's abbreviation."
        ),
    )

    def __init__(self, *args, issuer_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = issuer_choices

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = nfc(value) if name != "narrative" else value.replace("\x00", "")
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services_pdf.WITHDRAWAL_REASON_MAX_LENGTH,
    )


def _plan_or_404(request: HttpRequest):
    plan = request_plan(request)
    if plan is None:
        raise Http404
    return plan


@login_required
@require_safe
def document_index(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    plan = _plan_or_404(request)
    subs = list(selectors_pdf.sub_agreements_for(plan=plan, scope=scope))
    kinds = [(k, label) for k, label in DocumentKind.choices if scope.sees_all or k == "district"]
    return render(
        request,
        "reports/documents/index.html",
        {
            "plan": plan,
            "issued": selectors_pdf.issued_report_list(scope=scope).filter(plan=plan)[:100],
            "kinds": kinds,
            "periods": selectors_pdf.period_choices(
                plan=plan, reported=selectors_pdf.reported_months(plan=plan)
            ),
            "sub_agreements": subs,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_draft(request: HttpRequest) -> HttpResponse:
    """The draft of one document: its figures, what changed since the last issued one, and
    the form for the text, number and signatory. GET parameters choose the document."""
    scope = request_scope(request)
    plan = _plan_or_404(request)
    kind = request.GET.get("kind", Kind.PROVINCIAL)
    if kind not in Kind.CHOICES:
        raise Http404
    period = document_period("plan" if kind == Kind.FINAL else request.GET.get("period"), plan=plan)
    if period is None:
        messages.error(request, _("Choose a valid period."))
        return redirect("pdf:index")
    try:
        sub_id = int(request.GET["sub"]) if kind == Kind.DISTRICT else None
    except (KeyError, ValueError):
        raise Http404 from None
    figures = document_figures(
        kind=kind, plan=plan, period=period, scope=scope, sub_agreement_id=sub_id
    )
    agreement = services_pdf.document_agreement(
        plan=plan, kind=kind, sub_agreement=figures.sub_agreement
    )
    issuer_choices = services_pdf.agencies_for_choice(agreement=agreement)
    previous = selectors_pdf.last_issued(kind=kind, period=period.key, sub_agreement_id=sub_id)
    changes = (
        figures_changes(previous=previous.figures, current=figures.as_dict()) if previous else []
    )
    may_issue = scope.can_review or (
        figures.sub_agreement is not None
        and figures.sub_agreement.org_unit_id in scope.officer_unit_ids
    )
    if request.method == "POST":
        form = DocumentForm(request.POST, issuer_choices=issuer_choices)
        issue = request.POST.get("action") == "issue"
        if form.is_valid():
            try:
                job = services_pdf.render_job_create(
                    user=request.user,
                    scope=scope,
                    plan=plan,
                    kind=kind,
                    period=period.key,
                    sub_agreement_id=sub_id,
                    options=form.cleaned_data,
                    issue=issue,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("pdf:job", pk=job.pk)
    else:
        form = DocumentForm(
            initial=services_pdf.document_defaults(figures=figures), issuer_choices=issuer_choices
        )
    return render(
        request,
        "reports/documents/draft.html",
        {
            "figures": figures,
            "form": form,
            "previous": previous,
            "changes": [
                (what, FIELD_NAMES.get(field, field), before, after)
                for what, field, before, after in changes
            ],
            "unchanged": previous is not None and previous.figures_sha256 == figures.sha256,
            "may_issue": may_issue,
        },
    )


@login_required
@require_safe
def job_status(request: HttpRequest, pk) -> HttpResponse:
    job = selectors_pdf.render_job_get(pk=pk, user_id=request.user.pk)
    # A job whose worker died is failed now, so the page says so instead of waiting forever.
    job = services_pdf.render_job_check(job=job)
    pending = job.status in (RenderJob.Status.QUEUED, RenderJob.Status.RUNNING)
    retry_url = (
        reverse("pdf:draft")
        + "?"
        + urlencode(
            {"kind": job.kind, "period": job.period}
            | ({"sub": job.sub_agreement_id} if job.sub_agreement_id else {})
        )
    )
    return render(
        request,
        "reports/documents/job.html",
        {
            "job": job,
            "pending": pending,
            "interrupted": job.failure
            in (RenderJob.Failure.WORKER_LOST, RenderJob.Failure.NOT_STARTED),
            "retry_url": retry_url,
        },
    )


@login_required
@require_safe
def job_download(request: HttpRequest, pk) -> FileResponse:
    job = selectors_pdf.render_job_get(pk=pk, user_id=request.user.pk)
    if job.status != RenderJob.Status.DONE or not job.draft_file:
        raise Http404
    return _pdf_response(job.draft_file, selectors_pdf.draft_filename(job=job))


@login_required
@require_safe
def issued_download(request: HttpRequest, pk: int) -> FileResponse:
    report = selectors_pdf.issued_report_get(pk=pk, scope=request_scope(request))
    # A withdrawn document still downloads exactly as issued; its name says it is withdrawn.
    return _pdf_response(report.file, selectors_pdf.issued_filename(report=report))


@login_required
@require_POST
def issued_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = selectors_pdf.issued_report_get(pk=pk, scope=scope)  # out of scope: 404
    if not scope.can_review:
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for withdrawing the report."))
        return redirect("pdf:index")
    try:
        services_pdf.issued_report_withdraw(
            report=report, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(number)s has been withdrawn; it stays on record.")
            % {"number": report.number_line},
        )
    return redirect("pdf:index")


def _pdf_response(file, filename: str) -> FileResponse:
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def draft_url(*, kind: str, period: str, sub_id: int | None = None) -> str:
    query = f"?kind={kind}&period={period}"
    if sub_id:
        query += f"&sub={sub_id}"
    return reverse("pdf:draft") + query
