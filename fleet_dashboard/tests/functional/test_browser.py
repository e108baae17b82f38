"""The fleet dashboard in a real browser, against real services.

* Keystone: the minicloud's (``$FLEET_MINICLOUD_DIR/fleet.json``).
* fleet: ``fleet-all-in-one`` (API and conductor in one process, on the
  simulated cloud) with ``[api] auth_strategy = keystone``, registered as
  the catalog's public "fleet" endpoint at ``$FLEET_FUNCTIONAL_CLI_PORT``
  (default 19880, the port test_cli.py registers too: run both under
  ``flock /tmp/fleet-minicloud.lock``).
* Horizon: ``django-admin runserver`` with fleet_dashboard.devserver.
* Chromium headless (Debian's chromium and chromium-driver) via Selenium.

The admin logs in, opens Admin > Fleet > Hosts, starts a maintenance on a
compute from the form and watches the run page until it says
``succeeded`` with every instance moved. Screenshots go to
``$FLEET_FUNCTIONAL_OUTPUT`` (default: the test's tmp_path).

Runs only with ``FLEET_FUNCTIONAL=1`` (``tox -e horizon`` with it set).
"""

import json
import os
import shutil
import sys
import time

import pytest

from fleet.tests.functional import base
from fleet.tests.functional import test_cli

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')
FLEET_PORT = int(os.environ.get('FLEET_FUNCTIONAL_CLI_PORT', '19880'))
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
HOST = 'sim-compute-002'
INSTANCES_PER_HOST = 2

ENABLED = os.environ.get('FLEET_FUNCTIONAL', '').lower() not in (
    '',
    '0',
    'false',
    'no',
)
pytestmark = [
    pytest.mark.skipif(
        not ENABLED, reason='functional test: set FLEET_FUNCTIONAL=1'
    ),
    pytest.mark.skipif(
        not os.path.exists(CLOUD_FILE),
        reason=f'no minicloud: {CLOUD_FILE} does not exist',
    ),
]


@pytest.fixture(scope='module')
def cloud():
    with open(CLOUD_FILE) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def output_dir(tmp_path_factory):
    path = os.environ.get('FLEET_FUNCTIONAL_OUTPUT')
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return str(tmp_path_factory.mktemp('screenshots'))


@pytest.fixture(scope='module')
def services(cloud, tmp_path_factory):
    """fleet-all-in-one behind Keystone, in the catalog; Horizon."""
    if base.port_open(FLEET_PORT):
        pytest.fail(
            f'port {FLEET_PORT} is taken; set FLEET_FUNCTIONAL_CLI_PORT to a '
            'free one (the catalog endpoint follows it)'
        )
    tmp = tmp_path_factory.mktemp('horizon')
    conf = base.write_config(
        tmp / 'fleet.conf',
        {
            'database': {'connection': f'sqlite:///{tmp / "fleet.sqlite"}'},
            'api': {
                'auth_strategy': 'keystone',
                'host_ip': '127.0.0.1',
                'port': FLEET_PORT,
            },
            'fake_cloud': {
                'hosts': 3,
                'instances_per_host': INSTANCES_PER_HOST,
                'migration_seconds': 0.5,
            },
            'oslo_messaging_notifications': {'driver': 'noop'},
            'keystone_authtoken': {
                'www_authenticate_uri': cloud['auth_url'],
                'auth_url': cloud['auth_url'],
                'auth_type': 'password',
                'region_name': cloud['region'],
                'service_token_roles_required': True,
                **cloud['fleet'],
            },
        },
    )
    test_cli._register_endpoint(cloud, f'http://127.0.0.1:{FLEET_PORT}')
    procs = base.Processes(tmp)
    horizon_port = base.free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE='fleet_dashboard.devserver',
        FLEET_DASHBOARD_KEYSTONE_URL=cloud['auth_url'],
        FLEET_DASHBOARD_STATE_DIR=str(tmp),
    )
    django_admin = os.path.join(
        os.path.dirname(sys.executable), 'django-admin'
    )
    try:
        procs.start(
            'fleet-all-in-one',
            [base.fleet_command('fleet-all-in-one'), '--config-file', conf],
            port=FLEET_PORT,
        )
        procs.start(
            'horizon',
            [
                django_admin,
                'runserver',
                '--noreload',
                f'127.0.0.1:{horizon_port}',
            ],
            port=horizon_port,
            env=env,
        )
        yield f'http://127.0.0.1:{horizon_port}'
    except Exception:
        for name, log in procs.logs():
            print(f'--- {name}\n{log[-5000:]}')
        raise
    finally:
        procs.stop_all()


@pytest.fixture
def browser(output_dir, request):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail(
            'Chromium is missing: apt-get install chromium chromium-driver'
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        '--headless=new',
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--window-size=1400,1000',
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.save_screenshot(
        os.path.join(output_dir, f'{request.node.name}-last.png')
    )
    driver.quit()


def _wait(driver, predicate, what, timeout=60):
    from selenium.common import exceptions
    from selenium.webdriver.support.ui import WebDriverWait

    # The run page reloads itself: an element found may be gone the next
    # instant; the predicate is then tried again.
    try:
        return WebDriverWait(
            driver,
            timeout,
            poll_frequency=0.3,
            ignored_exceptions=(
                exceptions.StaleElementReferenceException,
                exceptions.NoSuchElementException,
            ),
        ).until(lambda d: predicate(d))
    except Exception as e:
        raise AssertionError(
            f'{what}: not within {timeout} s; page {driver.current_url}:\n'
            + driver.find_element('tag name', 'body').text[:3000]
        ) from e


def _login(driver, url, cloud, next_path):
    from selenium.webdriver.common.by import By

    driver.get(f'{url}/auth/login/?next={next_path}')
    driver.find_element(By.ID, 'id_username').send_keys(
        cloud['admin']['username']
    )
    driver.find_element(By.ID, 'id_password').send_keys(
        cloud['admin']['password']
    )
    driver.find_element(By.ID, 'loginBtn').click()


def test_admin_starts_maintenance_and_watches_it_succeed(
    services, cloud, browser, output_dir
):
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    _login(browser, services, cloud, '/fleet/hosts/')
    table = _wait(
        browser,
        lambda d: d.find_elements(By.ID, 'hosts'),
        'the Hosts table',
    )[0]
    _wait(browser, lambda d: HOST in table.text, f'{HOST} in the table')
    rows = table.find_elements(By.CSS_SELECTOR, 'tbody tr')
    names = [r.get_attribute('data-object-id') for r in rows]
    assert {'sim-compute-001', HOST, 'sim-compute-003'} <= set(names), names
    row = table.find_element(By.ID, f'hosts__row__{HOST}')
    assert 'active' in row.text, row.text
    assert str(INSTANCES_PER_HOST) in row.text, row.text
    browser.save_screenshot(os.path.join(output_dir, 'hosts.png'))

    # The row's primary action opens the form in a modal.
    row.find_element(By.ID, f'hosts__row_{HOST}__action_maintenance').click()
    modal = _wait(
        browser,
        lambda d: [
            m
            for m in d.find_elements(By.ID, 'start_maintenance_modal')
            if m.is_displayed()
        ],
        'the Start Maintenance form',
    )[0]
    kind = modal.find_element(By.ID, 'id_kind')
    assert kind.get_attribute('value') == 'drain'
    modal.find_element(By.ID, 'id_max_parallel').send_keys('2')
    browser.save_screenshot(os.path.join(output_dir, 'start-maintenance.png'))
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary').click()

    # Horizon follows the form's redirect to the run page, which reloads
    # itself until the run is final.
    _wait(
        browser,
        lambda d: '/fleet/executions/' in d.current_url,
        'the run page',
    )
    state = _wait(
        browser,
        lambda d: [
            e.text
            for e in d.find_elements(By.ID, 'fleet-run-state')
            if e.text in ('succeeded', 'failed', 'cancelled')
        ],
        'the run to end',
        timeout=90,
    )[0]
    moved = browser.find_element(By.ID, 'fleet-run-moved').text
    browser.save_screenshot(os.path.join(output_dir, 'run-succeeded.png'))
    assert state == 'succeeded', browser.find_element(By.TAG_NAME, 'body').text
    assert moved == f'{INSTANCES_PER_HOST}/{INSTANCES_PER_HOST}', moved
    instances = browser.find_element(By.ID, 'run_instances').text
    assert instances.count('migrated') == INSTANCES_PER_HOST, instances

    # Back on Hosts, the run no longer holds the host: no run link.
    run_path = browser.current_url.split(services, 1)[1]
    browser.get(f'{services}/fleet/hosts/')
    row = _wait(
        browser,
        lambda d: d.find_elements(By.ID, f'hosts__row__{HOST}'),
        'the Hosts table again',
    )[0]
    links = [
        a.get_attribute('href') for a in row.find_elements(By.TAG_NAME, 'a')
    ]
    assert not [h for h in links if run_path.split('?')[0] in h], links
    print(f'browser flow took {time.monotonic() - t0:.1f} s: {row.text}')

    # The runs list shows the run by its host's name; the other panels
    # render the real API's answers without an error message.
    run_uuid = run_path.rstrip('/').split('/')[-1]
    browser.get(f'{services}/fleet/executions/')
    run_row = _wait(
        browser,
        lambda d: d.find_elements(By.ID, f'runs__row__{run_uuid}'),
        'the run in the runs table',
    )[0]
    assert HOST in run_row.text and 'succeeded' in run_row.text, run_row.text
    for panel, table_id in (
        ('fleet_alerts', 'alerts'),
        ('fleet_runbooks', 'runbooks'),
    ):
        browser.get(f'{services}/admin/{panel}/')
        _wait(
            browser,
            lambda d, t=table_id: d.find_elements(By.ID, t),
            f'the {panel} table',
        )
        errors = browser.find_elements(By.CSS_SELECTOR, '.alert-danger')
        assert not [e.text for e in errors if e.text], [e.text for e in errors]
