"""Side-by-side comparison of two versions' field schemas: fields added, removed, changed, and
label changes in each language, flagged when one language changed and the other did not (the
usual sign of a translation left behind)."""

from dataclasses import dataclass, field

from forms.fields import FieldSpec

ATTRIBUTES = ("type", "label_fr", "label_partner", "required", "max_length", "max_rows")


@dataclass
class FieldDiff:
    name: str
    changes: dict[str, dict] = field(default_factory=dict)  # attribute -> {"before": …, "after": …}

    @property
    def label_fr_changed(self) -> bool:
        return any(key == "label_fr" or key.endswith(".label_fr") for key in self.changes)

    @property
    def label_partner_changed(self) -> bool:
        return any(key == "label_partner" or key.endswith(".label_partner") for key in self.changes)

    @property
    def one_language_only(self) -> bool:
        return self._one_language(self.changes)

    @staticmethod
    def _one_language(changes: dict) -> bool:
        """Per label pair (the field's own, a choice's, a column's): one side changed, not both."""
        prefixes = {key.rsplit("label_", 1)[0] for key in changes if "label_" in key}
        return any((p + "label_fr" in changes) != (p + "label_partner" in changes) for p in prefixes)


@dataclass
class Comparison:
    added: list[FieldSpec]
    removed: list[FieldSpec]
    changed: list[FieldDiff]

    @property
    def one_language_only(self) -> list[str]:
        return [d.name for d in self.changed if d.one_language_only]


def compare_fields(before: list[FieldSpec], after: list[FieldSpec]) -> Comparison:
    old = {f.name: f for f in before}
    new = {f.name: f for f in after}
    changed = []
    for name in [f.name for f in after if f.name in old]:
        diff = FieldDiff(name, _differences(old[name], new[name]))
        if diff.changes:
            changed.append(diff)
    return Comparison(added=[f for f in after if f.name not in old], removed=[f for f in before if f.name not in new],
                      changed=changed)


def _differences(a: FieldSpec, b: FieldSpec, prefix: str = "") -> dict[str, dict]:
    changes = {}
    for attribute in ATTRIBUTES:
        before, after = getattr(a, attribute), getattr(b, attribute)
        if before != after:
            changes[prefix + attribute] = {"before": _plain(before), "after": _plain(after)}
    choices_a, choices_b = {c.value: c for c in a.choices}, {c.value: c for c in b.choices}
    for value in sorted(set(choices_a) | set(choices_b)):
        key = f"{prefix}choices.{value}"
        if value not in choices_b:
            changes[key] = {"before": choices_a[value].model_dump(), "after": None}
        elif value not in choices_a:
            changes[key] = {"before": None, "after": choices_b[value].model_dump()}
        else:
            for attribute in ("label_fr", "label_partner"):
                x, y = getattr(choices_a[value], attribute), getattr(choices_b[value], attribute)
                if x != y:
                    changes[f"{key}.{attribute}"] = {"before": x, "after": y}
    columns_a, columns_b = {c.name: c for c in a.columns}, {c.name: c for c in b.columns}
    for name in sorted(set(columns_a) | set(columns_b)):
        key = f"{prefix}columns.{name}"
        if name not in columns_b:
            changes[key] = {"before": columns_a[name].model_dump(exclude_defaults=True), "after": None}
        elif name not in columns_a:
            changes[key] = {"before": None, "after": columns_b[name].model_dump(exclude_defaults=True)}
        else:
            changes.update(_differences(columns_a[name], columns_b[name], prefix=f"{key}."))
    return changes


def _plain(value):
    return value.value if hasattr(value, "value") else value
