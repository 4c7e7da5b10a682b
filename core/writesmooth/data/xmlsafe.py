"""XML parsing with entities, DTDs and network access off.

Every XML reader in writesmooth parses through :func:`parse_xml`, so a hostile file (an external
entity, an entity-expansion bomb) is refused with a clear error naming the file.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from ..errors import InkFormatError


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def parse_xml(data: bytes, name: str | Path) -> etree._Element:
    """Parse ``data`` (the bytes of file ``name``) and return the root element.

    Any DOCTYPE is refused: IAM-OnDB and InkML files never need one, and a DTD is how entity
    expansion and external-entity attacks get in.
    """
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise InkFormatError(f"{name}: refused: the XML declares a DOCTYPE or entities "
                             "(not allowed in handwriting files)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise InkFormatError(f"{name}: malformed XML: {exc}") from None
    if root is None:
        raise InkFormatError(f"{name}: empty XML document")
    return root
