"""Functional tests run only when ``FLEET_FUNCTIONAL`` is set.

``tox -e functional`` sets it after bringing the minicloud up; anywhere else
(``tox -e py3``, a bare ``pytest``) every test here is skipped, never
failed, because they need real RabbitMQ, MariaDB, PostgreSQL and Keystone.
"""

import os

import pytest

from fleet.tests.functional import base

ENABLED = os.environ.get('FLEET_FUNCTIONAL', '').lower() not in (
    '',
    '0',
    'false',
    'no',
)


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(
        reason='functional test: set FLEET_FUNCTIONAL=1 or run '
        '"tox -e functional"'
    )
    here = os.path.dirname(os.path.abspath(__file__))
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
