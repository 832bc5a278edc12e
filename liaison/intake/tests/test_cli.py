"""The `liaison extract` and `liaison evaluate-extraction` commands."""

import json

from liaison.cli import main
from liaison.intake.extraction.evaluation import GOLD_DIR

ARTICLE = GOLD_DIR / "003_ea5c12d83a8a99f6.txt"


def test_extract_prints_proposals_as_json_with_spans_into_the_file(capsys):
    assert main(["extract", str(ARTICLE), "--date", "2023-12-22"]) == 0
    output = json.loads(capsys.readouterr().out)
    text = ARTICLE.read_text(encoding="utf-8")
    assert output["language"] == "ar"
    assert {p["type"] for p in output["proposals"]} >= {
        "person",
        "organisation",
        "place",
        "date",
        "figure",
        "event",
    }
    for proposal in output["proposals"]:
        start, end = proposal["span"]
        assert text[start:end] == proposal["surface"]
        assert 0 < proposal["confidence"] <= 1
    people = [p for p in output["proposals"] if p["type"] == "person"]
    assert people[0]["value"]["entry"] == "tran-luu-quang"


def test_extract_refuses_binary_empty_and_unsupported_files(tmp_path, capsys):
    cases = {
        "binary.pdf": b"%PDF-1.4\x00\x00\x01",
        "empty.txt": b"",
        "german.txt": b"Der Aussenminister eroeffnete gestern die Konferenz der Botschafter.",
    }
    messages = {}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert main(["extract", str(path)]) == 2
        messages[name] = capsys.readouterr().err
    assert "not text" in messages["binary.pdf"]
    assert "empty" in messages["empty.txt"]
    assert "not supported" in messages["german.txt"]


def test_extract_reports_a_missing_file(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nothing.txt")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_evaluate_extraction_prints_a_line_per_type(capsys):
    assert main(["evaluate-extraction", "--language", "ar"]) == 0
    out = capsys.readouterr().out
    assert "5 documents" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert set(rows) == {"person", "organisation", "place", "date", "figure", "document_ref", "event"}
    assert float(rows["person"][2]) >= 0.9


def test_evaluate_extraction_without_gold_files_fails_clearly(tmp_path, capsys):
    assert main(["evaluate-extraction", "--gold", str(tmp_path)]) == 2
    assert "No gold files" in capsys.readouterr().err
