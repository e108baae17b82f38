"""The executor action catalog: what runs on hosts, defined by operators.

A run never carries a command: it names an action of the catalog and
passes values for the parameters the action declares. The catalog is a
directory of YAML files (``[executor] actions_dir``), each a mapping of
action names to definitions::

    # /etc/fleet/actions/patching.yaml
    dnf-update:
      description: Update every package, reboot if the kernel changed.
      executor: ansible
      playbook: playbooks/dnf-update.yml    # relative to this file
      parameters:                           # JSON schema of the values
        type: object
        properties:
          exclude: {type: string, pattern: '^[A-Za-z0-9*._+-]+$'}
    restart-unit:
      executor: script
      ssh: true
      command: [sudo, systemctl, restart, --, '{unit}']
      parameters:
        type: object
        properties:
          unit: {type: string, maxLength: 255}
        required: [unit]

How a parameter reaches the host, and why it cannot become code:

* ``script``: ``command`` is an argument list (a string is split like a
  shell would, when the catalog is read, never after). A placeholder
  ``{name}`` is replaced inside its one list element, so a value is
  always exactly one argument, whatever spaces, ``;``, quotes or
  ``$(...)`` it holds, and no shell ever reads it (over ``ssh`` the
  remote command line is quoted element by element). A placeholder that
  is a whole element must come after a ``--`` element, so a value with a
  leading ``-`` is an operand, not an option; ``--opt={name}`` is fine
  anywhere. The program (first element) is never templated. Besides the
  parameters, ``{host}`` is the host's name, ``{host.<field>}`` one of
  its fields and ``{var.<name>}`` one of its (inherited) variables.
* ``ansible``: parameters are extra variables of the playbook, written
  to a file with every string marked ``!unsafe``, so Jinja in a value is
  never evaluated.
* ``noop``: parameters are recorded, nothing runs.

Usage::

    catalog = actions.get_catalog()
    action = catalog.get('dnf-update')           # ActionNotFound, Invalid
    values = action.validate({'exclude': 'kernel*'})   # Invalid
    run_params = {'action': action.name, 'action_parameters': values,
                  'action_definition': action.definition}
    # in the conductor, per host:
    args = actions.driver_arguments(run_params['action_definition'],
                                    values, host)
"""

import copy
import hashlib
import json
import os
import re
import shlex
import threading

import jsonschema
from oslo_config import cfg
from oslo_log import log
import yaml

from fleet.common import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

NAME_RE = re.compile(r'^[a-z0-9][a-z0-9._-]{0,62}$')
PARAMETER_RE = re.compile(r'^[a-z_][a-z0-9_]{0,62}$')
#: Placeholder names that are not parameters.
HOST_REFERENCES = ('host', 'var')
_PLACEHOLDER_RE = re.compile(r'\{\{|\}\}|\{([^{}]*)\}|[{}]')
_SCALARS = ('string', 'integer', 'number', 'boolean')
HOW_TO_ADD = (
    'Runs name an action of the operator-defined catalog instead: '
    '"action": "<name>" and "action_parameters": {...} (API 1.4; '
    'GET /v1/actions lists them). To run something new, an administrator '
    'adds an action (a playbook or a command template with a JSON schema '
    'of its parameters) to a YAML file in [executor] actions_dir on the '
    'fleet-api and fleet-conductor hosts; see the admin guide, "Executor '
    'actions".'
)

DEFINITION_SCHEMA = {
    'type': 'object',
    'properties': {
        'description': {'type': 'string', 'maxLength': 4000},
        'executor': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'timeout': {'type': 'integer', 'minimum': 1},
        'parameters': {'type': 'object'},
        # ansible
        'playbook': {'type': 'string', 'minLength': 1},
        'extra_vars': {'type': 'object'},
        'tags': {'type': 'string'},
        'skip_tags': {'type': 'string'},
        # script
        'command': {
            'oneOf': [
                {'type': 'string', 'minLength': 1},
                {
                    'type': 'array',
                    'items': {'type': 'string'},
                    'minItems': 1,
                },
            ]
        },
        'ssh': {'type': 'boolean'},
    },
    'required': ['executor'],
    'additionalProperties': False,
}
_FIELDS_OF = {
    'ansible': {'playbook', 'extra_vars', 'tags', 'skip_tags'},
    'script': {'command', 'ssh'},
}
_COMMON_FIELDS = {'description', 'executor', 'timeout', 'parameters'}


class ActionNotFound(exception.Invalid):
    _msg_fmt = (
        'No executor action %(name)s in the catalog ([executor] '
        'actions_dir); actions: %(known)s. An administrator adds one as '
        'a YAML file there (admin guide, "Executor actions").'
    )


class ActionInvalid(exception.Invalid):
    _msg_fmt = (
        'Executor action %(name)s is defined but unusable (%(error)s); '
        'an administrator must fix it in [executor] actions_dir.'
    )


def _fail(source, name, reason):
    raise exception.ConfigInvalid(
        error=f'executor action {name!r} in {source}: {reason}'
    )


def placeholders(element):
    """The placeholder names of one template element, in order.

    :raises: ValueError on a lone ``{`` or ``}``.
    """
    names = []
    for match in _PLACEHOLDER_RE.finditer(element):
        text = match.group(0)
        if text in ('{{', '}}'):
            continue
        if match.group(1) is None:
            raise ValueError(
                f'lone {text!r} in {element!r} (write {text * 2})'
            )
        names.append(match.group(1))
    return names


def _check_reference(source, name, ref, declared):
    if ref in declared:
        return
    head, _, rest = ref.partition('.')
    if ref == 'host' or (head in HOST_REFERENCES and rest):
        return
    _fail(
        source,
        name,
        f'placeholder {{{ref}}} is neither a declared parameter '
        f'({", ".join(sorted(declared)) or "none"}) nor {{host}}, '
        f'{{host.<field>}} or {{var.<name>}}',
    )


class Action:
    """One catalogued action.

    :ivar name: its name.
    :ivar definition: the checked definition, JSON-safe, playbook path
        resolved; what a run records and what its conductor runs.
    :ivar source: the file it came from.
    """

    def __init__(self, name, definition, source):
        self.name = name
        self.source = source
        self.definition = definition
        self.schema = definition['parameters']

    def to_api(self):
        definition = self.definition
        body = {
            'name': self.name,
            'description': definition.get('description'),
            'executor': definition['executor'],
            'parameters': self.schema,
            'timeout': definition.get('timeout'),
            'digest': definition['digest'],
        }
        for key in ('playbook', 'command', 'ssh', 'tags', 'skip_tags'):
            if key in definition:
                body[key] = definition[key]
        return body

    def validate(self, values):
        """Check a run's parameter values; fill in the schema's defaults.

        :returns: the values to record (JSON-safe).
        :raises: Invalid naming the offending parameter.
        """
        values = dict(values or {})
        validator = jsonschema.Draft202012Validator(self.schema)
        errors = sorted(validator.iter_errors(values), key=lambda e: e.path)
        if errors:
            error = errors[0]
            where = '/'.join(str(p) for p in error.absolute_path)
            raise exception.Invalid(
                reason=f'action {self.name}: parameter '
                f'{where or "(all)"}: {error.message}'
            )
        for key, prop in self.schema.get('properties', {}).items():
            if key not in values and 'default' in prop:
                values[key] = copy.deepcopy(prop['default'])
        missing = sorted(
            set(self.definition.get('_template_parameters', ())) - set(values)
        )
        if missing:
            raise exception.Invalid(
                reason=f'action {self.name}: parameter(s) '
                f'{", ".join(missing)} are used by its command and have no '
                f'default: give them in "action_parameters".'
            )
        return values


def _parameters_schema(source, name, schema, executor):
    schema = copy.deepcopy(
        schema if schema is not None else {'type': 'object', 'properties': {}}
    )
    if schema.get('type') != 'object':
        _fail(source, name, '"parameters" is a JSON schema of type object')
    # Only what the action declares: an unknown key is refused, never
    # passed on.
    schema['additionalProperties'] = False
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        _fail(source, name, f'"parameters" is no JSON schema: {e.message}')
    properties = schema.setdefault('properties', {})
    for key, prop in properties.items():
        if not PARAMETER_RE.match(key) or key in HOST_REFERENCES:
            _fail(
                source,
                name,
                f'parameter name {key!r}: lower case letters, digits and '
                f'"_", not "host" or "var"',
            )
        if executor == 'script' and prop.get('type') not in _SCALARS:
            _fail(
                source,
                name,
                f'parameter {key!r} of a script action needs a "type" '
                f'among {", ".join(_SCALARS)} (it becomes one argument)',
            )
    return schema


def _script_command(source, name, definition, declared):
    command = definition.get('command')
    if command is None:
        _fail(source, name, 'a script action needs "command"')
    if isinstance(command, str):
        try:
            command = shlex.split(command)
        except ValueError as e:
            _fail(source, name, f'"command" cannot be split: {e}')
    if not command:
        _fail(source, name, '"command" is empty')
    used = []
    after_separator = False
    for i, element in enumerate(command):
        try:
            refs = placeholders(element)
        except ValueError as e:
            _fail(source, name, str(e))
        if i == 0 and refs:
            _fail(source, name, 'the program (first element) is templated')
        for ref in refs:
            _check_reference(source, name, ref, declared)
        params = [r for r in refs if r in declared]
        used.extend(params)
        if params and element.startswith('{') and not after_separator:
            # A value at the start of an element could read as an option.
            _fail(
                source,
                name,
                f'element {element!r} starts with a parameter: put a "--" '
                f'element before it (end of options) or a literal prefix '
                f'such as "--opt={{...}}"',
            )
        if element == '--':
            after_separator = True
    return command, used


def load_definition(source, name, raw, base_dir):
    """Check one action definition and resolve it.

    :param source: the file, for messages.
    :param base_dir: directory a relative playbook path is resolved in.
    :returns: Action
    :raises: ConfigInvalid naming the file, the action and the problem.
    """
    if not isinstance(name, str) or not NAME_RE.match(name):
        _fail(
            source,
            name,
            'an action name is 1-63 lower case letters, digits, ".", "_" '
            'or "-"',
        )
    if not isinstance(raw, dict):
        _fail(source, name, 'a definition is a mapping')
    errors = sorted(
        jsonschema.Draft202012Validator(DEFINITION_SCHEMA).iter_errors(raw),
        key=lambda e: e.path,
    )
    if errors:
        where = '/'.join(str(p) for p in errors[0].absolute_path)
        _fail(source, name, f'{where or "definition"}: {errors[0].message}')
    executor = raw['executor']
    if executor not in CONF.drivers.executor:
        _fail(
            source,
            name,
            f'executor {executor!r} is not enabled ([drivers] executor: '
            f'{", ".join(CONF.drivers.executor)})',
        )
    allowed = _COMMON_FIELDS | _FIELDS_OF.get(executor, set())
    extra = sorted(set(raw) - allowed)
    if extra:
        _fail(
            source,
            name,
            f'field(s) {", ".join(extra)} do not apply to executor '
            f'{executor!r}',
        )
    definition = copy.deepcopy(raw)
    definition['parameters'] = _parameters_schema(
        source, name, raw.get('parameters'), executor
    )
    declared = set(definition['parameters']['properties'])
    if executor == 'ansible':
        playbook = raw.get('playbook')
        if not playbook:
            _fail(source, name, 'an ansible action needs "playbook"')
        path = os.path.realpath(os.path.join(base_dir, playbook))
        if not os.path.isfile(path):
            _fail(source, name, f'playbook {path} does not exist')
        definition['playbook'] = path
    elif executor == 'script':
        command, used = _script_command(source, name, raw, declared)
        definition['command'] = command
        definition['_template_parameters'] = sorted(set(used))
        definition.setdefault('ssh', False)
    canonical = json.dumps(
        {k: v for k, v in definition.items() if k != 'digest'},
        sort_keys=True,
    )
    definition['digest'] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    definition['name'] = name
    return Action(name, definition, source)


class Catalog:
    """The actions of a directory, re-read when a file in it changes.

    :ivar errors: ``{name or file: message}`` of what could not be used.
    """

    def __init__(self, directory):
        self.directory = directory
        self.actions = {}
        self.errors = {}
        self._stamp = None
        self._lock = threading.Lock()

    def _files(self):
        try:
            names = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return []
        return [
            os.path.join(self.directory, n)
            for n in names
            if n.endswith(('.yaml', '.yml')) and not n.startswith('.')
        ]

    def _current_stamp(self):
        stamp = []
        for path in self._files():
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            stamp.append((path, st.st_mtime_ns, st.st_size))
        return tuple(stamp)

    def refresh(self):
        """Re-read the directory if any file changed."""
        with self._lock:
            stamp = self._current_stamp()
            if stamp == self._stamp:
                return
            self.actions, self.errors = self._load()
            self._stamp = stamp

    def _load(self):
        actions, errors, seen = {}, {}, {}
        for path in self._files():
            try:
                with open(path) as f:
                    content = yaml.safe_load(f) or {}
            except (OSError, yaml.YAMLError) as e:
                errors[path] = f'cannot read {path}: {e}'
                LOG.error('Executor actions: cannot read %s: %s', path, e)
                continue
            if not isinstance(content, dict):
                errors[path] = f'{path} is not a mapping of actions'
                LOG.error('Executor actions: %s', errors[path])
                continue
            for name, raw in content.items():
                if name in seen:
                    errors[name] = f'defined in both {seen[name]} and {path}'
                    actions.pop(name, None)
                    LOG.error('Executor action %s: %s', name, errors[name])
                    continue
                seen[name] = path
                try:
                    actions[name] = load_definition(
                        path, name, raw, os.path.dirname(path)
                    )
                except exception.ConfigInvalid as e:
                    errors[str(name)] = str(e)
                    LOG.warning('%s', e)
        LOG.info(
            'Executor actions from %s: %s',
            self.directory,
            ', '.join(sorted(actions)) or 'none',
        )
        return actions, errors

    def list(self):
        self.refresh()
        return [self.actions[n] for n in sorted(self.actions)]

    def get(self, name):
        """:raises: ActionNotFound, ActionInvalid"""
        self.refresh()
        if name in self.actions:
            return self.actions[name]
        if name in self.errors:
            raise ActionInvalid(name=name, error=self.errors[name])
        raise ActionNotFound(
            name=name, known=', '.join(sorted(self.actions)) or 'none'
        )


_CATALOG = None
_CATALOG_LOCK = threading.Lock()


def get_catalog():
    """The catalog of ``[executor] actions_dir`` (one per process)."""
    global _CATALOG
    with _CATALOG_LOCK:
        if _CATALOG is None or _CATALOG.directory != CONF.executor.actions_dir:
            _CATALOG = Catalog(CONF.executor.actions_dir)
        return _CATALOG


def reset():
    global _CATALOG
    with _CATALOG_LOCK:
        _CATALOG = None


def _value_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _host_value(ref, host):
    head, _, rest = ref.partition('.')
    if ref == 'host':
        return host['name']
    if head == 'host':
        if rest not in host or isinstance(host[rest], dict | list):
            raise exception.InvalidParameterValue(
                err=f'{{{ref}}}: the host has no field {rest!r}'
            )
        return host[rest]
    variables = host.get('variables') or {}
    if rest not in variables:
        raise exception.InvalidParameterValue(
            err=f'{{{ref}}}: host {host["name"]} has no variable {rest!r}'
        )
    return variables[rest]


def render_element(element, values, host):
    """One argument of a script action, its placeholders replaced in a
    single pass (a value is never read as a template again).

    :raises: InvalidParameterValue
    """

    def replace(match):
        text = match.group(0)
        if text == '{{':
            return '{'
        if text == '}}':
            return '}'
        ref = match.group(1)
        if ref in values:
            return _value_text(values[ref])
        return _value_text(_host_value(ref, host))

    return _PLACEHOLDER_RE.sub(replace, element)


def driver_arguments(definition, values, host):
    """The executor driver's arguments for one run of an action.

    :param definition: ``Action.definition``, as the run recorded it.
    :param values: the run's validated parameter values.
    :param host: the host (dict) it runs on.
    :returns: the ``arguments`` of ``ExecutorDriver.run``.
    :raises: InvalidParameterValue
    """
    executor = definition['executor']
    values = values or {}
    if executor == 'ansible':
        arguments = {
            'playbook': definition['playbook'],
            'extra_vars': dict(definition.get('extra_vars') or {}),
            'parameters': dict(values),
        }
        for key in ('tags', 'skip_tags'):
            if definition.get(key):
                arguments[key] = definition[key]
        return arguments
    if executor == 'script':
        return {
            'argv': [
                render_element(element, values, host)
                for element in definition['command']
            ],
            'ssh': bool(definition.get('ssh')),
        }
    return {'action': definition['name'], 'parameters': dict(values)}
