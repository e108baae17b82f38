"""Functional tests run only when ``FLEET_FUNCTIONAL`` is set.

``tox -e functional`` sets it after bringing the minicloud up; anywhere else
(``tox -e py3``, a bare ``pytest``) every test here is skipped, never
failed, because they need real RabbitMQ, MariaDB, PostgreSQL and Keystone.
"""

import datetime
import json
import logging
import os

import pytest

from fleet.tests.functional import base

ENABLED = os.environ.get('FLEET_FUNCTIONAL', '').lower() not in (
    '',
    '0',
    'false',
    'no',
)
LOG = logging.getLogger(__name__)


#: The files whose tests need neither the minicloud's Keystone nor its
#: Nova (RabbitMQ, MariaDB, PostgreSQL, Redis, Prometheus, Ansible and the
#: simulated cloud only). Every other test is marked ``minicloud``: CI runs
#: those one at a time against the shared cloud (``tox -e functional -- -m
#: minicloud``) and these beside them (``tox -e functional-nocloud``). A new
#: file is a minicloud one until it is listed here.
NO_MINICLOUD = frozenset(
    {
        'test_actions.py',
        'test_ansible_facts.py',
        'test_coordination.py',
        'test_db.py',
        'test_fleet_metrics.py',
        'test_notification_ingest.py',
        'test_paging.py',
        'test_prometheus.py',
        'test_rpc.py',
    }
)


def _here():
    return os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    here = _here()
    for item in items:
        path = str(item.fspath)
        if path.startswith(here) and (
            os.path.basename(path) not in NO_MINICLOUD
        ):
            item.add_marker(pytest.mark.minicloud)
    if ENABLED:
        return
    skip = pytest.mark.skip(
        reason='functional test: set FLEET_FUNCTIONAL=1 or run '
        '"tox -e functional"'
    )
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the logs of the test's processes to its failure report."""
    outcome = yield
    report = outcome.get_result()
    procs = getattr(item, '_fleet_processes', None)
    if procs is None or not report.failed:
        return
    for name, text in procs.logs():
        report.sections.append(
            (f'{name} log ({procs.log_dir})', text[-20000:])
        )


@pytest.fixture
def procs(request, tmp_path):
    """Start processes with ``procs.start(...)``; all are stopped at the
    end of the test and their logs shown if it failed."""
    log_dir = tmp_path / 'logs'
    log_dir.mkdir()
    processes = base.Processes(log_dir)
    request.node._fleet_processes = processes
    yield processes
    processes.stop_all()


@pytest.fixture(params=sorted(base.DATABASES))
def database(request):
    """A throwaway database on each real backend (MariaDB, PostgreSQL)."""
    db = base.DATABASES[request.param]()
    yield db
    db.drop()


#: Migration states in which Nova is still moving an instance.
_MIGRATION_DONE = (
    'completed',
    'confirmed',
    'error',
    'failed',
    'cancelled',
    'reverted',
    'done',
)


def _reenable_left_disabled(config):
    """Re-enable the nova-compute services an earlier, killed run of these
    tests left disabled: their reason starts with "fleet" (fleet's own
    "fleet: maintenance run <uuid>", and every test's reason). A compute
    with a migration in flight in the last hour is left alone: something
    is using it right now.

    :returns: the hosts re-enabled.
    """
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from novaclient import client as nova_client

    session = ks_session.Session(
        auth=v3.Password(auth_url=config['auth_url'], **config['admin']),
        timeout=30,
    )
    nova = nova_client.Client(
        '2.88', session=session, region_name=config['region']
    )
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    busy = set()
    for m in nova.migrations.list(changes_since=since.isoformat()):
        if m.status not in _MIGRATION_DONE:
            busy.update((m.source_compute, m.dest_compute))
    fixed = []
    for service in nova.services.list(binary='nova-compute'):
        reason = service.disabled_reason or ''
        if service.status != 'disabled' or not reason.startswith('fleet'):
            continue
        if service.host in busy:
            LOG.warning(
                'minicloud: %s is disabled ("%s") but has a migration in '
                'flight; left as it is.',
                service.host,
                reason,
            )
            continue
        nova.services.enable(service.id)
        LOG.warning(
            'minicloud: re-enabled nova-compute on %s, left disabled by an '
            'earlier test run ("%s").',
            service.host,
            reason,
        )
        fixed.append(service.host)
    return fixed


@pytest.fixture(scope='session', autouse=True)
def minicloud_cleanup(request):
    """CI reuses the machine's running minicloud: a run killed mid-test
    (SIGKILL, a timeout) can leave a compute disabled, which would make
    every later maintenance test skip or fail for want of a target. Fix
    that once per session, before any test; log, never fail.

    Only a session that runs minicloud tests does it: one that runs the
    others (``-m 'not minicloud'``) runs beside them in CI, and would
    re-enable a compute that a maintenance test has just disabled."""
    if not any(
        item.get_closest_marker('minicloud') for item in request.session.items
    ):
        yield
        return
    state_dir = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
        os.path.expanduser('~'), '.fleet-minicloud'
    )
    path = os.path.join(state_dir, 'fleet.json')
    if ENABLED and os.path.exists(path):
        try:
            with open(path) as f:
                config = json.load(f)
            _reenable_left_disabled(config)
        except Exception as e:
            LOG.warning('minicloud: clean-up skipped: %s', e)
    yield
