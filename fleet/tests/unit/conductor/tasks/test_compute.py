"""Pre-checks and nova-compute service tasks, execute() and revert()
called directly on the simulated cloud."""

from unittest import mock

import fixtures

from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import compute
from fleet.inventory import capacity
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST
from fleet.tests.unit.conductor.tasks.utils import OTHER


class TestCheckHostManaged(utils.TaskTestCase):
    def test_active_compute_passes(self):
        compute.CheckHostManaged().execute(self.uuid, HOST)
        self.assertIn(
            f'Host {HOST} is managed; nova-compute is enabled and up.',
            self.messages(),
        )

    def test_draining_and_maintenance_pass(self):
        # A resumed or repeated run finds the host in one of these.
        for state in (states.HOST_DRAINING, states.HOST_MAINTENANCE):
            self.dbapi.update_host(HOST, {'state': state})
            compute.CheckHostManaged().execute(self.uuid, HOST)

    def test_unmanaged_host_refused_with_reason(self):
        self.dbapi.update_host(
            HOST, {'state': states.HOST_UNMANAGED, 'state_reason': 'RMA 17'}
        )
        e = self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckHostManaged().execute,
            self.uuid,
            HOST,
        )
        self.assertIn('is unmanaged (RMA 17)', str(e))

    def test_not_a_compute_refused(self):
        self.dbapi.create_host({'name': 'ctl-1', 'kind': 'controller'})
        e = self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckHostManaged().execute,
            self.uuid,
            'ctl-1',
        )
        self.assertIn('is a controller, not a compute', str(e))

    def test_revert_changes_nothing(self):
        task = compute.CheckHostManaged()
        task.revert(utils.failure(ValueError('x')), self.uuid, HOST)
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])


class TestCheckCapacity(utils.TaskTestCase):
    """Three computes of 64 vCPUs, two 1-vCPU / 512 MiB instances each."""

    def check(self, uuid=None, host=HOST, **params):
        return compute.CheckCapacity().execute(
            uuid or self.uuid, host, dict(self.params, **params)
        )

    def refused(self, uuid=None, host=HOST, **params):
        e = self.assertRaises(
            tasks_base.StepFailed, self.check, uuid, host, **params
        )
        return str(e)

    def full(self, *names):
        for name in names:
            self.cloud.hosts[name]['vcpus'] = 2  # full with its own two

    def test_enough_capacity_is_reserved(self):
        summary = self.check()
        self.assertTrue(summary['fits'])
        self.assertEqual(
            {'vcpus': 2, 'memory_mb': 1024, 'disk_gb': 0}, summary['needed']
        )
        self.assertEqual(124, summary['free']['vcpus'])
        self.assertEqual([OTHER, 'sim-compute-003'], summary['candidates'])
        # Spread like Nova's scheduler: one on each.
        self.assertEqual(
            {OTHER, 'sim-compute-003'}, set(summary['placement'].values())
        )
        [reservation] = self.dbapi.list_reservations()
        self.assertEqual(self.uuid, reservation['execution_uuid'])
        self.assertEqual(HOST, reservation['host_name'])
        self.assertEqual(set(self.instances()), set(reservation['instances']))
        self.assertEqual(2, reservation['vcpus'])
        self.assertTrue(
            self.messages()[-1].startswith('Capacity suffices and is reserved')
        )

    def test_not_enough_capacity_reserves_nothing(self):
        self.full(*self.cloud.hosts)
        reason = self.refused()
        self.assertIn('not enough capacity', reason)
        self.assertIn('2 instance(s) fit on no destination', reason)
        self.assertIn('need 2 vCPUs / 1024 MiB', reason)
        self.assertEqual([], self.dbapi.list_reservations())
        self.assertIn(reason, self.messages()[-1])

    def test_sums_are_not_enough_each_instance_must_fit(self):
        # 2 vCPUs free on each other host, 4 in all; the host's instances
        # need 3 + 1 = 4 in all, but the 3-vCPU one fits on neither.
        big, small = self.instances()
        self.cloud.instances[big]['vcpus'] = 3
        for name in (OTHER, 'sim-compute-003'):
            self.cloud.hosts[name]['vcpus'] = 4
        reason = self.refused()
        self.assertIn(f'1 instance(s) fit on no destination ({big})', reason)
        self.assertIn('need 4 vCPUs', reason)
        self.assertIn('free 4 vCPUs', reason)

    def test_disabled_or_down_hosts_do_not_count(self):
        self.service(OTHER)['status'] = 'disabled'
        self.service('sim-compute-003')['state'] = 'down'
        reason = self.refused()
        self.assertIn('on no host', reason)

    def test_held_hosts_with_nova_enabled_are_not_destinations(self):
        # The case: retired (or in maintenance, unmanaged, ...)
        # in fleet, while nova-compute is still enabled and up.
        for state in (
            states.HOST_RETIRED,
            states.HOST_MAINTENANCE,
            states.HOST_UNMANAGED,
            states.HOST_DRAINING,
            states.HOST_FAILED,
        ):
            self.dbapi.update_host(OTHER, {'state': state})
            self.dbapi.update_host('sim-compute-003', {'state': state})
            # Even if nova-compute cannot be disabled (Nova refuses, ...).
            with mock.patch.object(
                compute.inventory,
                'hold_services',
                side_effect=exception.ComputeError(reason='no'),
            ):
                reason = self.refused()
            self.assertEqual('enabled', self.service(OTHER)['status'])
            self.assertIn(f'{OTHER}: fleet holds it ({state})', reason)

    def test_held_hosts_nova_compute_is_disabled_at_the_check(self):
        # Retired while no conductor heard the API's cast: the check puts
        # it right, so Nova's scheduler cannot pick it during the drain.
        self.dbapi.update_host(OTHER, {'state': states.HOST_RETIRED})
        self.check()
        self.assertEqual('disabled', self.service(OTHER)['status'])
        self.assertEqual(
            'fleet: host retired', self.service(OTHER)['disabled_reason']
        )
        self.assertIn(
            f'nova-compute on {OTHER} disabled: fleet holds the host, it '
            f'must receive no instance.',
            self.messages(),
        )
        # The run's own host (held by the run) is left to the run.
        self.assertEqual('enabled', self.service(HOST)['status'])

    def test_one_held_host_leaves_the_other(self):
        self.dbapi.update_host(OTHER, {'state': states.HOST_RETIRED})
        summary = self.check()
        self.assertEqual(['sim-compute-003'], summary['candidates'])
        self.assertEqual(
            {'sim-compute-003'}, set(summary['placement'].values())
        )
        self.assertEqual(
            {OTHER: 'fleet holds it (retired)'}, summary['skipped']
        )

    def test_named_target_counts_whatever_its_nova_status(self):
        self.service(OTHER)['status'] = 'disabled'
        summary = self.check(target_host=OTHER)
        self.assertEqual([OTHER], summary['candidates'])
        self.assertEqual(62, summary['free']['vcpus'])

    def test_named_target_that_fleet_holds_is_refused(self):
        self.dbapi.update_host(OTHER, {'state': states.HOST_RETIRED})
        self.assertIn(
            f'{OTHER}: fleet holds it (retired)',
            self.refused(target_host=OTHER),
        )

    def test_compute_without_resource_provider_is_skipped(self):
        real = self.cloud.hosts
        task = compute.CheckCapacity()
        original = task.compute.get_host_capacity

        def capacity(name):
            if name == OTHER:
                raise exception.HostNotFound(host=name)
            return original(name)

        with mock.patch.object(
            type(task.compute), 'get_host_capacity', side_effect=capacity
        ):
            with self.assertLogs(
                'fleet.conductor.tasks.compute', 'INFO'
            ) as logs:
                summary = task.execute(self.uuid, HOST, self.params)
        self.assertIn(OTHER, real)
        self.assertEqual(['sim-compute-003'], summary['candidates'])
        self.assertEqual(
            'no Placement resource provider', summary['skipped'][OTHER]
        )
        self.assertIn('has no Placement resource provider', logs.output[0])

    def test_a_host_placement_calls_full_is_not_counted_from_facts(self):
        # The inventory's facts (synced earlier) say there is room; the
        # live read says none: the live read wins.
        self.dbapi.update_host(
            OTHER, {'facts': {'vcpus': 64, 'memory_mb': 262144}}
        )
        task = compute.CheckCapacity()
        real = task.compute.list_host_capacities()
        with mock.patch.object(
            type(task.compute),
            'list_host_capacities',
            return_value=dict(real, **{OTHER: None}),
        ):
            summary = task.execute(self.uuid, HOST, self.params)
        self.assertEqual(['sim-compute-003'], summary['candidates'])
        self.assertEqual(
            'no room left in Placement', summary['skipped'][OTHER]
        )

    def test_only_the_availability_zone_of_the_host_counts(self):
        for name, zone in (
            (HOST, 'az1'),
            (OTHER, 'az1'),
            ('sim-compute-003', 'az2'),
        ):
            self.dbapi.update_host(name, {'availability_zone': zone})
        self.full(OTHER)
        # sim-compute-003 has room, in another zone.
        reason = self.refused()
        self.assertIn('not enough capacity in az1', reason)
        self.cloud.hosts[OTHER]['vcpus'] = 64
        summary = self.check()
        self.assertEqual([OTHER], summary['candidates'])

    def test_aggregate_scope(self):
        self.dbapi.update_host(HOST, {'facts': {'aggregates': ['ssd']}})
        self.dbapi.update_host(OTHER, {'facts': {'aggregates': ['ssd']}})
        summary = self.check(capacity_scope='aggregate')
        self.assertEqual([OTHER], summary['candidates'])
        summary = self.check()
        self.assertEqual(2, len(summary['candidates']))

    def _anti_affinity(self, uuids, group='g1'):
        for uuid in uuids:
            inst = self.cloud.instances[uuid]
            self.dbapi.apply_instance(
                {
                    'uuid': uuid,
                    'host': inst['host'],
                    'vcpus': 1,
                    'memory_mb': 512,
                    'server_group': group,
                    'server_group_policy': 'anti-affinity',
                }
            )

    def test_anti_affinity_members_are_kept_apart(self):
        mine = self.instances()
        theirs = self.instances(OTHER)[:1]
        # Two members on HOST, one on OTHER: HOST's two can only go to
        # sim-compute-003, and only one of them.
        self._anti_affinity(mine + theirs)
        reason = self.refused()
        self.assertIn('1 instance(s) fit on no destination', reason)
        # Without the member on OTHER, they go one each.
        self._anti_affinity(theirs, group='g2')
        summary = self.check()
        self.assertEqual(
            {OTHER, 'sim-compute-003'}, set(summary['placement'].values())
        )

    def test_second_drain_sees_the_first_ones_reservation(self):
        # Room for exactly one host's instances: 1 vCPU free on each.
        for name in self.cloud.hosts:
            self.cloud.hosts[name]['vcpus'] = 3
        self.check()
        other_run = self._run_on(OTHER)
        reason = self.refused(uuid=other_run, host=OTHER)
        self.assertIn('reserved by other drains', reason)
        self.assertIn(f'{HOST}: being drained by run {self.uuid}', reason)
        # Released at the first run's end: the second fits.
        self.dbapi.release_reservations(self.uuid)
        self.dbapi.update_execution(
            self.uuid, {'state': states.EXEC_SUCCEEDED}
        )
        self.dbapi.release_host(HOST, self.uuid)
        summary = self.check(uuid=other_run, host=OTHER)
        self.assertTrue(summary['fits'])

    def test_reservation_of_a_finished_run_is_dropped(self):
        for name in self.cloud.hosts:
            self.cloud.hosts[name]['vcpus'] = 3
        self.check()
        # The run ended and its owner did not release (a crash between).
        self.dbapi.update_execution(self.uuid, {'state': states.EXEC_FAILED})
        other_run = self._run_on(OTHER)
        self.assertTrue(self.check(uuid=other_run, host=OTHER)['fits'])
        self.assertEqual(
            [other_run],
            [r['execution_uuid'] for r in self.dbapi.list_reservations()],
        )

    def test_moved_instances_leave_the_reservation(self):
        for name in self.cloud.hosts:
            self.cloud.hosts[name]['vcpus'] = 3
        self.check()
        # HOST's two moved (the inventory saw them land): the room they
        # took is now "used" on their new hosts, not reserved as well.
        for uuid, dest in zip(
            self.instances(), (OTHER, 'sim-compute-003'), strict=True
        ):
            self.cloud.instances[uuid]['host'] = dest
            self.dbapi.apply_instance({'uuid': uuid, 'host': dest})
        self.cloud.hosts['sim-compute-003']['vcpus'] = 64
        other_run = self._run_on(OTHER)
        summary = self.check(uuid=other_run, host=OTHER)
        self.assertEqual(0, summary['reserved_by_others']['vcpus'])

    def _run_on(self, name):
        host = self.dbapi.get_host(name)
        run = self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_RUNNING,
                'host_uuid': host['uuid'],
                'parameters': dict(utils.PARAMS),
            }
        )
        self.dbapi.reserve_host(host['uuid'], run['uuid'])
        return run['uuid']

    def test_check_again_replaces_the_reservation(self):
        self.check()
        self.check()
        self.assertEqual(1, len(self.dbapi.list_reservations()))

    def test_revert_releases_the_reservation(self):
        self.check()
        compute.CheckCapacity().revert(
            utils.failure(ValueError('x')), self.uuid, HOST, self.params
        )
        self.assertEqual([], self.dbapi.list_reservations())


class TestCheckCapacityScope(utils.TaskTestCase):
    """The pre-check reads its zone, not the cloud: fleet's records of
    the zone's hosts and their instances, Placement scoped to the zone;
    with the same answers as before."""

    def setUp(self):
        super().setUp()
        self.zones = {HOST: 'az1', OTHER: 'az1', 'sim-compute-003': 'az2'}
        for name, zone in self.zones.items():
            self.dbapi.update_host(name, {'availability_zone': zone})
            self.cloud.hosts[name]['availability_zone'] = zone
        self.seen = {}
        # Nova's os-services shows each compute's zone.
        driver = type(compute.CheckCapacity().compute)
        services = driver.list_services

        def with_zones(self_):
            return [
                dict(s, zone=self.cloud.hosts[s['host']]['availability_zone'])
                for s in services(self_)
            ]

        self.useFixture(
            fixtures.MockPatchObject(driver, 'list_services', with_zones)
        )
        real = compute.capacity.check_drain

        def spy(hosts, instances, *args, **kwargs):
            # fleet's records (computes only Nova knows have no uuid).
            self.seen['hosts'] = {h['name'] for h in hosts if h.get('uuid')}
            self.seen['instances'] = {i['uuid'] for i in instances}
            return real(hosts, instances, *args, **kwargs)

        self.useFixture(
            fixtures.MockPatchObject(compute.capacity, 'check_drain', spy)
        )

    def check(self, uuid=None, host=HOST, **params):
        return compute.CheckCapacity().execute(
            uuid or self.uuid, host, dict(self.params, **params)
        )

    def on(self, name):
        return {
            u for u, i in self.cloud.instances.items() if i['host'] == name
        }

    def test_only_the_zones_hosts_and_instances_are_read(self):
        # An instance fleet knows on a host of another zone.
        for uuid in self.on('sim-compute-003'):
            self.dbapi.apply_instance(
                {'uuid': uuid, 'host': 'sim-compute-003', 'vcpus': 1}
            )
        summary = self.check()
        self.assertEqual([OTHER], summary['candidates'])
        self.assertEqual({HOST, OTHER}, self.seen['hosts'])
        self.assertFalse(self.on('sim-compute-003') & self.seen['instances'])

    def test_a_host_with_no_zone_recorded_is_read_and_placed_by_nova(self):
        self.dbapi.update_host(OTHER, {'availability_zone': None})
        self.dbapi.update_host(HOST, {'availability_zone': 'nova'})
        for name in (HOST, OTHER):
            self.cloud.hosts[name]['availability_zone'] = 'nova'
        summary = self.check()
        # Nova's service puts OTHER in "nova", the zone of HOST.
        self.assertIn(OTHER, self.seen['hosts'])
        self.assertEqual([OTHER], summary['candidates'])

    def test_a_named_target_of_another_zone_is_read(self):
        summary = self.check(target_host='sim-compute-003')
        self.assertIn('sim-compute-003', self.seen['hosts'])
        self.assertEqual(['sim-compute-003'], summary['candidates'])

    def test_the_live_read_is_scoped_to_the_zone(self):
        task = compute.CheckCapacity()
        driver = type(task.compute)
        with mock.patch.object(
            driver,
            'list_host_capacities',
            autospec=True,
            side_effect=driver.list_host_capacities,
        ) as read:
            task.execute(self.uuid, HOST, self.params)
        [call] = read.call_args_list
        scope = call.kwargs['scope']
        self.assertEqual('az1', scope['availability_zone'])
        self.assertEqual([OTHER], scope['destinations'])

    def test_a_destination_the_scoped_read_missed_is_read_unscoped(self):
        task = compute.CheckCapacity()
        driver = type(task.compute)
        real = driver.list_host_capacities

        def capacities(self_, scope=None):
            found = real(self_, scope=scope)
            if scope is not None:
                found.pop(OTHER, None)  # Placement lacks the aggregate
            return found

        with mock.patch.object(
            driver,
            'list_host_capacities',
            autospec=True,
            side_effect=capacities,
        ) as read:
            summary = task.execute(self.uuid, HOST, self.params)
        self.assertEqual(2, read.call_count)
        self.assertIsNone(read.call_args_list[1].kwargs.get('scope'))
        self.assertEqual([OTHER], summary['candidates'])

    def test_instances_other_runs_reserved_are_read_wherever_they_are(self):
        # A run on OTHER reserved room for its instances; they then moved
        # to the other zone: read, so that they no longer weigh on az1
        # (an instance not read would count as still to move).
        other = self.dbapi.get_host(OTHER)
        run = self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_RUNNING,
                'host_uuid': other['uuid'],
                'parameters': dict(utils.PARAMS),
            }
        )
        moving = self.on(OTHER)
        self.dbapi.reserve_capacity(
            run['uuid'],
            OTHER,
            lambda hosts, instances, others: {
                'availability_zone': 'az1',
                'instances': {u: {'vcpus': 1} for u in moving},
            },
        )
        staying = self.on('sim-compute-003')
        for uuid in moving | staying:
            self.dbapi.apply_instance(
                {'uuid': uuid, 'host': 'sim-compute-003'}
            )
        seen = {}

        def check(hosts, instances, others):
            seen['hosts'] = {h['name'] for h in hosts}
            seen['instances'] = {i['uuid'] for i in instances}
            return {'availability_zone': 'az1'}

        self.dbapi.reserve_capacity(
            self.uuid,
            HOST,
            check,
            scope={'availability_zone': 'az1', 'hosts': [HOST]},
        )
        self.assertEqual({HOST, OTHER}, seen['hosts'])
        self.assertTrue(moving <= seen['instances'])
        self.assertFalse(staying & seen['instances'])

    def test_a_host_nova_moved_to_the_zone_keeps_fleets_record(self):
        # fleet holds sim-compute-003 and records it in az2; Nova's
        # service now says az1. It is read as fleet knows it, never added
        # as an unknown active compute of az1.
        self.cloud.hosts['sim-compute-003']['availability_zone'] = 'az1'
        self.dbapi.update_host(
            'sim-compute-003', {'state': states.HOST_RETIRED}
        )
        summary = self.check()
        self.assertEqual([OTHER], summary['candidates'])
        self.assertNotIn('sim-compute-003', self.seen['hosts'])


class TestDisableComputeService(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.task = compute.DisableComputeService()
        self.reason = f'fleet: maintenance run {self.uuid}'

    def test_disabled_reason_names_fleet_and_run(self):
        self.assertEqual(self.reason, compute.disabled_reason(self.uuid))

    def test_execute_disables_and_drains(self):
        result = self.task.execute(self.uuid, HOST)
        self.assertEqual({'was_enabled': True, 'reason': self.reason}, result)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_DRAINING, host['state'])
        self.assertEqual(f'fleet run {self.uuid}', host['state_reason'])
        # The inventory shows Nova's new status at once, not at the next
        # sync.
        self.assertEqual('disabled', host['nova_service_status'])
        self.assertEqual(self.reason, host['nova_disabled_reason'])
        self.assertIn(
            f'nova-compute on {HOST} disabled: "{self.reason}".',
            self.messages(),
        )

    def test_execute_again_on_resume_knows_it_was_enabled(self):
        self.task.execute(self.uuid, HOST)
        # The conductor died before the result was saved: run again.
        result = self.task.execute(self.uuid, HOST)
        self.assertTrue(result['was_enabled'])

    def test_execute_on_a_service_disabled_before(self):
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'broken fan'
        result = self.task.execute(self.uuid, HOST)
        self.assertFalse(result['was_enabled'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])

    def test_execute_cancelled_touches_nothing(self):
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
        )
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])

    def test_revert_reenables_when_nothing_left(self):
        result = self.task.execute(self.uuid, HOST)
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('enabled', self.service()['status'])
        self.assertIsNone(self.service()['disabled_reason'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])
        self.assertIsNone(self.host()['state_reason'])
        self.assertEqual('enabled', self.host()['nova_service_status'])
        self.assertIsNone(self.host()['nova_disabled_reason'])
        self.assertIn('nova-compute re-enabled', self.messages()[-1])

    def test_revert_keeps_disabled_when_an_instance_left(self):
        result = self.task.execute(self.uuid, HOST)
        moved = self.instances()[0]
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', moved, {'state': 'migrated'}
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('1 instance(s) already moved away', host['state_reason'])

    def test_revert_counts_an_instance_that_left_in_a_failed_attempt(self):
        result = self.task.execute(self.uuid, HOST)
        self.dbapi.update_execution_progress(
            self.uuid,
            'instances',
            self.instances()[0],
            {'state': 'failed', 'left_host': True},
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])

    def test_revert_keeps_disabled_when_fleet_did_not_disable_it(self):
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'broken fan'
        result = self.task.execute(self.uuid, HOST)
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('disabled before the run', host['state_reason'])

    def test_revert_keeps_a_service_someone_else_disabled_meanwhile(self):
        result = self.task.execute(self.uuid, HOST)
        # A human found a fault during the run and disabled it himself.
        self.service()['disabled_reason'] = 'ops: bad DIMM'
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual('ops: bad DIMM', self.service()['disabled_reason'])
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_keeps_disabled_for_an_unmanaged_host(self):
        result = self.task.execute(self.uuid, HOST)
        self.dbapi.update_host(
            HOST,
            {'state': states.HOST_UNMANAGED, 'state_reason': 'patch failed'},
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertEqual('patch failed', host['state_reason'])
        self.assertIn('handed to a human', self.messages()[-1])

    def test_revert_of_its_failure_before_disabling_changes_nothing(self):
        # The host was left in maintenance, disabled, by an earlier run.
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'fleet: maintenance run other'
        self.dbapi.update_host(
            HOST, {'state': states.HOST_MAINTENANCE, 'state_reason': 'x'}
        )
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
        )
        self.task.revert(
            utils.failure(tasks_base.ExecutionCancelled(execution=self.uuid)),
            self.uuid,
            HOST,
        )
        self.assertEqual('disabled', self.service()['status'])
        # Not "active" while nova-compute is disabled.
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_of_its_failure_after_disabling_reenables(self):
        # Nova disabled it, then the call failed (e.g. a read timeout).
        self.cloud.hosts[HOST]['status'] = 'disabled'
        self.cloud.hosts[HOST]['disabled_reason'] = self.reason
        self.task.revert(
            utils.failure(exception.ComputeError(reason='timeout')),
            self.uuid,
            HOST,
        )
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])

    def test_revert_never_raises_when_the_driver_fails(self):
        result = self.task.execute(self.uuid, HOST)
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.enable_service',
            side_effect=exception.ComputeError(reason='nova is down'),
        ):
            self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn('could not restore nova-compute', host['state_reason'])

    def test_revert_never_raises_when_everything_fails(self):
        with (
            mock.patch(
                'fleet.drivers.compute.fake.FakeCompute.get_service',
                side_effect=exception.ComputeError(reason='nova is down'),
            ),
            mock.patch.object(
                self.dbapi, 'update_host', side_effect=RuntimeError('db')
            ),
        ):
            self.task.revert(
                {'was_enabled': True, 'reason': self.reason}, self.uuid, HOST
            )


class TestEnableComputeService(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        compute.DisableComputeService().execute(self.uuid, HOST)
        self.task = compute.EnableComputeService()

    def test_execute_enables_and_activates(self):
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'enabled': True}, result)
        self.assertEqual('enabled', self.service()['status'])
        self.assertIsNone(self.service()['disabled_reason'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])
        self.assertEqual('enabled', self.host()['nova_service_status'])
        self.assertIsNone(self.host()['nova_disabled_reason'])
        self.assertIn('enabled; host active', self.messages()[-1])

    def test_execute_leaves_a_service_a_human_disabled(self):
        self.task.compute.disable_service(HOST, 'operator: bad DIMM')
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'enabled': False}, result)
        service = self.service()
        self.assertEqual('disabled', service['status'])
        self.assertEqual('operator: bad DIMM', service['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('bad DIMM', host['state_reason'])
        self.assertIn('by someone else', self.messages()[-1])

    def test_execute_enables_a_service_fleet_held(self):
        # An inventory sync held the draining host with fleet's own hold
        # reason during the run: still fleet's, so the run returns it.
        self.task.compute.disable_service(
            HOST, capacity.held_reason(states.HOST_DRAINING)
        )
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'enabled': True}, result)
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])

    def test_reenable_false_leaves_maintenance(self):
        params = dict(self.params, reenable=False)
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual({'enabled': False}, result)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('reenable: false', host['state_reason'])

    def test_revert_changes_nothing(self):
        self.task.revert(
            utils.failure(exception.ComputeError(reason='x')),
            self.uuid,
            HOST,
            self.params,
        )
        self.assertEqual('disabled', self.service()['status'])
