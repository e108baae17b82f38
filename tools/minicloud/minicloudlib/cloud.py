"""Install, configure, start, check and stop the minicloud."""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from minicloudlib import api
from minicloudlib import configs
from minicloudlib import infra
from minicloudlib import procs
from minicloudlib import state as st

CATALOG = [
    # (service name, type, endpoint key, url suffix)
    ('keystone', 'identity', 'keystone', ''),
    ('placement', 'placement', 'placement', ''),
    ('glance', 'image', 'glance', ''),
    ('neutron', 'network', 'neutron', ''),
    ('nova', 'compute', 'nova-api', ''),
]
SERVICE_USERS = ['nova', 'placement', 'glance', 'neutron', 'fleet']
CONTROL_PLANE = [
    'keystone',
    'placement',
    'glance',
    'neutron',
    'nova-api',
    'nova-conductor',
    'nova-scheduler',
]


class SetupError(RuntimeError):
    pass


def parallel(*funcs):
    """Run callables in threads; re-raise the first failure."""
    errors = []

    def wrap(func):
        try:
            func()
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(f,)) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _utc_next_second():
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return now.replace(microsecond=0) + datetime.timedelta(seconds=1)


def _parse_time(value):
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.split('.')[0].rstrip('Z'))


class Cloud:
    def __init__(self, state, quiet=False):
        self.s = state
        self.quiet = quiet
        self.cfg = configs.Configs(state)
        self._lock = threading.Lock()
        self.t0 = time.time()
        self._admin = None

    def say(self, msg):
        if not self.quiet:
            with self._lock:
                print(
                    '[minicloud %5.1fs] %s' % (time.time() - self.t0, msg),
                    flush=True,
                )

    # -- helpers --------------------------------------------------------------

    def run(self, argv, step, ok_codes=(0,), env=None):
        """Run a set-up command, its output appended to logs/setup.log."""
        logfile = self.s.log('setup')
        full_env = dict(os.environ)
        full_env.pop('PYTHONPATH', None)
        full_env.update(env or {})
        start = time.time()
        with open(logfile, 'ab') as log:
            log.write(
                (
                    '\n==== %s %s: %s\n'
                    % (time.strftime('%H:%M:%S'), step, ' '.join(argv))
                ).encode()
            )
            log.flush()
            proc = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=full_env,
                cwd=self.s.root,
            )
            log.write(proc.stdout)
        if proc.returncode not in ok_codes:
            tail = proc.stdout.decode('utf-8', 'replace').splitlines()[-20:]
            raise SetupError(
                '%s failed (exit %d); see %s\n%s'
                % (step, proc.returncode, logfile, '\n'.join(tail))
            )
        self.say('%s done (%.1fs)' % (step, time.time() - start))
        return proc.stdout.decode('utf-8', 'replace')

    def processes(self):
        specs = self.cfg.process_specs()
        return {
            name: procs.Process(self.s, name, argv, env, h)
            for name, (argv, env, h) in specs.items()
        }

    def process(self, name):
        return self.processes()[name]

    def ensure_started(self, proc):
        """Start ``proc`` if down, restart it if its configuration changed.

        :returns: None if it was left running, else when it was started
            (naive UTC, rounded up to the second as nova's timestamps are).
        """
        rec = proc.running()
        if rec and rec.get('config_hash') == proc.config_hash:
            return None
        if rec:
            self.say('%s: configuration changed, restarting' % proc.name)
            proc.stop()
        started = _utc_next_second()
        proc.start()
        self.say('started %s (log %s)' % (proc.name, proc.logfile))
        return started

    def admin(self):
        if self._admin is None:
            self._admin = api.Session(
                self.s.url('keystone'), 'admin', st.ADMIN_PASSWORD, 'admin'
            )
        return self._admin

    def nova(self, method, path, body=None):
        return self.admin().call(method, self.s.url('nova-api') + path, body)

    # -- install --------------------------------------------------------------

    def install(self):
        with open(st.CONSTRAINTS, 'rb') as f:
            want = hashlib.sha256(
                f.read() + ' '.join(st.PACKAGES).encode()
            ).hexdigest()
        python = self.s.bin('python')
        stamp = self.s.stamp_path('installed')
        if (
            os.path.exists(python)
            and os.path.exists(stamp)
            and open(stamp).read() == want
        ):
            self.install_driver()
            return
        start = time.time()
        self.say(
            'installing OpenStack into %s (log %s)'
            % (self.s.venv, self.s.log('install'))
        )
        if not os.path.exists(python):
            subprocess.run(
                [sys.executable, '-m', 'venv', self.s.venv], check=True
            )
        logfile = self.s.log('install')
        with open(logfile, 'ab') as log:
            for argv in (
                [python, '-m', 'pip', 'install', '-q', '-U', 'pip'],
                [python, '-m', 'pip', 'install', '-c', st.CONSTRAINTS]
                + st.PACKAGES,
            ):
                log.write(('\n==== %s\n' % ' '.join(argv)).encode())
                log.flush()
                rc = subprocess.run(argv, stdout=log, stderr=log).returncode
                if rc:
                    raise SetupError(
                        'pip failed (exit %d); see %s' % (rc, logfile)
                    )
        self.s.mark('installed', want)
        self.install_driver()
        self.say('installed in %.0fs' % (time.time() - start))

    def _site_packages(self):
        out = subprocess.run(
            [
                self.s.bin('python'),
                '-c',
                'import os, nova.virt; '
                'print(os.path.dirname(nova.virt.__file__))',
            ],
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        return out.stdout.strip()

    def install_driver(self):
        """Copy fleetfake.py into the venv's nova/virt/ (nova loads drivers
        only from the nova.virt package)."""
        dst = os.path.join(self._site_packages(), 'fleetfake.py')
        with open(st.FAKE_DRIVER, 'rb') as f:
            content = f.read()
        try:
            with open(dst, 'rb') as f:
                if f.read() == content:
                    return
        except FileNotFoundError:
            pass
        shutil.copyfile(st.FAKE_DRIVER, dst)
        self.say('installed fake virt driver as %s' % dst)

    # -- set-up branches (each runs in its own thread) ------------------------

    def branch_keystone(self):
        conf = os.path.join(self.s.etc, 'keystone', 'keystone.conf')
        manage = [self.s.bin('keystone-manage'), '--config-file', conf]
        if not self.s.done('keystone'):
            self.run(manage + ['db_sync'], 'keystone db_sync')
            for what in ('fernet_setup', 'credential_setup'):
                os.makedirs(
                    os.path.join(
                        self.s.etc, 'keystone', what.split('_')[0] + '-keys'
                    ),
                    exist_ok=True,
                )
                self.run(
                    manage
                    + [
                        what,
                        '--keystone-user',
                        'root',
                        '--keystone-group',
                        'root',
                    ],
                    'keystone ' + what,
                )
            url = self.s.url('keystone')
            self.run(
                manage
                + [
                    'bootstrap',
                    '--bootstrap-password',
                    st.ADMIN_PASSWORD,
                    '--bootstrap-username',
                    'admin',
                    '--bootstrap-project-name',
                    'admin',
                    '--bootstrap-role-name',
                    'admin',
                    '--bootstrap-service-name',
                    'keystone',
                    '--bootstrap-region-id',
                    st.REGION,
                    '--bootstrap-admin-url',
                    url,
                    '--bootstrap-internal-url',
                    url,
                    '--bootstrap-public-url',
                    url,
                ],
                'keystone bootstrap',
            )
            self.s.mark('keystone')
        proc = self.process('keystone')
        self.ensure_started(proc)
        api.wait_http(self.s.url('keystone'), proc=proc)
        want = json.dumps(
            {'ports': self.s.ports(), 'users': SERVICE_USERS}, sort_keys=True
        )
        stamp = self.s.stamp_path('keystone-resources')
        if not (os.path.exists(stamp) and open(stamp).read() == want):
            self.keystone_resources()
            self.s.mark('keystone-resources', want)

    def keystone_resources(self):
        """Service project, users, roles and catalog (idempotent)."""
        start = time.time()
        adm = self.admin()
        adm.authenticate()
        ks = self.s.url('keystone')

        def find(kind, **filters):
            query = '&'.join('%s=%s' % kv for kv in sorted(filters.items()))
            items = adm.call('GET', '%s/%s?%s' % (ks, kind, query))[kind]
            return items[0] if items else None

        def ensure(kind, single, body, **filters):
            found = find(kind, **filters)
            if found:
                return found
            return adm.call('POST', '%s/%s' % (ks, kind), {single: body})[
                single
            ]

        project = ensure(
            'projects',
            'project',
            {'name': 'service', 'domain_id': 'default'},
            name='service',
            domain_id='default',
        )
        roles = {
            name: ensure('roles', 'role', {'name': name}, name=name)
            for name in ('admin', 'service')
        }
        for name in SERVICE_USERS:
            user = ensure(
                'users',
                'user',
                {
                    'name': name,
                    'domain_id': 'default',
                    'password': st.SERVICE_PASSWORD,
                    'default_project_id': project['id'],
                },
                name=name,
                domain_id='default',
            )
            for role in roles.values():
                adm.call(
                    'PUT',
                    '%s/projects/%s/users/%s/roles/%s'
                    % (ks, project['id'], user['id'], role['id']),
                )
        for name, stype, key, suffix in CATALOG:
            service = ensure(
                'services',
                'service',
                {'name': name, 'type': stype, 'enabled': True},
                type=stype,
            )
            url = self.s.url(key) + suffix
            for interface in ('public', 'internal'):
                ep = find(
                    'endpoints', service_id=service['id'], interface=interface
                )
                if ep is None:
                    adm.call(
                        'POST',
                        ks + '/endpoints',
                        {
                            'endpoint': {
                                'service_id': service['id'],
                                'interface': interface,
                                'url': url,
                                'region_id': st.REGION,
                            }
                        },
                    )
                elif ep['url'] != url:
                    adm.call(
                        'PATCH',
                        '%s/endpoints/%s' % (ks, ep['id']),
                        {'endpoint': {'url': url}},
                    )
        self.say(
            'keystone users and catalog ready (%.1fs)' % (time.time() - start)
        )

    def branch_placement(self):
        if not self.s.done('placement'):
            conf = os.path.join(self.s.etc, 'placement', 'placement.conf')
            self.run(
                [
                    self.s.bin('placement-manage'),
                    '--config-file',
                    conf,
                    'db',
                    'sync',
                ],
                'placement db sync',
            )
            self.s.mark('placement')
        self.ensure_started(self.process('placement'))

    def branch_glance(self):
        if not self.s.done('glance'):
            conf = os.path.join(self.s.etc, 'glance', 'glance-api.conf')
            self.run(
                [
                    self.s.bin('glance-manage'),
                    '--config-file',
                    conf,
                    'db_sync',
                ],
                'glance db_sync',
            )
            self.s.mark('glance')
        self.ensure_started(self.process('glance'))

    def branch_neutron(self):
        if not self.s.done('neutron'):
            conf = os.path.join(self.s.etc, 'neutron', 'neutron.conf')
            self.run(
                [
                    self.s.bin('neutron-db-manage'),
                    '--config-file',
                    conf,
                    'upgrade',
                    'heads',
                ],
                'neutron-db-manage upgrade',
            )
            self.s.mark('neutron')
        self.ensure_started(self.process('neutron'))

    def nova_manage(self, *args, step=None, ok_codes=(0,)):
        conf = os.path.join(self.s.etc, 'nova', 'nova.conf')
        return self.run(
            [self.s.bin('nova-manage'), '--config-file', conf] + list(args),
            step or 'nova-manage ' + ' '.join(args),
            ok_codes=ok_codes,
        )

    def branch_nova(self):
        if not self.s.done('nova'):
            self.nova_manage('api_db', 'sync')
            self.nova_manage(
                'cell_v2',
                'map_cell0',
                '--database_connection',
                self.s.db_url('nova_cell0'),
                step='nova-manage cell_v2 map_cell0',
            )
            # Exit 2: the cell exists already.
            self.nova_manage(
                'cell_v2', 'create_cell', '--name', 'cell1', ok_codes=(0, 2)
            )
            self.nova_manage('db', 'sync')
            self.s.mark('nova')
        # In parallel: a restart waits for a graceful stop (up to 10 s).
        parallel(
            *[
                lambda n=name: self.ensure_started(self.process(n))
                for name in ('nova-conductor', 'nova-scheduler', 'nova-api')
            ]
        )

    # -- resources ------------------------------------------------------------

    def ensure_flavor(self):
        flavors = self.nova('GET', '/flavors/detail?is_public=None')['flavors']
        if any(f['name'] == st.FLAVOR['name'] for f in flavors):
            return
        body = dict(st.FLAVOR)
        body['os-flavor-access:is_public'] = True
        self.nova('POST', '/flavors', {'flavor': body})
        self.say('created flavor %s' % st.FLAVOR['name'])

    def ensure_image(self):
        adm = self.admin()
        images_url = self.s.url('glance') + '/v2/images'
        images = adm.call('GET', images_url + '?name=' + st.IMAGE_NAME)
        for image in images['images']:
            if image['status'] == 'active':
                return
            adm.call('DELETE', '%s/%s' % (images_url, image['id']))
        image = adm.call(
            'POST',
            images_url,
            {
                'name': st.IMAGE_NAME,
                'disk_format': 'raw',
                'container_format': 'bare',
                'visibility': 'public',
            },
        )
        adm.call(
            'PUT',
            '%s/%s/file' % (images_url, image['id']),
            raw=b'\0' * (1024 * 1024),
        )
        self.say('uploaded image %s' % st.IMAGE_NAME)

    # -- computes -------------------------------------------------------------

    def compute_services(self):
        services = self.nova('GET', '/os-services?binary=nova-compute')
        return {s['host']: s for s in services['services']}

    def hypervisor_hosts(self):
        # Not /detail: at 2.88 it asks every compute for its uptime over RPC
        # (a minute's timeout for a compute that just stopped). The fake
        # driver's node name is its host name.
        hvs = self.nova('GET', '/os-hypervisors')['hypervisors']
        return {h['hypervisor_hostname'] for h in hvs}

    def wait_computes(self, hosts, timeout, since=None):
        """Wait until every host's nova-compute is up and has a hypervisor.

        os-hypervisors lists only hosts mapped to a cell, so discover_hosts
        runs whenever an up compute has no hypervisor yet.

        :param since: {host: naive UTC datetime} for (re)started hosts,
            whose heartbeat must be newer than that (the one of a previous
            process would still look up).
        """
        since = since or {}
        start = time.time()
        deadline = start + timeout
        last_discover = 0
        while True:
            services = self.compute_services()
            hypervisors = self.hypervisor_hosts()
            down, unmapped = [], []
            for host in hosts:
                svc = services.get(host)
                updated = _parse_time(svc and svc.get('updated_at'))
                if (
                    not svc
                    or svc['state'] != 'up'
                    or (
                        host in since
                        and (not updated or updated < since[host])
                    )
                ):
                    down.append(host)
                elif host not in hypervisors:
                    unmapped.append(host)
            if not down and not unmapped:
                break
            for host in down:
                proc = self.process('nova-compute-' + host)
                if not proc.running():
                    raise SetupError(
                        'nova-compute on %s is not running; see %s\n%s'
                        % (host, proc.logfile, proc.log_tail())
                    )
            if time.time() > deadline:
                host = (down + unmapped)[0]
                svc = services.get(host)
                raise SetupError(
                    'nova-compute on %s not ready within %ds (service: %s, '
                    'hypervisor listed: %s); see %s'
                    % (
                        host,
                        timeout,
                        svc and '%s/%s' % (svc['status'], svc['state']),
                        host in hypervisors,
                        self.s.log('nova-compute-' + host),
                    )
                )
            if unmapped and time.time() - last_discover > 5:
                self.nova_manage('cell_v2', 'discover_hosts', '--verbose')
                last_discover = time.time()
            else:
                time.sleep(1)
        self.say(
            'computes up: %s (%.1fs)' % (', '.join(hosts), time.time() - start)
        )

    def stop_extra_computes(self):
        wanted = set(self.s.computes())
        for fname in sorted(os.listdir(self.s.run)):
            if not (
                fname.startswith('nova-compute-') and fname.endswith('.pid')
            ):
                continue
            host = fname[len('nova-compute-') : -len('.pid')]
            if host not in wanted:
                proc = procs.Process(self.s, 'nova-compute-' + host)
                if proc.stop():
                    self.say('stopped %s (no longer wanted)' % proc.name)

    def stop_compute(self, host):
        """Stop one compute's process; Nova sees it down after
        ``service_down_time``. ``restart_compute`` starts it again."""
        name = 'nova-compute-' + host
        procs_ = self.processes()
        if name not in procs_:
            raise SetupError(
                'unknown compute %r (computes: %s)'
                % (host, ', '.join(self.s.computes()))
            )
        start = time.time()
        stopped = procs_[name].stop()
        self.say(
            '%s %s (%.1fs)'
            % (
                'stopped' if stopped else 'was not running',
                name,
                time.time() - start,
            )
        )

    def restart_compute(self, host, wait=True, timeout=90):
        name = 'nova-compute-' + host
        procs_ = self.processes()
        if name not in procs_:
            raise SetupError(
                'unknown compute %r (computes: %s)'
                % (host, ', '.join(self.s.computes()))
            )
        proc = procs_[name]
        start = time.time()
        stopped = proc.stop()
        self.say(
            '%s %s (%.1fs)'
            % (
                'stopped' if stopped else 'was not running',
                name,
                time.time() - start,
            )
        )
        since = _utc_next_second()
        proc.start()
        self.say('started %s (log %s)' % (name, proc.logfile))
        if wait:
            self.wait_computes([host], timeout, since={host: since})

    # -- outputs --------------------------------------------------------------

    def write_outputs(self):
        auth_url = self.s.url('keystone')
        users = {
            'admin': ('admin', st.ADMIN_PASSWORD, 'admin'),
            'fleet': ('fleet', st.SERVICE_PASSWORD, 'service'),
        }
        fleet = {
            'auth_url': auth_url,
            'region': st.REGION,
            'transport_url': st.TRANSPORT_URL,
            'nova_url': self.s.url('nova-api'),
            'computes': self.s.computes(),
            'migration_seconds': self.s.params['migration_seconds'],
            'flavor': st.FLAVOR['name'],
            'image': st.IMAGE_NAME,
            'state_dir': self.s.root,
            'script': os.path.join(st.HERE, 'minicloud'),
        }
        clouds = ['clouds:']
        for key, (user, password, project) in users.items():
            fleet[key] = {
                'username': user,
                'password': password,
                'project_name': project,
                'user_domain_name': 'Default',
                'project_domain_name': 'Default',
            }
            clouds += [
                '  minicloud-%s:' % key,
                '    auth:',
                '      auth_url: %s' % auth_url,
                '      username: %s' % user,
                '      password: %s' % password,
                '      project_name: %s' % project,
                '      user_domain_name: Default',
                '      project_domain_name: Default',
                '    region_name: %s' % st.REGION,
                '    identity_api_version: 3',
                '    interface: public',
            ]
        configs.write_if_changed(
            os.path.join(self.s.root, 'clouds.yaml'), '\n'.join(clouds) + '\n'
        )
        configs.write_if_changed(
            os.path.join(self.s.root, 'openrc'), self.openrc()
        )
        configs.write_if_changed(
            os.path.join(self.s.root, 'fleet.json'),
            json.dumps(fleet, indent=2) + '\n',
        )

    def openrc(self):
        return ''.join(
            'export %s=%s\n' % kv
            for kv in [
                ('OS_AUTH_URL', self.s.url('keystone')),
                ('OS_USERNAME', 'admin'),
                ('OS_PASSWORD', st.ADMIN_PASSWORD),
                ('OS_PROJECT_NAME', 'admin'),
                ('OS_USER_DOMAIN_NAME', 'Default'),
                ('OS_PROJECT_DOMAIN_NAME', 'Default'),
                ('OS_REGION_NAME', st.REGION),
                ('OS_IDENTITY_API_VERSION', '3'),
                ('OS_COMPUTE_API_VERSION', api.NOVA_MICROVERSION),
            ]
        )

    # -- commands -------------------------------------------------------------

    def up(self, timeout=180):
        s = self.s
        s.makedirs()
        s.save_params()
        self.say('state dir %s; params %s' % (s.root, json.dumps(s.params)))
        infra.ensure_running(s, self.say)
        self.install()
        self.cfg.render_all()
        if not s.done('databases'):
            # A new state dir is a new cloud: start from empty databases.
            infra.create_databases(s, self.run, drop=True)
            s.mark('databases')
        parallel(
            self.branch_keystone,
            self.branch_placement,
            self.branch_glance,
            self.branch_neutron,
            self.branch_nova,
            lambda: infra.set_rabbit_policy(s, self.run),
        )
        self.stop_extra_computes()
        procs_ = self.processes()
        for name in ('placement', 'glance', 'neutron', 'nova-api'):
            api.wait_http(s.url(name), proc=procs_[name])
        since = {}

        def start_compute(host):
            started = self.ensure_started(procs_['nova-compute-' + host])
            if started:
                since[host] = started

        parallel(*[lambda h=h: start_compute(h) for h in s.computes()])
        parallel(self.ensure_flavor, self.ensure_image)
        self.wait_computes(s.computes(), timeout, since=since)
        self.write_outputs()
        self.say(
            'minicloud is up in %.0fs: %s'
            % (time.time() - self.t0, os.path.join(s.root, 'fleet.json'))
        )

    def purge(self):
        """After down: drop the databases and remove all state but the venv
        (and the logs), so the next up builds a new cloud."""
        if os.path.exists(self.s.bin('python')):
            infra.create_databases(self.s, self.run, drop=True)
        for d in (self.s.etc, self.s.data, self.s.run, self.s.wsgi):
            shutil.rmtree(d, ignore_errors=True)
        for f in ('clouds.yaml', 'openrc', 'fleet.json'):
            path = os.path.join(self.s.root, f)
            if os.path.exists(path):
                os.unlink(path)
        self.say('purged %s (kept venv/ and logs/)' % self.s.root)

    def down(self, infra_too=False):
        procs_ = self.processes()
        # Also processes recorded under names no longer configured.
        for fname in os.listdir(self.s.run):
            if fname.endswith('.pid'):
                name = fname[:-4]
                procs_.setdefault(name, procs.Process(self.s, name))
        computes = [
            p for n, p in procs_.items() if n.startswith('nova-compute-')
        ]
        others = [
            p for n, p in procs_.items() if not n.startswith('nova-compute-')
        ]

        def stopper(p):
            return lambda: p.stop() and self.say('stopped %s' % p.name)

        parallel(*[stopper(p) for p in computes])
        parallel(*[stopper(p) for p in others])
        if infra_too:
            self.say(
                'RabbitMQ / MariaDB are shared with others on this '
                'machine: stop them yourself if you must '
                '(minicloud started: %s)'
                % (', '.join(infra.started_infra(self.s)) or 'none')
            )

    def status(self):
        """Print what runs; return the number of problems."""
        problems = 0
        procs_ = self.processes()
        ports = self.s.ports()
        total = 0
        print(
            '%-22s %-8s %8s %9s  %s'
            % ('PROCESS', 'STATE', 'PID', 'RSS(MiB)', 'LOG')
        )
        for name, proc in procs_.items():
            rec = proc.running()
            rss = proc.rss_kib() / 1024.0
            total += rss
            state = 'running' if rec else 'DOWN'
            if rec and name in ports and not api.port_open(ports[name]):
                state = 'NO-PORT'
            if state != 'running':
                problems += 1
            print(
                '%-22s %-8s %8s %9.0f  %s'
                % (name, state, rec['pid'] if rec else '-', rss, proc.logfile)
            )
        print('%-22s %-8s %8s %9.0f' % ('total', '', '', total))
        for name, (port, _) in infra.INFRA.items():
            up = api.port_open(port)
            problems += 0 if up else 1
            print(
                '%-22s %-8s port %d'
                % (name, 'running' if up else 'DOWN', port)
            )
        try:
            services = self.nova('GET', '/os-services')['services']
        except Exception as e:  # noqa: B902 - any failure is reported
            print('nova os-services: unavailable (%s)' % e)
            return problems + 1
        expected = set(self.s.computes())
        print(
            '%-22s %-10s %-8s %-6s %s'
            % ('NOVA SERVICE', 'HOST', 'STATUS', 'STATE', 'DISABLED REASON')
        )
        for svc in sorted(services, key=lambda x: (x['binary'], x['host'])):
            wanted = svc['binary'] != 'nova-compute' or svc['host'] in expected
            if wanted and svc['state'] != 'up':
                problems += 1
            print(
                '%-22s %-10s %-8s %-6s %s'
                % (
                    svc['binary'],
                    svc['host'],
                    svc['status'],
                    svc['state'],
                    svc.get('disabled_reason') or '',
                )
            )
        return problems
