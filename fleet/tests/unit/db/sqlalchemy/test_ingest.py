"""apply_notification_batch: one transaction, the outcome of the events
applied one by one (SQLite here; MariaDB and PostgreSQL in
fleet/tests/functional/test_notification_ingest.py)."""

import datetime
from unittest import mock

from oslo_db import exception as db_exc

from fleet.common import exception
from fleet.tests import base

A = 'bbbbbbbb-0000-4000-8000-00000000000a'
B = 'bbbbbbbb-0000-4000-8000-00000000000b'


def _at(second):
    return datetime.datetime(2026, 11, 30, 21, 0, second)


def _instance(uuid, host, second, moved=None, **values):
    return {
        'kind': 'instance',
        'values': dict(values, uuid=uuid, host=host),
        'timestamp': _at(second) if second is not None else None,
        'unless_moved': moved,
    }


def _delete(uuid, second):
    return {'kind': 'delete', 'uuid': uuid, 'timestamp': _at(second)}


class TestApplyNotificationBatch(base.DbTestCase):
    def apply(self, *events):
        return [
            r['outcome'] for r in self.dbapi.apply_notification_batch(events)
        ]

    def test_created_and_deleted_within_the_batch(self):
        self.assertEqual(
            ['applied', 'applied', 'applied', 'unknown'],
            self.apply(
                _instance(A, 'h1', 1),
                _instance(B, 'h1', 1),
                _delete(A, 2),
                _delete(A, 3),
            ),
        )
        self.assertRaises(
            exception.InstanceNotFound, self.dbapi.get_instance, A
        )
        self.assertEqual('h1', self.dbapi.get_instance(B)['host'])

    def test_deleted_then_notified_again(self):
        self.apply(_instance(A, 'h1', 1, vcpus=4))
        self.assertEqual(
            ['applied', 'applied'],
            self.apply(_delete(A, 2), _instance(A, 'h2', 3)),
        )
        # As one by one: a new row, nothing kept of the deleted one.
        row = self.dbapi.get_instance(A)
        self.assertEqual(('h2', 0), (row['host'], row['vcpus']))

    def test_host_move_and_stale_are_reported(self):
        self.apply(_instance(A, 'h1', 5))
        results = self.dbapi.apply_notification_batch(
            [
                _instance(A, 'h0', 4),
                _instance(A, 'h1', 6, moved='h1', status='MIGRATING'),
                _instance(A, 'h2', 7),
                _instance(A, 'h1', 8, moved='h1', status='MIGRATING'),
                # No timestamp: applied wherever it falls, as before.
                _instance(A, 'h2', None, status='ACTIVE'),
            ]
        )
        self.assertEqual(
            ['stale', 'applied', 'applied', 'moved', 'applied'],
            [r['outcome'] for r in results],
        )
        self.assertEqual(
            {'outcome': 'applied', 'old_host': 'h1', 'new_host': 'h2'},
            results[2],
        )
        row = self.dbapi.get_instance(A)
        self.assertEqual(
            ('h2', 'ACTIVE', _at(7)),
            (row['host'], row['status'], row['notified_at']),
        )

    def test_all_or_nothing(self):
        self.apply(_instance(A, 'h1', 1))
        with mock.patch(
            'fleet.db.sqlalchemy.ingest._upsert_statement',
            side_effect=db_exc.DBError('boom'),
        ):
            self.assertRaises(
                db_exc.DBError,
                self.dbapi.apply_notification_batch,
                [
                    _delete(A, 2),
                    _instance(B, 'h1', 2),
                    {
                        'kind': 'service',
                        'host': 'h9',
                        'values': {'nova_service_status': 'enabled'},
                    },
                ],
            )
        self.assertEqual('h1', self.dbapi.get_instance(A)['host'])
        self.assertRaises(
            exception.InstanceNotFound, self.dbapi.get_instance, B
        )
        self.assertRaises(exception.HostNotFound, self.dbapi.get_host, 'h9')
