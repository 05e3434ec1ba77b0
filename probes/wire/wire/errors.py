"""Exceptions the request loop turns into responses."""


class ProtocolError(Exception):
    """A malformed request: answered with ``error``, nothing carried out."""


class SpecError(ProtocolError):
    """A frame spec that cannot be built; the message names layer and field."""


class OpFailed(Exception):
    """The operation was carried out and failed: ``ret`` -1 with ``errno``."""

    def __init__(self, errno_name, message=""):
        super().__init__(message or errno_name)
        self.errno_name = errno_name
