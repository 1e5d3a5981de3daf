"""The one domain error that services raise and interfaces turn into a message or a 4xx (STYLE.md 3)."""


class DomainError(Exception):
    """A rule refused the change. `code` is stable for programs; the message is for people."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class IllegalTransition(DomainError):
    def __init__(self, message: str, *, current: str, target: str):
        super().__init__(message, code="illegal_transition")
        self.current = current
        self.target = target


class InvalidFields(DomainError):
    """Several fields are wrong at once; `errors` maps each field path to its messages (answered as a 4xx)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "invalid fields"):
        super().__init__(message, code="invalid_fields")
        self.errors = errors
