"""XML read from an upload, parsed with defusedxml before any other library sees it.

defusedxml's expat parser refuses a DTD, entity declarations and external references wherever
they appear (after a 5 KB comment as well as first) and in whatever encoding the part declares
(UTF-16 included): the check is made on what the parser reads, not on the bytes. The same
streaming pass bounds the nesting depth (lxml, which python-docx and docxtpl use, stops at 256
levels with an error, and a deeper tree is no Word document) and reports malformed XML with its
line and column. Chunks are fed as they are inflated, so nothing is held twice."""

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from registry.labels import mark

# Word nests tables in tables and drawings in runs; 128 levels is far beyond any real document
# and well under lxml's own limit of 256
MAX_XML_DEPTH = 128

DTD_REFUSED = mark("%(part)s: a DOCTYPE is refused (it can declare entities that expand without end or read "
                   "other files); save the document again from Word")
ENTITY_REFUSED = mark("%(part)s: entity declarations are refused; save the document again from Word")
EXTERNAL_REFUSED = mark("%(part)s: references to external files are refused")
TOO_DEEP = mark("%(part)s: XML nested more than %(max)s levels deep (line %(line)s); no Word document nests so deep")
MALFORMED = mark("%(part)s: not well-formed XML at line %(line)s, column %(column)s (%(reason)s)")


class XmlRefused(ValueError):
    """The part is not XML this registry reads; `message` is a catalog msgid, `params` its values."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


class _DepthCounter:
    """The parser's target: counts open elements, builds nothing."""

    def __init__(self, part: str, parser: "GuardedXml") -> None:
        self.part, self.parser, self.depth = part, parser, 0

    def start(self, _tag, _attributes) -> None:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise XmlRefused(TOO_DEEP, part=self.part, max=MAX_XML_DEPTH, line=self.parser.line())

    def end(self, _tag) -> None:
        self.depth -= 1

    def data(self, _text) -> None:
        pass

    def close(self) -> None:
        return None


class GuardedXml:
    """feed(chunk)… then close(); raises XmlRefused naming `part`."""

    def __init__(self, part: str) -> None:
        self.part = part
        self._parser = DefusedXMLParser(target=_DepthCounter(part, self), forbid_dtd=True, forbid_entities=True,
                                        forbid_external=True)

    def line(self) -> int:
        return self._parser.parser.CurrentLineNumber

    def feed(self, chunk: bytes) -> None:
        self._guarded(self._parser.feed, chunk)

    def close(self) -> None:
        self._guarded(self._parser.close)

    def _guarded(self, step, *args) -> None:
        try:
            step(*args)
        except DTDForbidden:
            raise XmlRefused(DTD_REFUSED, part=self.part) from None
        except EntitiesForbidden:
            raise XmlRefused(ENTITY_REFUSED, part=self.part) from None
        except ExternalReferenceForbidden:
            raise XmlRefused(EXTERNAL_REFUSED, part=self.part) from None
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            reason = str(exc).split(":", 1)[0]
            raise XmlRefused(MALFORMED, part=self.part, line=line, column=column, reason=reason) from None
        except (DefusedXmlException, LookupError, ValueError) as exc:
            if isinstance(exc, XmlRefused):
                raise
            raise XmlRefused(MALFORMED, part=self.part, line=self.line(), column=0, reason=str(exc)[:200]) from None


def check_xml(part: str, data: bytes) -> None:
    """The whole of one part at once (a part already in memory)."""
    guard = GuardedXml(part)
    guard.feed(data)
    guard.close()
