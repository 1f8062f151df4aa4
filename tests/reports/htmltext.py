"""Read a rendered page like a person does: the text of the element with a given data-testid.

Elements are separated by a space, as a browser lays out table cells and blocks; runs of
whitespace become one space.
"""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TestIdText(HTMLParser):
    def __init__(self, testid: str):
        super().__init__()
        self.testid, self.depth, self.parts, self.found, self.done = testid, 0, [], False, False

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
            self.parts.append(" ")
        elif not self.done and dict(attrs).get("data-testid") == self.testid:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1
            self.parts.append(" ")
            if not self.depth:
                self.done = True

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str | bytes, testid: str) -> str:
    """The whitespace-normalised text of the (first) element with data-testid=`testid`."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _TestIdText(testid)
    parser.feed(html)
    if not parser.found:
        raise AssertionError(f"no element with data-testid={testid!r}")
    return " ".join("".join(parser.parts).split())
