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
