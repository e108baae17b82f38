"""Facts from a YAML file (``[facts] static_file``), re-read when it
changes::

    _defaults:                 # every host, unless its own entry says
      os: {name: Rocky Linux, version: '9.4'}
    compute-1:
      kernel: 5.14.0-503.el9.x86_64
      services: {nova-compute: {state: running, enabled: true}}

A host the file does not name gets the defaults only (an empty dict if
there are none: this source knows nothing of it).
"""

import copy
import os
import threading

from oslo_config import cfg
import yaml

from fleet.common import exception
from fleet.drivers import base

CONF = cfg.CONF


def merge(into, new):
    """Merge mapping ``new`` into ``into`` key by key (in place)."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


class StaticFacts(base.FactsDriver):
    def __init__(self):
        self._lock = threading.Lock()
        self._stamp = None
        self._data = {}

    def validate_config(self):
        self._load()

    def _load(self):
        path = CONF.facts.static_file
        try:
            stat = os.stat(path)
        except OSError as e:
            raise exception.ConfigInvalid(
                error=f'[facts] static_file {path}: {e.strerror}'
            ) from e
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp == self._stamp:
                return self._data
            try:
                with open(path, encoding='utf-8') as f:
                    data = yaml.safe_load(f) or {}
            except (OSError, yaml.YAMLError) as e:
                raise exception.ConfigInvalid(
                    error=f'[facts] static_file {path}: {e}'
                ) from e
            if not isinstance(data, dict) or not all(
                isinstance(v, dict) for v in data.values()
            ):
                raise exception.ConfigInvalid(
                    error=f'[facts] static_file {path}: a mapping of host '
                    f'names to mappings of facts is expected'
                )
            self._data, self._stamp = data, stamp
            return data

    def gather(self, host):
        try:
            data = self._load()
        except exception.ConfigInvalid as e:
            raise exception.FactsError(
                host=host['name'], driver='static', reason=str(e)
            ) from e
        facts = copy.deepcopy(data.get('_defaults') or {})
        return merge(facts, data.get(host['name']) or {})
