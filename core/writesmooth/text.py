"""Text made into the lines a model writes."""
from __future__ import annotations

import textwrap


def wrap_text(text: str, width: int) -> list[str]:
    """Each input line word-wrapped to ``width`` characters; an empty input line stays an empty
    line (a paragraph break), and the text's final line breaks make no empty lines."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        paragraph = " ".join(paragraph.split())
        lines.extend(textwrap.wrap(paragraph, width) if paragraph else [""])
    while lines and not lines[-1]:  # a file's final newline is no blank row
        lines.pop()
    return lines
