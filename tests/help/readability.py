"""Flesch-Kincaid grade of a page's visible main text, with a simple syllable count."""

import re
from html.parser import HTMLParser

# A block element ends a sentence even without a full stop (headings, list items, cells).
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "button"}
HIDDEN = {"script", "style", "template", "svg"}
WORD = re.compile(r"[A-Za-z][A-Za-z']*")
SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")


VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _MainText(HTMLParser):
    """Collects the text inside the element with id `root_id`, skipping hidden parts."""

    def __init__(self, root_id: str):
        super().__init__()
        self.root_id = root_id
        self.stack: list[tuple[str, bool]] = []  # open elements inside the root: (tag, hidden)
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        if self.stack:
            hidden = (
                tag in HIDDEN
                or "hidden" in attrs
                or "visually-hidden" in (attrs.get("class") or "").split()
            )
            self.stack.append((tag, hidden))
        elif attrs.get("id") == self.root_id:
            self.stack.append((tag, False))

    def handle_endtag(self, tag):
        if not self.stack or tag in VOID:
            return
        if tag in BLOCKS and not self._hidden():
            self.parts.append(".\n")
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.stack and not self._hidden():
            self.parts.append(data)


def visible_text(html: str, root_id: str = "main") -> str:
    parser = _MainText(root_id)
    parser.feed(html)
    return " ".join(parser.parts)


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]+", word)))


def grade(text: str) -> float:
    """0.39 * words per sentence + 11.8 * syllables per word - 15.59."""
    sentences = [s for s in SENTENCE_END.split(text) if WORD.search(s)]
    words = WORD.findall(text)
    if not words:
        return 0.0
    syllable_count = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllable_count / len(words) - 15.59
