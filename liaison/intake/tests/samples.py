"""Sample files of every kind intake reads, built in memory."""

import io
import zipfile

ARABIC = (
    "استقبل وزيرُ الخارجيّة بوي ثانه سون في هانوي يوم 24 نوفمبر 2023 وفداً من مصر.\n"
    "وأكد الجانبان على أهمية تعزيز التعاون بين البلدين في مجالات الاقتصاد والتجارة والاستثمار.\n"
    "وقد شارك في اللقاء ما يقرب من 50 مندوباً من الوزارات المختلفة.\n"
)
ENGLISH = (
    "The Minister of Foreign Affairs received a delegation from Egypt in Hanoi on 24 November 2023.\n"
    "The two sides agreed to strengthen cooperation in trade and investment.\n"
)


def docx(paragraphs: list[str], *, title: str = "") -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t xml:space='preserve'>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", f"<w:document xmlns:w='{ns}'><w:body>{body}</w:body></w:document>"
        )
        if title:
            archive.writestr(
                "docProps/core.xml",
                "<cp:coreProperties xmlns:cp='http://schemas.openxmlformats.org/package/2006/metadata/"
                f"core-properties' xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:title>{title}</dc:title>"
                "</cp:coreProperties>",
            )
    return buffer.getvalue()


def pdf(text: str | None) -> bytes:
    """A one-page PDF with `text` in its text layer, or (None) with only a drawing: like a scan."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    if text is None:
        document.rect(20, 20, 100, 60, style="F")
    else:
        document.set_font("helvetica", size=11)
        document.multi_cell(0, 6, text)
    return bytes(document.output())
