"""Hosts fleet holds out of service are never destinations, on the
minicloud's real Nova.

With three computes fc1..fc3: fc3 is retired in fleet (its nova-compute
enabled and up until then; fleet disables it, then it is enabled again
behind fleet's back), fc1 is drained; every instance must land on fc2.
fc3 is returned to active and its nova-compute re-enabled in any case.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``; run under ``flock /tmp/fleet-minicloud.lock``.
"""

import contextlib
import json
import os
import time

import pytest

from fleet.tests.functional.test_maintenance import CONFIG_FILE
from fleet.tests.functional.test_maintenance import _service
from fleet.tests.functional.test_maintenance import cloud  # noqa: F401
from fleet.tests.functional.test_maintenance import fleet  # noqa: F401
from fleet.tests.functional.test_maintenance import servers  # noqa: F401

pytestmark = pytest.mark.skipif(
    not os.path.exists(CONFIG_FILE),
    reason=f'no minicloud: {CONFIG_FILE} does not exist',
)

HELD_REASON = 'fleet: host retired'


def _wait_service(nova, host, status, reason=None, timeout=30):
    """Until nova-compute on ``host`` has ``status`` (and ``reason``)."""
    deadline = time.monotonic() + timeout
    while True:
        service = _service(nova, host)
        if service.status == status and (
            reason is None or service.disabled_reason == reason
        ):
            return service
        assert time.monotonic() < deadline, (
            f'nova-compute on {host} still {service.status} '
            f'({service.disabled_reason}) after {timeout} s'
        )
        time.sleep(0.5)


def _three_computes(nova):
    computes = sorted(nova.config['computes'])[:3]
    services = {
        s.host: s for s in nova.nova.services.list(binary='nova-compute')
    }
    if len(computes) < 3 or any(
        services.get(c) is None
        or services[c].status != 'enabled'
        or services[c].state != 'up'
        for c in computes
    ):
        pytest.skip(f'needs 3 enabled and up computes, found {services}')
    return computes


def test_retired_host_receives_no_instance(cloud, fleet, servers):  # noqa: F811
    _bench, nova = cloud
    source, keep, retired = _three_computes(nova)
    uuids = servers(source, 4)
    try:
        host = fleet.call(
            'PATCH',
            f'/v1/hosts/{retired}',
            {'state': 'retired', 'state_reason': 'functional test'},
            status=200,
        )
        assert host['state'] == 'retired'
        # The API casts to the conductor, which disables nova-compute
        # with fleet's reason while fleet holds the host.
        service = _wait_service(nova, retired, 'disabled', HELD_REASON)
        # The case: someone (a tool, a human) enables it again
        # while fleet still holds the host. The drain's capacity check
        # leaves it out and disables it again before any migration.
        nova.nova.services.enable(service.id)
        assert _service(nova, retired).status == 'enabled'
        execution = fleet.run(
            {'host': source, 'kind': 'drain', 'max_parallel': 2}
        )
        execution = fleet.wait(execution['uuid'])
        assert execution['state'] == 'succeeded', json.dumps(
            execution, indent=1
        )
        for uuid in uuids:
            server = nova.nova.servers.get(uuid)
            assert server.status == 'ACTIVE', (uuid, server.status)
            assert getattr(server, 'OS-EXT-SRV-ATTR:host') == keep, uuid
        [check] = [
            e
            for e in execution['events']
            if e['step'] == 'CheckCapacity'
            and 'candidates' in (e['details'] or {})
        ]
        assert check['details']['candidates'] == [keep], check
        assert retired in check['details']['skipped'], check
        messages = [e['message'] for e in execution['events']]
        assert (
            f'nova-compute on {retired} disabled: fleet holds the host, it '
            'must receive no instance.'
        ) in messages, messages
        # Still held: still disabled with fleet's reason.
        assert _service(nova, retired).disabled_reason == HELD_REASON
        # Returned to active: fleet lifts its own reason.
        fleet.call(
            'PATCH', f'/v1/hosts/{retired}', {'state': 'active'}, status=200
        )
        _wait_service(nova, retired, 'enabled')
    finally:
        # Leave the shared cloud as found, whatever failed above.
        with contextlib.suppress(Exception):
            fleet.call('PATCH', f'/v1/hosts/{retired}', {'state': 'active'})
        service = _service(nova, retired)
        if service.status == 'disabled' and (
            service.disabled_reason or ''
        ).startswith('fleet: '):
            nova.nova.services.enable(service.id)
