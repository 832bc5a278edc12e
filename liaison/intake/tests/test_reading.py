"""Reading files: each kind of file, and each kind of bad input with its own message."""

import datetime as dt
import zipfile

import pytest

from liaison.intake.models import MediaType
from liaison.intake.reading import (
    DamagedFile,
    EmptyFile,
    MalformedHtml,
    NoTextLayer,
    TooLarge,
    UnsupportedType,
    read,
)
from liaison.intake.tests.samples import ARABIC, ENGLISH, docx, pdf


def test_utf8_text_is_read_unchanged_and_titled_by_its_first_line():
    document = read(ARABIC.encode("utf-8"))
    assert document.media_type == MediaType.TEXT
    assert document.text == ARABIC
    assert document.title == ARABIC.splitlines()[0]


def test_utf16_with_a_bom_is_read():
    assert read("\ufeff".encode("utf-16-le") + ARABIC.encode("utf-16-le")).text.lstrip("\ufeff") == ARABIC


def test_windows_1256_arabic_is_read_when_it_is_not_utf8():
    assert read(ARABIC.encode("cp1256")).text == ARABIC


def test_html_loses_its_tags_scripts_and_styles_and_keeps_title_and_date():
    html = (
        "<!DOCTYPE html><html><head><title>زيارة وزير</title>"
        '<meta property="article:published_time" content="2023-11-24T08:00:00+07:00">'
        "<style>p { color: red }</style><script>var secret = 1;</script></head>"
        "<body><h1>عنوان</h1><p>استقبل <b>وزير</b> الخارجية&nbsp;وفداً.</p><p>سطر ثان</p></body></html>"
    )
    document = read(html.encode())
    assert document.media_type == MediaType.HTML
    assert document.text == "عنوان\nاستقبل وزير الخارجية وفداً.\nسطر ثان"
    assert document.title == "زيارة وزير"
    assert document.published_on == dt.date(2023, 11, 24)


def test_malformed_html_still_gives_its_text():
    document = read(b"<html><body><p>The minister <b>met <i>the delegation</p><div>in Hanoi")
    assert document.text == "The minister met the delegation\nin Hanoi"


def test_html_whose_script_is_never_closed_is_refused_clearly():
    with pytest.raises(MalformedHtml, match="<script> element is never closed"):
        read(b"<html><body><script>var a = 1; <p>The minister met the delegation</p>")


def test_docx_paragraphs_and_title_are_read():
    document = read(docx(["First paragraph.", "ثاني فقرة"], title="Report"))
    assert document.media_type == MediaType.DOCX
    assert document.text == "First paragraph.\nثاني فقرة"
    assert document.title == "Report"


def test_a_zip_without_a_word_document_is_not_supported():
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    with pytest.raises(UnsupportedType, match="application/zip"):
        read(buffer.getvalue())


def test_pdf_text_layer_is_read():
    document = read(pdf(ENGLISH))
    assert document.media_type == MediaType.PDF
    assert "Minister of Foreign Affairs" in document.text


def test_pdf_without_a_text_layer_is_refused_as_a_probable_scan():
    with pytest.raises(NoTextLayer, match=r"(?i)this PDF has no text layer; it is probably a scan"):
        read(pdf(None))


def test_a_damaged_pdf_is_refused():
    with pytest.raises(DamagedFile, match="PDF file is damaged"):
        read(b"%PDF-1.7\n" + b"garbage " * 50)


@pytest.mark.parametrize("content", [b"", b"  \n\t "])
def test_an_empty_file_is_refused(content):
    with pytest.raises(EmptyFile, match="The file is empty"):
        read(content)


def test_binary_data_is_refused_as_an_unsupported_type():
    with pytest.raises(UnsupportedType, match="binary file"):
        read(bytes(range(256)) * 4)


def test_an_image_is_refused_with_its_type():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(UnsupportedType, match="image/png"):
        read(png)


def test_a_file_over_the_limit_is_refused_with_the_limit_in_megabytes(settings):
    assert settings.LIAISON_INTAKE_MAX_BYTES == 50 * 1024 * 1024
    with pytest.raises(TooLarge, match="larger than 50 MB"):
        read(b"a" * (50 * 1024 * 1024 + 1))
