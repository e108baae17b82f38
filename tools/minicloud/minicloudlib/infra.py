"""RabbitMQ and MariaDB: the machine's own services the minicloud uses."""

import os
import subprocess
import time

from minicloudlib import api
from minicloudlib import state as st

RABBIT_POLICY = 'fleet-minicloud-notification-cap'
RABBIT_POLICY_PATTERN = r'^(versioned_notifications|notifications)\.'
# Unconsumed notification queues keep only the newest messages.
RABBIT_POLICY_DEFINITION = '{"max-length": 1000, "overflow": "drop-head"}'

INFRA = {
    # name -> (port, start command)
    'rabbitmq': (5672, ['rabbitmq-server', '-detached']),
    'mariadb': (
        3306,
        [
            'start-stop-daemon',
            '--start',
            '--oknodo',
            '--background',
            '--exec',
            '/usr/sbin/mariadbd',
        ],
    ),
}


def ensure_running(state, say):
    """Start RabbitMQ / MariaDB when their port is closed."""
    for name, (port, cmd) in INFRA.items():
        if api.port_open(port):
            continue
        say(
            '%s is down on 127.0.0.1:%d: starting it (%s)'
            % (name, port, ' '.join(cmd))
        )
        with open(state.log('infra'), 'ab') as log:
            subprocess.run(
                cmd,
                stdout=log,
                stderr=log,
                check=False,
                start_new_session=True,
            )
        deadline = time.time() + 90
        while not api.port_open(port):
            if time.time() > deadline:
                raise RuntimeError(
                    '%s did not come up on port %d; see %s'
                    % (name, port, state.log('infra'))
                )
            time.sleep(0.5)
        state.mark('started-' + name, str(time.time()))


def set_rabbit_policy(state, run):
    run(
        [
            'rabbitmqctl',
            'set_policy',
            '-p',
            '/',
            '--apply-to',
            'queues',
            '--priority',
            '10',
            RABBIT_POLICY,
            RABBIT_POLICY_PATTERN,
            RABBIT_POLICY_DEFINITION,
        ],
        'rabbitmq-policy',
    )


CREATE_DBS = '''
import sys, pymysql
dbs, user, password = sys.argv[1].split(','), sys.argv[2], sys.argv[3]
drop = sys.argv[4:] == ['--drop']
conn = pymysql.connect(host='127.0.0.1', port=3306, user='root', password='')
with conn.cursor() as cur:
    if drop:
        for db in dbs:
            cur.execute("DROP DATABASE IF EXISTS `%s`" % db)
    for host in ('%', 'localhost', '127.0.0.1'):
        cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
                    (user, host, password))
        for db in dbs:
            cur.execute("CREATE DATABASE IF NOT EXISTS `%s` "
                        "CHARACTER SET utf8" % db)
            cur.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@%%s" % db,
                        (user, host))
    cur.execute("FLUSH PRIVILEGES")
conn.commit()
'''


def create_databases(state, run, drop=False):
    """Create the databases; ``drop``: drop them first (a new cloud must not
    inherit compute nodes, cells or users of an older one)."""
    run(
        [
            state.bin('python'),
            '-c',
            CREATE_DBS,
            ','.join(st.DATABASES),
            st.DB_USER,
            st.DB_PASSWORD,
        ]
        + (['--drop'] if drop else []),
        'drop and create databases' if drop else 'create databases',
    )


def started_infra(state):
    return [
        name
        for name in INFRA
        if os.path.exists(state.stamp_path('started-' + name))
    ]
