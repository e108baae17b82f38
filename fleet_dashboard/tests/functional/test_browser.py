"""The fleet dashboard in a real browser, against the minicloud's real
Keystone and Nova.

* Keystone and Nova: the minicloud's (``$FLEET_MINICLOUD_DIR/fleet.json``).
* fleet: ``fleet-conductor`` with the ``nova`` inventory and compute
  drivers (hosts synced from Nova at start; runs live-migrate through
  Nova's API) and the ``static`` facts driver (a file in which the last
  compute's kernel lags behind the others') and ``fleet-api`` with
  ``[api] auth_strategy = keystone``, on a MariaDB database of their
  own, registered as the catalog's public "fleet" endpoint at
  ``$FLEET_FUNCTIONAL_CLI_PORT`` (default 19880, the port test_cli.py
  registers too).
* Horizon: ``django-admin runserver`` with fleet_dashboard.devserver.
* Chromium headless (Debian's chromium and chromium-driver) via Selenium.

The admin boots two small servers on a compute, logs in, opens Fleet >
Hosts, starts a "drain, patch, reboot" (patch action ``noop``) on that
compute from the form and watches the run page, which updates without
reloading, until it says ``succeeded`` with every instance moved; Nova
then shows the servers ACTIVE elsewhere and the compute enabled again.
A user with only the ``fleet_observer`` role then logs in and sees the
panels, the hosts and the run, and no action button.

The second test imports an audit profile through fleet's API (a kernel
rule the lagging compute fails, a service rule every compute passes),
has the conductor gather the facts and audit, then, as the admin, opens
Fleet > Audits, the profile's compliance, the findings of the failing
rule (that compute alone) and one finding's evidence, runs Run Audit on
that compute and reads the summary; then Plans > Create Plan for it
(drain): the dry run's order and ETA, then Cancel, nothing created. The
observer sees those pages with the read-only "View Findings" and no Run
Audit or Create Plan.

Screenshots go to ``$FLEET_FUNCTIONAL_OUTPUT`` (default: the test's
tmp_path).

Runs only with ``FLEET_FUNCTIONAL=1`` (``tox -e horizon`` with it set),
under ``flock /tmp/fleet-minicloud.lock``: it changes the shared catalog
and boots servers.
"""

import json
import os
import shutil
import sys
import time

import pytest

from fleet.tests.functional import base
from fleet.tests.functional import test_cli
from fleet.tests.functional import test_keystone_auth as ks

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')
ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)
ACTIONS_DIR = os.path.join(ROOT, 'etc', 'fleet', 'actions')
FLEET_PORT = int(os.environ.get('FLEET_FUNCTIONAL_CLI_PORT', '19880'))
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
SERVERS = 2
FINAL = ('succeeded', 'failed', 'cancelled')
API_VERSION = 'fleet 1.8'
#: The kernel of every compute in the static facts, but the last one's.
KERNEL = '6.1.0-28-amd64'
KERNEL_BEHIND = '6.1.0-18-amd64'
#: An audit profile with a rule the last compute fails (its kernel is
#: behind) and one every compute passes.
PROFILE = {
    'name': 'debian12-compute-baseline',
    'description': 'Kernel patch level and nova-compute of the computes.',
    'applies_to': {'kind': ['compute']},
    'rules': [
        {
            'name': 'kernel-patch-level',
            'severity': 'critical',
            'check': {
                'type': 'kernel_version',
                'op': '>=',
                'version': '6.1.0-28',
            },
        },
        {
            'name': 'nova-compute-running',
            'severity': 'warning',
            'check': {
                'type': 'service',
                'service': 'nova-compute',
                'running': True,
                'enabled': True,
            },
        },
    ],
}
#: Row and table actions that only read (links to other pages, the
#: tables' filter): an observer may see them.
READ_ONLY_ACTIONS = ('filter', 'findings', 'all_findings')

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
def nova():
    """The bench's Nova helpers (boot, delete) and an admin connection."""
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'bench'))
    import drain_nova_baseline

    return drain_nova_baseline, drain_nova_baseline.connect(CLOUD_FILE)


@pytest.fixture(scope='module')
def output_dir(tmp_path_factory):
    path = os.environ.get('FLEET_FUNCTIONAL_OUTPUT')
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return str(tmp_path_factory.mktemp('screenshots'))


@pytest.fixture(scope='module')
def observer(cloud):
    """A user whose only role is ``fleet_observer``, on a project of its
    own; deleted (with the role, if this test created it) at the end."""
    keystone = ks._session(cloud['auth_url'], **cloud['admin'])
    created = []
    try:
        role = ks._role(keystone, 'fleet_observer', created)
        project = ks._identity(
            keystone,
            'POST',
            '/projects',
            json={
                'project': {
                    'name': base.unique('fleet-horizon-'),
                    'domain_id': 'default',
                }
            },
        ).json()['project']
        created.append(f'/projects/{project["id"]}')
        password = base.unique('pw-')
        user = ks._identity(
            keystone,
            'POST',
            '/users',
            json={
                'user': {
                    'name': base.unique('fleet-horizon-observer-'),
                    'password': password,
                    'domain_id': 'default',
                    'default_project_id': project['id'],
                }
            },
        ).json()['user']
        created.append(f'/users/{user["id"]}')
        ks._identity(
            keystone,
            'PUT',
            f'/projects/{project["id"]}/users/{user["id"]}/roles/{role["id"]}',
        )
        yield {'username': user['name'], 'password': password}
    finally:
        for path in reversed(created):
            ks._identity(keystone, 'DELETE', path, raise_exc=False)


def _behind(cloud):
    """The compute whose kernel the static facts say is behind."""
    return sorted(cloud['computes'])[-1]


def _static_facts(cloud):
    """The static facts driver's file: a Debian 12 compute with
    nova-compute running, on :data:`KERNEL` but for :func:`_behind`."""
    return {
        '_defaults': {
            'os': {'name': 'Debian', 'version': '12.8', 'family': 'Debian'},
            'kernel': KERNEL,
            'services': {
                'nova-compute': {'state': 'running', 'enabled': True}
            },
        },
        _behind(cloud): {'kernel': KERNEL_BEHIND},
    }


@pytest.fixture(scope='module')
def services(cloud, tmp_path_factory):
    """fleet-conductor (nova drivers) and fleet-api behind Keystone, in
    the catalog; Horizon. Yields Horizon's URL."""
    if base.port_open(FLEET_PORT):
        pytest.fail(
            f'port {FLEET_PORT} is taken; set FLEET_FUNCTIONAL_CLI_PORT to a '
            'free one (the catalog endpoint follows it)'
        )
    tmp = tmp_path_factory.mktemp('horizon')
    database = base.create_mysql_database()
    facts = tmp / 'facts.yaml'
    facts.write_text(json.dumps(_static_facts(cloud)))
    conf = base.write_config(
        tmp / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-horizon-'),
                'transport_url': cloud['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'keystone',
                'host_ip': '127.0.0.1',
                'port': FLEET_PORT,
            },
            'conductor': {
                'topic': base.unique('fleet-func-horizon-'),
                # Hosts from Nova at start, then every few seconds: the
                # servers the test boots show up in the Instances column.
                'sync_inventory_on_start': True,
                'inventory_sync_interval': 5,
            },
            # The computes' facts from a file (the "static" driver):
            # the minicloud's computes share this machine's kernel, so
            # one is made to lag behind for the audit to find it.
            'drivers': {
                'inventory': 'nova',
                'compute': 'nova',
                'facts': 'static',
            },
            # Gathered and audited on demand only: the test decides when.
            'facts': {'static_file': str(facts), 'interval': 0},
            'auditing': {'interval': 0},
            'executor': {'actions_dir': ACTIONS_DIR},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(cloud),
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
        base.run(
            [
                base.fleet_command('fleet-dbsync'),
                '--config-file',
                conf,
                'upgrade',
            ]
        )
        test_cli._register_endpoint(cloud, f'http://127.0.0.1:{FLEET_PORT}')
        conductor = procs.start(
            'fleet-conductor',
            [base.fleet_command('fleet-conductor'), '--config-file', conf],
        )
        conductor.wait_for_log(' started on topic ')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
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
        database.drop()


@pytest.fixture(scope='module')
def fleet_api(cloud, services):
    """``call(method, path, body=None)``: fleet's REST API as the admin,
    through the catalog's "fleet" endpoint (errors raise)."""
    sess = ks._session(cloud['auth_url'], **cloud['admin'])

    def call(method, path, body=None):
        return sess.request(
            path,
            method,
            endpoint_filter={
                'service_type': 'fleet',
                'interface': 'public',
                'region_name': cloud['region'],
            },
            headers={
                'OpenStack-API-Version': API_VERSION,
                'Accept': 'application/json',
            },
            json=body,
        )

    return call


def _new_browser():
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
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _quit(driver):
    """Quit Chromium; under load chromedriver may not answer its shutdown
    request in time: then end the chromedriver this test started."""
    try:
        driver.quit()
    except Exception as e:
        print(f'chromedriver did not quit ({e}); killing it')
        driver.service.process.kill()
        driver.service.process.wait(10)


@pytest.fixture
def browser(output_dir, request):
    driver = _new_browser()
    yield driver
    driver.save_screenshot(
        os.path.join(output_dir, f'{request.node.name}-last.png')
    )
    _quit(driver)


@pytest.fixture
def servers(nova):
    """Boot servers on a compute; delete them at the end."""
    bench, conn = nova
    booted = []

    def boot(host, count):
        uuids = bench.boot_instances(conn, host, count, prefix='fleet-hz')
        booted.extend(uuids)
        return uuids

    yield boot
    if booted:
        bench.delete_all(conn, booted)


def _usable_computes(conn):
    services = conn.nova.services.list(binary='nova-compute')
    return sorted(
        s.host
        for s in services
        if s.status == 'enabled'
        and s.state == 'up'
        and s.host in conn.config['computes']
    )


def _wait(driver, predicate, what, timeout=60):
    from selenium.common import exceptions
    from selenium.webdriver.support.ui import WebDriverWait

    # The progress block is replaced while we read it: an element found
    # may be gone the next instant; the predicate is then tried again.
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


def _login(driver, url, username, password, next_path):
    from selenium.webdriver.common.by import By

    driver.get(f'{url}/auth/login/?next={next_path}')
    driver.find_element(By.ID, 'id_username').send_keys(username)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.ID, 'loginBtn').click()


def _hosts_row(driver, url, host, timeout=90):
    """The host's row in Fleet > Hosts, reloading the page until the
    conductor's inventory sync from Nova has recorded it."""
    from selenium.webdriver.common.by import By

    def row(d):
        found = d.find_elements(By.ID, f'hosts__row__{host}')
        if found:
            return found[0]
        time.sleep(1)
        d.get(f'{url}/fleet/')
        return None

    return _wait(driver, row, f'{host} in the Hosts table', timeout=timeout)


def _choose(driver, select, value):
    """Set a <select> as a user's choice would (Horizon's theme may
    restyle selects, so set it and fire "change")."""
    driver.execute_script(
        'arguments[0].value = arguments[1];'
        'arguments[0].dispatchEvent(new Event("change", {bubbles: true}));',
        select,
        value,
    )
    assert select.get_attribute('value') == value, value


def _read_only(element_id):
    """Whether ``element_id`` is a Horizon action that only reads
    (``<table>__action_<name>`` or ``<table>__row_<id>__action_<name>``
    with a name of :data:`READ_ONLY_ACTIONS`)."""
    _, sep, name = element_id.rpartition('__action_')
    return bool(sep) and name in READ_ONLY_ACTIONS


def _action_buttons(driver):
    """The page's action buttons and links (row, table and detail-page
    actions; modal links), but not those that only read (a table's
    server-side filter, a profile's "View Findings")."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(
        By.CSS_SELECTOR,
        '[id*="__action_"], button[name="action"], a.ajax-modal, '
        'button[data-batch-action]',
    )
    return [
        e.get_attribute('id') or e.text
        for e in found
        if not _read_only(e.get_attribute('id') or '')
    ]


def test_admin_drains_a_real_compute_and_observer_sees_no_buttons(
    services, cloud, nova, servers, observer, browser, output_dir
):
    from selenium.webdriver.common.by import By

    _bench, conn = nova
    usable = _usable_computes(conn)
    if len(usable) < 2:
        pytest.skip(f'needs 2 enabled, up computes; found {usable}')
    host = usable[0]
    uuids = servers(host, SERVERS)

    t0 = time.monotonic()
    admin = cloud['admin']
    _login(
        browser,
        services,
        admin['username'],
        admin['password'],
        '/fleet/',
    )
    row = _hosts_row(browser, services, host)
    assert 'active' in row.text, row.text
    assert 'enabled (up)' in row.text, row.text

    # The inventory sync brings the booted servers into the count.
    def counted(d):
        cells = _hosts_row(d, services, host).find_elements(By.TAG_NAME, 'td')
        count = cells[6].text.strip()
        if count.isdigit() and int(count) >= SERVERS:
            return cells
        time.sleep(2)
        d.get(f'{services}/fleet/')
        return None

    _wait(browser, counted, f'{SERVERS} instances counted on {host}', 90)
    row = _hosts_row(browser, services, host)
    _no_errors(browser, 'hosts')
    browser.save_screenshot(os.path.join(output_dir, 'hosts.png'))

    # The row's primary action opens the form in a modal.
    row.find_element(By.ID, f'hosts__row_{host}__action_maintenance').click()
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
    action = modal.find_element(By.ID, 'id_action')
    # The patch action comes from fleet's action catalog (GET /v1/actions).
    offered = [
        o.get_attribute('value')
        for o in action.find_elements(By.TAG_NAME, 'option')
    ]
    assert 'noop' in offered, offered
    _choose(browser, kind, 'drain_patch_reboot')
    _choose(browser, action, 'noop')
    modal.find_element(By.ID, 'id_max_parallel').send_keys('2')
    browser.save_screenshot(os.path.join(output_dir, 'start-maintenance.png'))
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary').click()

    # Horizon follows the form's redirect to the run page.
    _wait(
        browser,
        lambda d: (
            '/fleet/executions/' in d.current_url
            and d.find_elements(By.ID, 'fleet-run-progress')
        ),
        'the run page',
    )
    run_path = browser.current_url.split(services, 1)[1].split('?')[0]
    run_uuid = run_path.rstrip('/').split('/')[-1]
    # A mark on the page: a full reload would drop it.
    browser.execute_script('window.fleetNoReload = "still here";')
    shot_running = False

    def final_state(d):
        nonlocal shot_running
        state = d.find_element(By.ID, 'fleet-run-state').text
        if not shot_running and state == 'running':
            d.save_screenshot(os.path.join(output_dir, 'run-running.png'))
            shot_running = True
        return state if state in FINAL else None

    state = _wait(browser, final_state, 'the run to end', timeout=300)
    browser.save_screenshot(os.path.join(output_dir, 'run-succeeded.png'))
    body = browser.find_element(By.TAG_NAME, 'body').text
    assert state == 'succeeded', body
    assert browser.execute_script('return window.fleetNoReload') == (
        'still here'
    ), 'the run page reloaded itself'
    polls = int(
        browser.find_element(By.ID, 'fleet-run-progress').get_attribute(
            'data-poll-count'
        )
    )
    assert polls >= 1, 'the progress block was never refreshed'
    # The header's buttons followed: a finished run cannot be cancelled.
    assert not browser.find_elements(
        By.ID, f'runs__row_{run_uuid}__action_cancel'
    ), 'Cancel Run still offered on a finished run'
    moved, total = browser.find_element(By.ID, 'fleet-run-moved').text.split(
        '/'
    )
    # Others may have left servers on the shared compute: they move too.
    assert moved == total and int(total) >= SERVERS, (moved, total)
    instances = browser.find_element(By.ID, 'run_instances').text
    for uuid in uuids:
        assert uuid in instances, instances
    assert instances.count('migrated') == int(total), instances

    # Nova agrees: the servers are ACTIVE elsewhere, the compute enabled.
    for uuid in uuids:
        server = conn.nova.servers.get(uuid)
        assert server.status == 'ACTIVE', (uuid, server.status)
        assert getattr(server, 'OS-EXT-SRV-ATTR:host') != host, uuid
    service = conn.nova.services.list(host=host, binary='nova-compute')[0]
    assert service.status == 'enabled', service.disabled_reason

    # Back on Hosts: the run no longer holds the host.
    browser.get(f'{services}/fleet/')
    row = _hosts_row(browser, services, host)
    links = [
        a.get_attribute('href') for a in row.find_elements(By.TAG_NAME, 'a')
    ]
    assert not [h for h in links if run_path in h], links
    print(f'admin flow took {time.monotonic() - t0:.1f} s: {row.text}')

    # The other panels render the real API's answers without an error.
    for panel, table_id in (
        ('executions', 'runs'),
        ('alerts', 'alerts'),
        ('runbooks', 'runbooks'),
    ):
        browser.get(f'{services}/fleet/{panel}/')
        _wait(
            browser,
            lambda d, t=table_id: d.find_elements(By.ID, t),
            f'the {panel} table',
        )
        _no_errors(browser, panel)
    browser.get(f'{services}/fleet/hosts/{host}/?tab=host_details__history')
    _wait(browser, lambda d: d.find_elements(By.ID, 'history'), 'history')

    # The read-only persona, in a browser of its own.
    reader = _new_browser()
    try:
        _login(
            reader,
            services,
            observer['username'],
            observer['password'],
            '/fleet/',
        )
        row = _hosts_row(reader, services, host)
        assert 'active' in row.text, row.text
        reader.save_screenshot(os.path.join(output_dir, 'observer-hosts.png'))
        assert _action_buttons(reader) == [], _action_buttons(reader)
        # The sidebar has the Fleet dashboard, not Admin.
        sidebar = reader.find_element(By.ID, 'sidebar').text
        assert 'Fleet' in sidebar and 'Admin' not in sidebar, sidebar
        for path, element in (
            (run_path, 'fleet-run-progress'),
            ('/fleet/executions/', f'runs__row__{run_uuid}'),
            (f'/fleet/hosts/{host}/', 'host_details'),
            ('/fleet/alerts/', 'alerts'),
            ('/fleet/runbooks/', 'runbooks'),
        ):
            _observer_page(reader, services, path, element)
    finally:
        reader.save_screenshot(os.path.join(output_dir, 'observer-last.png'))
        _quit(reader)


def _buttons_named(driver, label):
    """The visible links and buttons whose text is ``label``."""
    from selenium.webdriver.common.by import By

    return [
        e
        for e in driver.find_elements(By.CSS_SELECTOR, 'a, button')
        if e.get_attribute('textContent').strip() == label and e.is_displayed()
    ]


def _cells(row):
    """The texts of a table row's cells, without the (hidden) column
    of check boxes Horizon puts first."""
    from selenium.webdriver.common.by import By

    return [
        c.text
        for c in row.find_elements(
            By.CSS_SELECTOR, 'td:not(.multi_select_column)'
        )
    ]


def _no_errors(driver, where):
    from selenium.webdriver.common.by import By

    errors = driver.find_elements(By.CSS_SELECTOR, '.alert-danger')
    assert not [e.text for e in errors if e.text], (
        where,
        [e.text for e in errors],
    )


def _observer_page(reader, services, path, element):
    """Open ``path`` as the observer, wait for ``element``: no acting
    button on it, no error message."""
    from selenium.webdriver.common.by import By

    reader.get(services + path)
    _wait(
        reader,
        lambda d: d.find_elements(By.ID, element),
        f'{path} for the observer',
    )
    assert _action_buttons(reader) == [], (path, _action_buttons(reader))
    _no_errors(reader, path)


def _modal(driver, modal_id, what):
    from selenium.webdriver.common.by import By

    return _wait(
        driver,
        lambda d: [
            m for m in d.find_elements(By.ID, modal_id) if m.is_displayed()
        ],
        what,
    )[0]


def _audited(fleet_api, profile, rule, hosts, timeout=60):
    """Wait until ``rule`` of ``profile`` has a finding on every host of
    ``hosts``; returns the findings by host name."""
    deadline = time.monotonic() + timeout
    while True:
        findings = fleet_api(
            'GET', f'/v1/findings?profile={profile}&rule={rule}&limit=1000'
        ).json()['findings']
        by_host = {f['host_name']: f for f in findings}
        if set(hosts) <= set(by_host):
            return by_host
        if time.monotonic() > deadline:
            raise AssertionError(
                f'{rule} not audited on {sorted(set(hosts) - set(by_host))} '
                f'within {timeout} s: {findings}'
            )
        time.sleep(1)


def test_admin_audits_and_previews_a_plan_observer_sees_no_buttons(
    services, cloud, fleet_api, observer, browser, output_dir
):
    from selenium.webdriver.common.by import By

    name = PROFILE['name']
    kernel_rule = PROFILE['rules'][0]['name']
    behind = _behind(cloud)

    # The hosts come from Nova's computes at the conductor's start.
    deadline = time.monotonic() + 60
    while True:
        hosts = fleet_api('GET', '/v1/hosts?limit=1000').json()['hosts']
        computes = sorted(h['name'] for h in hosts if h['kind'] == 'compute')
        if set(cloud['computes']) <= set(computes):
            break
        assert time.monotonic() < deadline, computes
        time.sleep(1)

    # The profile, imported as "openstack fleet audit profile import"
    # does (created, or replaced if a run before left it); then the
    # conductor gathers the facts (the static file) and audits.
    counts = fleet_api(
        'POST', '/v1/audit_profiles/import', {'profiles': [PROFILE]}
    ).json()
    assert counts['created'] + counts['updated'] == 1, counts
    accepted = fleet_api(
        'POST', '/v1/audits', {'profiles': [name], 'gather': True}
    )
    assert accepted.status_code == 202, accepted.text
    findings = _audited(fleet_api, name, kernel_rule, computes)
    failing = sorted(h for h, f in findings.items() if f['result'] == 'fail')
    assert failing == [behind], findings
    compliance = fleet_api(
        'GET', f'/v1/audit_profiles/{name}/compliance'
    ).json()
    print(f'compliance of {name}: {compliance}')
    assert compliance['totals']['fail'] == 1, compliance

    # Fleet > Audits: the profile.
    admin = cloud['admin']
    _login(
        browser,
        services,
        admin['username'],
        admin['password'],
        '/fleet/audits/',
    )
    row = _wait(
        browser,
        lambda d: d.find_element(By.ID, f'profiles__row__{name}'),
        f'{name} in the Audit Profiles table',
    )
    cells = _cells(row)
    assert cells[:4] == [
        name,
        PROFILE['description'],
        'Yes',
        str(len(PROFILE['rules'])),
    ], cells
    assert row.find_elements(By.ID, f'profiles__row_{name}__action_run_audit')
    _no_errors(browser, 'audits')
    browser.save_screenshot(os.path.join(output_dir, 'audits.png'))

    # The profile's page: the totals and each rule's counts of hosts.
    row.find_element(By.LINK_TEXT, name).click()
    totals = _wait(
        browser,
        lambda d: d.find_element(By.ID, 'fleet-audit-totals'),
        f'the page of {name}',
    )
    expected = compliance['totals']
    for label, result in (('Pass', 'pass'), ('Fail', 'fail')):
        assert f'{expected[result]} {label}' in totals.text, totals.text
    rule_row = browser.find_element(By.ID, f'rules__row__{kernel_rule}')
    cells = _cells(rule_row)
    # Rule, severity, check, then pass, fail, error, not applicable.
    assert cells[0] == kernel_rule and cells[1] == 'critical', cells
    assert cells[3:7] == [str(len(computes) - 1), '1', '0', '0'], cells
    zones = browser.find_element(By.ID, 'zones').text
    assert kernel_rule in zones, zones
    _no_errors(browser, 'profile page')
    browser.save_screenshot(os.path.join(output_dir, 'audit-profile.png'))

    # The rule's failure count links to those findings: the lagging host.
    rule_row.find_element(By.CSS_SELECTOR, 'a[href*="result=fail"]').click()
    query = _wait(
        browser,
        lambda d: d.find_element(By.ID, 'fleet-findings-query'),
        'the findings of the failing rule',
    )
    for key, value in (
        ('profile', name),
        ('rule', kernel_rule),
        ('result', 'fail'),
    ):
        assert f'{key}={value}' in query.text, query.text
    rows = browser.find_elements(
        By.CSS_SELECTOR, '#findings tbody tr[id^="findings__row__"]'
    )
    texts = [r.text for r in rows]
    assert len(rows) == 1 and behind in texts[0], texts
    assert 'fail' in texts[0] and 'critical' in texts[0], texts
    _no_errors(browser, 'findings')
    browser.save_screenshot(os.path.join(output_dir, 'findings.png'))

    # A finding's page: the evidence is the kernel the facts gave.
    rows[0].find_element(By.LINK_TEXT, kernel_rule).click()
    _wait(
        browser,
        lambda d: KERNEL_BEHIND in d.find_element(By.ID, 'main_content').text,
        'the evidence of the finding',
    )
    _no_errors(browser, 'finding')
    browser.save_screenshot(os.path.join(output_dir, 'finding.png'))

    # Run Audit, from the profile's page, of the lagging compute: the
    # facts held. (An audit of every host would check again only the
    # hosts changed since the last one, which the inventory sync decides.)
    browser.get(f'{services}/fleet/audits/profiles/{name}/')
    _wait(
        browser,
        lambda d: d.find_element(
            By.ID, f'profiles__row_{name}__action_run_audit'
        ),
        'Run Audit on the profile page',
    ).click()
    modal = _modal(browser, 'run_audit_modal', 'the Run Audit form')
    assert not modal.find_element(By.ID, 'id_gather').is_selected()
    modal.find_element(By.ID, 'id_hosts').send_keys(behind)
    browser.save_screenshot(os.path.join(output_dir, 'run-audit.png'))
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary').click()

    def success(d):
        # Horizon fades success messages out after a few seconds:
        # textContent still reads a hidden one.
        for alert in d.find_elements(By.CSS_SELECTOR, '.alert-success'):
            text = alert.get_attribute('textContent')
            if 'Audited' in text:
                return ' '.join(text.split())
        return None

    message = _wait(browser, success, 'the Run Audit success message')
    browser.save_screenshot(os.path.join(output_dir, 'run-audit-done.png'))
    print(f'Run Audit: {message}')
    rules = len(PROFILE['rules'])
    assert (
        f'Audited 1 host(s) against {name}: {rules - 1} pass, 1 fail, '
        '0 error, 0 notapplicable; 0 result(s) changed.'
    ) in message, message
    assert f'/fleet/audits/profiles/{name}/' in browser.current_url

    # Plans > Create Plan: the dry run's order and ETA, then Cancel.
    plan_name = base.unique('hz-drain-')
    browser.get(f'{services}/fleet/plans/')
    _wait(
        browser,
        lambda d: d.find_element(By.ID, 'plans__action_create'),
        'Create Plan on the Plans page',
    ).click()
    modal = _modal(browser, 'create_plan_modal', 'the Create Plan form')
    modal.find_element(By.ID, 'id_name').send_keys(plan_name)
    modal.find_element(By.ID, 'id_hosts').send_keys(behind)
    _choose(browser, modal.find_element(By.ID, 'id_kind'), 'drain')
    assert modal.find_element(By.ID, 'id_dry_run').is_selected()
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary').click()
    preview = _wait(
        browser,
        lambda d: [
            p
            for p in d.find_elements(By.ID, 'fleet-plan-preview')
            if p.is_displayed()
        ],
        'the dry run of the plan',
    )[0]
    print(f'plan preview: {preview.text}')
    assert 'Dry run: nothing was created' in preview.text, preview.text
    assert behind in preview.text, preview.text
    eta = browser.find_element(By.ID, 'fleet-plan-preview-eta').text
    assert eta, preview.text
    modal = _modal(browser, 'create_plan_modal', 'the form after the dry run')
    # The box is cleared: the next submit would create the plan.
    assert not modal.find_element(By.ID, 'id_dry_run').is_selected()
    assert modal.find_element(By.ID, 'id_hosts').get_attribute('value') == (
        behind
    )
    browser.save_screenshot(os.path.join(output_dir, 'plan-create.png'))
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .cancel').click()
    _wait(
        browser,
        lambda d: (
            not [
                m
                for m in d.find_elements(By.ID, 'create_plan_modal')
                if m.is_displayed()
            ]
        ),
        'the form to close',
    )
    plans = fleet_api('GET', f'/v1/plans?name={plan_name}').json()['plans']
    assert plans == [], plans

    # The read-only persona: the same pages, the read-only links, and no
    # Run Audit or Create Plan.
    reader = _new_browser()
    try:
        _login(
            reader,
            services,
            observer['username'],
            observer['password'],
            '/fleet/audits/',
        )
        row = _wait(
            reader,
            lambda d: d.find_element(By.ID, f'profiles__row__{name}'),
            f'{name} for the observer',
        )
        reader.save_screenshot(os.path.join(output_dir, 'observer-audits.png'))
        # Read-only actions are shown (so the check below looks at a
        # page with actions), acting ones not.
        assert row.find_elements(
            By.ID, f'profiles__row_{name}__action_findings'
        )
        for path, element in (
            ('/fleet/audits/', f'profiles__row__{name}'),
            (f'/fleet/audits/profiles/{name}/', 'fleet-audit-totals'),
            (f'/fleet/audits/findings/?profile={name}', 'findings'),
            ('/fleet/plans/', 'plans'),
        ):
            _observer_page(reader, services, path, element)
            assert not reader.find_elements(
                By.CSS_SELECTOR,
                '[id$="__action_run_audit"], [id$="__action_create"]',
            ), path
            for label in ('Run Audit', 'Create Plan'):
                assert not _buttons_named(reader, label), (path, label)
        reader.save_screenshot(os.path.join(output_dir, 'observer-plans.png'))
    finally:
        _quit(reader)
