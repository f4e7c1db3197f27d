"""Versions as ETags, and the If-Match every write must carry."""

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException


class PreconditionRequired(HTTPException):
    status_code = 428


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(connection: ASGIConnection) -> int:
    """The version named by If-Match; 428 when it is missing, 400 when it is not a version."""
    header = connection.headers.get("if-match")
    if not header:
        raise PreconditionRequired(detail="If-Match header required: send the ETag of the version you edited",
                                   extra={"header": "If-Match"})
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise HTTPException(status_code=400, detail=f"If-Match: expected an ETag such as \"3\", got {header!r}",
                            extra={"header": "If-Match", "value": header})
    return int(value)
