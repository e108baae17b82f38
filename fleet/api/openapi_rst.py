"""The api-ref's operation tables, rendered from :mod:`fleet.api.openapi`.

``doc/source/conf.py`` writes them (and ``openapi.json``) at build time,
so that the reference covers every microversion up to the maximum and
can never drift from what the API serves.
"""

from fleet.api import openapi
from fleet.api.controllers.v1 import versions


def _fields(schema):
    props = schema.get('properties', {})
    required = set(schema.get('required', ()))
    return ', '.join(
        f'``{name}``' + (' (required)' if name in required else '')
        for name in props
    )


def render():
    """reST: the microversion history, then one section per resource."""
    ops = list(openapi.UNVERSIONED) + openapi.OPERATIONS
    out = ['Microversions', '-------------', '']
    for minor in range(
        versions.MINOR_MIN_VERSION, versions.MINOR_MAX_VERSION + 1
    ):
        new = [
            f'``{o.method.upper()} {o.path}``'
            for o in ops
            if o.min_version == minor and o.versioned
        ]
        new += [
            f'``{name}`` of ``{o.method.upper()} {o.path}``'
            for o in ops
            for name, first in o.query_versions.items()
            if first == minor
        ]
        changed = [
            f'``{o.method.upper()} {o.path}`` ({o.changes[minor]})'
            for o in ops
            if minor in o.changes
        ]
        text = ', '.join(new)
        if changed:
            text += ('; ' if text else '') + 'changed: ' + ', '.join(changed)
        out.append(f'* **1.{minor}**: {text or "(changes only)"}')
    out.append('')
    for tag, description in openapi.TAGS:
        tagged = [o for o in ops if o.tag == tag]
        if not tagged:
            continue
        title = tag.capitalize()
        out += [title, '-' * len(title), '', description, '']
        for o in tagged:
            head = f'{o.method.upper()} {o.path}'
            out += [f'``{head}``', '']
            out.append(f'  {o.summary}')
            details = [
                f'since 1.{o.min_version}'
                if o.versioned
                else 'every microversion',
                'success '
                + ' or '.join(str(c) for c in (o.status, *o.other_responses)),
            ]
            out += ['', '  ' + ', '.join(details) + '.']
            if o.query:
                out += [
                    '',
                    '  Query: '
                    + ', '.join(
                        f'``{name}``'
                        + (
                            f' (from 1.{o.query_versions[name]})'
                            if name in o.query_versions
                            else ''
                        )
                        for name in o.query
                    )
                    + '.',
                ]
            if o.request is not None:
                fields = _fields(o.request)
                if fields:
                    out += ['', f'  Body: {fields}.']
            for minor, text in sorted(o.changes.items()):
                out += ['', f'  1.{minor}: {text}']
            out.append('')
    return '\n'.join(out) + '\n'
