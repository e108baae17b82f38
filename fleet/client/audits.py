"""Audits: host facts, audit profiles, audit runs and findings (API 1.6
and later)::

    client.audit_profiles.create({'name': 'el9', 'rules': [...]})
    client.audit_profiles.compliance('el9')
    client.audits.run(hosts=['cmp-1'], gather=True)
    client.findings.list(result='fail', profile='el9')
    client.hosts_facts.get('cmp-1'); client.hosts_facts.gather('cmp-1')
"""

from fleet.client import base

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


class AuditProfileManager(base.CatalogManager):
    """CRUD, export / import and compliance of audit profiles."""

    path = '/v1/audit_profiles'
    key = 'audit_profiles'
    catalog_key = 'profiles'
    noun = 'profile'
    what = 'Audit profiles'
    min_version = MIN_VERSION
    filters = PROFILE_FILTERS

    def compliance(self, ident):
        """Hosts per rule, result and availability zone."""
        return self._request('GET', f'{self.path}/{ident}/compliance').json()


class AuditManager(base.Manager):
    """Audit now."""

    path = '/v1/audits'
    what = 'Audits'
    min_version = MIN_VERSION

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
        return self._post(self.path, body)


class FindingManager(base.CollectionManager):
    """Findings, each with its ``history`` when shown alone."""

    path = '/v1/findings'
    key = 'findings'
    noun = 'finding'
    what = 'Findings'
    min_version = MIN_VERSION
    filters = FINDING_FILTERS


class HostFactsManager(base.Manager):
    what = 'Host facts'
    min_version = MIN_VERSION

    def get(self, host):
        return self._request('GET', f'/v1/hosts/{host}/facts').json()

    def gather(self, host):
        """Gather now, then audit: the facts, ``failed`` drivers and the
        ``audit`` summary."""
        return self._post(f'/v1/hosts/{host}/facts')
