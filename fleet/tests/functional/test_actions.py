"""A catalogued action run end to end by real processes.

fleet-all-in-one (API and conductor, the simulated cloud) with the script
executor and a catalog of the test's own: a run names the action with a
hostile parameter; the conductor's patch step starts a real process that
writes the arguments it got. The value must arrive as one inert
argument, and nothing in it may run. A run carrying a command of its own
is refused before it is recorded.
"""

import json
import os
import sys
import time

import requests
import yaml

from fleet.tests.functional import base

V = {'OpenStack-API-Version': 'fleet 1.4'}
HOSTILE = '; touch {marker} $(touch {marker}) `touch {marker}` -rf --help'
RECORDER = (
    'import json, sys; open(sys.argv[1], "w").write(json.dumps(sys.argv[2:]))'
)


def _aio(procs, tmp_path):
    out = tmp_path / 'argv.json'
    actions = tmp_path / 'actions'
    actions.mkdir()
    with open(actions / 'test.yaml', 'w') as f:
        yaml.safe_dump(
            {
                'record-args': {
                    'executor': 'script',
                    'timeout': 60,
                    'command': [
                        sys.executable,
                        '-c',
                        RECORDER,
                        str(out),
                        '--value={value}',
                        '--',
                        '{value}',
                        '{host}',
                    ],
                    'parameters': {
                        'type': 'object',
                        'properties': {'value': {'type': 'string'}},
                        'required': ['value'],
                    },
                }
            },
            f,
        )
    port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'database': {
                'connection': f'sqlite:///{tmp_path / "fleet.sqlite"}'
            },
            'api': {'port': port},
            'drivers': {'executor': ['noop', 'script']},
            'executor': {'actions_dir': str(actions)},
            'fake_cloud': {
                'hosts': 3,
                'instances_per_host': 1,
                'migration_seconds': 0.1,
            },
            'maintenance': {'poll_interval': 0.2},
        },
    )
    procs.start(
        'fleet-all-in-one',
        [base.fleet_command('fleet-all-in-one'), '--config-file', conf],
        port=port,
    )
    return f'http://127.0.0.1:{port}', out


def _post(url, body):
    return requests.post(
        url + '/v1/executions', json=body, headers=V, timeout=30
    )


def test_hostile_parameter_is_one_inert_argument(procs, tmp_path):
    url, out = _aio(procs, tmp_path)
    marker = tmp_path / 'pwned'
    value = HOSTILE.format(marker=marker)
    response = _post(
        url,
        {
            'host': 'sim-compute-001',
            'action': 'record-args',
            'action_parameters': {'value': value},
        },
    )
    assert response.status_code == 202, response.text
    uuid = response.json()['uuid']
    deadline = time.monotonic() + 60
    while True:
        run = requests.get(
            f'{url}/v1/executions/{uuid}', headers=V, timeout=30
        ).json()
        if run['state'] in ('succeeded', 'failed', 'cancelled'):
            break
        assert time.monotonic() < deadline, run
        time.sleep(0.3)
    assert run['state'] == 'succeeded', json.dumps(run, indent=1)
    with open(out) as f:
        argv = json.load(f)
    assert argv == [f'--value={value}', '--', value, 'sim-compute-001']
    assert not os.path.exists(marker)
    step = [e for e in run['events'] if e['step'] == 'RunExecutor']
    assert 'Running action record-args' in step[0]['message']


def test_ad_hoc_command_refused_before_recording(procs, tmp_path):
    url, out = _aio(procs, tmp_path)
    for version in ('fleet 1.1', 'fleet 1.4'):
        response = requests.post(
            url + '/v1/executions',
            json={
                'host': 'sim-compute-001',
                'kind': 'drain_patch_reboot',
                'executor': 'script',
                'executor_args': {'command': ['sh', '-c', f'touch {out}']},
            },
            headers={'OpenStack-API-Version': version},
            timeout=30,
        )
        assert response.status_code == 400, response.text
        assert 'actions_dir' in response.json()['errors'][0]['detail']
    runs = requests.get(url + '/v1/executions', headers=V, timeout=30)
    assert runs.json()['executions'] == []
    assert not os.path.exists(out)
