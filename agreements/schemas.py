"""Output models of the agreements API (never table models)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agreements.models import InstrumentKind, LinkKind
from agreements.queries import InstrumentOnDate
from registry.enums import Confidence, Risk


class InstrumentOut(BaseModel):
    id: int
    country: str
    slug: str
    url: str
    kind: str
    title_fr: str
    title_partner: str
    partner_language: str
    party_name_fr: str
    signed_on: date | None
    in_force_on: date | None
    terminated_on: date | None
    retroactive: bool
    status: str
    as_of: date
    in_force_date_unknown: bool
    superseded_by: list[int]
    risks: list[str]
    replaces_text: str
    confidence: str
    source: str
    archived: bool
    version: int

    @classmethod
    def build(cls, item: InstrumentOnDate, on: date) -> "InstrumentOut":
        i = item.instrument
        return cls(
            id=i.id, country=i.country_code, slug=i.slug, url=f"/countries/{i.country_code}/instruments/{i.slug}",
            kind=i.kind, title_fr=i.title_fr, title_partner=i.title_partner, partner_language=i.partner_language,
            party_name_fr=i.party_name_fr, signed_on=i.signed_on, in_force_on=i.in_force_on,
            terminated_on=i.terminated_on, retroactive=i.retroactive, status=item.status.status.value, as_of=on,
            in_force_date_unknown=item.status.in_force_date_unknown, superseded_by=list(item.superseded_by),
            risks=list(i.risks), replaces_text=i.replaces_text, confidence=i.confidence, source=i.source,
            archived=i.archived, version=i.version,
        )


class BodyOut(BaseModel):
    name: str
    acronym: str
    confidence: str
    source: str


class CountrySummary(BaseModel):
    code: str
    name_fr: str
    name_en: str
    languages: list[str]
    instrument_count: int


class CountryDetail(CountrySummary):
    insee_code: str | None
    liaison_bodies: list[BodyOut]
    institutions: list[BodyOut]
    instruments: list[InstrumentOut]


class InstrumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country_code: str = Field(min_length=2, max_length=2)
    kind: InstrumentKind
    title_fr: str = Field(min_length=1, max_length=1000)
    title_partner: str = Field(default="", max_length=1000)
    partner_language: str = Field(default="", max_length=20)
    party_name_fr: str = Field(default="", max_length=120)
    party_name_en: str = Field(default="", max_length=120)
    signed_on: date | None = None
    in_force_on: date | None = None
    terminated_on: date | None = None
    retroactive: bool = False
    risks: list[Risk] = Field(default_factory=list)
    legal_reference: str = Field(default="", max_length=1000)
    replaces_text: str = Field(default="", max_length=1000)
    confidence: Confidence = Confidence.high
    source: str = Field(default="", max_length=2000)
    slug: str | None = Field(default=None, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")

    def values(self) -> dict:
        return self.model_dump(mode="python", exclude_none=True) | {"risks": [r.value for r in self.risks],
                                                                    "kind": self.kind.value,
                                                                    "confidence": self.confidence.value}


# in a PATCH, null clears these: texts become "", dates none
CLEARED_TO_EMPTY = frozenset({"title_partner", "partner_language", "party_name_fr", "party_name_en", "legal_reference",
                              "replaces_text", "source"})
PATCH_CLEARABLE = CLEARED_TO_EMPTY | {"signed_on", "in_force_on", "terminated_on"}


class InstrumentPatch(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    kind: InstrumentKind | None = None
    title_fr: str | None = Field(default=None, min_length=1, max_length=1000)
    title_partner: str | None = Field(default=None, max_length=1000)
    partner_language: str | None = Field(default=None, max_length=20)
    party_name_fr: str | None = Field(default=None, max_length=120)
    party_name_en: str | None = Field(default=None, max_length=120)
    signed_on: date | None = None
    in_force_on: date | None = None
    terminated_on: date | None = None
    retroactive: bool | None = None
    risks: list[Risk] | None = None
    legal_reference: str | None = Field(default=None, max_length=1000)
    replaces_text: str | None = Field(default=None, max_length=1000)
    confidence: Confidence | None = None
    source: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _null_only_clears(self) -> "InstrumentPatch":
        """null clears a date or a text; the other fields always have a value."""
        nulls = sorted(name for name in self.model_fields_set
                       if getattr(self, name) is None and name not in PATCH_CLEARABLE)
        if nulls:
            raise ValueError(f"{', '.join(nulls)}: null is not a value here (it only clears dates and texts)")
        return self

    def changes(self) -> dict:
        sent = self.model_dump(mode="json", exclude_unset=True)
        for name in ("signed_on", "in_force_on", "terminated_on"):
            if name in sent:
                sent[name] = getattr(self, name)
        return {name: "" if value is None and name in CLEARED_TO_EMPTY else value for name, value in sent.items()}


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LinkKind
    to_id: int


class LinkOut(BaseModel):
    id: int
    kind: str
    from_id: int
    to_id: int
    other_slug: str
    other_title_fr: str


class RevisionOut(BaseModel):
    version: int
    at: datetime
    actor: str
    action: str
    changes: dict


class HistoryOut(BaseModel):
    instrument_id: int
    current_version: int
    revisions: list[RevisionOut]
    compared: dict | None = None


class OfficialTextOut(BaseModel):
    id: int
    language: str
    filename: str
    media_type: str
    sha256: str
    size: int
    is_current: bool
    uploaded_at: datetime
    uploaded_by: str
    url: str


class CoverageOut(BaseModel):
    risk: str
    covered: bool
    instruments: list[str]
