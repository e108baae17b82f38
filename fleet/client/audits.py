"""Audits: host facts, audit profiles, audit runs and findings (API 1.6
and later)::

    client.audit_profiles.create({'name': 'el9', 'rules': [...]})
    client.audit_profiles.compliance('el9')
    client.audits.run(hosts=['cmp-1'], gather=True)
    client.findings.list(result='fail', profile='el9')
    client.hosts_facts.get('cmp-1'); client.hosts_facts.gather('cmp-1')
"""

MIN_VERSION = (1, 6)

PROFILE_FILTERS = ('name', 'enabled')
PROFILE_SORT_KEYS = ('id', 'name', 'created_at', 'updated_at')
FINDING_FILTERS = ('host', 'profile', 'rule', 'result', 'severity', 'since')
FINDING_SORT_KEYS = (
    'id',
    'host_name',
    'profile_name',
    'rule',
    'result',
    'severity',
    'checked_at',
    'changed_at',
)
RESULTS = ('pass', 'fail', 'error', 'notapplicable')


class _Manager:
    what = 'Audits'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )


class AuditProfileManager(_Manager):
    """CRUD, export / import and compliance of audit profiles."""

    path = '/v1/audit_profiles'
    what = 'Audit profiles'

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        unknown = set(filters) - set(PROFILE_FILTERS)
        if unknown:
            raise TypeError(f'Unknown profile filter(s): {sorted(unknown)}')
        params = dict(filters)
        if isinstance(params.get('enabled'), bool):
            params['enabled'] = 'true' if params['enabled'] else 'false'
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            'audit_profiles',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, ident):
        return self._request('GET', f'{self.path}/{ident}').json()

    def create(self, profile):
        return self._request('POST', self.path, json=profile).json()

    def replace(self, ident, profile):
        return self._request(
            'PUT', f'{self.path}/{ident}', json=profile
        ).json()

    def delete(self, ident):
        self._request('DELETE', f'{self.path}/{ident}')

    def compliance(self, ident):
        """Hosts per rule, result and availability zone."""
        return self._request('GET', f'{self.path}/{ident}/compliance').json()

    def export(self):
        return self._request('GET', f'{self.path}/export').json()

    def import_(self, catalog, replace=False):
        if isinstance(catalog, list):
            catalog = {'profiles': catalog}
        body = dict(catalog)
        if replace:
            body['replace'] = True
        return self._request('POST', f'{self.path}/import', json=body).json()


class AuditManager(_Manager):
    """Audit now."""

    def run(self, hosts=None, profiles=None, gather=False):
        """The summary (``hosts``, ``profiles``, ``changes``); with
        ``gather``, ``{'accepted': True}`` (the conductor gathers the facts
        first: watch the findings)."""
        body = {}
        if hosts:
            body['hosts'] = list(hosts)
        if profiles:
            body['profiles'] = list(profiles)
        if gather:
            body['gather'] = True
        return self._request('POST', '/v1/audits', json=body).json()


class FindingManager(_Manager):
    what = 'Findings'

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        unknown = set(filters) - set(FINDING_FILTERS)
        if unknown:
            raise TypeError(f'Unknown finding filter(s): {sorted(unknown)}')
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            '/v1/findings',
            'findings',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, uuid):
        """A finding with its ``history``."""
        return self._request('GET', f'/v1/findings/{uuid}').json()


class HostFactsManager(_Manager):
    what = 'Host facts'

    def get(self, host):
        return self._request('GET', f'/v1/hosts/{host}/facts').json()

    def gather(self, host):
        """Gather now, then audit: the facts, ``failed`` drivers and the
        ``audit`` summary."""
        return self._request('POST', f'/v1/hosts/{host}/facts').json()
