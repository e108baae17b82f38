"""Django settings of the dashboard's unit tests: Horizon's own test
settings with fleet's enabled files merged in. No network is used."""

import os
import tempfile

from horizon.utils import secret_key
from openstack_dashboard.test.settings import *  # noqa: F401,F403
from openstack_dashboard.test.settings import HORIZON_CONFIG
from openstack_dashboard.test.settings import INSTALLED_APPS
from openstack_dashboard.utils import settings as settings_utils

import fleet_dashboard.enabled

_TMP = tempfile.mkdtemp(prefix='fleet-dashboard-tests-')
SECRET_KEY = secret_key.generate_or_read_from_file(
    os.path.join(_TMP, '.secret_key_store')
)
COMPRESS_ROOT = os.path.join(_TMP, 'compress')

_config = {'dashboards': [], 'default_dashboard': None}
_apps = []
settings_utils.update_dashboards([fleet_dashboard.enabled], _config, _apps)
HORIZON_CONFIG['panel_customization'] = (
    HORIZON_CONFIG.get('panel_customization', [])
    + _config['panel_customization']
)
INSTALLED_APPS = list(INSTALLED_APPS) + [
    a for a in _apps if a not in INSTALLED_APPS
]
