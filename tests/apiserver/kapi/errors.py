"""Kubernetes Status objects and the errors that carry them.

Messages follow kube-apiserver's wording (k8s.io/apimachinery/pkg/api/errors)
because clients and tests match on them.
"""


class ApiError(Exception):
    """An error answered to the client as a metav1.Status with an HTTP code."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return status_object(self.code, self.reason, self.message, self.details)


def status_object(code, reason, message, details=None):
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {},
              "status": "Failure", "message": message}
    if reason:
        status["reason"] = reason
    if details is not None:
        status["details"] = details
    status["code"] = code
    return status


def success_status(details=None):
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {},
              "status": "Success"}
    if details:
        status["details"] = details
    return status


def _details(res, name, kind=None):
    details = {}
    if name:
        details["name"] = name
    if res.group:
        details["group"] = res.group
    details["kind"] = kind or res.plural
    return details


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.qualified, name),
                    _details(res, name))


def already_exists(res, name):
    return ApiError(409, "AlreadyExists",
                    '%s "%s" already exists' % (res.qualified, name),
                    _details(res, name))


def conflict(res, name, why):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": %s'
                    % (res.qualified, name, why),
                    _details(res, name))


MODIFIED_MESSAGE = ("the object has been modified; please apply your changes "
                    "to the latest version and try again")


def stale_conflict(res, name):
    return conflict(res, name, MODIFIED_MESSAGE)


class FieldError:
    """One field problem, like field.Error in apimachinery."""

    def __init__(self, kind, field, value=None, detail=""):
        self.kind = kind          # "Required", "Invalid", "Forbidden", ...
        self.field = field
        self.value = value
        self.detail = detail

    REASONS = {"Required": "FieldValueRequired", "Invalid": "FieldValueInvalid",
               "TypeInvalid": "FieldValueTypeInvalid", "TooMany": "FieldValueTooMany",
               "NotFound": "FieldValueNotFound",
               "Forbidden": "FieldValueForbidden", "NotSupported": "FieldValueNotSupported",
               "Duplicate": "FieldValueDuplicate", "TooLong": "FieldValueTooLong"}
    TYPES = {"Required": "Required value", "Invalid": "Invalid value",
             "TypeInvalid": "Invalid value", "TooMany": "Too many", "NotFound": "Not found",
             "Forbidden": "Forbidden", "NotSupported": "Unsupported value",
             "Duplicate": "Duplicate value", "TooLong": "Too long"}

    def body(self):
        """The text after "<field>: " (the cause message)."""
        text = self.TYPES[self.kind]
        if self.kind in ("Invalid", "NotSupported", "Duplicate", "TypeInvalid", "TooMany",
                         "NotFound"):
            text += ": " + _go_quote(self.value)
        if self.detail:
            text += ": " + self.detail
        return text

    def __str__(self):
        return "%s: %s" % (self.field, self.body())


class GoSyntax(str):
    """A value already printed the way Go's %#v prints it (not quoted again)."""


def _go_quote(value):
    if isinstance(value, GoSyntax):
        return str(value)
    if isinstance(value, str):
        import json
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def invalid(res, name, field_errors, kind=None):
    """422 Invalid, worded like errors.NewInvalid. Some built-in kinds are
    named by their internal API group (Resource.error_group); kind overrides
    the kind named (a body with the wrong kind names that one)."""
    errs = list(field_errors)
    if len(errs) == 1:
        joined = str(errs[0])
    else:
        joined = "[" + ", ".join(str(e) for e in errs) + "]"
    group = res.group if getattr(res, "error_group", None) is None else res.error_group
    kind = kind or res.kind
    details = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [{"reason": FieldError.REASONS[e.kind], "message": e.body(),
                          "field": e.field} for e in errs]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s'
                    % ("%s.%s" % (kind, group) if group else kind, name, joined), details)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message="the server does not allow this method on the requested resource"):
    return ApiError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type, accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media "
                    "types include: " + ", ".join(accepted))


def internal_error(text):
    return ApiError(500, "InternalError", "Internal error occurred: " + text,
                    {"causes": [{"message": text}]})


def forbidden(res, name, why):
    return ApiError(403, "Forbidden", '%s "%s" is forbidden: %s' % (res.qualified, name, why),
                    _details(res, name))


def gone(message):
    return ApiError(410, "Expired", message)


def too_many_requests(retry_after):
    return ApiError(429, "TooManyRequests", "Too many requests, please try again later.",
                    {"retryAfterSeconds": retry_after},
                    headers={"Retry-After": str(retry_after)})


UNAUTHORIZED = ApiError(401, "Unauthorized", "Unauthorized")


def path_not_found():
    """404 for URLs no resource answers: kube-apiserver's mux answers these
    in plain text, not with a Status (clients then report "the server could
    not find the requested resource")."""
    exc = ApiError(404, "NotFound", "the server could not find the requested resource", {})
    exc.plain_text = "404 page not found\n"
    return exc
