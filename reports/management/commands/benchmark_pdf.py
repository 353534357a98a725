"""Time the official documents on the data in the database (the demo, say) and report peak
memory, splitting our own code (figures + HTML) from WeasyPrint's layout and PDF writing.

Times are also given as ratios to a one-page document rendered in the same run, so numbers
from a loaded machine can still be compared."""

import resource
import statistics
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agency, Agreement, Membership
from agreements.selectors import current_plan
from core.scope import UserScope
from reports.narrative import narrative_build
from reports.pdf import DocumentMeta, RenderTimings, Signatory, document_html, html_to_pdf
from reports.pdf_data import Kind, document_figures, document_period

IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import weasyprint; "
    "print(round(time.perf_counter() - t, 2))"
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Command(BaseCommand):
    help = "Time the PDF documents (figures, HTML, WeasyPrint layout and write) and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--quarter", default="2024-Q3")

    def handle(self, *args, repeat: int, quarter: str, **options):
        plan = current_plan()
        if plan is None:
            raise CommandError("No active plan: run load_plan and load_demo first.")
        scope = UserScope(
            user_id=None,
            roles=frozenset({Membership.Role.LEADERSHIP}),
            district_unit_ids=frozenset(),
            officer_unit_ids=frozenset(),
        )
        police = Agency.objects.filter(kind=Agency.Kind.POLICE, org_unit=plan.org_unit).first()
        union = Agency.objects.filter(kind=Agency.Kind.YOUTH_UNION, org_unit=plan.org_unit).first()
        sub = Agreement.objects.filter(parent=plan).order_by("org_unit__name").first()
        district_union = Agency.objects.filter(org_unit=sub.org_unit).first() if sub else None

        rss_start = peak_rss_mib()
        # This process imported WeasyPrint with the URL conf; measure a cold import apart.
        cold = subprocess.run(  # noqa: S603 — our own interpreter, a constant program
            [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True
        )
        self.stdout.write(f"cold import of weasyprint (once per process): {cold.stdout.strip()} s")

        def meta_for(agencies, narrative):
            return DocumentMeta(
                agencies=tuple(a for a in agencies if a),
                number="1",
                narrative=narrative,
                signatories=(Signatory(title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", name="Người ký"),),
                recipients=("- Lưu: VT.",),
            )

        # Baseline: a one-page document (header, one paragraph, signature) in the same run.
        tiny = document_figures(
            kind=Kind.DISTRICT if sub else Kind.PROVINCIAL,
            plan=plan,
            period=document_period(quarter, plan=plan),
            scope=scope,
            sub_agreement_id=sub.pk if sub else None,
        )
        tiny_html = document_html(tiny, meta_for([district_union or police], "Một đoạn văn."))
        baseline = statistics.median(
            self._time(lambda: html_to_pdf(tiny_html)) for _ in range(repeat)
        )
        self.stdout.write(f"baseline (district document, {repeat} runs): {baseline:.2f} s")

        whole_plan = document_period("plan", plan=plan)
        cases = [
            (
                "provincial, quarter " + quarter,
                Kind.PROVINCIAL,
                document_period(quarter, plan=plan),
                None,
                [police],
            ),
            ("provincial, whole plan", Kind.PROVINCIAL, whole_plan, None, [police]),
            ("final review (joint)", Kind.FINAL, whole_plan, None, [police, union]),
            (
                "district, quarter " + quarter,
                Kind.DISTRICT,
                document_period(quarter, plan=plan),
                sub.pk if sub else None,
                [district_union],
            ),
        ]
        header = (
            f"{'document':<34}{'pages':>6}{'figures':>9}{'html':>7}{'layout':>8}{'write':>7}"
            f"{'total':>8}{'ours %':>8}{'× base':>8}{'peak MiB':>10}"
        )
        self.stdout.write(header)
        for label, kind, period, sub_id, agencies in cases:
            rows = []
            for _ in range(repeat):
                timings = RenderTimings()
                t0 = time.perf_counter()
                figures = document_figures(
                    kind=kind, plan=plan, period=period, scope=scope, sub_agreement_id=sub_id
                )
                narrative = narrative_build(figures)
                figures_seconds = time.perf_counter() - t0
                t1 = time.perf_counter()
                html = document_html(figures, meta_for(agencies, narrative))
                timings.html_seconds = time.perf_counter() - t1
                html_to_pdf(html, timings=timings)
                rows.append((figures_seconds, timings))
            figures_s = statistics.median(r[0] for r in rows)
            html_s = statistics.median(r[1].html_seconds for r in rows)
            layout_s = statistics.median(r[1].layout_seconds for r in rows)
            write_s = statistics.median(r[1].write_seconds for r in rows)
            total = figures_s + html_s + layout_s + write_s
            ours = (figures_s + html_s) / total * 100
            self.stdout.write(
                f"{label:<34}{rows[0][1].pages:>6}{figures_s:>9.2f}{html_s:>7.2f}"
                f"{layout_s:>8.2f}{write_s:>7.2f}{total:>8.2f}{ours:>7.1f}%"
                f"{total / baseline:>8.1f}{peak_rss_mib():>10.0f}"
            )
        self.stdout.write(
            f"peak RSS: {rss_start:.0f} MiB before, {peak_rss_mib():.0f} MiB after "
            f"{repeat * (len(cases) + 1)} renders in one process"
        )

    @staticmethod
    def _time(action) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started
