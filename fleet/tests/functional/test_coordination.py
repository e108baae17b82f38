"""Two conductors' coordinators on a real Redis (tooz's redis driver):
group membership, run-lock exclusivity, and a dead member dropped.

Needs Redis (``FLEET_FUNCTIONAL_REDIS_URL``, default
redis://127.0.0.1:6379) and the ``redis`` Python package; no minicloud.
"""

import time
import uuid

import pytest

from fleet.common import coordination
from fleet.tests.functional import base

REDIS_URL = base.os.environ.get(
    'FLEET_FUNCTIONAL_REDIS_URL', 'redis://127.0.0.1:6379'
)
#: Seconds without heartbeat after which Redis forgets a member or a lock.
TIMEOUT = 3


@pytest.fixture
def coordinators():
    pytest.importorskip('redis')
    url = f'{REDIS_URL}?timeout={TIMEOUT}'
    suffix = uuid.uuid4().hex[:8]
    started = []
    try:
        for name in ('conductor-a', 'conductor-b'):
            coord = coordination.Coordinator(
                f'{name}-{suffix}', url, heartbeat_interval=0.5
            )
            coord.start()
            started.append(coord)
    except Exception as error:
        for coord in started:
            coord.stop()
        base.service_missing('Redis', error)
    yield started
    for coord in started:
        coord.stop()


def test_membership(coordinators):
    a, b = coordinators
    assert {a.member_id, b.member_id} <= a.live_members()
    assert b.is_alive(a.member_id)
    a.stop()
    assert a.member_id not in b.live_members()


def test_run_lock_exclusive(coordinators):
    a, b = coordinators
    run = str(uuid.uuid4())
    with a.run_lock(run) as locked:
        assert locked
        with b.run_lock(run) as other:
            assert not other
        # Heartbeats keep the lock beyond the lock timeout.
        time.sleep(TIMEOUT + 1)
        with b.run_lock(run) as other:
            assert not other
    with b.run_lock(run) as locked:
        assert locked


def test_dead_member_expires(coordinators):
    a, b = coordinators
    run = str(uuid.uuid4())
    lock = a.acquire_run_lock(run)
    assert lock is not None
    # a "dies": no more heartbeats, no clean leave.
    a._stop.set()
    a._heart.join(5)
    deadline = time.time() + TIMEOUT * 3
    while time.time() < deadline and a.member_id in b.live_members():
        time.sleep(0.5)
    assert a.member_id not in b.live_members()
    # Its lock expired with it.
    with b.run_lock(run) as locked:
        assert locked
