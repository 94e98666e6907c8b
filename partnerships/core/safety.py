import unicodedata
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login or a language switch; anything that could
    leave the site (//evil, https://evil, \\\\evil, javascript:) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# The widest id any of our integer primary keys can hold (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1


def db_id(value: str) -> int:
    """`type=` for request.args.get: a row id, or ValueError (→ the default) when it is not one."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def contains_nul(*texts: str) -> bool:
    return any("\x00" in t for t in texts)


# Control and format characters (a right-to-left override shows a name reversed) and the
# Unicode line and paragraph separators (they break a line where ASCII has none).
_NOT_IN_A_LINE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def is_single_line(text: str) -> bool:
    return not any(unicodedata.category(c) in _NOT_IN_A_LINE for c in text)
