"""Version comparison of packages and kernels, as RPM and dpkg order them.

``compare('5.14.0-427.el9', '5.14.0-503.el9')`` is -1: versions are
split into runs of digits and of letters, digit runs compare as numbers
(``503 > 427``, ``10 > 9``), a digit run is newer than a letter run, and
when one version is a prefix of the other the longer is newer. An epoch
(``1:2.0``) wins over everything after it; ``~`` sorts before anything,
even the end (``1.0~rc1 < 1.0``), as both RPM and dpkg have it.

Kernel facts often carry the architecture (``5.14.0-503.el9.x86_64``);
:func:`strip_arch` removes it so that a rule written as
``5.14.0-503.el9`` matches the running kernel of that build.

Usage::

    versions.compare('1:1.0', '2.0')        # 1 (epoch)
    versions.satisfies('5.14.0-427.el9', '>=', '5.14.0-503.el9')  # False
"""

import re

_SEGMENT = re.compile(r'(~)|(\d+)|([A-Za-z]+)')
_ARCH = re.compile(
    r'\.(x86_64|aarch64|arm64|ppc64le|ppc64|s390x|i[3-6]86|noarch|amd64)$'
)

#: Comparison operators of version rules.
OPERATORS = ('<', '<=', '==', '!=', '>=', '>')


def strip_arch(version: str) -> str:
    """``5.14.0-503.el9.x86_64`` -> ``5.14.0-503.el9``."""
    return _ARCH.sub('', version)


def _split_epoch(version: str) -> tuple[int, str]:
    epoch, sep, rest = version.partition(':')
    if sep and epoch.isdigit():
        return int(epoch), rest
    return 0, version


def _segments(text: str) -> list:
    return [m.groups() for m in _SEGMENT.finditer(text)]


def _compare_text(a: str, b: str) -> int:
    sa, sb = _segments(a), _segments(b)
    for (ta, na, la), (tb, nb, lb) in zip(sa, sb, strict=False):
        if ta or tb:
            if ta and tb:
                continue
            return -1 if ta else 1
        if na is not None and nb is not None:
            diff = int(na) - int(nb)
            if diff:
                return 1 if diff > 0 else -1
            continue
        if na is not None:
            return 1  # digits are newer than letters
        if nb is not None:
            return -1
        if la != lb:
            return 1 if la > lb else -1
    if len(sa) == len(sb):
        return 0
    # One is a prefix of the other: the longer is newer, unless what it
    # has more starts with "~" (a pre-release).
    if len(sa) > len(sb):
        return -1 if sa[len(sb)][0] else 1
    return 1 if sb[len(sa)][0] else -1


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as version ``a`` is older than, equal to or newer than
    ``b``.

    :raises: ValueError if either is not a non-empty string.
    """
    for v in (a, b):
        # A version has at least one digit: "???" or "unknown" (what a
        # broken fact source prints) is not older than everything.
        if not isinstance(v, str) or not any(c.isdigit() for c in v):
            raise ValueError(f'not a version: {v!r}')
    ea, ra = _split_epoch(a.strip())
    eb, rb = _split_epoch(b.strip())
    if ea != eb:
        return 1 if ea > eb else -1
    return _compare_text(ra, rb)


def satisfies(found: str, op: str, wanted: str) -> bool:
    """Whether ``found op wanted`` holds.

    :raises: ValueError for an unknown operator or a non-version.
    """
    c = compare(found, wanted)
    if op == '<':
        return c < 0
    if op == '<=':
        return c <= 0
    if op == '==':
        return c == 0
    if op == '!=':
        return c != 0
    if op == '>=':
        return c >= 0
    if op == '>':
        return c > 0
    raise ValueError(f'unknown version operator {op!r}')
