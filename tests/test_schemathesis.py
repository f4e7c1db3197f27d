"""Schemathesis against /schema/openapi.json: generated requests on every operation, as an
anonymous caller and as an admin's token (so write operations are exercised past their guard);
no answer may be a server error. Bounded: MAX_EXAMPLES per operation, fixed seed."""

import re
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

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


def run(app, who: str, headers: dict) -> list[tuple[str, str, int]]:
    started = time.monotonic()
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    operations, answers, failures = server_errors(schema, headers)
    print(f"schemathesis {who}: {operations} operations, {len(answers)} examples, "
          f"{time.monotonic() - started:.1f} s, statuses {dict(Counter(status for _m, _p, status in answers))}")
    assert operations >= 20 and len(answers) >= 5 * operations  # the run really exercised the API
    assert failures == [], "\n".join(failures)
    return answers


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
