"""Generation refusals as responses, translated into the request's language."""

from litestar import Request, Response

from forms.generation.batch import BatchRefused
from forms.generation.generate import FormNotApplicable
from registry.web.problem_handlers import translate


def not_applicable(request: Request, exc: FormNotApplicable) -> Response:
    return Response({"status_code": 404, "detail": translate(request, exc.message, exc.params)}, status_code=404)


def batch_refused(request: Request, exc: BatchRefused) -> Response:
    return Response({"status_code": 400, "detail": translate(request, exc.message, exc.params)}, status_code=400)


def generation_handlers() -> dict:
    return {FormNotApplicable: not_applicable, BatchRefused: batch_refused}
