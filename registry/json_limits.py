"""JSON read from inside an upload (a multipart part, a line of JSON Lines, a CSV cell): its
nesting depth is measured on the text before it is decoded, so that a value nested thousands
deep is a refusal naming where it is, not a RecursionError of the decoder (or of pickle, or of
pydantic, further on). Request bodies decoded by Litestar are bounded by msgspec's own depth
limit and the request size."""

import itertools
import json
import re

from registry.labels import mark

MAX_DEPTH = 32  # a field schema nests three levels (list, spec, columns); data a little more
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
TOO_DEEP = mark("%(where)s: JSON nested more than %(max)s levels deep")
NOT_JSON = mark("%(where)s: not JSON (%(reason)s)")


class JsonRefused(ValueError):
    """`message` is a catalog msgid; `params` name where (`where` is a Message or a string)."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % {k: str(v) for k, v in params.items()})
        self.message, self.params = message, params


def nesting_depth(text: str) -> int:
    """How deep brackets nest, strings left out (an unbalanced text is for the decoder to refuse)."""
    brackets = NOT_BRACKETS.sub("", STRINGS.sub("", text))
    return max(itertools.accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def loads(text: str | bytes, where, max_depth: int = MAX_DEPTH):
    """json.loads with the depth bounded; JsonRefused(where=…) instead of any decoding error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonRefused(NOT_JSON, where=where, reason=f"not UTF-8 at byte {exc.start}") from None
    if nesting_depth(text) > max_depth:
        raise JsonRefused(TOO_DEEP, where=where, max=max_depth)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise JsonRefused(NOT_JSON, where=where, reason=str(exc)[:200]) from None


def value_depth(value) -> int:
    """How deep lists and dicts nest in a decoded value, found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
