"""The documentation site's generated parts, and the protocol notes the code cites.

* every ``docs/protocol.md §N.M`` citation in the code resolves to a heading of the notes
  (and ``§12 QN`` / ``§11 quirk N`` to a row of their tables);
* the Benchmarks page's tables and chart are generated from the committed bench results;
* the reference's docstring tidying turns Sphinx roles and citations into links.
"""

from __future__ import annotations

import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from .snippets import ROOT

DOCS = ROOT / "docs"
PROTOCOL = DOCS / "protocol.md"
#: A section sign, with an optional "Q3" / "quirk 2" / "#2"; citations of RFCs ("RFC 6455 §7.4.1") excepted.
CITATION = re.compile(r"(?<!RFC \d{4} )§(\d+(?:\.\d+)?)\.?(?: (Q\d+)| quirks? (\d+)| #(\d+))?")


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "_build" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cited_sections() -> set[str]:
    """Every section the code, tests and benchmarks cite, as "3.5", "12 Q3", "11 #2"..."""
    cited: set[str] = set()
    for folder in ("mezon_trio", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if "_proto" in path.parts:
                continue
            for ref in CITATION.finditer(path.read_text(encoding="utf-8")):
                section, q, quirk, number = ref[1], ref[2], ref[3], ref[4]
                if q:
                    cited.add(f"{section} {q}")
                elif quirk or number:
                    cited.add(f"{section} #{quirk or number}")
                else:
                    cited.add(section)
    return cited


def _protocol_index() -> set[str]:
    text = PROTOCOL.read_text(encoding="utf-8")
    found = {m[1] for m in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, flags=re.M)}
    section = ""
    for line in text.splitlines():
        heading = re.match(r"^## (\d+)\. ", line)
        if heading:
            section = heading[1]
        row = re.match(r"^\| (Q?\d+) \|", line)
        if row and section in {"11", "12"}:
            key = row[1]
            found.add(f"{section} {key}" if key.startswith("Q") else f"{section} #{key}")
    return found


def test_the_code_cites_protocol_sections() -> None:
    cited = _cited_sections()
    assert {"3.5", "12 Q3", "11 #2", "8.7"} <= cited  # the scan finds the citations it should


def test_every_citation_resolves() -> None:
    missing = sorted(_cited_sections() - _protocol_index())
    assert not missing, f"docs/protocol.md has no section for the citations {missing}"


def test_protocol_notes_are_self_contained() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    assert "shared/" not in text
    assert "PROTOCOL.md" not in text
    assert "## Appendix A." in text


def test_benchmark_tables_and_chart_come_from_the_results() -> None:
    hooks = _hooks()
    doc = hooks.load_results()
    assert doc["rows"], "docs/_build/benchmarks.json has no rows"
    tables = hooks.tables_markdown(doc)
    for row in doc["rows"]:
        assert row["metric"] in tables
    svg = ET.fromstring(hooks.chart_svg(doc))
    bars = [el for el in svg.iter("{http://www.w3.org/2000/svg}rect") if el.get("class") == "bar"]
    drawn = sum(
        hooks._first(row.get(sdk)) is not None
        for row in doc["rows"]
        for sdk in ("ours", "official", "ceiling")
    )
    assert len(bars) == drawn > 0
    widths = [float(b.get("width", "0")) for b in bars]
    assert max(widths) > 10 * min(widths)  # scaled to the values, not all the same length


def test_snapshot_drops_raw_samples(tmp_path: Path) -> None:
    hooks = _hooks()
    source = tmp_path / "latest.json"
    source.write_text(json.dumps({"rows": [], "raw": {"inbound": {}}, "timestamp": "t"}), encoding="utf-8")
    dest = tmp_path / "benchmarks.json"
    hooks.snapshot(source, dest)
    assert json.loads(dest.read_text(encoding="utf-8")) == {"rows": [], "timestamp": "t"}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            "see :class:<code>~mezon_trio.errors.StreamOverflow</code>",
            'see <autoref identifier="mezon_trio.errors.StreamOverflow" optional>'
            "<code>StreamOverflow</code></autoref>",
        ),
        (
            ":meth:<code>Sandbox.wait_for</code>",
            '<autoref identifier="Sandbox.wait_for" optional><code>Sandbox.wait_for</code></autoref>',
        ),
        (
            "(docs/protocol.md §3.8)",
            '(<a href="../../protocol/#38-reconnecting">docs/protocol.md §3.8</a>)',
        ),
    ],
)
def test_reference_tidying(html: str, expected: str) -> None:
    hooks = _hooks()
    anchors = hooks._protocol_anchors(DOCS)
    assert hooks.tidy_reference_html(html, "reference/mezon_trio/", anchors) == expected
