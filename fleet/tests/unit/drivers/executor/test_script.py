"""Tests of the script executor: real processes, no shell unless asked."""

import os
import sys
import time

import fixtures

from fleet.common import exception
from fleet.drivers import base as drivers_base
from fleet.drivers.executor import script
from fleet.tests import base

HOST = {
    'name': 'cmp-1',
    'kind': 'compute',
    'variables': {'rack': 'r12', 'evil': 'x; touch /tmp/pwned', 'n': 3},
}


class TestBoundedOutput(base.TestCase):
    def test_small_output_kept_whole(self):
        out = script.BoundedOutput(10)
        out.write(b'abc')
        out.write(b'de')
        self.assertFalse(out.truncated)
        self.assertEqual('abcde', out.text())

    def test_head_and_tail_kept(self):
        out = script.BoundedOutput(10)
        for chunk in (b'01234', b'56789', b'abcde', b'fghij'):
            out.write(chunk)
        self.assertTrue(out.truncated)
        self.assertEqual(20, out.total)
        self.assertEqual(
            '01234\n[... 10 bytes of output cut ...]\nfghij', out.text()
        )

    def test_exactly_at_limit(self):
        out = script.BoundedOutput(4)
        out.write(b'abcd')
        self.assertFalse(out.truncated)
        self.assertEqual('abcd', out.text())

    def test_invalid_utf8_replaced(self):
        out = script.BoundedOutput(10)
        out.write(b'\xffok')
        self.assertEqual('\ufffdok', out.text())


class TestBuildCommand(base.TestCase):
    def setUp(self):
        super().setUp()
        self.executor = script.ScriptExecutor()

    def test_template_fields_stay_one_argument(self):
        argv = self.executor.build_command(
            HOST, {'command': 'echo {name} {variables[rack]} {evil} {n}'}
        )
        self.assertEqual(
            ['echo', 'cmp-1', 'r12', 'x; touch /tmp/pwned', '3'], argv
        )

    def test_list_command(self):
        argv = self.executor.build_command(
            HOST, {'command': ['printf', '%s-{name}', '{rack}']}
        )
        self.assertEqual(['printf', '%s-cmp-1', 'r12'], argv)

    def test_ssh(self):
        argv = self.executor.build_command(
            HOST, {'command': 'sudo dnf -y update {evil}', 'ssh': True}
        )
        self.assertEqual(
            [
                'ssh',
                '-o',
                'BatchMode=yes',
                '-o',
                'ConnectTimeout=10',
                'cmp-1',
                "sudo dnf -y update 'x; touch /tmp/pwned'",
            ],
            argv,
        )

    def test_ssh_command_templated(self):
        self.config(ssh_command='ssh -l ops {rack}.example', group='executor')
        argv = self.executor.build_command(
            HOST, {'command': 'uptime', 'ssh': True}
        )
        self.assertEqual(['ssh', '-l', 'ops', 'r12.example', 'uptime'], argv)

    def test_unknown_field(self):
        e = self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.build_command,
            HOST,
            {'command': 'echo {nope}'},
        )
        self.assertIn('{nope}', str(e))

    def test_malformed_template(self):
        self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'command': 'echo {name'},
        )

    def test_unbalanced_quotes(self):
        self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'command': 'echo "oops'},
        )

    def test_command_required(self):
        for arguments in ({}, {'command': ''}, {'command': 42}):
            self.assertRaises(
                exception.InvalidParameterValue,
                self.executor.validate_arguments,
                arguments,
            )

    def test_shell_refused_by_default(self):
        e = self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'command': 'echo hi | tr h H', 'shell': True},
        )
        self.assertIn('script_allow_shell', str(e))

    def test_shell_quotes_values(self):
        self.config(script_allow_shell=True, group='executor')
        command = self.executor.build_command(
            HOST, {'command': 'echo {evil} | wc -c', 'shell': True}
        )
        self.assertEqual("echo 'x; touch /tmp/pwned' | wc -c", command)


class TestRun(base.TestCase):
    def setUp(self):
        super().setUp()
        self.executor = script.ScriptExecutor()
        self.config(kill_grace_seconds=1, group='executor')

    def test_is_an_executor(self):
        self.assertIsInstance(self.executor, drivers_base.ExecutorDriver)

    def test_success(self):
        result = self.executor.run(
            HOST, {'command': 'echo hello {name} {evil}'}, timeout=30
        )
        self.assertTrue(result.ok)
        self.assertEqual('hello cmp-1 x; touch /tmp/pwned\n', result.output)
        self.assertEqual(0, result.details['exit_code'])
        self.assertFalse(result.details['timed_out'])
        self.assertEqual(
            "echo hello cmp-1 'x; touch /tmp/pwned'",
            result.details['command'],
        )
        # JSON-safe, as the run's history stores it.
        self.assertIsInstance(result.to_dict(), dict)

    def test_failure_keeps_exit_code_and_stderr(self):
        result = self.executor.run(
            HOST,
            {
                'command': [
                    sys.executable,
                    '-c',
                    'import sys; print("bad {name}", file=sys.stderr); '
                    'sys.exit(3)',
                ]
            },
            timeout=30,
        )
        self.assertFalse(result.ok)
        self.assertEqual(3, result.details['exit_code'])
        self.assertIn('bad cmp-1', result.output)

    def test_env_and_cwd(self):
        cwd = self.useFixture(fixtures.TempDir()).path
        result = self.executor.run(
            HOST,
            {
                'command': [
                    sys.executable,
                    '-c',
                    'import os; print(os.environ["RACK"], os.getcwd())',
                ],
                'env': {'RACK': 'rack-{rack}'},
                'cwd': cwd,
            },
            timeout=30,
        )
        self.assertTrue(result.ok, result.output)
        self.assertEqual(f'rack-r12 {os.path.realpath(cwd)}\n', result.output)

    def test_missing_program(self):
        result = self.executor.run(
            HOST, {'command': '/nonexistent/fleet-tool {name}'}, timeout=30
        )
        self.assertFalse(result.ok)
        self.assertIsNone(result.details['exit_code'])
        self.assertIn('/nonexistent/fleet-tool', result.output)

    def test_output_truncated(self):
        self.config(output_limit=1024, group='executor')
        result = self.executor.run(
            HOST,
            {
                'command': [
                    sys.executable,
                    '-c',
                    'print("A" * 5000 + "B" * 5000 + "END")',
                ]
            },
            timeout=30,
        )
        self.assertTrue(result.ok)
        self.assertTrue(result.details['output_truncated'])
        self.assertEqual(10004, result.details['output_bytes'])
        self.assertTrue(result.output.startswith('A' * 512))
        self.assertTrue(result.output.endswith('END\n'))
        self.assertIn('bytes of output cut', result.output)
        self.assertLess(len(result.output), 1100)

    def test_timeout_kills_the_process_group(self):
        # The shell's child would outlive a kill of the shell alone.
        pidfile = os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'child.pid'
        )
        self.config(script_allow_shell=True, group='executor')
        started = time.monotonic()
        result = self.executor.run(
            HOST,
            {
                'command': f'sleep 60 & echo $! > {pidfile}; wait',
                'shell': True,
            },
            timeout=0.5,
        )
        self.assertLess(time.monotonic() - started, 10)
        self.assertFalse(result.ok)
        self.assertTrue(result.details['timed_out'])
        self.assertEqual('SIGTERM', result.details['signal'])
        self.assertIn('timed out', result.output)
        with open(pidfile) as f:
            child = int(f.read())
        # Reaped by init or gone: either way, no longer running.
        for _ in range(50):
            if not _running(child):
                break
            time.sleep(0.1)
        self.assertFalse(_running(child))

    def test_ssh_through_a_stand_in(self):
        # "sh -c" plays the remote shell: the quoting ssh needs survives.
        self.config(ssh_command='sh -c', group='executor')
        result = self.executor.run(
            HOST,
            {'command': ['printf', '[%s]', '{evil}'], 'ssh': True},
            timeout=30,
        )
        self.assertTrue(result.ok, result.output)
        self.assertEqual('[x; touch /tmp/pwned]', result.output)


def _running(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split()[2] != 'Z'
    except FileNotFoundError:
        return False
