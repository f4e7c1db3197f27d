"""A template author's check: what a DOCX template reads, paragraph by paragraph, against the
field schema it is meant for, and what the upload would refuse. Stores nothing.

Used by `POST /api/forms/{code}/versions/{n}/template?dry_run=true` and by
`registry forms check FILE.docx --fields fields.toml`. The verdict is the upload's own: the
static rule set (registry/documents/template_rules.py), the match with the fields, and, when
those pass, the same trial render (`checker`, in a render worker on the server)."""

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forms.field_bounds import context_shape
from forms.fields import FieldSpec, parse_fields
from forms.template_check import TemplateRefused, check_upload, located_paths, match_fields
from registry import i18n
from registry.documents.sandbox import make_environment
from registry.documents.template_rules import TemplateProblem, check_template, parse_parts, problem_at
from registry.labels import Message, mark
from registry.uploads import UploadRejected, inspect_docx

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
DECLARED, NOT_DECLARED = mark("declared"), mark("not declared")
ACCEPTED, REFUSED = mark("accepted"), mark("refused")
MISSING = mark("read by the template, not declared")
UNUSED = mark("declared, not read by the template")
MAX_TEMPLATE_BYTES = 20 * 2**20  # the CLI's limit: the server's default upload limit (REGISTRY_MAX_UPLOAD_MB)


@dataclass
class TagReport:
    part: str
    paragraph: int | None
    tags: list[str]  # as written, once docxtpl joined the runs
    paths: dict[str, str]  # path read -> DECLARED or NOT_DECLARED


@dataclass
class AuthorReport:
    tags: list[TagReport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # read by the template, not declared
    unused: list[str] = field(default_factory=list)  # declared, never read
    refused: list[TemplateProblem] = field(default_factory=list)
    reason: Message | None = None  # a refusal of the whole file (not a DOCX, too large…)

    @property
    def accepted(self) -> bool:
        return not (self.missing or self.unused or self.refused or self.reason)

    def as_dict(self, lang: str) -> dict:
        def shown(msgid: str, **params) -> str:
            return i18n.gettext(lang, msgid, **params)
        return {
            "verdict": shown(ACCEPTED if self.accepted else REFUSED), "accepted": self.accepted,
            "tags": [{"part": t.part, "paragraph": t.paragraph, "tags": t.tags,
                      "paths": {p: shown(status) for p, status in t.paths.items()}} for t in self.tags],
            "missing": self.missing, "unused": self.unused,
            "refused": [shown("%(where)s: %(problem)s", where=p.where(), problem=Message(p.message, p.params))
                        for p in self.refused],
            "reason": shown(self.reason.msgid, **self.reason.params) if self.reason else None,
        }


def read_fields_toml(path: Path) -> list[FieldSpec]:
    """A fields.toml: `[[fields]]` tables, as in a catalog form.toml version."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return parse_fields([{k: v for k, v in f.items() if k != "section"} for f in raw.get("fields", [])])


def author_report(data: bytes, fields: list[FieldSpec], partner_language: str, max_bytes: int,
                  checker: Callable = check_upload) -> AuthorReport:
    report = AuthorReport()
    try:
        inspect_docx(data, max_bytes)
    except UploadRejected as exc:
        report.reason = Message(exc.message, exc.params)
        return report
    env = make_environment(partner_language)
    report.refused = check_template(data, env, shapes=context_shape(fields))
    parsed, _ = parse_parts(data, env)
    read: set[str] = set()
    for part, tree in parsed:
        located = located_paths(tree)
        read |= set(located)
        report.tags += _tags_of(part, located, fields)
    match = match_fields(fields, read)
    report.missing, report.unused = match.not_declared, match.missing_from_template
    if report.accepted:  # the upload's own last step: the trial renders
        try:
            checker("template.docx", data, fields, partner_language, max_bytes)
        except TemplateRefused as exc:
            report.refused = exc.problems
            report.reason = None if exc.problems else exc.reason
    return report


def _tags_of(part, located: dict[str, set[int]], fields: list[FieldSpec]) -> list[TagReport]:
    not_declared = set(match_fields(fields, set(located)).not_declared)
    reports = []
    for number, line in enumerate(part.source.splitlines(), start=1):
        text = re.sub(r"<[^>]+>", "", line)
        tags = TAG.findall(text)
        if not tags:
            continue
        paths = {path: NOT_DECLARED if path in not_declared else DECLARED
                 for path, lines in sorted(located.items()) if number in lines}
        reports.append(TagReport(part.name, problem_at(part, "", number, "").line, tags, paths))
    return reports
