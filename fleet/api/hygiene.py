"""Request hygiene: what every request must be before a controller sees it.

Request bodies are strict JSON (RFC 8259): UTF-8, no ``NaN`` /
``Infinity`` (Python's json module accepts them, and then every response
that carries the value is invalid JSON), no lone UTF-16 surrogates (they
cannot be encoded back to UTF-8, nor stored by MariaDB or PostgreSQL), no
U+0000 (PostgreSQL refuses it in text), integers that fit in 64 bits, and
nesting bounded by :data:`MAX_DEPTH`. Query strings give each parameter
once, unless it is one of :data:`REPEATABLE_PARAMS`.

Usage::

    doc = hygiene.loads(request.body)      # raises Invalid
    hygiene.check_value(yaml.safe_load(text))
"""

import json
import math
import re

from fleet.common import exception

#: Deepest nesting of arrays and objects a request body may have.
MAX_DEPTH = 32
#: Most values (of any kind) in one request body: YAML aliases can make
#: a small body a huge document.
MAX_VALUES = 200000
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: Query parameters a client may repeat (``?label=a=1&label=b=2``);
#: the host list's ``metric`` from 1.9 (its controller refuses the same
#: metric and comparison twice).
REPEATABLE_PARAMS = ('label', 'variable', 'metric')
#: Characters no name, identifier or query value may contain.
CONTROL_CHARS = re.compile(r'[\x00-\x1f\x7f]')
#: The JSON-schema pattern of a name: no control character. jsonschema
#: and OpenAPI tools read it the same way.
NO_CONTROL_PATTERN = '^[^\\x00-\\x1f\\x7f]*$'


def _reject_constant(name):
    raise exception.Invalid(
        reason=f'{name} is not a JSON number (RFC 8259); send a string '
        f'or null instead.'
    )


def loads(body):
    """Parse a request body as strict JSON.

    :param body: bytes (UTF-8) or str.
    :returns: the document, checked by :func:`check_value`.
    :raises: Invalid
    """
    if isinstance(body, bytes):
        try:
            body = body.decode('utf-8')
        except UnicodeDecodeError as e:
            raise exception.Invalid(
                reason=f'body is not UTF-8 (byte {e.start}).'
            ) from None
    try:
        doc = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise exception.Invalid(
            reason=f'body is nested deeper than {MAX_DEPTH} levels.'
        ) from None
    except ValueError as e:
        raise exception.Invalid(reason=f'body is not valid JSON: {e}') from e
    check_value(doc)
    return doc


def _check_str(value, where):
    if '\x00' in value:
        raise exception.Invalid(
            reason=f'{where or "body"}: a string holds U+0000 (NUL).'
        )
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise exception.Invalid(
            reason=f'{where or "body"}: a string holds a lone UTF-16 '
            f'surrogate (e.g. "\\ud800" without its pair); it is not '
            f'valid Unicode text.'
        ) from None


def check_value(doc):
    """Check that a parsed document is plain, storable JSON.

    Walks iteratively, so that a deep document cannot exhaust the stack.

    :raises: Invalid naming where the offending value is.
    """
    stack = [(doc, 0, '')]
    count = 0
    while stack:
        value, depth, where = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise exception.Invalid(
                reason=f'body holds more than {MAX_VALUES} values.'
            )
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise exception.Invalid(
                    reason=f'body is nested deeper than {MAX_DEPTH} levels.'
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise exception.Invalid(
                            reason=f'{where or "body"}: key {key!r} is not '
                            f'a string.'
                        )
                    _check_str(key, where)
                    stack.append((item, depth + 1, f'{where}/{key}'))
            else:
                for i, item in enumerate(value):
                    stack.append((item, depth + 1, f'{where}/{i}'))
        elif isinstance(value, str):
            _check_str(value, where.lstrip('/'))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                raise exception.Invalid(
                    reason=f'Field "{where.lstrip("/")}": integer out of '
                    f'the 64-bit range.'
                )
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise exception.Invalid(
                    reason=f'Field "{where.lstrip("/")}": number out of '
                    f'range (NaN and Infinity are not JSON).'
                )
        else:
            raise exception.Invalid(
                reason=f'Field "{where.lstrip("/")}": a '
                f'{type(value).__name__} is not a JSON value.'
            )


def check_query(multidict):
    """Each query parameter once (but :data:`REPEATABLE_PARAMS`), and no
    control character in a name or value.

    :param multidict: webob's ``request.GET``.
    :raises: InvalidParameterValue
    """
    seen = {}
    for key, value in multidict.items():
        seen[key] = seen.get(key, 0) + 1
        if CONTROL_CHARS.search(key) or CONTROL_CHARS.search(value):
            raise exception.InvalidParameterValue(
                err=f'Query parameter {key!r} holds a control character.'
            )
    repeated = sorted(
        k for k, n in seen.items() if n > 1 and k not in REPEATABLE_PARAMS
    )
    if repeated:
        raise exception.InvalidParameterValue(
            err=f'Query parameter(s) given more than once: '
            f'{", ".join(repeated)}; give each once (only '
            f'{", ".join(REPEATABLE_PARAMS)} may repeat).'
        )


def parse_int(name, value, minimum=None, maximum=INT64_MAX):
    """A strict decimal integer from a query parameter.

    ``int()`` alone takes ``" 7"``, ``"+7"``, ``"7_000"`` and non-ASCII
    digits, and any size; this takes ASCII digits only, within bounds.

    :raises: InvalidParameterValue
    """
    bounds = []
    if minimum is not None:
        bounds.append(f'>= {minimum}')
    bounds.append(f'<= {maximum}')
    what = f'{name} must be an integer {" and ".join(bounds)}'
    if not isinstance(value, str) or not re.fullmatch(r'-?[0-9]{1,19}', value):
        raise exception.InvalidParameterValue(err=f'{what}, got {value!r}.')
    number = int(value)
    if (minimum is not None and number < minimum) or number > maximum:
        raise exception.InvalidParameterValue(err=f'{what}, got {value!r}.')
    return number
