"""Generation refusals as responses, translated into the request's language."""

from litestar import Request, Response

from forms.generation.batch import BatchRefused
from forms.generation.blanks import RETRY_AFTER, BlankNotReady
from forms.generation.generate import FormNotApplicable
from registry.web.errors import TranslatableHTTPException, translated_error_response
from registry.web.problem_handlers import translate


def not_applicable(request: Request, exc: FormNotApplicable) -> Response:
    return Response({"status_code": 404, "detail": translate(request, exc.message, exc.params)}, status_code=404)


def batch_refused(request: Request, exc: BatchRefused) -> Response:
    return Response({"status_code": 400, "detail": translate(request, exc.message, exc.params)}, status_code=400)


def blank_not_ready(request: Request, exc: BlankNotReady) -> Response:
    unavailable = TranslatableHTTPException(exc.message, exc.params, status_code=503,
                                            headers={"Retry-After": str(RETRY_AFTER)})
    return translated_error_response(request, unavailable)


def generation_handlers() -> dict:
    return {FormNotApplicable: not_applicable, BatchRefused: batch_refused, BlankNotReady: blank_not_ready}
