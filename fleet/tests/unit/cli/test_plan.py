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
