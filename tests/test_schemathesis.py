"""Schemathesis against /schema/openapi.json: generated requests on every operation, as an
anonymous caller and as an admin's token (so write operations are exercised past their guard),
then as the admin on the seeded records (path ids drawn among existing rows, so requests reach
the handlers' deep paths: state changes, conflicts, stale versions); no answer may be a server
error. Bounded: MAX_EXAMPLES per operation, fixed seed."""

import re
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlmodel import Session, select

from registry.auth.permissions import Permission
from tests.test_permissions_matrix import guarded_routes

MAX_EXAMPLES = 20


def exercise(operation, headers: dict, answers: list, failures: list) -> None:
    """Send MAX_EXAMPLES generated requests to one operation; record every answer and any 5xx."""

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        answers.append((operation.method.upper(), operation.path, response.status_code))
        if response.status_code >= 500:
            failures.append(f"{operation.label}: {response.status_code} for {case.as_curl_command()}")

    check()


def server_errors(schema, headers: dict) -> tuple[int, list[tuple[str, str, int]], list[str]]:
    """(operations, (method, path, status) of every example sent, 5xx answers) over the schema."""
    operations, answers, failures = 0, [], []
    for result in schema.get_all_operations():
        operations += 1
        exercise(result.ok(), headers, answers, failures)
    return operations, answers, failures


def run(app, who: str, headers: dict, existing: dict | None = None) -> list[tuple[str, str, int]]:
    started = time.monotonic()
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    if existing:
        use_existing_records(schema, existing)
    operations, answers, failures = server_errors(schema, headers)
    print(f"schemathesis {who}: {operations} operations, {len(answers)} examples, "
          f"{time.monotonic() - started:.1f} s, statuses {dict(Counter(status for _m, _p, status in answers))}")
    assert operations >= 20 and len(answers) >= 5 * operations  # the run really exercised the API
    assert failures == [], "\n".join(failures)
    return answers


def existing_records(app) -> dict[str, list]:
    """Path parameter values that name records of the seeded database, by parameter name."""
    from agreements.meetings.models import ActionItem, AgendaItem, Decision, Meeting, Participant
    from agreements.models import Instrument, OfficialText
    from forms.models import Form
    from registry.models import Country

    with Session(app.state.engine) as db:
        ids = {name: sorted(db.exec(select(model.id)).all()) for name, model in (
            ("meeting_id", Meeting), ("item_id", AgendaItem), ("participant_id", Participant),
            ("action_id", ActionItem), ("decision_id", Decision), ("instrument_id", Instrument),
            ("text_id", OfficialText))}
        ids["form"] = sorted(db.exec(select(Form.slug)).all())
        ids["country"] = sorted(db.exec(select(Country.code)).all())
    ids["number"] = [1, 2]
    return {name: values for name, values in ids.items() if values}


def use_existing_records(schema, existing: dict[str, list]) -> None:
    """Draw path parameters among the seeded records, so generated requests reach the handlers'
    deep paths instead of stopping at a 404 for a random id."""
    from hypothesis import strategies as st

    @schema.hook
    def flatmap_path_parameters(ctx, parameters):
        if not parameters:
            return st.just(parameters)
        path = ctx.operation.path
        choices = dict(existing, code=existing["form"] if "/forms/" in path else existing["country"])
        return st.fixed_dictionaries({name: st.sampled_from(choices[name]) if name in choices else st.just(value)
                                      for name, value in parameters.items()})


def guarded_writes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of the writes that need more than read_public."""
    return {(method, re.sub(r":[a-z]+\}", "}", path)) for method, path, permission in guarded_routes(app)
            if method not in ("GET", "HEAD", "OPTIONS") and permission != Permission.read_public}


def test_no_server_error_for_anonymous_callers(app):
    answers = run(app, "anonymous", {})
    writes = guarded_writes(app)
    statuses = {status for method, path, status in answers if (method, path) in writes}
    assert statuses == {401}  # no write got past its guard


def test_no_server_error_for_an_admin_token(app, make_token):
    # If-Match "1": the seeded records' first version, so edits get past the precondition (428)
    answers = run(app, "admin token", {"Authorization": f"Bearer {make_token('admin')}", "If-Match": '"1"'})
    writes = guarded_writes(app)
    statuses = {status for method, path, status in answers if (method, path) in writes}
    assert statuses and not {401, 403, 428} & statuses  # every write went past its guard, into the handler


def test_no_server_error_on_the_seeded_records(app, make_token):
    """Writes and reads aimed at records that exist: the deep paths (state changes, conflicts,
    stale versions) rather than 404s."""
    answers = run(app, "admin token, seeded records", {"Authorization": f"Bearer {make_token('admin')}",
                                                        "If-Match": '"1"'}, existing_records(app))
    statuses = Counter(status for _m, path, status in answers if "{" in path)
    assert statuses[404] < sum(statuses.values()) / 2, statuses  # most reached a record
