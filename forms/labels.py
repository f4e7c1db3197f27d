"""Interface labels of form states, version statuses, directions and sides (translated at render time)."""

from registry.labels import mark

STATE_LABELS = {
    "published": mark("Published"),
    "pending_validation": mark("Pending validation"),
    "validated": mark("Validated, not yet published"),
    "superseded": mark("Superseded"),
    "not_yet_applicable": mark("Published, applies later"),
    "withdrawn": mark("Withdrawn"),
    "draft": mark("Draft"),
}

VERSION_STATUS_LABELS = {
    "draft": mark("Draft"),
    "validated": mark("Validated"),
    "published": mark("Published"),
    "superseded": mark("Superseded"),
    "withdrawn": mark("Withdrawn"),
}

DIRECTION_LABELS = {
    "france_to_partner": mark("From France to the partner country"),
    "partner_to_france": mark("From the partner country to France"),
    "both": mark("Both directions"),
}

SIDE_LABELS = {
    "france": mark("French liaison body"),
    "partner": mark("Partner's liaison body"),
}

FIELD_TYPE_LABELS = {
    "text": mark("text"),
    "date": mark("date"),
    "number": mark("number"),
    "choice": mark("choice"),
    "checkbox": mark("checkbox"),
    "rows": mark("repeated rows"),
    "nir": mark("NIR"),
    "country": mark("country"),
    "address": mark("address"),
}

APPLICABLE_LEGISLATION_LABEL = mark("Applicable legislation (posting)")

ATTRIBUTE_LABELS = {
    "type": mark("type"),
    "label_fr": mark("French label"),
    "label_partner": mark("label in the partner's language"),
    "required": mark("required"),
    "max_length": mark("maximum length"),
    "max_rows": mark("maximum number of rows"),
}
