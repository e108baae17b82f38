"""``openstack fleet plan ...`` through the real shell and API."""

from fleet.tests.unit.cli import base


class TestPlanCLI(base.CLITestCase):
    def setUp(self):
        super().setUp()
        for i in range(3):
            self.dbapi.create_host(
                {
                    'name': f'c{i}',
                    'kind': 'compute',
                    'availability_zone': 'az1',
                    'rack': f'r{i}',
                }
            )

    def test_dry_run_create_list_show_pause_resume_cancel(self):
        dry = self.openstack_json(
            'fleet', 'plan', 'create', '--availability-zone', 'az1',
            '--max-at-once', '2', '--max-out-per-rack', '1', '--dry-run',
        )  # fmt: skip
        self.assertEqual('c0, c1, c2', dry['hosts'])
        self.assertEqual('1: c0, c1\n2: c2', dry['waves'])
        self.assertEqual([], self.dbapi.list_plans())
        plan = self.openstack_json(
            'fleet', 'plan', 'create', '--name', 'k', '--host', 'c0',
            '--host', 'c2', '--block-on-severity', 'critical',
            '--window', 'sat,sun 22:00-06:00 Europe/Paris',
        )  # fmt: skip
        self.assertEqual('running', plan['state'])
        self.assertEqual(
            [
                {
                    'days': ['sat', 'sun'],
                    'start': '22:00',
                    'end': '06:00',
                    'timezone': 'Europe/Paris',
                }
            ],
            plan['windows'],
        )
        self.assertEqual('c0: queued\nc2: queued', plan['hosts'])
        listed = self.openstack_json('fleet', 'plan', 'list')
        self.assertEqual([plan['uuid']], [p['UUID'] for p in listed])
        paused = self.openstack_json('fleet', 'plan', 'pause', plan['uuid'])
        self.assertEqual('paused', paused['state'])
        resumed = self.openstack_json('fleet', 'plan', 'resume', plan['uuid'])
        self.assertEqual('running', resumed['state'])
        shown = self.openstack_json('fleet', 'plan', 'show', plan['uuid'])
        self.assertEqual(plan['uuid'], shown['uuid'])
        done = self.openstack_json('fleet', 'plan', 'cancel', plan['uuid'])
        self.assertEqual('cancelled', done['state'])
        # --wait on an ended plan returns at once.
        self.openstack_json('fleet', 'plan', 'show', '--wait', plan['uuid'])

    def test_usage_errors(self):
        _out, err = self.openstack('fleet', 'plan', 'create', rc=1)
        self.assertIn('Select hosts', err)
        _out, err = self.openstack(
            'fleet', 'plan', 'create', '--rack', 'nowhere', rc=1
        )
        self.assertIn('matches no compute host', err)
        _out, err = self.openstack(
            'fleet', 'plan', 'create', '--rack', 'r0', '--window', 'soon',
            rc=1,
        )  # fmt: skip
        self.assertIn('HH:MM-HH:MM', err)

    def test_audit_selector_headroom_and_eta(self):
        profile = self.dbapi.create_audit_profile(
            {
                'name': 'el9',
                'rules': [
                    {
                        'name': 'kernel',
                        'severity': 'critical',
                        'check': {'type': 'fact', 'fact': 'k'},
                    }
                ],
            }
        )
        _out, err = self.openstack(
            'fleet', 'plan', 'create', '--audit-profile', 'el9', rc=1
        )
        self.assertIn('--audit-profile and --audit-rule go together', err)
        _out, err = self.openstack(
            'fleet', 'plan', 'create', '--audit-profile', 'el9',
            '--audit-rule', 'kernel', rc=1,
        )  # fmt: skip
        self.assertIn('no host fails rule kernel', err)
        self.dbapi.record_audit_results(
            profile,
            [
                {
                    'host_uuid': self.dbapi.get_host('c1')['uuid'],
                    'host_name': 'c1',
                    'rule': 'kernel',
                    'severity': 'critical',
                    'result': 'fail',
                    'evidence': {},
                    'message': None,
                }
            ],
        )
        plan = self.openstack_json(
            'fleet', 'plan', 'create', '--audit-profile', 'el9',
            '--audit-rule', 'kernel', '--no-capacity-headroom',
        )  # fmt: skip
        self.assertEqual('c1: queued', plan['hosts'])
        self.assertEqual(
            {'profile': 'el9', 'rule': 'kernel'}, plan['selector']['audit']
        )
        self.assertFalse(plan['budget']['capacity_headroom'])
        self.assertEqual(1, plan['eta']['remaining_hosts'])


class TestProgressLine(base.CLITestCase):
    def test_lines(self):
        from fleet.cli.v1 import plan as cli_plan

        plan = {
            'state': 'running',
            'state_reason': None,
            'progress': {'succeeded': 3, 'failed': 1, 'queued': 6,
                         'started': 2, 'total': 12},
            'eta': {
                'remaining_hosts': 8,
                'running_hosts': 2,
                'remaining_waves': 4,
                'eta_s': 3725.0,
                'eta_at': '2026-11-30T23:02:05Z',
            },
        }  # fmt: skip
        self.assertEqual(
            'running: 4/12 hosts done, 1 failed; 2 running, 6 queued in 4 '
            'wave(s); ETA 1h02m (~2026-11-30T23:02:05Z)',
            cli_plan.progress_line(plan),
        )
        plan.update(state='blocked', state_reason='blocking alert(s) firing')
        plan['eta'].update(eta_s=None, eta_at=None)
        self.assertEqual(
            'blocked: 4/12 hosts done, 1 failed; 2 running, 6 queued in 4 '
            'wave(s); ETA unknown (no migration measured yet) '
            '[blocking alert(s) firing]',
            cli_plan.progress_line(plan),
        )
        # An older server (1.8) gives no eta.
        del plan['eta']
        self.assertEqual(
            'blocked: 4/12 hosts done, 1 failed [blocking alert(s) firing]',
            cli_plan.progress_line(plan),
        )
