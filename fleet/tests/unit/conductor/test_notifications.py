"""The inventory listener applies Nova's versioned notifications in
batches, and acknowledges only once applied."""

import random
from unittest import mock

from oslo_db import exception as db_exc
import oslo_messaging as messaging

from fleet.common import exception
from fleet.conductor import notifications
from fleet.tests import base

#: What a batch endpoint returns to have the batch acknowledged.
HANDLED = None
UUID = 'aaaaaaaa-0000-4000-8000-000000000001'


def _instance(host='fc1', state='active', task_state=None, uuid=UUID):
    return {
        'nova_object.name': 'InstanceActionPayload',
        'nova_object.data': {
            'uuid': uuid,
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


def _message(event, payload, ts=0, publisher='nova-compute:fc1'):
    """One message as oslo.messaging's batch dispatcher passes it."""
    return {
        'ctxt': {},
        'publisher_id': publisher,
        'event_type': event,
        'payload': payload,
        'metadata': _meta(ts),
    }


class TestInventoryEndpoint(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.endpoint = notifications.InventoryEndpoint()
        self.host = self.create_host(name='fc1', source='nova')

    def notify(self, event, payload, ts=0):
        return self.endpoint.info([_message(event, payload, ts)])

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
        self.endpoint.requeue_delay = 0
        with mock.patch.object(
            self.dbapi,
            'apply_notification_batch',
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


UUID2 = 'aaaaaaaa-0000-4000-8000-000000000002'
POISON = 'aaaaaaaa-0000-4000-8000-00000000dead'


def _service(host='fc1', disabled=False, reason=None):
    return {
        'nova_object.data': {
            'host': host,
            'binary': 'nova-compute',
            'disabled': disabled,
            'disabled_reason': reason,
            'forced_down': False,
        }
    }


class TestBatches(base.DbTestCase):
    """A batch is applied in one transaction with the outcome of its
    messages applied one by one, in order."""

    def setUp(self):
        super().setUp()
        self.endpoint = notifications.InventoryEndpoint()
        self.endpoint.requeue_delay = 0
        self.create_host(name='fc1', source='nova')

    def batch(self, *messages):
        return self.endpoint.info([_message(*m) for m in messages])

    def host_of(self, uuid=UUID):
        return self.dbapi.get_instance(uuid)['host']

    def test_order_per_instance_within_a_batch(self):
        self.assertIsNone(
            self.batch(
                ('instance.create.end', _instance('fc1'), 1),
                ('instance.update', _instance('fc2', uuid=UUID2), 1),
                ('instance.update', _instance('fc2'), 2),
                ('instance.update', _instance('fc1', uuid=UUID2), 2),
                ('instance.update', _instance('fc3'), 3),
            )
        )
        self.assertEqual(('fc3', 'fc1'), (self.host_of(), self.host_of(UUID2)))
        self.assertEqual(5, self.endpoint.applied)
        self.assertEqual(0, self.endpoint.ignored)

    def test_stale_within_a_batch_is_ignored(self):
        self.batch(
            ('instance.update', _instance('fc2'), 5),
            # Late delivery from the old host: older, ignored.
            ('instance.update', _instance('fc1'), 3),
            # Same second as the newest: still applied, in order.
            ('instance.update', _instance('fc3', state='stopped'), 5),
        )
        inst = self.dbapi.get_instance(UUID)
        self.assertEqual(('fc3', 'SHUTOFF'), (inst['host'], inst['status']))
        self.assertEqual(
            {'applied': 2, 'stale': 1},
            {k: v for k, v in self.endpoint.counts.items() if v},
        )

    def test_order_per_instance_across_batches(self):
        self.batch(
            ('instance.create.end', _instance('fc1'), 1),
            ('instance.update', _instance('fc2'), 2),
        )
        self.batch(('instance.update', _instance('fc3'), 3))
        self.assertEqual('fc3', self.host_of())
        # An older one in a later batch: stale, nothing written.
        self.batch(('instance.update', _instance('fc1'), 2))
        self.assertEqual('fc3', self.host_of())
        self.assertEqual(1, self.endpoint.counts['stale'])
        self.assertEqual(3, self.endpoint.applied)

    def test_live_migration_in_one_batch(self):
        # Nova's order: the source's post.end after the destination's
        # post_dest.end, still naming the source and "migrating".
        self.batch(
            ('instance.create.end', _instance('fc1'), 1),
            (
                'instance.live_migration_pre.start',
                _instance('fc1', task_state='migrating'),
                2,
            ),
            ('instance.live_migration_post_dest.end', _instance('fc2'), 3),
            (
                'instance.live_migration_post.end',
                _instance('fc1', task_state='migrating'),
                4,
            ),
        )
        inst = self.dbapi.get_instance(UUID)
        self.assertEqual(
            ('fc2', 'ACTIVE', None),
            (inst['host'], inst['status'], inst['task_state']),
        )
        self.assertEqual(1, self.endpoint.counts['moved'])

    def test_create_and_delete_in_one_batch(self):
        self.batch(
            ('instance.create.end', _instance('fc1'), 1),
            ('instance.create.end', _instance('fc1', uuid=UUID2), 1),
            ('instance.delete.end', _instance('fc1'), 2),
            # Deleting what the inventory does not hold: unknown.
            ('instance.delete.end', _instance('fc1'), 3),
        )
        self.assertRaises(
            exception.InstanceNotFound, self.dbapi.get_instance, UUID
        )
        self.assertEqual('fc1', self.host_of(UUID2))
        self.assertEqual(1, self.endpoint.counts['unknown'])

    def test_stale_delete_keeps_the_instance(self):
        self.batch(('instance.update', _instance('fc2'), 5))
        self.batch(('instance.delete.end', _instance('fc2'), 4))
        self.assertEqual('fc2', self.host_of())
        self.assertEqual(1, self.endpoint.counts['stale'])

    def test_service_update_in_a_batch(self):
        self.batch(
            ('instance.create.end', _instance('fc1'), 1),
            ('service.update', _service('fc1', True, 'fleet: drain'), 1),
            # Same state again in the same batch: no write, no history.
            ('service.update', _service('fc1', True, 'fleet: drain'), 2),
            ('service.update', _service('fc7'), 2),
            ('instance.update', _instance('fc7'), 2),
        )
        host = self.dbapi.get_host('fc1')
        self.assertEqual(
            ('disabled', 'fleet: drain'),
            (host['nova_service_status'], host['nova_disabled_reason']),
        )
        history = self.dbapi.list_host_history('fc1')
        # Newest first: the one update, after the test's own create.
        self.assertEqual(['update', 'create'], [h['action'] for h in history])
        self.assertEqual('notification', history[0]['source'])
        self.assertEqual(
            ('compute', 'nova', 'up', 'enabled'),
            tuple(
                self.dbapi.get_host('fc7')[k]
                for k in (
                    'kind',
                    'source',
                    'nova_service_state',
                    'nova_service_status',
                )
            ),
        )
        self.assertEqual('fc7', self.host_of())
        self.assertEqual(
            {'applied': 4, 'unchanged': 1},
            {k: v for k, v in self.endpoint.counts.items() if v},
        )

    def test_db_outage_requeues_the_whole_batch_and_writes_nothing(self):
        with mock.patch.object(
            self.dbapi,
            'apply_notification_batch',
            side_effect=db_exc.DBConnectionError(),
        ):
            result = self.batch(
                ('instance.create.end', _instance('fc1'), 1),
                ('service.update', _service('fc1', True), 1),
                ('instance.update', {'nova_object.data': {}}, 1),
            )
        self.assertEqual(messaging.NotificationResult.REQUEUE, result)
        self.assertEqual([], self.dbapi.list_instances())
        self.assertIsNone(self.dbapi.get_host('fc1')['nova_service_status'])
        self.assertEqual(1, len(self.dbapi.list_host_history('fc1')))
        self.assertEqual(
            {'requeued': 3},
            {k: v for k, v in self.endpoint.counts.items() if v},
        )
        # Redelivered once the database is back: applied then.
        self.batch(('instance.create.end', _instance('fc1'), 1))
        self.assertEqual('fc1', self.host_of())

    def test_db_outage_while_isolating_a_poison_requeues(self):
        calls = []

        def apply(events):
            calls.append(len(events))
            if len(calls) == 1:
                raise db_exc.DBDataError('value too long')
            raise db_exc.DBConnectionError()

        with mock.patch.object(
            self.dbapi, 'apply_notification_batch', side_effect=apply
        ):
            result = self.batch(
                ('instance.create.end', _instance('fc1'), 1),
                ('instance.create.end', _instance('fc1', uuid=UUID2), 1),
            )
        self.assertEqual(messaging.NotificationResult.REQUEUE, result)
        self.assertEqual([2, 1], calls)
        self.assertEqual(2, self.endpoint.requeued)
        self.assertEqual(0, self.endpoint.applied)

    def test_poison_does_not_block_the_batch(self):
        real = self.dbapi.apply_notification_batch

        def apply(events):
            # The database refuses any transaction holding the poison.
            if any(e.get('values', {}).get('uuid') == POISON for e in events):
                raise db_exc.DBDataError('Data too long for column')
            return real(events)

        with mock.patch.object(
            self.dbapi, 'apply_notification_batch', side_effect=apply
        ):
            result = self.batch(
                ('instance.create.end', _instance('fc1'), 1),
                ('instance.update', _instance('fc2', uuid=POISON), 1),
                # Unreadable before any database work: no uuid.
                ('instance.update', {'nova_object.data': {}}, 1),
                ('instance.update', 'not a payload', 1),
                ('instance.update', _instance('fc2'), 2),
                ('instance.create.end', _instance('fc3', uuid=UUID2), 2),
            )
        self.assertIs(HANDLED, result)
        self.assertEqual(('fc2', 'fc3'), (self.host_of(), self.host_of(UUID2)))
        self.assertRaises(
            exception.InstanceNotFound, self.dbapi.get_instance, POISON
        )
        self.assertEqual(
            {'applied': 3, 'malformed': 3},
            {k: v for k, v in self.endpoint.counts.items() if v},
        )

    def test_batch_equals_one_by_one(self):
        """Random interleavings of events for a few instances, with late
        deliveries: one batch leaves the table the old one-message-one-
        transaction path (apply_instance / delete_instance) would."""
        rng = random.Random(18)
        uuids = [f'aaaaaaaa-0000-4000-8000-{i:012d}' for i in range(4)]
        events = [
            'instance.create.end',
            'instance.update',
            'instance.live_migration_post_dest.end',
            'instance.live_migration_post.end',
            'instance.power_off.start',
            'instance.delete.end',
        ]
        for round_ in range(5):
            messages = [
                (
                    rng.choice(events),
                    _instance(
                        rng.choice(['fc1', 'fc2', 'fc3']),
                        rng.choice(['active', 'stopped']),
                        rng.choice([None, 'migrating']),
                        uuid=rng.choice(uuids),
                    ),
                    rng.randrange(0, 40),
                )
                for _ in range(60)
            ]
            for uuid in uuids:
                self.dbapi.delete_instance(uuid)
            for message in messages:
                self._one_by_one(*message)
            expected = self._table()
            for uuid in uuids:
                self.dbapi.delete_instance(uuid)
            self.batch(*messages)
            self.assertEqual(expected, self._table(), f'round {round_}')

    def _one_by_one(self, event, payload, ts):
        """What fleet did before batches, one transaction per message."""
        data = payload['nova_object.data']
        stamp = notifications._timestamp(_meta(ts))
        if event in notifications.DELETE_EVENTS:
            self.dbapi.delete_instance(data['uuid'], stamp)
            return
        host_event = event in notifications.HOST_EVENTS
        if not host_event:
            try:
                current = self.dbapi.get_instance(data['uuid'])['host']
            except exception.InstanceNotFound:
                current = None
            if current is not None and current != data['host']:
                return
        self.dbapi.apply_instance(
            notifications.instance_values(data, host_event), stamp
        )

    def _table(self):
        keep = ('uuid', 'host', 'status', 'task_state', 'notified_at')
        return sorted(
            tuple(i[k] for k in keep) for i in self.dbapi.list_instances()
        )


class TestAcknowledgement(base.DbTestCase):
    """The endpoint under oslo.messaging's own batch server: acknowledged
    only once committed, the whole batch requeued otherwise."""

    def setUp(self):
        super().setUp()
        self.endpoint = notifications.InventoryEndpoint()
        self.endpoint.requeue_delay = 0
        transport = messaging.get_notification_transport(
            notifications.CONF, url='fake:'
        )
        self.server = messaging.get_batch_notification_listener(
            transport,
            [messaging.Target(topic='versioned_notifications')],
            [self.endpoint],
            executor='threading',
            allow_requeue=True,
            batch_size=10,
            batch_timeout=0.1,
        )

    def incoming(self, event, payload, ts):
        message = mock.Mock(ctxt={})
        message.message = {
            'priority': 'info',
            'event_type': event,
            'publisher_id': 'nova-compute:fc1',
            'payload': payload,
            'message_id': f'm{ts}',
            'timestamp': _meta(ts)['timestamp'],
        }
        return message

    def test_acked_after_commit(self):
        batch = [
            self.incoming('instance.create.end', _instance(), 1),
            self.incoming('instance.update', {'nova_object.data': {}}, 2),
        ]
        acked_with_row = []
        batch[0].acknowledge.side_effect = lambda: acked_with_row.append(
            self.dbapi.get_instance(UUID)['host']
        )
        self.server._process_incoming(batch)
        self.assertEqual(['fc1'], acked_with_row)
        for message in batch:
            message.acknowledge.assert_called_once_with()
            message.requeue.assert_not_called()

    def test_db_failure_requeues_every_message(self):
        batch = [
            self.incoming('instance.create.end', _instance(), 1),
            self.incoming('instance.update', _instance('fc2'), 2),
            self.incoming('service.update', _service('fc1', True), 2),
        ]
        with mock.patch.object(
            self.endpoint.dbapi,
            'apply_notification_batch',
            side_effect=db_exc.DBDeadlock(),
        ):
            self.server._process_incoming(batch)
        for message in batch:
            message.requeue.assert_called_once_with()
            message.acknowledge.assert_not_called()
        self.assertEqual([], self.dbapi.list_instances())
        self.assertEqual(3, self.endpoint.requeued)
