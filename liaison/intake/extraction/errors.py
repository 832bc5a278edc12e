"""Why a document cannot be read: each with a message a person can act on."""


class ExtractionError(ValueError):
    """A document that extraction refuses."""


class EmptyDocument(ExtractionError):
    def __init__(self) -> None:
        super().__init__("The document is empty: it has no text to read.")


class BinaryDocument(ExtractionError):
    def __init__(self, detail: str = "") -> None:
        message = "The document is not text (it looks like a binary file)"
        super().__init__(f"{message}: {detail}." if detail else f"{message}.")


class UnsupportedLanguage(ExtractionError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"The document's language is not supported (Arabic, English, Vietnamese): {detail}.")
        self.detail = detail
