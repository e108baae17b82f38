"""API-shaped data for the view tests (as fleet's API shows it)."""

RUN_UUID = '6b0f4a0c-8a8e-4a40-9a43-2b8f5e3c2d11'


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
