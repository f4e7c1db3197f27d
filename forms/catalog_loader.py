"""The catalog of forms the project ships (forms/catalog/<slug>/), read and loaded.

Each folder holds `form.toml` (the form, its versions with their fields and validations),
the templates it names and a sample data set per version. Loading creates a form with all its
versions only when no form of that code exists: an edit by legal staff is never overwritten,
and a second load changes nothing. Rows are audited as `seed.create` by `system:seed`, like the
rest of the reference data. `check_catalog` is what `registry forms check` and the test suite
run: every template checked and rendered with its sample."""

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlmodel import Session, select

from agreements.models import Instrument
from forms.codes import code_slug, normalise_code
from forms.fields import FieldSpec, parse_fields, validate_values
from forms.models import Form, FormValidation, FormVersion, Side, VersionStatus
from forms.services.common import content_sha256
from registry import audit, blobs
from registry.models import LiaisonBody, utcnow

SEED_ACTOR = audit.Actor.system("system:seed")
MANIFEST = "form.toml"
MAX_TEMPLATE_BYTES = 5 * 2**20
# "first": the layout the templates were first built with (DOCX on US Letter, python-docx's default page;
# the PDF's labels touching their boxes), rebuilt byte for byte for the versions published with it;
# "a4": A4, rows kept with what they belong to, labels clear of the boxes.
LAYOUTS = ("first", "a4")


class ManifestError(ValueError):
    pass


@dataclass
class VersionManifest:
    number: int
    label: str
    status: str
    template: Path
    sample: Path
    raw_fields: list[dict]
    validations: list[dict] = field(default_factory=list)
    valid_from: date | None = None
    valid_until: date | None = None
    change_notes: str = ""
    layout: str = "a4"  # how build_templates.py lays the template out (LAYOUTS); the file is what counts

    @property
    def fields(self) -> list[FieldSpec]:
        return parse_fields([{k: v for k, v in f.items() if k != "section"} for f in self.raw_fields])

    def stored_fields(self) -> list[dict]:
        return [spec.model_dump(mode="json", exclude_defaults=True) for spec in self.fields]

    def sample_data(self) -> dict:
        return json.loads(self.sample.read_text(encoding="utf-8"))


@dataclass
class FormManifest:
    folder: Path
    form: dict
    document: dict
    sections: list[dict]
    versions: list[VersionManifest]

    @property
    def code(self) -> str:
        return normalise_code(self.form["code"])


def catalog_root() -> Path:
    return Path(str(resources.files("forms") / "catalog"))


def catalog_folders(root: Path | None = None) -> list[Path]:
    root = root or catalog_root()
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())


def read_manifest(folder: Path) -> FormManifest:
    try:
        data = tomllib.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{folder.name}/{MANIFEST}: {exc}") from None
    form = data.get("form", {})
    missing = [k for k in ("code", "country", "instrument", "title_fr", "title_partner", "partner_language", "risk",
                           "direction") if not form.get(k)]
    if missing:
        raise ManifestError(f"{folder.name}/{MANIFEST}: [form] lacks {', '.join(missing)}")
    if code_slug(normalise_code(form["code"])) != folder.name:
        raise ManifestError(f"{folder.name}: the folder must be named after the code's slug, "
                            f"{code_slug(normalise_code(form['code']))}")
    versions: list[VersionManifest] = []
    for raw in data.get("versions", []):
        try:
            versions.append(VersionManifest(
                number=raw["number"], label=raw["label"], status=raw["status"], template=folder / raw["template"],
                sample=folder / raw["sample"], raw_fields=_version_fields(folder, raw, versions),
                validations=raw.get("validations", []), valid_from=raw.get("valid_from"),
                valid_until=raw.get("valid_until"), change_notes=raw.get("change_notes", ""),
                layout=raw.get("layout", "a4")))
        except KeyError as exc:
            raise ManifestError(f"{folder.name}/{MANIFEST}: a version lacks {exc}") from None
        if versions[-1].layout not in LAYOUTS:
            raise ManifestError(f"{folder.name}/{MANIFEST}: version {raw['number']}: layout is one of {', '.join(LAYOUTS)}")
    if not versions:
        raise ManifestError(f"{folder.name}/{MANIFEST}: no [[versions]]")
    return FormManifest(folder=folder, form=form, document=data.get("document", {}),
                        sections=data.get("sections", []), versions=versions)


def _version_fields(folder: Path, raw: dict, earlier: list[VersionManifest]) -> list[dict]:
    """`fields`, or `fields_from = N`: the same fields as version N (a new layout, the same form)."""
    if "fields_from" not in raw:
        return raw.get("fields", [])
    source = next((v for v in earlier if v.number == raw["fields_from"]), None)
    if source is None or "fields" in raw:
        raise ManifestError(f"{folder.name}/{MANIFEST}: version {raw.get('number')}: fields_from names an earlier "
                            "version, instead of fields")
    return source.raw_fields


# --- loading into the database ----------------------------------------------------------

def load_catalog(session: Session, root: Path | None = None) -> dict[str, int]:
    """Create what is missing; returns created rows per table (empty when nothing was new)."""
    created: dict[str, int] = {}
    for folder in catalog_folders(root):
        manifest = read_manifest(folder)
        if session.exec(select(Form).where(Form.code == manifest.code)).first() is not None:
            continue
        for table, count in _load_form(session, manifest).items():
            created[table] = created.get(table, 0) + count
    return created


def _created(session: Session, obj, table: str, counts: dict[str, int]) -> None:
    session.add(obj)
    session.flush()
    counts[table] = counts.get(table, 0) + 1
    snapshot = obj.model_dump(mode="json", exclude={"template_data"})
    audit.record(session, SEED_ACTOR, "seed.create", table, obj.id, after=snapshot)


def _load_form(session: Session, manifest: FormManifest) -> dict[str, int]:
    spec = manifest.form
    instrument = session.exec(select(Instrument).where(Instrument.country_code == spec["country"],
                                                       Instrument.slug == spec["instrument"])).first()
    if instrument is None:
        raise ManifestError(f"{manifest.folder.name}: no instrument {spec['instrument']} for {spec['country']}")
    counts: dict[str, int] = {}
    form = Form(code=manifest.code, slug=code_slug(manifest.code), country_code=spec["country"],
                instrument_id=instrument.id, articles=spec.get("articles", ""), title_fr=spec["title_fr"],
                title_partner=spec["title_partner"], partner_language=spec["partner_language"], risk=spec["risk"],
                purpose=spec.get("purpose", ""), direction=spec["direction"],
                illustrative=spec.get("illustrative", False), code_confirmed=spec.get("code_confirmed", True),
                note=spec.get("note", ""), source=spec.get("source", ""))
    _created(session, form, "form", counts)
    previous = None
    for entry in sorted(manifest.versions, key=lambda v: v.number):
        version = _version(session, form, entry, previous)
        _created(session, version, "form_version", counts)
        for raw in entry.validations:
            _created(session, _validation(session, form, version, raw), "form_validation", counts)
        _blank(session, form, version, counts)
        previous = version
    return counts


def _blank(session: Session, form: Form, version: FormVersion, counts: dict[str, int]) -> None:
    """The DOCX blank of a published catalog version, rendered here: these templates are the
    project's own, checked by `registry forms check`. PDF blanks need LibreOffice: `registry run`
    builds them (forms/generation/blanks.py)."""
    from forms.generation.blanks import InProcess, build_blank

    if version.status in (VersionStatus.published, VersionStatus.superseded) and version.template_kind == "docx":
        build_blank(session, form, version, "docx", InProcess(), None, SEED_ACTOR, "seed.create")
        counts["form_blank"] = counts.get("form_blank", 0) + 1


@lru_cache(maxsize=256)
def _checked_template(path: Path, sha256: str, fields_json: str, partner_language: str):
    """The shipped files do not change while the process runs: check each one once (every test
    database is seeded, and the catalog's 36 templates take seconds to parse)."""
    from forms.template_check import check_upload

    fields = parse_fields(json.loads(fields_json))
    return check_upload(path.name, path.read_bytes(), fields, partner_language, MAX_TEMPLATE_BYTES)


def _version(session: Session, form: Form, entry: VersionManifest, previous: FormVersion | None) -> FormVersion:
    data = entry.template.read_bytes()
    fields = entry.stored_fields()
    checked = _checked_template(entry.template, blobs.sha256_hex(data), json.dumps(fields, sort_keys=True),
                                form.partner_language)
    sha256 = blobs.sha256_hex(data)
    published = entry.status in (VersionStatus.published, VersionStatus.superseded)
    return FormVersion(
        form_id=form.id, number=entry.number, label=entry.label, status=VersionStatus(entry.status).value,
        based_on_id=previous.id if previous else None, valid_from=entry.valid_from, valid_until=entry.valid_until,
        change_notes=entry.change_notes, fields=fields, template_kind=checked.kind.value,
        template_filename=entry.template.name, template_media_type=checked.media_type, template_data=data,
        template_sha256=sha256, template_variables=checked.variables, content_sha256=content_sha256(sha256, fields),
        published_at=utcnow() if published else None,
        published_by=SEED_ACTOR.name if published else "", created_by=SEED_ACTOR.name)


def _validation(session: Session, form: Form, version: FormVersion, raw: dict) -> FormValidation:
    side = Side(raw["side"]).value
    country = "FR" if side == Side.france else form.country_code
    body = session.exec(select(LiaisonBody).where(LiaisonBody.country_code == country,
                                                  LiaisonBody.acronym == raw.get("body", ""))).first()
    return FormValidation(form_version_id=version.id, side=side, liaison_body_id=body.id if body else None,
                          body_name=raw["body"], validated_on=raw["validated_on"], meeting_ref=raw.get("meeting"),
                          content_sha256=version.content_sha256, note=raw.get("note", ""),
                          recorded_by=SEED_ACTOR.name)


# --- checking: what `registry forms check` and the tests run ------------------------------

@dataclass
class CheckResult:
    folder: str
    version: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_catalog(root: Path | None = None) -> list[CheckResult]:
    results = []
    for folder in catalog_folders(root):
        try:
            manifest = read_manifest(folder)
        except (ManifestError, ValueError) as exc:
            results.append(CheckResult(folder.name, 0, [str(exc)]))
            continue
        for entry in manifest.versions:
            results.append(check_version(manifest, entry))
    return results


def check_version(manifest: FormManifest, entry: VersionManifest) -> CheckResult:
    from forms.rendering import render_sample
    from forms.template_check import TemplateRefused, check_upload

    result = CheckResult(manifest.folder.name, entry.number)
    try:
        fields = entry.fields
        data = entry.template.read_bytes()
        check_upload(entry.template.name, data, fields, manifest.form["partner_language"], MAX_TEMPLATE_BYTES)
        sample = entry.sample_data()
        errors = validate_values(fields, sample)
        result.problems += [f"sample.json: {path}: {message}" for path, message in sorted(errors.items())]
        if not errors:
            render_sample(data, fields, sample, manifest.form["partner_language"])
    except TemplateRefused as exc:
        result.problems += [str(exc.reason), *(str(p) for p in exc.problems)]
    except (OSError, ValueError) as exc:
        result.problems.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a render failure of any kind is what this check exists to report
        result.problems.append(f"render failed: {type(exc).__name__}: {exc}")
    return result
