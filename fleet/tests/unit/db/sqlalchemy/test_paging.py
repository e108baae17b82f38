"""Property test of keyset paging: for every sort key of every list
endpoint, with NULLs and ties, paging returns every row exactly once and
in order, ascending and descending."""

import datetime

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import types

from fleet.api.controllers.v1 import alert as alert_api
from fleet.api.controllers.v1 import execution as execution_api
from fleet.api.controllers.v1 import host as host_api
from fleet.api.controllers.v1 import place as place_api
from fleet.api.controllers.v1 import runbook as runbook_api
from fleet.common import exception
from fleet.db.sqlalchemy import api as sa_api
from fleet.db.sqlalchemy import models
from fleet.db.sqlalchemy import paging
from fleet.tests import base

T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)
DATES = [T0 + datetime.timedelta(seconds=s) for s in (0, 1, 3600)]

#: resource -> (model, list method, API sort keys, required values).
ENDPOINTS = {
    'host': (
        models.Host,
        'list_hosts',
        host_api.SORT_KEYS,
        {'kind': 'compute', 'state': 'active', 'source': 'api'},
    ),
    'execution': (
        models.Execution,
        'list_executions',
        execution_api.SORT_KEYS,
        {'kind': 'drain', 'state': 'pending'},
    ),
    'alert': (
        models.Alert,
        'list_alerts',
        alert_api.SORT_KEYS,
        {
            'fingerprint': 'f',
            'name': 'a',
            'source': 'api',
            'severity': 'warning',
            'state': 'firing',
            'count': 1,
            'first_seen': T0,
            'last_seen': T0,
        },
    ),
    'place': (
        models.Place,
        'list_places',
        place_api.SORT_KEYS,
        {'kind': 'rack'},
    ),
    'runbook': (
        models.Runbook,
        'list_runbooks',
        runbook_api.SORT_KEYS,
        {},
    ),
}
CASES = [
    (resource, key)
    for resource, (_, _, keys, _) in ENDPOINTS.items()
    for key in keys
] + [('host', key) for key in host_api.METRIC_SORT_KEYS]
#: Values of a metric sort key: None is a host without a value of the
#: metric (no host_metrics row), which sorts as NULL.
METRIC_VALUES = st.one_of(st.none(), st.sampled_from([-2.0, 0.0, 1.5]))
#: Columns unique on their own (or with a constant kind): no ties.
UNIQUE = {('host', 'name'), ('runbook', 'name'), ('place', 'name')}


def _domain(column):
    """A few values of the column's type, so that ties are frequent."""
    if isinstance(column.type, types.DateTime):
        values = st.sampled_from(DATES)
    elif isinstance(column.type, types.Integer):
        values = st.integers(min_value=0, max_value=2)
    else:
        values = st.sampled_from(['a', 'b', 'B'])
    if column.nullable:
        return st.one_of(st.none(), values)
    return values


@st.composite
def scenarios(draw):
    resource, key = draw(st.sampled_from(CASES))
    model = ENDPOINTS[resource][0]
    n = draw(st.integers(min_value=0, max_value=14))
    if key == 'id':
        values = [None] * n
    elif key.startswith('metric:'):
        values = draw(st.lists(METRIC_VALUES, min_size=n, max_size=n))
    elif (resource, key) in UNIQUE:
        values = draw(st.permutations([f'n{i:02d}' for i in range(n)]))
    else:
        column = model.__table__.columns[key]
        values = draw(st.lists(_domain(column), min_size=n, max_size=n))
    limit = draw(st.integers(min_value=1, max_value=5))
    sort_dir = draw(st.sampled_from(paging.SORT_DIRS))
    return resource, key, values, limit, sort_dir


class TestPaging(base.DbTestCase):
    def _fill(self, resource, key, values):
        model, _, _, required = ENDPOINTS[resource]
        rows = []
        if key.startswith('metric:'):
            return self._fill_metric(key.partition(':')[2], values)
        with sa_api._writer() as session:
            session.execute(sa.delete(model))
            for i, value in enumerate(values):
                row = dict(required)
                row['uuid'] = uuidutils.generate_uuid()
                if 'name' in model.__table__.columns:
                    row.setdefault('name', f'n{i:02d}')
                if resource == 'alert':
                    row['fingerprint'] = f'f{i}'
                if key != 'id':
                    row[key] = value
                obj = model(**row)
                session.add(obj)
                session.flush()
                if key != 'id' and value is None:
                    # An explicit None still gets the column's default
                    # (created_at): store NULL as an old row has it.
                    session.execute(
                        sa.update(model)
                        .where(model.id == obj.id)
                        .values({key: None})
                    )
                rows.append((value, obj.id, obj.uuid))
        return rows

    def _fill_metric(self, metric, values):
        """Hosts, each with ``values[i]`` as its value of ``metric`` (no
        row for None), and a value of another metric that must not
        leak into the order."""
        _, _, _, required = ENDPOINTS['host']
        rows = []
        with sa_api._writer() as session:
            session.execute(sa.delete(models.HostMetric))
            session.execute(sa.delete(models.Host))
            for i, value in enumerate(values):
                host = models.Host(
                    uuid=uuidutils.generate_uuid(),
                    name=f'n{i:02d}',
                    **required,
                )
                session.add(host)
                session.flush()
                other = 'power_watts' if metric != 'power_watts' else 'cpu'
                samples = {other: 100.0 - i}
                if value is not None:
                    samples[metric] = value
                for name, sample in samples.items():
                    session.add(
                        models.HostMetric(
                            host_uuid=host.uuid,
                            name=name,
                            value=sample,
                            source='test',
                            sampled_at=T0,
                        )
                    )
                rows.append((value, host.id, host.uuid))
        return rows

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(scenarios())
    def test_every_row_once_in_order(self, scenario):
        resource, key, values, limit, sort_dir = scenario
        rows = self._fill(resource, key, values)
        # NULL first ascending, then values, ties broken by id.
        expected = sorted(
            rows, key=lambda r: (r[0] is not None, r[0] or 0, r[1])
        )
        if key == 'id':
            expected = sorted(rows, key=lambda r: r[1])
        if sort_dir == 'desc':
            expected.reverse()
        list_method = getattr(self.dbapi, ENDPOINTS[resource][1])
        seen = []
        marker = None
        for _ in range(len(rows) + 2):
            page = list_method(
                limit=limit, marker=marker, sort_key=key, sort_dir=sort_dir
            )
            seen.extend(r['uuid'] for r in page)
            if len(page) < limit:
                break
            marker = page[-1]['uuid']
        self.assertEqual(
            [r[2] for r in expected],
            seen,
            f'{resource} by {key} {sort_dir}, limit {limit}, values {values}',
        )

    def test_every_sort_key_is_covered(self):
        # The property test draws from CASES: every API sort key is there,
        # the host list's metric:<name> keys (API 1.9) too.
        self.assertEqual(
            sum(len(e[2]) for e in ENDPOINTS.values())
            + len(host_api.METRIC_SORT_KEYS),
            len(CASES),
        )
        self.assertIn(('host', 'metric:cpu_used_percent'), CASES)

    def test_unknown_sort_key_or_dir(self):
        self.assertRaises(
            exception.InvalidParameterValue,
            self.dbapi.list_hosts,
            sort_key='labels_nope',
        )
        self.assertRaises(
            exception.InvalidParameterValue,
            self.dbapi.list_hosts,
            sort_dir='sideways',
        )

    def test_unknown_marker(self):
        self.assertRaises(
            exception.InvalidMarker,
            self.dbapi.list_hosts,
            marker=uuidutils.generate_uuid(),
        )
