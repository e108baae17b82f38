"""Wake-ups of waiting tasks by notifications (fleet.conductor.waiters),
and the listener's hook that feeds them."""

import threading
import time
from unittest import mock

from oslo_db import exception as db_exc

from fleet.conductor import notifications
from fleet.conductor import waiters
from fleet.tests import base

UUID = '11111111-2222-3333-4444-555555555555'
OTHER = '66666666-2222-3333-4444-555555555555'


class TestWaiters(base.TestCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(waiters.set_listening, False)

    def test_a_notification_ends_the_pause_early(self):
        with waiters.watch(UUID) as watch:
            timer = threading.Timer(0.05, waiters.notify, (UUID, 'x'))
            timer.start()
            started = time.monotonic()
            self.assertTrue(watch.wait(30))
            # Woken, not timed out (30 s): no timing figure asserted.
            self.assertLess(time.monotonic() - started, 29)
            timer.join()

    def test_one_between_a_poll_and_the_pause_is_not_lost(self):
        with waiters.watch(UUID) as watch:
            self.assertTrue(waiters.notify(UUID))
            self.assertTrue(watch.wait(30))
            # Seen once: the next pause times out.
            self.assertFalse(watch.wait(0))

    def test_one_before_the_watch_is_not_seen(self):
        self.assertFalse(waiters.notify(UUID))
        with waiters.watch(UUID) as watch:
            self.assertFalse(watch.wait(0))

    def test_another_instance_does_not_wake(self):
        with waiters.watch(UUID) as watch:
            self.assertFalse(waiters.notify(OTHER))
            self.assertFalse(watch.wait(0.01))

    def test_every_watcher_of_the_instance_wakes(self):
        with waiters.watch(UUID) as one, waiters.watch(UUID) as two:
            waiters.notify(UUID)
            self.assertTrue(one.wait(0))
            self.assertTrue(two.wait(0))

    def test_nothing_is_kept_once_nobody_watches(self):
        with waiters.watch(UUID):
            with waiters.watch(UUID):
                pass
            self.assertEqual({UUID}, waiters.watched())
        self.assertEqual(set(), waiters.watched())
        self.assertFalse(waiters.notify(UUID))
        self.assertFalse(waiters.notify(None))

    def test_a_closed_watch_cannot_wait(self):
        watch = waiters.Watch(UUID)
        watch.close()
        watch.close()  # idempotent
        self.assertRaises(RuntimeError, watch.wait, 0)

    def test_listening_flag(self):
        self.assertFalse(waiters.listening())
        waiters.set_listening(True)
        self.assertTrue(waiters.listening())
        waiters.set_listening(False)
        self.assertFalse(waiters.listening())


class TestListenerHook(base.DbTestCase):
    """The inventory listener wakes the waiters of an instance whatever
    it makes of the message."""

    def payload(self, uuid=UUID, host='cmp-2'):
        return {
            'nova_object.data': {
                'uuid': uuid,
                'host': host,
                'state': 'active',
                'task_state': None,
            }
        }

    @staticmethod
    def message(event_type, payload):
        """One message as oslo.messaging's batch dispatcher passes it."""
        return {
            'ctxt': {},
            'publisher_id': 'nova-compute:cmp-2',
            'event_type': event_type,
            'payload': payload,
            'metadata': {},
        }

    def test_instance_notification_wakes_its_watchers(self):
        endpoint = notifications.InventoryEndpoint(self.dbapi)
        with waiters.watch(UUID) as one, waiters.watch(OTHER) as two:
            endpoint.info(
                [
                    self.message('instance.update', self.payload(OTHER)),
                    self.message(
                        'instance.live_migration_post_dest.end',
                        self.payload(),
                    ),
                ]
            )
            # Every instance of the batch, not only its first or last.
            self.assertTrue(one.wait(0))
            self.assertTrue(two.wait(0))

    def test_a_db_outage_still_wakes(self):
        # The waiting task reads Nova itself: the inventory's transaction
        # failing (the batch is requeued) must not keep it waiting.
        endpoint = notifications.InventoryEndpoint(self.dbapi)
        endpoint.requeue_delay = 0
        with (
            mock.patch.object(
                self.dbapi,
                'apply_notification_batch',
                side_effect=db_exc.DBConnectionError(),
            ),
            waiters.watch(UUID) as watch,
        ):
            endpoint.info([self.message('instance.update', self.payload())])
            self.assertTrue(watch.wait(0))

    def test_a_malformed_payload_wakes_no_one_and_is_handled(self):
        endpoint = notifications.InventoryEndpoint(self.dbapi)
        with waiters.watch(UUID) as watch:
            endpoint.info(
                [
                    self.message('instance.update', payload)
                    for payload in (
                        'garbage',
                        None,
                        {'nova_object.data': None},
                    )
                ]
            )
            self.assertFalse(watch.wait(0))

    def test_service_notifications_wake_no_instance_waiter(self):
        with waiters.watch(UUID) as watch:
            notifications.wake('service.update', self.payload())
            notifications.wake(None, self.payload())
            self.assertFalse(watch.wait(0))
