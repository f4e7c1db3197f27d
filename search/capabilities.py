"""What each backend can do beyond the contract all of them meet (tests/test_search_contract.py),
as the README table shows it: `python -m search.capabilities` prints the table, a test checks
the README's copy."""

CAPABILITIES = {
    "phrases": "\"phrases\" match words in that order",
    "prefixes": "détach* matches the words that begin so",
    "highlights": "hits carry an escaped excerpt with the matches in `<b>`",
    "facets": "counts by kind, country, branch, status, decade and year",
    "date_sort": "sort=date, newest first",
    "as_of": "on=YYYY-MM-DD keeps what applied that day",
    "suggestions": "typos retried and corrected from the index's words",
    "time_budget": "a query still collecting after 2 s stops (503) instead of running on",
}


def backend_classes() -> list:
    from search.memory import MemoryBackend
    from search.postgres_backend import PostgresBackend
    from search.tantivy_backend import TantivyBackend
    from search.whoosh_backend import WhooshBackend

    return [TantivyBackend, WhooshBackend, PostgresBackend, MemoryBackend]


def markdown_table() -> str:
    classes = backend_classes()
    lines = ["| capability | " + " | ".join(f"`{c.name}`" for c in classes) + " |",
             "|---|" + "---|" * len(classes)]
    for name, description in CAPABILITIES.items():
        marks = " | ".join("✓" if name in c.capabilities else "—" for c in classes)
        lines.append(f"| {description} | {marks} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
