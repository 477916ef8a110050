"""Every word a template shows is marked for translation.

Each template is cut into tokens by Django's own template Lexer. Text inside
{% translate %} and {% blocktranslate %} is translatable; every other piece of text,
and every attribute a person reads or hears (aria-label, title, alt, placeholder),
must carry no words — only markup, punctuation, numbers and template variables.
"""

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template.base import Lexer, TokenType


def template_dirs() -> list[Path]:
    """The project's template folders and those of its own apps (not third-party ones)."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    for app in apps.get_app_configs():
        folder = Path(app.path).resolve() / "templates"
        if folder.is_dir() and base in folder.parents and ".venv" not in folder.parts:
            dirs.append(folder)
    return dirs


SUFFIXES = {".html", ".txt"}
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "aria-description"}
# Code samples (a CSV header, say) are literal; so are these names in every language.
LITERAL_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
UNTRANSLATED_TERMS = re.compile(r"\b(?:UTC|SHA-256|PDF|CSV|QR|UTF-8)\b")
# Stands in for a template variable or tag: never a letter, so never counted as text.
HOLE = "\ue000"
# A literal given to a filter that shows it as text: {{ x|default:"None" }}.
SHOWN_LITERAL = re.compile(r"\|(?:default|default_if_none|yesno):\s*(\"[^\"]*\"|'[^']*')")
# Opening and closing tags whose content is not shown as interface text.
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def template_files() -> list[Path]:
    files = []
    for directory in template_dirs():
        files += [p for p in sorted(directory.rglob("*")) if p.suffix in SUFFIXES]
    return files


def first_word(text: str) -> int:
    """Index of the first letter outside entities and technical terms, or -1."""
    text = re.sub(r"&[a-zA-Z]+;|&#x?[0-9a-fA-F]+;", lambda m: " " * len(m.group()), text)
    text = UNTRANSLATED_TERMS.sub(lambda m: " " * len(m.group()), text)
    for index, char in enumerate(text):
        if unicodedata.category(char).startswith("L"):
            return index
    return -1


def has_words(text: str) -> bool:
    return first_word(text) >= 0


def skeleton(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template as plain HTML with every tag/variable replaced by HOLE.

    Lines are preserved, so positions in the skeleton are positions in the template.
    Returns the skeleton and literal texts found inside tags, with their line.
    """
    parts = []
    literals = []
    closing = None
    for token in Lexer(source).tokenize():
        text = token.contents
        if token.token_type != TokenType.TEXT and parts and parts[-1].endswith(("<", "</")):
            # A tag name chosen by the template ("<{% if a %}a{% else %}button{% endif %}"):
            # a stand-in letter keeps it a tag for the HTML parser.
            parts.append("x")
            continue
        if token.token_type == TokenType.BLOCK:
            name = text.split(None, 1)[0] if text else ""
            if closing is not None:
                if name == closing:
                    closing = None
                parts.append(HOLE)
                continue
            if name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
            parts.append(HOLE)
        elif token.token_type == TokenType.VAR:
            for match in SHOWN_LITERAL.finditer(text):
                if closing is None and has_words(match.group(1)):
                    literals.append((token.lineno, match.group(1)))
            parts.append(HOLE)
        elif token.token_type == TokenType.COMMENT:
            parts.append(HOLE)
        else:
            if closing is not None:
                parts.append(HOLE + "\n" * text.count("\n"))
            else:
                parts.append(text)
    return "".join(parts), literals


class TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        if tag in LITERAL_ELEMENTS:
            self.in_code += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))
        if tag == "input":
            kinds = dict(attrs)
            value = kinds.get("value") or ""
            if kinds.get("type") in ("submit", "button", "reset") and has_words(value):
                self.found.append((self.getpos()[0], f'value="{value}"'))

    def handle_endtag(self, tag):
        if tag in LITERAL_ELEMENTS and self.in_code:
            self.in_code -= 1

    def handle_data(self, data):
        start = first_word(data)
        if not self.in_code and start >= 0:
            line = self.getpos()[0] + data[:start].count("\n")
            self.found.append((line, data.strip()))


def untranslated(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every piece of text in the template not marked for translation."""
    html, literals = skeleton(path.read_text(encoding="utf-8"))
    finder = TextFinder()
    finder.feed(html)
    finder.close()
    return [(line, text.replace(HOLE, "…")[:80]) for line, text in sorted(finder.found + literals)]


def test_templates_are_found():
    names = {p.name for p in template_files()}
    assert {"base.html", "_welcome.html", "invitation_body.txt"} <= names


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>Hello</p>",
        '<button aria-label="Close">×</button>',
        '<img src="x.png" alt="Seal">',
        '<input type="submit" value="Save">',
        '{{ value|default:"None" }}',
        "{% if a %}Yes{% endif %}",
    ],
)
def test_an_unmarked_string_is_reported(tmp_path, snippet):
    template = tmp_path / "sample.html"
    template.write_text("{% load i18n %}\n" + snippet, encoding="utf-8")
    problems = untranslated(template)
    assert problems and problems[0][0] == 2


@pytest.mark.parametrize(
    "snippet",
    [
        '<p>{% translate "Hello" %}</p>',
        "<button aria-label=\"{% translate 'Close' %}\">×</button>",
        "{% blocktranslate with n=count %}{{ n }} people{% endblocktranslate %}",
        "<p>{{ value }} · 42 % — (3/4)</p>",
        "<script src='x.js'></script><style>p { color: red }</style>",
        "{% comment %}Notes for developers{% endcomment %}",
        "<p>&nbsp;&middot;</p>",
        "<pre><code>name,email,role</code></pre>",
        "<td>{{ signed_at }} UTC</td>",
        "<{% if href %}a href='{{ href }}'{% else %}button{% endif %} class='btn'>"
        "{% translate 'Go' %}</{% if href %}a{% else %}button{% endif %}>",
    ],
)
def test_a_marked_or_wordless_string_passes(tmp_path, snippet):
    template = tmp_path / "sample.html"
    template.write_text("{% load i18n %}\n" + snippet, encoding="utf-8")
    assert untranslated(template) == []


def test_every_template_string_is_marked_for_translation():
    problems = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}: {text}"
        for path in template_files()
        for line, text in untranslated(path)
    ]
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)
