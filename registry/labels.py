"""Interface labels for enum values. `mark` only flags a string for extraction into the
catalogs (babel keyword `mark`); pages translate it at render time with `_()`."""


def mark(message: str) -> str:
    return message


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
