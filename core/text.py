import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def nfc(text: str | None) -> str:
    """Vietnamese typed on some keyboards arrives decomposed (NFD); store and compare NFC."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", text).replace("\x00", "").strip()


# Vietnamese letters with a breve, circumflex or horn sort after the bare letter (a < ă < â,
# o < ô < ơ, u < ư), đ after d; tone marks only break ties.
_LETTER_MARKS = {"\u0306": "{", "\u0302": "|", "\u031b": "}"}


def vietnamese_key(name: str) -> tuple[str, str]:
    """Vietnamese alphabetical order (the database's binary order would put "Đô Lương"
    after "Yên Thành"). The one collation for unit names wherever they are listed."""
    letters = []
    for char in unicodedata.normalize("NFD", name.lower()):
        if char == "đ":
            letters.append("d{")
        elif char in _LETTER_MARKS:
            letters.append(_LETTER_MARKS[char])
        elif not unicodedata.combining(char):
            letters.append(char)
    return ("".join(letters), name)


def by_unit_name(items: Iterable[T], *, unit: Callable[[T], str] | None = None) -> list[T]:
    """Items (sub-agreements by default, through ``org_unit.name``) in Vietnamese order of
    their unit's name."""
    name_of = unit or (lambda item: item.org_unit.name)
    return sorted(items, key=lambda item: vietnamese_key(name_of(item)))


def ascii_slug(name: str) -> str:
    """ "Huyện Anh Sơn" → "huyen-anhson", "Xã Anh Sơn Đông" → "xa-anhsondong": the level
    word, then the name without marks or spaces (for demo log-in names and file names)."""
    folded = "".join(
        char
        for char in unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
        if not unicodedata.combining(char)
    )
    words = folded.split()
    for length in (2, 1):  # "thanh pho", "thi xa" are two words; "huyen", "xa", "phuong" one
        if " ".join(words[:length]) in ("thanh pho", "thi xa", "huyen", "xa", "phuong"):
            level = "".join(words[:length])
            return f"{level}-{''.join(words[length:])}"
    return "".join(words)
