"""A web page read as data: its forms, named fields (with a menu's choices) and the URLs its scripts fetch."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Page(HTMLParser):
    """What a web page holds: its forms, named fields (with a menu's choices) and scripts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms = 0
        self.fields: dict[str, list[str]] = {}
        self.scripts: list[str] = []
        self._menu: str | None = None
        self._option: str | None = None
        self._script = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self.forms += 1
        if tag in ("input", "select", "textarea") and name:
            self.fields[name] = []
            self._menu = name if tag == "select" else None
        if tag == "option" and self._menu:
            self._option = attributes.get("value")
            if self._option is not None:
                self.fields[self._menu].append(self._option)
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._menu = None
        if tag == "option":
            self._option = None
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts.append(data)
        elif self._menu and self._option is None and data.strip():
            self.fields[self._menu].append(data.strip())

    def fetched_urls(self) -> list[str]:
        """The URLs the page's scripts fetch (string literals only)."""
        return re.findall(r"fetch\(\s*[\"'`]([^\"'`]+)[\"'`]", "\n".join(self.scripts))
