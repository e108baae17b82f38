"""The inventory listener applies Nova's versioned notifications, and
acknowledges only once applied."""

from unittest import mock

from oslo_db import exception as db_exc
import oslo_messaging as messaging

from fleet.conductor import notifications
from fleet.tests import base

HANDLED = messaging.NotificationResult.HANDLED
UUID = 'aaaaaaaa-0000-4000-8000-000000000001'


def _instance(host='fc1', state='active', task_state=None):
    return {
        'nova_object.name': 'InstanceActionPayload',
        'nova_object.data': {
            'uuid': UUID,
            'display_name': 'vm1',
            'host': host,
            'state': state,
            'task_state': task_state,
            'tenant_id': 'p1',
            'flavor': {
                'nova_object.data': {
                    'name': 'm1.tiny',
                    'vcpus': 1,
                    'memory_mb': 128,
                    'root_gb': 1,
                    'ephemeral_gb': 0,
                }
            },
        },
    }


def _meta(ts):
    return {'message_id': 'm', 'timestamp': f'2026-01-01 00:00:{ts:02d}.0'}


class TestInventoryEndpoint(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.endpoint = notifications.InventoryEndpoint()
        self.host = self.create_host(name='fc1', source='nova')

    def notify(self, event, payload, ts=0):
        return self.endpoint.info(
            {}, 'nova-compute:fc1', event, payload, _meta(ts)
        )

    def test_create_then_delete(self):
        self.assertEqual(
            HANDLED, self.notify('instance.create.end', _instance(), 1)
        )
        inst = self.dbapi.get_instance(UUID)
        self.assertEqual(
            ('fc1', 'ACTIVE', 1, 128, 1, 'm1.tiny'),
            (
                inst['host'],
                inst['status'],
                inst['vcpus'],
                inst['memory_mb'],
                inst['disk_gb'],
                inst['flavor'],
            ),
        )
        self.assertEqual(
            HANDLED, self.notify('instance.delete.end', _instance(), 2)
        )
        self.assertEqual([], self.dbapi.list_instances())

    def test_live_migration_moves_only_on_dest_event(self):
        self.notify('instance.create.end', _instance(), 1)
        self.notify(
            'instance.live_migration_pre.start',
            _instance(task_state='migrating'),
            2,
        )
        self.assertEqual('MIGRATING', self.dbapi.get_instance(UUID)['status'])
        self.notify(
            'instance.live_migration_post_dest.end', _instance(host='fc2'), 3
        )
        # The source's own "post" end still names the source: ignored host.
        self.notify(
            'instance.live_migration_post.end', _instance(host='fc1'), 4
        )
        inst = self.dbapi.get_instance(UUID)
        self.assertEqual('fc2', inst['host'])

    def test_source_post_end_after_dest_keeps_status(self):
        # As Nova sends it: the source's post.end comes last, still naming
        # the source and still "migrating" (seen on a real cloud).
        self.notify('instance.create.end', _instance(), 1)
        self.notify(
            'instance.live_migration_post.start',
            _instance(task_state='migrating'),
            2,
        )
        self.notify(
            'instance.live_migration_post_dest.end', _instance(host='fc2'), 3
        )
        self.notify(
            'instance.live_migration_post.end',
            _instance(host='fc1', task_state='migrating'),
            4,
        )
        inst = self.dbapi.get_instance(UUID)
        self.assertEqual(
            ('fc2', 'ACTIVE', None),
            (inst['host'], inst['status'], inst['task_state']),
        )
        self.assertEqual(1, self.endpoint.ignored)
        # A later event of the new host still applies.
        self.notify(
            'instance.power_off.start',
            _instance(host='fc2', task_state='powering-off'),
            5,
        )
        self.assertEqual(
            'powering-off', self.dbapi.get_instance(UUID)['task_state']
        )

    def test_late_notification_is_ignored(self):
        self.notify('instance.update', _instance(host='fc2'), 5)
        self.notify('instance.update', _instance(host='fc1'), 3)
        self.assertEqual('fc2', self.dbapi.get_instance(UUID)['host'])
        self.assertEqual(1, self.endpoint.ignored)

    def test_service_update_disables_with_history(self):
        payload = {
            'nova_object.data': {
                'host': 'fc1',
                'binary': 'nova-compute',
                'disabled': True,
                'disabled_reason': 'fleet: test',
                'forced_down': False,
            }
        }
        self.assertEqual(HANDLED, self.notify('service.update', payload))
        host = self.dbapi.get_host('fc1')
        self.assertEqual('disabled', host['nova_service_status'])
        self.assertEqual('fleet: test', host['nova_disabled_reason'])
        last = self.dbapi.list_host_history('fc1')[0]
        self.assertEqual(
            ('update', 'notification'), (last['action'], last['source'])
        )
        # Same state again: no write, no history line.
        self.notify('service.update', payload)
        self.assertEqual(2, len(self.dbapi.list_host_history('fc1')))

    def test_service_update_of_unknown_compute_creates_it(self):
        payload = {
            'nova_object.data': {
                'host': 'fc9',
                'binary': 'nova-compute',
                'disabled': False,
            }
        }
        self.notify('service.update', payload)
        self.assertEqual('nova', self.dbapi.get_host('fc9')['source'])

    def test_other_binaries_are_ignored(self):
        payload = {
            'nova_object.data': {'host': 'fc1', 'binary': 'nova-scheduler'}
        }
        self.assertEqual(HANDLED, self.notify('service.update', payload))
        self.assertEqual(1, self.endpoint.ignored)

    def test_db_outage_requeues(self):
        with mock.patch.object(
            self.dbapi,
            'apply_instance',
            side_effect=db_exc.DBConnectionError(),
        ):
            result = self.notify('instance.create.end', _instance())
        self.assertEqual(messaging.NotificationResult.REQUEUE, result)

    def test_malformed_is_dropped(self):
        self.assertEqual(
            HANDLED,
            self.notify('instance.create.end', {'nova_object.data': {}}),
        )
        self.assertEqual(1, self.endpoint.ignored)
