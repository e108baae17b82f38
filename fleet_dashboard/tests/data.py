"""API-shaped data for the view tests (as fleet's API shows it)."""

RUN_UUID = '6b0f4a0c-8a8e-4a40-9a43-2b8f5e3c2d11'
PROFILE_UUID = '2f0c9b7e-5a1d-4c3e-8f6a-0b9d7e5c3a21'
FINDING_UUID = 'c4e8a2f0-7b3d-4e1a-9c5f-6d2b0a8e4f13'


def host(name='cmp-1', **fields):
    body = {
        'uuid': f'00000000-0000-0000-0000-{abs(hash(name)) % 10**12:012d}',
        'name': name,
        'kind': 'compute',
        'state': 'active',
        'state_reason': None,
        'owner': None,
        'region': 'RegionOne',
        'cell': None,
        'availability_zone': 'nova',
        'rack': 'r12',
        'labels': {'tier': 'gold'},
        'variables': {},
        'source': 'nova',
        'nova_service_status': 'enabled',
        'nova_service_state': 'up',
        'nova_disabled_reason': None,
        'execution': None,
        'created_at': '2026-11-30T10:00:00Z',
        'updated_at': '2026-11-30T10:00:00Z',
    }
    body.update(fields)
    return body


def run(state='running', **fields):
    body = {
        'uuid': RUN_UUID,
        'kind': 'drain',
        'state': state,
        'host_uuid': host()['uuid'],
        'current_step': 'migrate_instances',
        'parameters': {},
        'requested_by': {'user_id': 'u1'},
        'result': None,
        'created_at': '2026-11-30T10:01:00Z',
        'started_at': '2026-11-30T10:01:01Z',
        'finished_at': None,
        'progress': {
            'steps': {
                'disable_compute_service': {
                    'state': 'success',
                    'started_at': '2026-11-30T10:01:01Z',
                    'finished_at': '2026-11-30T10:01:02Z',
                },
                'migrate_instances': {
                    'state': 'running',
                    'started_at': '2026-11-30T10:01:02Z',
                },
            },
            'instances': {
                'i-1': {
                    'state': 'migrated',
                    'name': 'vm-one',
                    'source': 'cmp-1',
                    'destination': 'cmp-2',
                },
                'i-2': {'state': 'migrating', 'name': 'vm-two'},
            },
            'instances_summary': {'total': 2, 'moved': 1},
        },
        'events': [
            {
                'created_at': '2026-11-30T10:01:01Z',
                'level': 'info',
                'step': 'disable_compute_service',
                'message': 'nova-compute on cmp-1 disabled.',
                'details': {},
            }
        ],
    }
    body.update(fields)
    return body


def audit_profile(**fields):
    body = {
        'uuid': PROFILE_UUID,
        'name': 'el9-baseline',
        'description': 'Patch level and services of EL9 computes.',
        'enabled': True,
        'applies_to': {'kind': ['compute']},
        'rules': [
            {
                'name': 'kernel-patch-level',
                'severity': 'critical',
                'check': {
                    'type': 'kernel_version',
                    'op': '>=',
                    'version': '5.14.0-503.el9',
                },
            },
            {
                'name': 'nova-compute-running',
                'check': {
                    'type': 'service',
                    'service': 'nova-compute',
                    'running': True,
                },
            },
        ],
        'created_at': '2026-11-30T09:00:00Z',
        'updated_at': None,
    }
    body.update(fields)
    return body


def compliance():
    """``GET /v1/audit_profiles/el9-baseline/compliance``: one rule
    audited on six hosts in two zones, the other not yet."""

    def counts(passed, failed, na):
        return {
            'pass': passed,
            'fail': failed,
            'error': 0,
            'notapplicable': na,
        }

    return {
        'profile': 'el9-baseline',
        'uuid': PROFILE_UUID,
        'totals': counts(3, 2, 1),
        'rules': [
            {
                'rule': 'kernel-patch-level',
                'severity': 'critical',
                'hosts': counts(3, 2, 1),
                'availability_zones': {
                    'az2': counts(1, 1, 0),
                    'az1': counts(2, 1, 1),
                },
            },
        ],
    }


def finding(**fields):
    body = {
        'uuid': FINDING_UUID,
        'host_uuid': host()['uuid'],
        'host_name': 'cmp-1',
        'profile_uuid': PROFILE_UUID,
        'profile_name': 'el9-baseline',
        'rule': 'kernel-patch-level',
        'severity': 'critical',
        'result': 'fail',
        'evidence': {'kernel': '5.14.0-427', 'expected': '5.14.0-503.el9'},
        'message': 'kernel 5.14.0-427 < 5.14.0-503.el9',
        'checked_at': '2026-11-30T10:00:00Z',
        'changed_at': '2026-11-30T10:00:00Z',
    }
    body.update(fields)
    return body
