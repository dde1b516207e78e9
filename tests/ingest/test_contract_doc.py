"""docs/contract.md describes the contract the code enforces: its source tables
(under `## Sources` for the core, under `## <...> pack` for each domain pack)
list exactly the sources and columns of `contract.py`, each with its type and
required flag, in the same order."""

from __future__ import annotations

import re

from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.settings import REPO_DIR

CONTRACT_DOC = REPO_DIR / "docs" / "contract.md"
_ROW = re.compile(r"^\|(.*)\|\s*$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _ROW.match(line).group(1).split("|")]


def documented_sources(markdown: str) -> dict[str, list[tuple[str, str, bool]]]:
    """{source: [(column, type, required)]} from the tables under `## Sources`
    and the `## ... pack` sections, one `### <source>` heading and table each."""
    sources: dict[str, list[tuple[str, str, bool]]] = {}
    sections = [
        part.split("\n", 1)[1] if "\n" in part else ""
        for part in markdown.split("\n## ")[1:]
        if part.startswith("Sources\n") or part.split("\n", 1)[0].endswith(" pack")
    ]
    current: list[tuple[str, str, bool]] | None = None
    header: list[str] | None = None
    for line in "\n".join(sections).splitlines():
        if line.startswith("### "):
            name = line[4:].split()[0]
            assert name not in sources, f"{name} documented twice"
            current = sources[name] = []
            header = None
        elif _ROW.match(line) and current is not None:
            cells = _cells(line)
            if header is None:
                header = cells
                assert header[:3] == ["column", "type", "required"], header
            elif not set("".join(cells)) <= set("-: "):
                assert cells[2] in ("yes", "no"), line
                current.append((cells[0], cells[1], cells[2] == "yes"))
    return sources


def test_the_contract_doc_lists_every_source_and_column_of_the_code_and_nothing_else():
    documented = documented_sources(CONTRACT_DOC.read_text())
    expected = {
        source.name: [(c.name, c.type, c.required) for c in source.columns]
        for source in SOURCES.values()
    }
    assert list(documented) == list(expected)
    for name, columns in expected.items():
        assert documented[name] == columns, name


def test_the_parser_sees_a_drifted_table():
    """The check above can fail: a flipped flag and an extra source show up."""
    text = CONTRACT_DOC.read_text().replace("| name | text | yes |", "| name | text | no |", 1)
    text += (
        "\n### extra\n\n| column | type | required | rules |\n|---|---|---|---|\n"
        "| x | int | no | |\n"
    )
    documented = documented_sources(text)
    assert documented["workspaces"][1] == ("name", "text", False)
    assert documented["extra"] == [("x", "int", False)]
