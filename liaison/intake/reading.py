"""Reading a file: its type recognised from the content, its text, title and date.

Plain text (UTF-8, UTF-16 with a BOM, else Windows-1256 for Arabic), HTML (tags, scripts and
styles dropped; the standard library's lenient parser), Word .docx (the XML of the zip, standard
library only) and PDF (its text layer, through pypdf). Every refusal is a `ReadingError` with a
message a person can act on. No Django here except the size limit's setting.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final
from xml.etree import ElementTree

import filetype  # type: ignore[import-untyped]
from django.conf import settings

from liaison.intake.models import MediaType

_ARABIC_LETTER: Final = re.compile("[\u0621-\u064a]")
_HTML_START: Final = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|article|section|h[1-6]|span|br)\b", re.IGNORECASE
)
_BLOCKS: Final = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "caption",
    ]
)
_SKIPPED: Final = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})
_DOCX_NS: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A .docx's XML may be far larger than the file; beyond this it is refused (a zip bomb).
_DOCX_MAX_XML: Final = 200 * 1024 * 1024


class ReadingError(ValueError):
    """A file intake refuses, with the reason."""


class EmptyFile(ReadingError):
    def __init__(self, detail: str = "it has no text") -> None:
        super().__init__(f"The file is empty: {detail}.")


class TooLarge(ReadingError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The file is larger than {limit_label(limit)}, the largest accepted.")


class UnsupportedType(ReadingError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"This type of file is not supported ({detail}). Accepted: text, HTML, Word (.docx) and PDF."
        )


class NoTextLayer(ReadingError):
    def __init__(self) -> None:
        super().__init__("This PDF has no text layer; it is probably a scan.")


class MalformedHtml(ReadingError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"The HTML could not be read: {detail}.")


class DamagedFile(ReadingError):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"The {kind} file is damaged or unreadable: {detail}.")


def limit_label(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} bytes"


@dataclass(frozen=True, slots=True)
class ReadDocument:
    media_type: str
    text: str
    title: str = ""
    published_on: dt.date | None = None


def read(content: bytes, *, name: str = "") -> ReadDocument:
    """The text of a file, its type recognised from the content (never from `name`)."""
    limit: int = settings.LIAISON_INTAKE_MAX_BYTES
    if len(content) > limit:
        raise TooLarge(limit)
    if not content.strip():
        raise EmptyFile("it has no content" if not content else "it holds only white space")
    media_type = sniff(content)
    if media_type == MediaType.PDF:
        document = _read_pdf(content)
    elif media_type == MediaType.DOCX:
        document = _read_docx(content)
    else:
        text = decode_text(content)
        document = _read_html(text) if media_type == MediaType.HTML else _read_text(text)
    if not document.text.strip():
        raise EmptyFile()
    return document


def sniff(content: bytes) -> str:
    """The media type, from the first bytes: filetype's signatures, else text or HTML."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        if kind.mime == "application/pdf":
            return MediaType.PDF
        if kind.mime == MediaType.DOCX:
            return MediaType.DOCX
        if kind.mime == "application/zip" and _is_docx(content):
            return MediaType.DOCX
        raise UnsupportedType(f"it is {kind.mime}")
    if content.startswith(b"%PDF"):
        return MediaType.PDF
    head = decode_text(content[:4096], partial=True)
    if _HTML_START.search(head.lstrip()[:1024]) and head.lstrip().startswith("<"):
        return MediaType.HTML
    return MediaType.TEXT


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def decode_text(data: bytes, *, partial: bool = False) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1256 when that gives Arabic text.

    `partial`: `data` is the start of a file, perhaps cut inside a character."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16", errors="ignore" if partial else "strict")
        except UnicodeDecodeError:
            raise UnsupportedType("it is neither UTF-8 nor valid UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise UnsupportedType("it is a binary file: it contains NUL bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if partial and error.start >= len(data) - 4:
            text = data[: error.start].decode("utf-8-sig")
        else:
            text = _decode_cp1256(data)
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(3, len(text[:8192]) // 100):
        raise UnsupportedType("it is a binary file: it is full of control characters")
    return text


def _decode_cp1256(data: bytes) -> str:
    text = data.decode("cp1256", errors="replace")
    letters = [c for c in text[:20000] if c.isalpha()]
    arabic = sum(1 for c in letters if _ARABIC_LETTER.match(c))
    if "\ufffd" in text or not letters or arabic / len(letters) < 0.3:
        raise UnsupportedType("it is not text in UTF-8, UTF-16 or Windows-1256 (Arabic)")
    return text


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return ""


def _read_text(text: str) -> ReadDocument:
    return ReadDocument(media_type=MediaType.TEXT, text=text, title=_first_line(text))


class _HtmlText(HTMLParser):
    """Text of an HTML page: one line per block element; scripts, styles and the head dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.title: list[str] = []
        self.heading: list[str] = []
        self.in_title = False
        self.in_h1 = False
        self.published = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and values.get("property", values.get("name", "")).lower() in (
            "article:published_time",
            "date",
            "dc.date",
            "pubdate",
        ):
            self.published = self.published or values.get("content", "")
        elif tag == "time" and values.get("datetime"):
            self.published = self.published or values["datetime"]
        if tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        if tag in _SKIPPED:
            self.skipping.append(tag)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skipping:
            return
        if self.in_h1:
            self.heading.append(data)
        self.parts.append(data)


def _read_html(html: str) -> ReadDocument:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError) as error:  # the parser's own complaints
        raise MalformedHtml(str(error) or "the parser gave up") from error
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = "\n".join(line for line in lines if line)
    if not text:
        if parser.skipping:
            raise MalformedHtml(f"a <{parser.skipping[-1]}> element is never closed, so no text is left")
        raise EmptyFile("the page has no text outside its markup")
    title = " ".join("".join(parser.title).split()) or " ".join("".join(parser.heading).split())
    return ReadDocument(
        media_type=MediaType.HTML,
        text=text,
        title=title[:500] or _first_line(text),
        published_on=_date(parser.published),
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None


def _read_docx(content: bytes) -> ReadDocument:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > _DOCX_MAX_XML:
                raise DamagedFile("Word", "its text is implausibly large")
            root = ElementTree.fromstring(archive.read(info))  # noqa: S314 - expat refuses entity expansion bombs
            title = _docx_title(archive)
    except KeyError:
        raise DamagedFile("Word", "it has no word/document.xml") from None
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError) as error:
        raise DamagedFile("Word", str(error)) from error
    paragraphs = []
    for paragraph in root.iter(f"{_DOCX_NS}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_DOCX_NS}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_DOCX_NS}tab":
                pieces.append("\t")
            elif node.tag in (f"{_DOCX_NS}br", f"{_DOCX_NS}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    text = "\n".join(paragraphs).strip("\n")
    return ReadDocument(media_type=MediaType.DOCX, text=text, title=title or _first_line(text))


def _docx_title(archive: zipfile.ZipFile) -> str:
    try:
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))  # noqa: S314
    except (KeyError, ElementTree.ParseError):
        return ""
    for node in core.iter("{http://purl.org/dc/elements/1.1/}title"):
        return (node.text or "").strip()[:500]
    return ""


def _read_pdf(content: bytes) -> ReadDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        encrypted = reader.is_encrypted
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise DamagedFile("PDF", str(error) or type(error).__name__) from error
    if encrypted:
        raise DamagedFile("PDF", "it is encrypted")
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = reader.metadata
        title = str(metadata.get("/Title") or "").strip() if metadata is not None else ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise DamagedFile("PDF", str(error) or type(error).__name__) from error
    # Arabic in PDFs is often written in presentation forms; NFKC gives the letters back.
    text = unicodedata.normalize("NFKC", "\n\n".join(p.strip("\n") for p in pages)).strip()
    if not any(c.isalnum() for c in text):
        raise NoTextLayer()
    return ReadDocument(media_type=MediaType.PDF, text=text, title=title[:500] or _first_line(text))
