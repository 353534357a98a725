"""Search that ignores Vietnamese diacritics and case: "huoi tu", "Huồi Tụ" and "HUỒI TỤ" find
the same records on SQLite and PostgreSQL alike (the text is folded once, when written)."""

import unicodedata


def fold(text: str) -> str:
    """Lower case, without tone marks or letter marks, đ as d, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())
