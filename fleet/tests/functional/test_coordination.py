"""Two conductors' coordinators on a real Redis (tooz's redis driver):
group membership, leader-lock exclusivity, a dead member and its
leadership dropped; and TaskFlow's Redis jobboard: a claim that expires
unless extended, and the fence of a conductor whose claim lapsed.

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
    suffix = uuid.uuid4().hex[:8]
    # A namespace of its own: the leader lock is not another test's.
    url = f'{REDIS_URL}?timeout={TIMEOUT}&namespace=fleet_func_{suffix}'
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


def test_leader_lock_exclusive(coordinators):
    a, b = coordinators
    assert a.is_leader()
    assert not b.is_leader()
    # Heartbeats keep the leader lock beyond the lock timeout.
    time.sleep(TIMEOUT + 1)
    assert a.is_leader()
    assert not b.is_leader()
    a.resign()
    assert b.is_leader()


def test_dead_member_expires(coordinators):
    a, b = coordinators
    assert a.is_leader()
    # a "dies": no more heartbeats, no clean leave.
    a._stop.set()
    a._heart.join(5)
    deadline = time.time() + TIMEOUT * 3
    while time.time() < deadline and a.member_id in b.live_members():
        time.sleep(0.5)
    assert a.member_id not in b.live_members()
    # Its leader lock expired with it: b leads.
    assert b.is_leader()
    # a wakes: it finds it lost the lock and does not lead.
    assert not a.is_leader()


@pytest.fixture
def redis_board():
    """TaskFlow's Redis jobboard, under a board name of its own."""
    pytest.importorskip('redis')
    from fleet.conductor import jobs
    from fleet.conf import CONF

    host, port = REDIS_URL.split('//')[1].split(':')
    name = f'fleet_func_board_{uuid.uuid4().hex[:8]}'
    for key, value in (
        ('backend', 'redis'),
        ('backend_hosts', host),
        ('backend_port', int(port)),
        ('board_name', name),
    ):
        CONF.set_override(key, value, group='jobboard')
    try:
        board = jobs.fetch_board()
    except Exception as error:
        base.service_missing('Redis', error)
    yield board
    for job in list(board.iterjobs()):
        owner = jobs.owner_of(board, job)
        if owner is None:
            board.claim(job, 'cleanup')
            owner = 'cleanup'
        board.consume(job, owner)
    board.close()
    CONF.clear_override('backend', group='jobboard')
    CONF.clear_override('backend_hosts', group='jobboard')
    CONF.clear_override('backend_port', group='jobboard')
    CONF.clear_override('board_name', group='jobboard')


def test_redis_claim_expires_unless_extended_and_fences(redis_board):
    from fleet.conductor import fencing
    from fleet.conductor import jobs

    board = redis_board
    job = board.post('execution-x', details={'execution_uuid': 'x'})
    assert jobs.owner_of(board, job) is None
    board.claim(job, 'conductor-a', expiry=TIMEOUT)
    claim = jobs.Claim(board, job, 'conductor-a', TIMEOUT)
    with pytest.raises(Exception, match='already claimed'):
        board.claim(job, 'conductor-b', expiry=TIMEOUT)
    # Extended, the claim outlives its expiry.
    for _ in range(4):
        time.sleep(TIMEOUT / 3)
        assert claim.refresh()
    assert jobs.owner_of(board, job) == 'conductor-a'
    # a stalls: the claim lapses and b takes the job.
    time.sleep(TIMEOUT + 0.5)
    board.claim(job, 'conductor-b', expiry=TIMEOUT)
    with pytest.raises(fencing.ClaimLost):
        claim.check()
    assert not claim.refresh()
    assert jobs.owner_of(board, job) == 'conductor-b'
    board.consume(job, 'conductor-b')
    assert [] == list(board.iterjobs())
