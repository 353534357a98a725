import unicodedata


def nfc(text: str | None) -> str:
    """Vietnamese typed on some keyboards arrives decomposed (NFD); store and compare NFC."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", text).replace("\x00", "").strip()
