"""`liaison ingest`: folders, a progress bar, a summary, and a non-zero exit when a file is refused."""

from liaison.cli import main
from liaison.intake.models import Document
from liaison.intake.tests.samples import ARABIC, ENGLISH, docx, pdf


def test_a_folder_with_one_bad_file_is_ingested_and_the_bad_file_reported(world, tmp_path, capsys):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ARABIC, encoding="utf-8")
    (folder / "sub" / "b.docx").write_bytes(docx(ENGLISH.splitlines()))
    (folder / "sub" / "scan.pdf").write_bytes(pdf(None))
    (folder / "notes.bin").write_bytes(b"\x00\x01")  # not a supported extension: not looked at
    world.mofa.external_key = "mofa"
    world.mofa.save()

    code = main(["ingest", str(folder), "--owner", "mofa", "--as", "mofa.editor"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Ingested 2, already known 0, refused 1 (of 3)." in out
    assert "scan.pdf: This PDF has no text layer; it is probably a scan." in err
    assert "[##############################] 3/3" in err
    assert Document.objects.count() == 2
    assert set(Document.objects.values_list("ingested_by__username", flat=True)) == {"mofa.editor"}


def test_ingesting_the_same_files_again_reports_them_as_known(world, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text(ARABIC, encoding="utf-8")
    assert main(["ingest", str(path), "--owner", str(world.mofa.pk), "--classification", "public"]) == 0
    assert main(["ingest", str(path), "--owner", str(world.mofa.pk)]) == 0
    assert "Ingested 0, already known 1, refused 0 (of 1)." in capsys.readouterr().out


def test_an_unknown_owner_or_a_user_without_rights_stops_before_anything(world, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text(ARABIC, encoding="utf-8")
    assert main(["ingest", str(path), "--owner", "nowhere"]) == 2
    assert main(["ingest", str(path), "--owner", str(world.mofa.pk), "--as", "mofa.reader"]) == 2
    assert "may not add internal documents" in capsys.readouterr().err
    assert not Document.objects.exists()
