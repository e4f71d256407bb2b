"""Errors a user can fix; every interface shows their message as one line."""


class BadRequest(ValueError):
    """Input that cannot be answered as given (empty question, bad filter, ...)."""


class NotFound(LookupError):
    """An article id that is not in the store."""
