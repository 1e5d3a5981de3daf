"""What an uploaded document really is, read from its first bytes (never from its name or declared type)."""

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"


def document_type(content: bytes) -> str | None:
    """PDF, JPEG or PNG by their signatures; None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None
