"""Helpers of the functional tests: real fleet processes, throwaway
databases, config files.

Functional tests run fleet's real console scripts against real services
(RabbitMQ, MariaDB, PostgreSQL, Keystone). They run only under
``tox -e functional`` (which sets ``FLEET_FUNCTIONAL=1``); see conftest.py.

Usage::

    def test_something(procs, tmp_path):
        conf = write_config(tmp_path / 'fleet.conf', {
            'DEFAULT': {'transport_url': 'fake://'},
            'api': {'auth_strategy': 'noauth', 'port': free_port()}})
        api = procs.start('fleet-api', ['fleet-api', '--config-file', conf],
                          port=port)
        ...                     # procs stops every process at teardown
"""

import configparser
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

#: Seconds a fleet process may take to start serving.
START_TIMEOUT = 60
#: Seconds a fleet process may take to exit after SIGTERM.
STOP_TIMEOUT = 20
#: oslo.service's launcher restarts a child that dies at start-up forever;
#: its log then says this, and waiting longer is pointless.
CRASH_LOOP = 'Forking too fast'

RABBIT_URL = os.environ.get(
    'FLEET_FUNCTIONAL_TRANSPORT_URL', 'rabbit://guest:guest@127.0.0.1:5672/'
)
MYSQL = {'host': '127.0.0.1', 'port': 3306, 'user': 'root', 'password': ''}
POSTGRES = {'host': '127.0.0.1', 'port': 5432}
POSTGRES_USERS = ('postgres', 'root')


def unique(prefix):
    """A name no other test run uses: ``prefix`` + 8 hex digits."""
    return f'{prefix}{uuid.uuid4().hex[:8]}'


def service_missing(what, error):
    """Skip a test whose real service is unreachable, except in CI.

    On a developer machine a missing PostgreSQL should not hide the other
    results; in CI (``CI=true``, where .ci/run starts every service) it
    is a failure, never a silent skip.
    """
    message = f'{what} is not reachable: {error}'
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'):
        pytest.fail(message)
    pytest.skip(message)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_open(port, host='127.0.0.1'):
    with contextlib.suppress(OSError):
        with socket.create_connection((host, port), timeout=1):
            return True
    return False


def fleet_command(name):
    """Path of a fleet console script, from this interpreter's venv."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(path):
        return path
    found = shutil.which(name)
    if found is None:
        pytest.fail(f'console script {name} is not installed')
    return found


def write_config(path, sections):
    """Write an ini file from ``{section: {option: value}}``.

    :returns: the path, as a string.
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    for section, options in sections.items():
        if section != 'DEFAULT':
            parser.add_section(section)
        for key, value in options.items():
            if isinstance(value, (list, tuple)):
                value = ','.join(value)
            parser.set(section, key, str(value))
    with open(path, 'w') as f:
        parser.write(f)
    return str(path)


def run(args, timeout=120, check=True):
    """Run a short command; its output is in the assertion message."""
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f'{" ".join(map(str, args))} exited {result.returncode}:\n'
            f'--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}'
        )
    return result


class Process:
    """One long-running process, in its own process group, logging to a
    file."""

    def __init__(self, name, args, log_path, env=None):
        self.name = name
        self.args = [str(a) for a in args]
        self.log_path = str(log_path)
        self._log = open(self.log_path, 'ab')
        self.popen = subprocess.Popen(
            self.args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def log(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def wait_for(self, predicate, what, timeout=START_TIMEOUT):
        """Poll ``predicate`` until true; fail if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if not self.alive() or CRASH_LOOP in self.log():
                pytest.fail(
                    f'{self.name} died (exit {self.popen.poll()}) before '
                    f'{what}; log {self.log_path}:\n{self.log()[-4000:]}'
                )
            time.sleep(0.2)
        pytest.fail(
            f'{self.name} not {what} after {timeout} s; log '
            f'{self.log_path}:\n{self.log()[-4000:]}'
        )

    def wait_for_port(self, port, timeout=START_TIMEOUT):
        self.wait_for(lambda: port_open(port), f'listening on {port}', timeout)

    def wait_for_log(self, text, timeout=START_TIMEOUT):
        self.wait_for(lambda: text in self.log(), f'logging {text!r}', timeout)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM the process group, SIGKILL it if still there after
        ``timeout`` s.

        :returns: the exit code, or None if it had to be killed.
        """
        code = None
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                code = self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(10)
        else:
            code = self.popen.returncode
        # Children that outlived the leader (none expected) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._log.close()
        return code


class Processes:
    """Every process a test started; all stopped at teardown."""

    def __init__(self, log_dir):
        self.log_dir = str(log_dir)
        self.procs = []

    def start(self, name, args, port=None, env=None):
        """Start ``args``; with ``port``, wait until it listens there."""
        proc = Process(
            name, args, os.path.join(self.log_dir, f'{name}.log'), env=env
        )
        self.procs.append(proc)
        if port is not None:
            proc.wait_for_port(port)
        return proc

    def stop_all(self):
        for proc in reversed(self.procs):
            proc.stop()

    def logs(self):
        """(name, log text) of every process, for a failure report."""
        return [(p.name, p.log()) for p in self.procs]


# Throwaway databases


class Database:
    """A database created for one test and dropped after it."""

    def __init__(self, backend, name, url, drop):
        self.backend = backend
        self.name = name
        self.url = url
        self._drop = drop

    def drop(self):
        self._drop()


def create_mysql_database():
    try:
        import pymysql

        admin = pymysql.connect(autocommit=True, **MYSQL)
    except Exception as e:
        service_missing('MariaDB on 127.0.0.1:3306 (root, no password)', e)
    name = unique('fleet_func_')
    with admin.cursor() as cursor:
        cursor.execute(
            f'CREATE DATABASE {name} CHARACTER SET utf8mb4 '
            'COLLATE utf8mb4_general_ci'
        )

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS {name}')
        admin.close()

    url = (
        f'mysql+pymysql://{MYSQL["user"]}@{MYSQL["host"]}:{MYSQL["port"]}'
        f'/{name}?charset=utf8mb4'
    )
    return Database('mysql', name, url, drop)


def create_postgresql_database():
    import psycopg2

    admin = user = error = None
    for user in POSTGRES_USERS:
        try:
            admin = psycopg2.connect(dbname='postgres', user=user, **POSTGRES)
            break
        except Exception as e:
            error = e
    if admin is None:
        service_missing(
            'PostgreSQL on 127.0.0.1:5432 (user postgres or root, trust)',
            error,
        )
    admin.autocommit = True
    name = unique('fleet_func_')
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE {name}')

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
        admin.close()

    url = (
        f'postgresql+psycopg2://{user}@{POSTGRES["host"]}:'
        f'{POSTGRES["port"]}/{name}'
    )
    return Database('postgresql', name, url, drop)


DATABASES = {
    'mysql': create_mysql_database,
    'postgresql': create_postgresql_database,
}


# The minicloud (fleet.json)


def nova_options(config):
    """fleet's ``[nova]`` section for the minicloud described by
    ``config`` (fleet.json): its Keystone, fleet's service user, its
    region."""
    creds = config['fleet']
    return {
        'auth_type': 'password',
        'auth_url': config['auth_url'],
        'username': creds['username'],
        'password': creds['password'],
        'project_name': creds['project_name'],
        'user_domain_name': creds['user_domain_name'],
        'project_domain_name': creds['project_domain_name'],
        'region_name': config['region'],
        'valid_interfaces': 'public',
    }


@contextlib.contextmanager
def conductor_rpc(conf_path, topic):
    """fleet's RPC client (:class:`fleet.conductor.rpcapi.ConductorAPI`)
    in the test process, on the transport of the config file
    ``conf_path``, talking to the conductors of ``topic``."""
    from oslo_config import cfg
    import oslo_messaging as messaging
    from oslo_messaging import conffixture

    from fleet import conf as fleet_conf  # noqa: F401 - registers options
    from fleet.common import rpc
    from fleet.conductor import rpcapi

    conf = cfg.ConfigOpts()
    # Registers every option oslo.messaging reads (it is not set up).
    conffixture.ConfFixture(conf)
    conf(['--config-file', str(conf_path)], project='fleet')
    transport = messaging.get_rpc_transport(
        conf, allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    saved = rpc.TRANSPORT
    rpc.TRANSPORT = transport
    try:
        yield rpcapi.ConductorAPI(topic=topic)
    finally:
        rpc.TRANSPORT = saved
        transport.cleanup()


def delete_queue(transport_url, name):
    """Delete a RabbitMQ queue (e.g. a notification pool's, which is
    durable and would otherwise collect every notification for ever);
    best effort."""
    import kombu

    url = transport_url.replace('rabbit://', 'amqp://', 1)
    with contextlib.suppress(Exception):
        with kombu.Connection(url, connect_timeout=10) as conn:
            conn.default_channel.queue_delete(name)
