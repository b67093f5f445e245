"""mkdocs hooks: the Benchmarks page's tables and chart, generated from a bench run.

The page ``docs/benchmarks.md`` holds placeholders that this hook fills at build time
from ``docs/_build/benchmarks.json`` (a copy of a ``python -m bench`` result without its
raw samples):

* ``<!-- bench:environment -->``: when and where the numbers were measured;
* ``<!-- bench:tables -->``: one Markdown table per scenario;
* the chart ``img/benchmarks.svg`` is drawn here as plain SVG (no plotting library).

It also tidies the API reference rendered from the docstrings: Sphinx roles
(``:class:`~mezon_trio.errors.MezonError```) become cross-references, and the code's
citations ``docs/protocol.md §N.M`` become links into the protocol notes.

Refresh the numbers after a full run with::

    python -m bench
    python docs/_build/hooks.py snapshot bench/results/latest.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "benchmarks.json"
CHART = "img/benchmarks.svg"
SDKS = (
    ("ours", "mezon-trio", "#3f51b5"),
    ("official", "official SDK", "#ef6c00"),
    ("ceiling", "ceiling", "#9e9e9e"),
)


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The committed bench document (``rows``, ``config``, ``environment``, ``timestamp``)."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def snapshot(source: Path, dest: Path = RESULTS) -> None:
    """Copy a bench result document to *dest*, without its raw samples."""
    doc = json.loads(source.read_text(encoding="utf-8"))
    doc.pop("raw", None)
    dest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return " / ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def _verdict(passed: bool | None) -> str:
    return {True: "met", False: "not met", None: "—"}[passed]


def tables_markdown(doc: dict[str, Any]) -> str:
    """One table per scenario: metric, the three columns, ratios, target and whether it was met."""
    out: list[str] = []
    scenarios: dict[str, list[dict[str, Any]]] = {}
    for row in doc["rows"]:
        scenarios.setdefault(row["scenario"], []).append(row)
    for scenario, rows in scenarios.items():
        out.append(f"### {scenario}\n")
        out.append("| Metric | Unit | mezon-trio | official SDK | ceiling | Ratios | Target | Met |")
        out.append("|---|---|---|---|---|---|---|---|")
        for row in rows:
            ratios = ", ".join(f"{k} {_fmt(v)}" for k, v in row.get("ratios", {}).items())
            out.append(
                f"| {row['metric']} | {row['unit']} | {_fmt(row['ours'])} | {_fmt(row['official'])} "
                f"| {_fmt(row['ceiling'])} | {ratios or '—'} | {row['target']} | {_verdict(row['passed'])} |"
            )
        notes = sorted({n for row in rows for n in row.get("notes", [])})
        if notes:
            out.append("")
            out.extend(f"* {escape(n)}" for n in notes)
        out.append("")
    return "\n".join(out)


def environment_markdown(doc: dict[str, Any]) -> str:
    env = doc.get("environment", {})
    cfg = doc.get("config", {})
    parts = [
        f"Run `{doc.get('timestamp', '?')}`",
        f"Python {env.get('python', '?')}",
        "official SDK in its own Python 3.13 environment"
        if env.get("official_python")
        else "official SDK not run",
        f"{env.get('cpus', '?')} CPUs",
        f"{cfg.get('reps', '?')} repetitions (medians shown)",
    ]
    if doc.get("official_skipped"):
        parts.append(f"official SDK skipped: {doc['official_skipped']}")
    if doc.get("quick"):
        parts.append("**quick run (tiny sizes, not representative)**")
    return "; ".join(parts) + "."


def _first(value: Any) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return float(value) if isinstance(value, (int, float)) else None


def chart_svg(doc: dict[str, Any]) -> str:
    """A horizontal bar chart: one group per table row, one bar per SDK, scaled per row.

    For rows with two numbers (p50 / p99, peak / growth) the first one is drawn.
    """
    rows = [r for r in doc["rows"] if any(_first(r.get(sdk)) is not None for sdk, _, _ in SDKS)]
    width, label_w, bar_h, gap = 800, 330, 16, 16
    plot_w = width - label_w - 90
    height = 40 + sum(gap + bar_h * sum(_first(r.get(s)) is not None for s, _, _ in SDKS) for r in rows) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    x = label_w
    for _sdk, name, color in SDKS:
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="18">{escape(name)}</text>')
        x += 130
    y = 40
    for row in rows:
        values = [(name, color, _first(row.get(sdk))) for sdk, name, color in SDKS]
        present = [(n, c, v) for n, c, v in values if v is not None]
        top = max(v for _, _, v in present) or 1.0
        group_h = bar_h * len(present)
        metric = str(row["metric"]).split(" / ")[0] if isinstance(row.get("ours"), list) else row["metric"]
        unit = str(row["unit"]).split(" / ")[0]
        mid = y + group_h / 2
        parts.append(
            f'<text x="{label_w - 8}" y="{mid - 2:.0f}" text-anchor="end" font-weight="bold">'
            f"{escape(row['scenario'])}</text>"
        )
        label = escape(f"{metric} ({unit})"[:52])
        parts.append(f'<text x="{label_w - 8}" y="{mid + 12:.0f}" text-anchor="end">{label}</text>')
        for _name, color, value in present:
            w = max(1.0, plot_w * value / top)
            parts.append(
                f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" '
                f'height="{bar_h - 3}" fill="{color}"/>'
            )
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 5}">{escape(_fmt(value))}</text>')
            y += bar_h
        y += gap
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- docstring tidying

_ROLE = re.compile(r":(?:class|meth|func|mod|attr|data|exc|obj):<code>(~?)([\w.]+)(\(\))?</code>")
_CITATION = re.compile(r"docs/protocol\.md (§(\d+)(?:\.(\d+))?)")
_HEADING = re.compile(r"^#{2,3} ((\d+)(?:\.(\d+))?\.? .*)$", re.M)


def _protocol_anchors(docs_dir: Path) -> dict[tuple[str, str | None], str]:
    """(section, subsection) -> the anchor mkdocs gives that heading of protocol.md."""
    from markdown.extensions.toc import slugify

    text = (docs_dir / "protocol.md").read_text(encoding="utf-8")
    return {(m[2], m[3]): slugify(m[1], "-") for m in _HEADING.finditer(text)}


def tidy_reference_html(html: str, page_url: str, anchors: dict[tuple[str, str | None], str]) -> str:
    """Sphinx roles -> autorefs cross-references; protocol citations -> links."""

    def role(m: re.Match[str]) -> str:
        short, target, call = m[1], m[2], m[3] or ""
        shown = target.rsplit(".", 1)[-1] if short else target
        return f'<autoref identifier="{target}" optional><code>{shown}{call}</code></autoref>'

    prefix = "../" * page_url.count("/")

    def cite(m: re.Match[str]) -> str:
        anchor = anchors.get((m[2], m[3])) or anchors.get((m[2], None))
        if anchor is None:
            return m[0]
        return f'<a href="{prefix}protocol/#{anchor}">docs/protocol.md {m[1]}</a>'

    return _CITATION.sub(cite, _ROLE.sub(role, html))


# ---------------------------------------------------------------- mkdocs hooks


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == "protocol.md":
        return html
    return tidy_reference_html(html, page.url, _protocol_anchors(Path(config["docs_dir"])))


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, CHART, content=chart_svg(load_results())))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- bench:" not in markdown:
        return markdown
    doc = load_results()
    return markdown.replace("<!-- bench:tables -->", tables_markdown(doc)).replace(
        "<!-- bench:environment -->", environment_markdown(doc)
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "snapshot":
        snapshot(Path(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
