"""The rule vocabulary of audit profiles, and the check of one rule.

A rule is data::

    {"name": "kernel-patch-level",
     "description": "The kernel carries the fix of CVE-...",
     "severity": "critical",                 # info | warning | critical
     "applies_to": {"kind": ["compute"]},    # optional, see applies()
     "check": {"type": "kernel_version", "op": ">=",
               "version": "5.14.0-503.el9"}}

Check types (what each reads from a host's facts, see
:mod:`fleet.drivers.facts` for their shape):

``kernel_version``  ``op`` (< <= == != >= >) ``version``; fact ``kernel``
    (an architecture suffix such as ``.x86_64`` is ignored).
``package_version`` ``package`` and either ``op`` + ``version`` or
    ``state`` (``installed`` / ``absent``); fact ``packages.<package>``.
``service``         ``service`` and ``running`` and/or ``enabled``
    (booleans); fact ``services.<service>`` = ``{state, enabled}``.
``config``          ``file``, optional ``section``, ``key`` and one of
    ``equals``, ``regex``, ``absent: true``; fact
    ``config.<file>[.<section>].<key>``.
``file_hash``       ``path``, ``sha256``; fact ``files.<path>.sha256``.
``fact``            ``fact`` (a dotted path), ``op`` (``equals``,
    ``not_equals``, ``regex``, ``in``, ``exists``, or a version operator)
    and ``value``.

Each check of a rule on a host gives one of:

* ``pass`` / ``fail``, with the evidence (the value seen);
* ``error``: the facts do not say (never gathered, the driver failed,
  a value that is no version): fleet does not know, so it does not claim
  the host is wrong. A missing *section* of the facts is an error; a
  package or service absent from a gathered list is a ``fail``;
* ``notapplicable``: the rule's ``applies_to`` excludes the host.

Usage::

    rule = rules.compile_rule(raw)
    outcome = rule.evaluate(facts)   # {'result', 'evidence', 'message'}
"""

import functools
import re
import zlib

from fleet.audits import versions

PASS = 'pass'  # noqa: S105 - an audit result, not a password
FAIL = 'fail'
ERROR = 'error'
NOTAPPLICABLE = 'notapplicable'
RESULTS = (PASS, FAIL, ERROR, NOTAPPLICABLE)

SEVERITIES = ('info', 'warning', 'critical')

CHECK_TYPES = (
    'kernel_version',
    'package_version',
    'service',
    'config',
    'file_hash',
    'fact',
)
FACT_OPERATORS = ('equals', 'not_equals', 'regex', 'in', 'exists')

#: Host fields ``applies_to.places`` may name.
PLACE_KEYS = ('region', 'cell', 'availability_zone', 'rack')

_MISSING = object()


class RuleInvalid(ValueError):
    """A rule that cannot be checked; its message says why."""


@functools.lru_cache(maxsize=65536)
def _satisfies(found, op, wanted):
    # A fleet runs few distinct versions: the cache makes auditing
    # thousands of hosts a dictionary lookup per rule.
    return versions.satisfies(found, op, wanted)


def _outcome(result, evidence=None, message=''):
    return {'result': result, 'evidence': evidence, 'message': message}


def _lookup(facts, path):
    """The value at a dotted ``path`` (a list of keys), or _MISSING."""
    value = facts
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def applies(applies_to, host):
    """Whether ``host`` (a dict with ``kind``, ``labels`` and its
    places) is in scope of ``applies_to``.

    ``{"kind": ["compute"], "labels": {"role": "hv", "gpu": null},
    "places": {"availability_zone": ["az1"], "rack": "r1"}}``: every key
    given must match; a label whose value is null must only exist.
    """
    if not applies_to:
        return True
    kinds = _as_list(applies_to.get('kind'))
    if kinds and host.get('kind') not in kinds:
        return False
    labels = host.get('labels') or {}
    for key, value in (applies_to.get('labels') or {}).items():
        if key not in labels:
            return False
        if value is not None and str(labels[key]) != str(value):
            return False
    for key, value in (applies_to.get('places') or {}).items():
        if host.get(key) not in _as_list(value):
            return False
    return True


def _freeze(value):
    """A hashable form of a fact value (None if it has none)."""
    if isinstance(value, str):
        return value  # the common case; never equal to the tuples below
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            frozen = _freeze(v)
            if frozen is None and v is not None:
                return None
            items.append((k, frozen))
        return ('d', tuple(sorted(items)))
    if isinstance(value, list):
        items = tuple(_freeze(v) for v in value)
        return ('l', items)
    try:
        hash(value)
    except TypeError:
        return None
    return ('v', type(value).__name__, value)


def _sorted_repr(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _sorted_repr(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_sorted_repr(v) for v in value)
    return value


def digest(severity, message, evidence):
    """A short digest of what a finding says besides its result, stored
    with it: a later audit that finds the same compares digests instead
    of decoding every evidence, and a change of evidence, message or
    severity is still seen when the result stays."""
    text = repr((severity, message, _sorted_repr(evidence)))
    return f'{zlib.crc32(text.encode("utf-8")):08x}'


def result_line(rule, result, digest):
    """One line of a host's results text (see :func:`results_text`):
    rule names have no spaces (the profile schema), results and digests
    are words."""
    return f'{rule} {result} {digest}'


def results_text(results):
    """``{host_uuid: text}`` of result dicts (``host_uuid``, ``rule``,
    ``result``, ``digest`` or what :func:`digest` reads): a
    :func:`result_line` a result, in their order (the profile's). The one
    row of results a host the database keeps beside its findings."""
    lines = {}
    for r in results:
        lines.setdefault(r['host_uuid'], []).append(
            result_line(
                r['rule'],
                r['result'],
                r.get('digest')
                or digest(r['severity'], r['message'], r['evidence']),
            )
        )
    return {host_uuid: '\n'.join(text) for host_uuid, text in lines.items()}


def parse_results_text(text):
    """``{rule: (result, digest)}`` of a :func:`results_text` text.

    :raises: ValueError if it is not one.
    """
    out = {}
    for line in text.split('\n'):
        rule, result, found = line.split(' ')
        out[rule] = (result, found)
    return out


def profile_digest(profile):
    """A digest of what a profile checks (its rules and scope)."""
    return digest(
        None,
        None,
        {
            'rules': profile.get('rules') or [],
            'applies_to': profile.get('applies_to') or {},
        },
    )


#: Distinct fact values whose outcome a rule remembers.
_CACHE_SIZE = 4096


class Rule:
    """A compiled rule: checked once when the profile is written, so an
    audit of thousands of hosts only evaluates.

    A fleet runs few distinct values of any one fact (a handful of
    kernels, of package builds), so a rule remembers its outcome per
    distinct value of the facts it reads: auditing 10,000 hosts is then
    mostly one lookup per rule and host.
    """

    def __init__(self, raw):
        self.raw = raw
        self.name = raw['name']
        self.severity = raw.get('severity', 'warning')
        self.applies_to = raw.get('applies_to') or {}
        check = raw.get('check') or {}
        self.type = check.get('type')
        self.check = check
        method = getattr(self, f'_check_{self.type}', None)
        if self.type not in CHECK_TYPES or method is None:
            raise RuleInvalid(
                f'rule {self.name}: unknown check type {self.type!r}; '
                f'one of {", ".join(CHECK_TYPES)}'
            )
        self._evaluate = method
        self._cache = {}
        getattr(self, f'_compile_{self.type}')()

    def _need(self, *keys):
        for key in keys:
            if key not in self.check:
                raise RuleInvalid(
                    f'rule {self.name}: a {self.type} check needs "{key}"'
                )

    def _version_op(self):
        self._need('op', 'version')
        if self.check['op'] not in versions.OPERATORS:
            raise RuleInvalid(
                f'rule {self.name}: op {self.check["op"]!r} is not one of '
                f'{" ".join(versions.OPERATORS)}'
            )
        try:
            versions.compare(str(self.check['version']), '0')
        except ValueError as e:
            raise RuleInvalid(f'rule {self.name}: {e}') from e

    # kernel_version

    def _compile_kernel_version(self):
        self._version_op()

    def _check_kernel_version(self, facts):
        kernel = facts.get('kernel', _MISSING)
        if kernel is _MISSING or kernel is None:
            return _outcome(ERROR, None, 'no "kernel" fact gathered')
        return self._compare(
            'kernel', versions.strip_arch(str(kernel)), str(kernel)
        )

    def _compare(self, what, found, evidence, wanted=None):
        op = self.check['op']
        wanted = str(self.check['version'] if wanted is None else wanted)
        try:
            ok = _satisfies(found, op, wanted)
        except ValueError as e:
            return _outcome(ERROR, evidence, f'{what}: {e}')
        return _outcome(
            PASS if ok else FAIL,
            evidence,
            f'{what} {evidence} {"" if ok else "not "}{op} {wanted}',
        )

    # package_version

    def _compile_package_version(self):
        self._need('package')
        state = self.check.get('state')
        if state is not None:
            if state not in ('installed', 'absent'):
                raise RuleInvalid(
                    f'rule {self.name}: state is "installed" or "absent"'
                )
        else:
            self._version_op()

    def _check_package_version(self, facts):
        packages = facts.get('packages')
        if not isinstance(packages, dict):
            return _outcome(ERROR, None, 'no "packages" facts gathered')
        name = self.check['package']
        found = packages.get(name)
        state = self.check.get('state')
        if state == 'absent':
            return _outcome(
                FAIL if found else PASS,
                found,
                f'package {name} is '
                + (f'installed ({found})' if found else 'absent'),
            )
        if not found:
            return _outcome(FAIL, None, f'package {name} is not installed')
        if state == 'installed':
            return _outcome(PASS, found, f'package {name} {found} installed')
        # Several versions installed at once (kernels): the newest counts.
        candidates = [str(v) for v in _as_list(found)]
        try:
            newest = functools.reduce(
                lambda a, b: a if versions.compare(a, b) >= 0 else b,
                candidates,
            )
        except ValueError as e:
            return _outcome(ERROR, found, f'package {name}: {e}')
        return self._compare(f'package {name}', newest, newest)

    # service

    def _compile_service(self):
        self._need('service')
        if 'running' not in self.check and 'enabled' not in self.check:
            raise RuleInvalid(
                f'rule {self.name}: a service check needs "running" '
                f'and/or "enabled"'
            )

    def _check_service(self, facts):
        services = facts.get('services')
        if not isinstance(services, dict):
            return _outcome(ERROR, None, 'no "services" facts gathered')
        name = self.check['service']
        service = services.get(name)
        if service is None:
            return _outcome(FAIL, None, f'service {name} is not installed')
        if not isinstance(service, dict):
            return _outcome(ERROR, service, f'service {name}: not a mapping')
        wrong = []
        if 'running' in self.check:
            running = service.get('state') == 'running'
            if running != bool(self.check['running']):
                wrong.append(f'state is {service.get("state")}')
        if 'enabled' in self.check:
            if service.get('enabled') is None:
                return _outcome(
                    ERROR, service, f'service {name}: "enabled" not gathered'
                )
            if bool(service['enabled']) != bool(self.check['enabled']):
                wrong.append(
                    'enabled' if service['enabled'] else 'not enabled'
                )
        if wrong:
            return _outcome(
                FAIL, service, f'service {name}: {", ".join(wrong)}'
            )
        return _outcome(PASS, service, f'service {name} as required')

    # config

    def _compile_config(self):
        self._need('file', 'key')
        given = [k for k in ('equals', 'regex', 'absent') if k in self.check]
        if len(given) != 1:
            raise RuleInvalid(
                f'rule {self.name}: a config check needs exactly one of '
                f'"equals", "regex", "absent"'
            )
        if 'regex' in self.check:
            self._regex = self._compile_regex(self.check['regex'])

    def _compile_regex(self, pattern):
        try:
            return re.compile(str(pattern))
        except re.error as e:
            raise RuleInvalid(
                f'rule {self.name}: bad regex {pattern!r}: {e}'
            ) from e

    def _check_config(self, facts):
        files = facts.get('config')
        path = self.check['file']
        if not isinstance(files, dict) or path not in files:
            return _outcome(ERROR, None, f'config of {path} not gathered')
        keys = [self.check['key']]
        if self.check.get('section'):
            keys.insert(0, self.check['section'])
        where = f'{path} [{self.check.get("section") or ""}] {keys[-1]}'
        value = _lookup(files[path], keys)
        if self.check.get('absent'):
            if value is _MISSING:
                return _outcome(PASS, None, f'{where} is not set')
            return _outcome(FAIL, value, f'{where} is set to {value!r}')
        if value is _MISSING:
            return _outcome(FAIL, None, f'{where} is not set')
        if 'equals' in self.check:
            ok = str(value) == str(self.check['equals'])
            expect = f'{self.check["equals"]!r}'
        else:
            ok = self._regex.search(str(value)) is not None
            expect = f'matching /{self.check["regex"]}/'
        return _outcome(
            PASS if ok else FAIL,
            value,
            f'{where} = {value!r}' + ('' if ok else f', expected {expect}'),
        )

    # file_hash

    def _compile_file_hash(self):
        self._need('path', 'sha256')

    def _check_file_hash(self, facts):
        files = facts.get('files')
        path = self.check['path']
        if not isinstance(files, dict) or path not in files:
            return _outcome(ERROR, None, f'file {path} not gathered')
        entry = files[path] or {}
        if entry.get('exists') is False:
            return _outcome(FAIL, None, f'file {path} does not exist')
        found = entry.get('sha256')
        if not found:
            return _outcome(ERROR, None, f'no sha256 of {path} gathered')
        ok = found.lower() == str(self.check['sha256']).lower()
        return _outcome(
            PASS if ok else FAIL,
            found,
            f'sha256 of {path} ' + ('matches' if ok else f'is {found}'),
        )

    # fact

    def _compile_fact(self):
        self._need('fact', 'op')
        op = self.check['op']
        if op not in FACT_OPERATORS + versions.OPERATORS:
            raise RuleInvalid(
                f'rule {self.name}: op {op!r} is not one of '
                f'{", ".join(FACT_OPERATORS + versions.OPERATORS)}'
            )
        if op != 'exists':
            self._need('value')
        if op == 'regex':
            self._regex = self._compile_regex(self.check['value'])
        if op == 'in' and not isinstance(self.check['value'], list):
            raise RuleInvalid(f'rule {self.name}: "in" needs a list value')
        self._path = str(self.check['fact']).split('.')

    def _check_fact(self, facts):
        op = self.check['op']
        name = self.check['fact']
        value = _lookup(facts, self._path)
        if op == 'exists':
            want = self.check.get('value', True)
            found = value is not _MISSING
            return _outcome(
                PASS if found == bool(want) else FAIL,
                None if value is _MISSING else value,
                f'fact {name} ' + ('exists' if found else 'does not exist'),
            )
        if value is _MISSING:
            return _outcome(ERROR, None, f'no fact {name} gathered')
        wanted = self.check['value']
        if op in versions.OPERATORS:
            return self._compare(f'fact {name}', str(value), value, wanted)
        if op == 'equals':
            ok = value == wanted or str(value) == str(wanted)
        elif op == 'not_equals':
            ok = not (value == wanted or str(value) == str(wanted))
        elif op == 'regex':
            ok = self._regex.search(str(value)) is not None
        else:  # in
            ok = value in wanted or str(value) in [str(w) for w in wanted]
        return _outcome(
            PASS if ok else FAIL,
            value,
            f'fact {name} = {value!r}'
            + ('' if ok else f', expected {op} {wanted!r}'),
        )

    def _key(self, facts):
        """What the outcome depends on, hashable; None: do not cache."""
        check = self.check
        t = self.type
        if t == 'kernel_version':
            value = facts.get('kernel', _MISSING)
        elif t == 'package_version':
            packages = facts.get('packages', _MISSING)
            value = (
                packages.get(check['package'], None)
                if isinstance(packages, dict)
                else _MISSING
            )
        elif t == 'service':
            services = facts.get('services', _MISSING)
            if not isinstance(services, dict):
                return ('missing',)
            value = services.get(check['service'], None)
            if isinstance(value, dict):
                # Only these two decide the outcome and its evidence.
                if set(value) <= {'state', 'enabled'}:
                    return ('svc', value.get('state'), value.get('enabled'))
        elif t == 'config':
            files = facts.get('config', _MISSING)
            if not isinstance(files, dict) or check['file'] not in files:
                return ('missing',)
            keys = [check['key']]
            if check.get('section'):
                keys.insert(0, check['section'])
            value = _lookup(files[check['file']], keys)
            if value is _MISSING:
                return ('unset',)
            frozen = _freeze(value)
            return None if frozen is None else ('set', frozen)
        elif t == 'file_hash':
            files = facts.get('files', _MISSING)
            if not isinstance(files, dict) or check['path'] not in files:
                return ('missing',)
            value = files[check['path']]
            if isinstance(value, dict):
                return ('file', value.get('exists'), value.get('sha256'))
        else:
            value = _lookup(facts, self._path)
        if value is _MISSING:
            return ('missing',)
        return _freeze(value)

    def evaluate(self, facts, host=None):
        """Check this rule on one host.

        :param facts: the host's facts (dict), or None if none were ever
            gathered.
        :param host: the host (dict), for ``applies_to``; None skips it.
        :returns: ``{'result', 'evidence', 'message'}``, shared with
            the other hosts of the same facts: read it, do not change it.
        """
        if host is not None and not applies(self.applies_to, host):
            return _outcome(NOTAPPLICABLE, None, 'rule does not apply')
        if not facts:
            return _outcome(ERROR, None, 'no facts gathered for the host')
        try:
            key = self._key(facts)
            if key is not None:
                outcome = self._cache.get(key)
                if outcome is None:
                    if len(self._cache) >= _CACHE_SIZE:
                        self._cache.clear()
                    outcome = self._cache[key] = self._evaluate(facts)
                return outcome
            return self._evaluate(facts)
        except Exception as e:  # a rule must not break a whole audit
            return _outcome(ERROR, None, f'{type(e).__name__}: {e}')


def compile_rule(raw):
    """:raises: RuleInvalid"""
    if not isinstance(raw, dict) or not raw.get('name'):
        raise RuleInvalid('a rule is a mapping with a "name"')
    if raw.get('severity', 'warning') not in SEVERITIES:
        raise RuleInvalid(
            f'rule {raw["name"]}: severity is one of {", ".join(SEVERITIES)}'
        )
    return Rule(raw)
