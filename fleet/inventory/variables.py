"""Variables inherited through the places hierarchy.

A host's variables are resolved from its region, then its availability
zone, its cell, its rack and finally the host itself: a later level
overrides an earlier one key by key (a shallow merge, as Craton did).
Each resolved key says which level it came from.

Usage::

    from fleet.inventory import variables

    places = variables.index_places(dbapi.list_places())
    view = variables.resolve(host, places)
    view['variables']['ntp_server'], view['sources']['ntp_server']
"""

#: Place kinds, from the widest to the narrowest.
LEVELS = ('region', 'availability_zone', 'cell', 'rack')
PLACE_KINDS = LEVELS


def index_places(places):
    """{(kind, name): place} of a list of places."""
    return {(p['kind'], p['name']): p for p in places}


def resolve(host, places):
    """Resolve ``host``'s variables.

    :param host: the host (dict) with its place columns and variables.
    :param places: {(kind, name): place}, see :func:`index_places`; a
        place the host names but that does not exist contributes nothing.
    :returns: ``{'variables': {key: value}, 'sources': {key: 'kind:name'
        or 'host'}, 'levels': [{'level', 'name', 'uuid', 'variables'}]}``,
        levels widest first, the host last.
    """
    resolved = {}
    sources = {}
    levels = []
    for kind in LEVELS:
        name = host.get(kind)
        if not name:
            continue
        place = places.get((kind, name))
        raw = dict(place['variables']) if place else {}
        levels.append(
            {
                'level': kind,
                'name': name,
                'uuid': place['uuid'] if place else None,
                'variables': raw,
            }
        )
        for key, value in raw.items():
            resolved[key] = value
            sources[key] = f'{kind}:{name}'
    own = dict(host.get('variables') or {})
    levels.append(
        {
            'level': 'host',
            'name': host['name'],
            'uuid': host.get('uuid'),
            'variables': own,
        }
    )
    for key, value in own.items():
        resolved[key] = value
        sources[key] = 'host'
    return {'variables': resolved, 'sources': sources, 'levels': levels}
