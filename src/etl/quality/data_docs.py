"""GX Data Docs of a run's validations, made readable offline."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from html import escape as html_escape
from pathlib import Path

from etl.quality.gx import GX_LOCK, load_great_expectations, new_context
from etl.quality.suites import SuiteSpec

log = logging.getLogger(__name__)


def build_data_docs(validations: Iterable[tuple[str, dict]], suites: Iterable[SuiteSpec], out_dir: Path, run_id: str) -> None:
    """Render GX Data Docs for `validations` ((batch name, stored result JSON) pairs) into `out_dir`."""
    load_great_expectations()
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.expectation_validation_result import (
        expectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with GX_LOCK:
        context = new_context()
        context.add_data_docs_site("local_site", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        for suite in suites:
            context.suites.add(ExpectationSuite(name=suite.name, expectations=[dict(e) for e in suite.expectations]))
        for batch_name, stored in validations:
            loaded = expectationSuiteValidationResultSchema.load(stored)
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(loaded.suite_name),
                                             RunIdentifier(run_name=run_id), batch_name)
            context.validation_results_store.set(key, loaded)
        context.build_data_docs()
    make_docs_offline(out_dir, [(name, bool(stored.get("success"))) for name, stored in validations], run_id)


_OFFLINE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0;width:100%} td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
th{background:#f2f2f2;text-align:left} .text-success{color:#1a7f37} .text-danger{color:#c62828}
.card{border:1px solid #ddd;border-radius:4px;margin:.75rem 0;padding:.5rem} .nav,.navbar{display:flex;gap:1rem;flex-wrap:wrap}
.fas,.fa{font-style:normal} .fa-check-circle:before{content:"\\2714"} .fa-times:before,.fa-times-circle:before{content:"\\2716"}
.collapse:not(.show){display:block} .d-none{display:none} code,pre{background:#f6f6f6;padding:0 .2rem}
"""
_EXTERNAL_TAG = re.compile(
    r'<link[^>]+href="https?://[^"]*"[^>]*>|<script[^>]+src="https?://[^"]*"[^>]*>\s*</script>'
    r'|<img[^>]+src="https?://[^"]*"[^>]*>', re.I)


def make_docs_offline(site: Path, validations: list[tuple[str, bool]], run_id: str) -> None:
    """Drop the CDN stylesheets and scripts GX links to, inline a small stylesheet, and write a static index.

    GX's own index renders its table with jQuery from a CDN, so offline it is empty; it is kept as gx_index.html.
    """
    if not site.is_dir():
        return
    for page in site.rglob("*.html"):
        html = _EXTERNAL_TAG.sub("", page.read_text(encoding="utf-8"))
        html = html.replace("</head>", f"<style>{_OFFLINE_CSS}</style></head>", 1)
        page.write_text(html, encoding="utf-8")
    if (site / "index.html").exists():
        os.replace(site / "index.html", site / "gx_index.html")
    rows = []
    for page in sorted(site.glob("validations/**/*.html")):
        batch = page.stem
        success = dict(validations).get(batch)
        status = "pass" if success else ("FAIL" if success is False else "?")
        rows.append(f'<tr><td class="{"text-success" if success else "text-danger"}">{status}</td>'
                    f'<td>{html_escape(page.parent.parent.parent.name)}</td>'
                    f'<td><a href="{html_escape(page.relative_to(site).as_posix())}">{html_escape(batch)}</a></td></tr>')
    suites = "".join(f'<li><a href="{html_escape(p.relative_to(site).as_posix())}">{html_escape(p.stem)}</a></li>'
                     for p in sorted(site.glob("expectations/**/*.html")))
    (site / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Data quality, run {html_escape(run_id)}</title>"
        f"<style>{_OFFLINE_CSS}</style></head><body><h1>Data quality of run {html_escape(run_id)}</h1>"
        f"<h2>Validations</h2><table><tr><th>status</th><th>suite</th><th>batch (stage-shard)</th></tr>{''.join(rows)}</table>"
        f"<h2>Expectation suites</h2><ul>{suites}</ul><p><a href='gx_index.html'>GX index (needs network)</a></p>"
        "</body></html>", encoding="utf-8")
