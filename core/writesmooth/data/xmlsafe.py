"""XML parsing with entities, DTDs and network access off.

Every XML reader in writesmooth parses through :func:`parse_xml`, so a hostile file (an external
entity, an entity-expansion bomb) is refused with a clear error naming the file.
"""
from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from ..errors import InkFormatError

REFUSED = "refused: the XML declares a DOCTYPE or entities (not allowed in handwriting files)"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


_local = threading.local()  # a parser is reusable, but not by two threads at once


def safe_parser() -> etree.XMLParser:
    """This thread's parser with entities, DTDs and network access off."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _parser()
    return parser


def parse_xml(data: bytes, name: str | Path) -> etree._Element:
    """Parse ``data`` (the bytes of file ``name``) and return the root element.

    Any DOCTYPE is refused: IAM-OnDB and InkML files never need one, and a DTD is how entity
    expansion and external-entity attacks get in. The byte check is the fast answer for the
    usual encodings; the check of the parsed document's DTD also covers UTF-16 files, whose
    bytes do not spell ``<!DOCTYPE``.
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise InkFormatError(f"{name}: {REFUSED}")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InkFormatError(f"{name}: malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise InkFormatError(f"{name}: unreadable XML: {exc}") from None
    if root is None:
        raise InkFormatError(f"{name}: empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise InkFormatError(f"{name}: {REFUSED}")
    return root
