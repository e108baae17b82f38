"""Audit profiles as data: a named set of rules over host facts.

A profile (JSON, or YAML through the API)::

    name: el9-compute-baseline
    description: Patch level and services of EL9 computes.
    enabled: true
    applies_to: {kind: [compute]}       # hosts outside: notapplicable
    rules:
      - name: kernel-patch-level
        severity: critical
        check: {type: kernel_version, op: '>=', version: 5.14.0-503.el9}
      - name: nova-compute-running
        check: {type: service, service: nova-compute, running: true,
                enabled: true}

The rule vocabulary is in :mod:`fleet.audits.rules`. A catalog of
profiles (``{"profiles": [...]}``) is what export gives and import takes.

Usage::

    profiles.validate(body)                  # Invalid, with the reason
    compiled = profiles.compile_profile(row)
    compiled.applies(host)
"""

from fleet.audits import rules as audit_rules
from fleet.common import exception

_NAME = {
    'type': 'string',
    'minLength': 1,
    'maxLength': 255,
    'pattern': '^[A-Za-z0-9][A-Za-z0-9._-]*$',
}
_ONE_OR_MORE = {
    'oneOf': [
        {'type': 'string', 'minLength': 1, 'maxLength': 255},
        {
            'type': 'array',
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'minItems': 1,
        },
    ]
}

APPLIES_TO = {
    'type': 'object',
    'properties': {
        'kind': _ONE_OR_MORE,
        'labels': {
            'type': 'object',
            'additionalProperties': {'type': ['string', 'null']},
        },
        'places': {
            'type': 'object',
            'properties': {k: _ONE_OR_MORE for k in audit_rules.PLACE_KEYS},
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

RULE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': {'type': ['string', 'null'], 'maxLength': 4000},
        'severity': {'type': 'string', 'enum': list(audit_rules.SEVERITIES)},
        'applies_to': APPLIES_TO,
        'check': {
            'type': 'object',
            'properties': {
                'type': {
                    'type': 'string',
                    'enum': list(audit_rules.CHECK_TYPES),
                },
            },
            'required': ['type'],
        },
    },
    'required': ['name', 'check'],
    'additionalProperties': False,
}

#: Sub-routes of /v1/audit_profiles: a profile so named could not be
#: shown by name.
RESERVED_NAMES = ('export', 'import')

PROFILE = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string'},
        'name': _NAME,
        'description': {'type': ['string', 'null'], 'maxLength': 4000},
        'enabled': {'type': 'boolean'},
        'applies_to': APPLIES_TO,
        'rules': {'type': 'array', 'items': RULE, 'maxItems': 1000},
    },
    'required': ['name', 'rules'],
    'additionalProperties': False,
}

CATALOG = {
    'type': 'object',
    'properties': {
        'profiles': {'type': 'array', 'items': PROFILE},
        'replace': {'type': 'boolean'},
    },
    'required': ['profiles'],
    'additionalProperties': False,
}


class Profile:
    """A compiled profile: its rules ready to evaluate."""

    def __init__(self, row):
        self.uuid = row.get('uuid')
        self.name = row['name']
        self.applies_to = row.get('applies_to') or {}
        self.rules = [audit_rules.compile_rule(r) for r in row['rules']]

    def applies(self, host):
        return audit_rules.applies(self.applies_to, host)

    def evaluate(self, facts, host):
        """Every rule on one host.

        :returns: ``[(rule, outcome)]`` in the profile's order.
        """
        if not self.applies(host):
            na = {
                'result': audit_rules.NOTAPPLICABLE,
                'evidence': None,
                'message': 'profile does not apply',
            }
            return [(rule, dict(na)) for rule in self.rules]
        return [(rule, rule.evaluate(facts, host)) for rule in self.rules]


def validate(body):
    """Check a profile beyond its schema: rule names unique, every rule
    checkable.

    :raises: Invalid naming the profile, the rule and the problem.
    """
    names = [r['name'] for r in body.get('rules') or []]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise exception.Invalid(
            reason=f'profile {body.get("name")}: rule name(s) '
            f'{", ".join(dupes)} appear twice'
        )
    if body.get('name') in RESERVED_NAMES:
        raise exception.Invalid(
            reason=f'a profile cannot be named {body["name"]!r}; reserved '
            f'names: {", ".join(RESERVED_NAMES)}.'
        )
    try:
        Profile(body)
    except audit_rules.RuleInvalid as e:
        raise exception.Invalid(
            reason=f'profile {body.get("name")}: {e}'
        ) from e


def compile_profile(row):
    return Profile(row)


def to_api(row):
    """A profile row as data (what the API shows and a catalog holds)."""
    return {
        'uuid': row['uuid'],
        'name': row['name'],
        'description': row['description'],
        'enabled': row['enabled'],
        'applies_to': row['applies_to'] or {},
        'rules': row['rules'],
    }


def from_api(body):
    """Column values of a profile from its (validated) data."""
    return {
        'name': body['name'],
        'description': body.get('description'),
        'enabled': body.get('enabled', True),
        'applies_to': body.get('applies_to') or {},
        'rules': body['rules'],
    }
