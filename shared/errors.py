"""Domain errors, each with a stable error_id for APIs and logs."""


class DomainError(Exception):
    error_id = "domain-error"
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NoSuchCase(DomainError):
    error_id = "no-such-case"
    http_status = 404


class NoSuchAdministration(DomainError):
    error_id = "no-such-administration"
    http_status = 404


class IllegalTransition(DomainError):
    """The case's status does not allow this action."""
    error_id = "illegal-transition"
    http_status = 409


class InvalidCase(DomainError):
    """A field of a case is missing or wrong."""
    error_id = "invalid-case"
    http_status = 400


class AlreadyRated(DomainError):
    """An answer is rated once; a new answer (after a reopen) can be rated again."""
    error_id = "already-rated"
    http_status = 409
