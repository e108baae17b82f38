"""Loads the drivers enabled in ``[drivers]`` through stevedore.

A name that no installed driver has, or a driver whose configuration is
wrong, raises DriverLoadError at start-up, naming the namespace and what
is installed.
"""

import threading

from oslo_config import cfg
from oslo_log import log
import stevedore

from fleet.common import exception

LOG = log.getLogger(__name__)
CONF = cfg.CONF

NAMESPACES = {
    'inventory': 'fleet.inventory',
    'monitoring': 'fleet.monitoring',
    'executor': 'fleet.executor',
    'compute': 'fleet.compute',
    'facts': 'fleet.facts',
}

_lock = threading.Lock()
_loaded = {}


def _available(namespace):
    return sorted(stevedore.ExtensionManager(namespace).names())


def _load(kind, name):
    namespace = NAMESPACES[kind]
    try:
        mgr = stevedore.DriverManager(namespace, name, invoke_on_load=True)
    except stevedore.exception.NoMatches as e:
        raise exception.DriverLoadError(
            name=name,
            namespace=namespace,
            reason='no such driver is installed; available: '
            + (', '.join(_available(namespace)) or 'none'),
        ) from e
    except Exception as e:
        raise exception.DriverLoadError(
            name=name, namespace=namespace, reason=str(e)
        ) from e
    driver = mgr.driver
    driver.name = name
    driver.validate_config()
    return driver


def get_drivers(kind):
    """Return {name: driver} for every enabled driver of ``kind``."""
    with _lock:
        if kind not in _loaded:
            names = getattr(CONF.drivers, kind)
            _loaded[kind] = {name: _load(kind, name) for name in names}
        return _loaded[kind]


def get_driver(kind, name):
    """Return one enabled driver.

    :raises: DriverNotEnabled
    """
    drivers = get_drivers(kind)
    if name not in drivers:
        raise exception.DriverNotEnabled(
            kind=kind.capitalize(),
            name=name,
            enabled=', '.join(drivers) or 'none',
        )
    return drivers[name]


def get_compute():
    """The one enabled compute driver (Nova or the simulated cloud)."""
    return get_driver('compute', CONF.drivers.compute[0])


def get_executor(name=None):
    return get_driver('executor', name or CONF.drivers.default_executor)


def get_facts_drivers():
    """{name: driver} of ``[drivers] facts``, in their merge order."""
    drivers = get_drivers('facts')
    return [(name, drivers[name]) for name in CONF.drivers.facts]


def load_all():
    """Load every enabled driver; called at service start-up.

    :raises: DriverLoadError, ConfigInvalid
    """
    # The lists are checked before anything is loaded: a second compute
    # driver must be reported as such, not as that driver's own
    # configuration error.
    if len(CONF.drivers.compute) != 1:
        raise exception.ConfigInvalid(
            error='[drivers] compute must name exactly one driver, got '
            f'{CONF.drivers.compute}'
        )
    if CONF.drivers.default_executor not in CONF.drivers.executor:
        raise exception.ConfigInvalid(
            error=f'[drivers] default_executor '
            f'{CONF.drivers.default_executor!r} is not in [drivers] '
            f'executor ({", ".join(CONF.drivers.executor)})'
        )
    for kind in NAMESPACES:
        get_drivers(kind)


def reset():
    """Forget loaded drivers (tests)."""
    with _lock:
        _loaded.clear()
