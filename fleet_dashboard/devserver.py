"""Settings to run Horizon with the fleet dashboard from this checkout,
against a running Keystone (and fleet registered in its catalog)::

    FLEET_DASHBOARD_KEYSTONE_URL=http://127.0.0.1:5000/v3 \\
    DJANGO_SETTINGS_MODULE=fleet_dashboard.devserver \\
    django-admin runserver 127.0.0.1:8080

It is Horizon's own settings module, with DEBUG (runserver serves the
static files, SCSS compiles on the first page), an in-process cache
(Horizon's default memcached is not needed) and fleet's enabled files
merged in. For development and tests only: a deployment copies the
enabled files into openstack_dashboard/local/enabled/ instead.
"""

import os
import tempfile

from openstack_dashboard.settings import *  # noqa: F401,F403
from openstack_dashboard.settings import HORIZON_CONFIG
from openstack_dashboard.settings import INSTALLED_APPS
from openstack_dashboard.utils import settings as settings_utils

import fleet_dashboard.enabled

_STATE = os.environ.get('FLEET_DASHBOARD_STATE_DIR') or tempfile.mkdtemp(
    prefix='fleet-dashboard-'
)

DEBUG = True
SECRET_KEY = (
    os.environ.get('FLEET_DASHBOARD_SECRET_KEY') or os.urandom(32).hex()
)
ALLOWED_HOSTS = ['*']
OPENSTACK_KEYSTONE_URL = os.environ.get(
    'FLEET_DASHBOARD_KEYSTONE_URL', 'http://127.0.0.1:5000/v3'
)
COMPRESS_OFFLINE = False
COMPRESS_ROOT = os.path.join(_STATE, 'static')
STATIC_ROOT = COMPRESS_ROOT
# With the default 300 entries the session is lost right after login.
CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
        'OPTIONS': {'MAX_ENTRIES': 100000},
    }
}
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'

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
