"""Recent changes of the forms: versions that started to apply (published, possibly superseded since)."""

from datetime import date

from sqlmodel import Session, col, select

from forms.models import Form, FormVersion, VersionStatus
from registry.labels import mark
from registry.recent import RecentChange

NEW_VERSION = mark("New form version")
NEW_VERSIONS = mark("New versions of %(count)s forms")
GROUPED_FROM = 3  # a set published together (the 31 Serbian forms of 1 December 2023) is one line


def recent_form_versions(session: Session, principal, today: date, limit: int) -> list[RecentChange]:
    rows = session.exec(select(FormVersion, Form).join(Form)
                        .where(col(FormVersion.status).in_([VersionStatus.published.value, VersionStatus.superseded.value]),
                               col(FormVersion.valid_from).is_not(None), FormVersion.valid_from <= today)
                        .order_by(col(FormVersion.valid_from).desc(), Form.code).limit(limit * 40)).all()
    batches: dict[tuple[date, str], list] = {}
    for version, form in rows:
        batches.setdefault((version.valid_from, form.country_code), []).append((version, form))
    return [_change(batch) for batch in batches.values()][:limit]


def _change(batch: list) -> RecentChange:
    version, form = batch[0]
    if len(batch) < GROUPED_FROM:
        return RecentChange(version.valid_from, NEW_VERSION, f"{form.code} — {form.title_fr} ({version.label})",
                            f"/forms/{form.slug}#v{version.number}")
    codes = sorted(f.code for _v, f in batch)
    return RecentChange(version.valid_from, NEW_VERSIONS, f"{codes[0]} … {codes[-1]}",
                        f"/forms?country={form.country_code}", count=len(batch))
