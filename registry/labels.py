"""Interface labels for enum values. `mark` only flags a string for extraction into the
catalogs (babel keyword `mark`); pages translate it at render time with `_()`."""


from dataclasses import dataclass, field


def mark(message: str) -> str:
    return message


@dataclass(frozen=True)
class Term:
    """A coded value inside a message (a status, a side): its code for machines and logs, its
    label (a msgid) for people, translated with the message that holds it (registry.i18n.gettext)."""

    code: str
    label: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Message:
    """A sentence inside another message's parameters (a problem inside "template refused: …"),
    translated with the message that holds it (registry.i18n.gettext); str() is the English."""

    msgid: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % {k: str(v) for k, v in self.params.items()} if self.params else self.msgid


class Terms(tuple):
    """Several terms in one message parameter, e.g. the statuses allowed next."""

    def __str__(self) -> str:
        return ", ".join(str(t) for t in self) or "—"


def term(labels: dict[str, str], code) -> Term:
    code = getattr(code, "value", code)  # an enum member counts as its value
    return Term(code, labels.get(code, code))


def terms(labels: dict[str, str], codes) -> Terms:
    return Terms(term(labels, code) for code in codes)


# the quotes around a term shown inside a sentence (French: « … » with no-break spaces)
QUOTED_TERM = mark("“%(term)s”")
# a label and what follows it ("Decision 1 (agreed): …"): French puts a no-break space before the colon
LABEL_COLON = mark("%(label)s:")


# what the search index holds, by document kind (the kinds its providers give: agreements/search.py,
# forms/search.py, agreements/meetings/search.py)
SEARCH_KIND_LABELS = {
    "instrument": mark("Agreements and arrangements"),
    "form": mark("Liaison forms"),
    "meeting": mark("Meetings"),
    "minutes": mark("Minutes"),
}


RISK_LABELS = {
    "sickness": mark("Sickness"),
    "maternity": mark("Maternity"),
    "invalidity": mark("Invalidity"),
    "old_age": mark("Old age"),
    "survivors": mark("Survivors"),
    "work_accidents": mark("Work accidents and occupational diseases"),
    "family": mark("Family benefits"),
    "unemployment": mark("Unemployment"),
    "death_grant": mark("Death grant"),
}

CONFIDENCE_LABELS = {
    "high": mark("high"),
    "medium": mark("medium"),
    "low": mark("low — to be checked against the official text"),
}
