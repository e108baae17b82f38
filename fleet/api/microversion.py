"""Parsing and negotiation of the ``OpenStack-API-Version`` header."""

import re

from fleet.api.controllers.v1 import versions
from fleet.common import exception

_SERVICE_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')
#: A version of any service: N.M or latest.
_ANY_VERSION_RE = re.compile(r'^([0-9]+\.[0-9]+|[Ll][Aa][Tt][Ee][Ss][Tt])$')
_VERSION_RE = re.compile(r'^([1-9][0-9]*)\.(0|[1-9][0-9]*)$')


class Version:
    """A negotiated API version, comparable as (major, minor)."""

    def __init__(self, major, minor):
        self.major = major
        self.minor = minor

    def __str__(self):
        return f'{self.major}.{self.minor}'

    def as_tuple(self):
        return (self.major, self.minor)

    def __ge__(self, other):
        return self.as_tuple() >= tuple(other)

    @staticmethod
    def min():
        return Version(1, versions.MINOR_MIN_VERSION)

    @staticmethod
    def max():
        return Version(1, versions.MINOR_MAX_VERSION)


def parse_header(value):
    """Return the Version a request asks for.

    :param value: the header's value, or None.
    :raises: Invalid for a malformed header, NotAcceptable for a version
        outside [min, max].
    """
    if value is None:
        return Version.min()
    if len(value) > 1000:
        raise exception.Invalid(reason=f'{versions.HEADER} is too long.')
    requested = None
    for part in value.split(','):
        words = part.strip().split()
        if (
            len(words) != 2
            or not _SERVICE_RE.match(words[0])
            or not _ANY_VERSION_RE.match(words[1])
        ):
            if not words or words[0].lower() != versions.SERVICE_TYPE:
                raise exception.Invalid(
                    reason=f'{versions.HEADER} "{value}" is not a list of '
                    f'"<service type> <version>", as in "fleet 1.N".'
                )
        if words[0].lower() != versions.SERVICE_TYPE:
            continue
        if len(words) != 2 or requested is not None:
            # "fleet 1.3 extra" or fleet named twice: a client that means
            # something else than it gets must be told, not served 1.0.
            raise exception.Invalid(
                reason=f'{versions.HEADER} "{value}" must name fleet once, '
                f'as "fleet 1.N" (or "fleet latest").'
            )
        requested = words[1]
    if requested is None:
        # The header may address other services only.
        return Version.min()
    if requested.lower() == 'latest':
        return Version.max()
    match = _VERSION_RE.match(requested)
    if not match:
        raise exception.Invalid(
            reason=f'{versions.HEADER} "{value}" is not of the form '
            f'"fleet 1.N" (or "fleet latest").'
        )
    version = Version(int(match.group(1)), int(match.group(2)))
    if not (
        Version.min().as_tuple()
        <= version.as_tuple()
        <= Version.max().as_tuple()
    ):
        raise exception.NotAcceptable(
            f'Version {version} was requested but the minimum and maximum '
            f'supported versions are {versions.MIN_VERSION_STRING} and '
            f'{versions.MAX_VERSION_STRING}.'
        )
    return version


def version_document(url):
    """The version entry served at / and /v1/."""
    return {
        'id': 'v1',
        'status': 'CURRENT',
        'min_version': versions.MIN_VERSION_STRING,
        'version': versions.MAX_VERSION_STRING,
        'links': [{'rel': 'self', 'href': url.rstrip('/') + '/v1/'}],
    }
