"""Where the minicloud keeps its files, and its persisted parameters."""

import json
import os

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONSTRAINTS = os.path.join(HERE, 'upper-constraints-2026.1.txt')
FAKE_DRIVER = os.path.join(HERE, 'fleetfake.py')

PACKAGES = [
    'nova==33.0.2',
    'keystone==29.1.0',
    'openstack-placement==15.0.0',
    'glance==32.0.0',
    'neutron==28.0.2',
    'python-openstackclient',
    'python-novaclient',
    'osc-placement',
    'PyMySQL',
    'gunicorn',
]

REGION = 'RegionOne'
# Test-bed credentials on loopback, written to clouds.yaml and fleet.json.
ADMIN_PASSWORD = 'admin'  # noqa: S105
SERVICE_PASSWORD = 'minicloud'  # noqa: S105
DB_USER = 'openstack'
DB_PASSWORD = 'openstack'  # noqa: S105
DATABASES = [
    'keystone',
    'placement',
    'nova_api',
    'nova_cell0',
    'nova_cell1',
    'glance',
    'neutron',
]
TRANSPORT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
FLAVOR = {'name': 'm1.tiny', 'vcpus': 1, 'ram': 128, 'disk': 1}
IMAGE_NAME = 'fake-image'

# name -> (type of default, environment variable, default)
PARAMS = {
    'computes': (int, 'FLEET_MINICLOUD_COMPUTES', 3),
    'migration_seconds': (float, 'FLEET_MINICLOUD_MIGRATION_SECONDS', 2.0),
    'debug': (bool, 'FLEET_MINICLOUD_DEBUG', False),
    'port_base': (int, 'FLEET_MINICLOUD_PORT_BASE', 15000),
    'keystone_port': (int, 'FLEET_MINICLOUD_KEYSTONE_PORT', None),
}


def _to_bool(value):
    return str(value).strip().lower() in ('1', 'true', 'yes', 'on')


class State:
    """Paths under ``$FLEET_MINICLOUD_DIR`` (default ~/.fleet-minicloud)."""

    def __init__(self, root=None):
        self.root = os.path.abspath(
            root
            or os.environ.get('FLEET_MINICLOUD_DIR')
            or os.path.join(os.path.expanduser('~'), '.fleet-minicloud')
        )
        self.venv = os.path.join(self.root, 'venv')
        self.etc = os.path.join(self.root, 'etc')
        self.logs = os.path.join(self.root, 'logs')
        self.run = os.path.join(self.root, 'run')
        self.data = os.path.join(self.root, 'data')
        self.wsgi = os.path.join(self.root, 'wsgi')
        self.stamps = os.path.join(self.data, 'stamps')
        self.params_file = os.path.join(self.root, 'params.json')
        self.params = {}

    def makedirs(self):
        for d in (
            self.root,
            self.etc,
            self.logs,
            self.run,
            self.data,
            self.wsgi,
            self.stamps,
        ):
            os.makedirs(d, exist_ok=True)

    def bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def log(self, name):
        return os.path.join(self.logs, name + '.log')

    # -- parameters -----------------------------------------------------------

    def load_params(self, overrides=None):
        """Resolve parameters: flag > environment > persisted > default."""
        persisted = {}
        if os.path.exists(self.params_file):
            with open(self.params_file) as f:
                persisted = json.load(f)
        params = {}
        for name, (kind, env, default) in PARAMS.items():
            value = default
            if name in persisted:
                value = persisted[name]
            if os.environ.get(env, '') != '':
                raw = os.environ[env]
                value = _to_bool(raw) if kind is bool else kind(raw)
            if overrides and overrides.get(name) is not None:
                value = overrides[name]
            params[name] = value
        if params['keystone_port'] is None:
            params['keystone_port'] = params['port_base']
        self.params = params
        return params

    def save_params(self):
        os.makedirs(self.root, exist_ok=True)
        with open(self.params_file, 'w') as f:
            json.dump(self.params, f, indent=2, sort_keys=True)
            f.write('\n')

    # -- derived values -------------------------------------------------------

    def ports(self):
        base = self.params['port_base']
        return {
            'keystone': self.params['keystone_port'],
            'placement': base + 1,
            'glance': base + 2,
            'neutron': base + 3,
            'nova-api': base + 4,
        }

    def url(self, service):
        port = self.ports()[service]
        suffix = {'keystone': '/v3', 'nova-api': '/v2.1'}.get(service, '')
        return 'http://127.0.0.1:%d%s' % (port, suffix)

    def computes(self):
        return ['fc%d' % i for i in range(1, self.params['computes'] + 1)]

    def db_url(self, database):
        return 'mysql+pymysql://%s:%s@127.0.0.1:3306/%s?charset=utf8' % (
            DB_USER,
            DB_PASSWORD,
            database,
        )

    # -- stamps: steps done once ----------------------------------------------

    def stamp_path(self, step):
        return os.path.join(self.stamps, step)

    def done(self, step):
        return os.path.exists(self.stamp_path(step))

    def mark(self, step, content=''):
        with open(self.stamp_path(step), 'w') as f:
            f.write(content)
