"""Start, check and stop the processes the minicloud owns.

Every process runs in a session (and process group) of its own, with its
output appended to ``logs/<name>.log``. ``run/<name>.pid`` records its pid
and kernel start time (so a reused pid is never mistaken for it) and the hash
of the configuration it was started with. Processes are stopped by that pid's
process group only, never by name.
"""

import json
import os
import signal
import subprocess
import time


def _read_stat(pid):
    """Return (state, pgrp, starttime) of a pid from /proc, or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            raw = f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may hold spaces and parentheses: split after the last.
    fields = raw[raw.rindex(')') + 2 :].split()
    # fields[0] is field 3 of proc(5): state; pgrp is field 5, starttime 22.
    return fields[0], int(fields[2]), int(fields[19])


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def group_members(pgid):
    """Live (non-zombie) pids in a process group."""
    members = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        stat = _read_stat(int(entry))
        if stat and stat[1] == pgid and stat[0] != 'Z':
            members.append(int(entry))
    return members


class Process:
    """One managed process, described by its pid file."""

    def __init__(self, state, name, argv=None, env=None, config_hash=''):
        self.state = state
        self.name = name
        self.argv = argv
        self.env = env or {}
        self.config_hash = config_hash
        self.pidfile = os.path.join(state.run, name + '.pid')
        self.logfile = state.log(name)

    def record(self):
        try:
            with open(self.pidfile) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return None

    def running(self):
        """The pid file's record if that very process still runs."""
        rec = self.record()
        if not rec:
            return None
        _reap(rec['pid'])
        stat = _read_stat(rec['pid'])
        if not stat or stat[0] == 'Z' or stat[2] != rec['start_time']:
            return None
        return rec

    def start(self):
        os.makedirs(os.path.dirname(self.logfile), exist_ok=True)
        env = dict(os.environ)
        env.pop('PYTHONPATH', None)
        env.pop('PYTHONHOME', None)
        env['PATH'] = (
            os.path.dirname(self.argv[0]) + os.pathsep + env.get('PATH', '')
        )
        env['VIRTUAL_ENV'] = self.state.venv
        env.update(self.env)
        with open(self.logfile, 'ab') as log:
            log.write(
                (
                    '\n==== %s minicloud: starting %s\n'
                    % (time.strftime('%Y-%m-%d %H:%M:%S'), ' '.join(self.argv))
                ).encode()
            )
            log.flush()
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                cwd=self.state.root,
                start_new_session=True,
                close_fds=True,
            )
        stat = None
        for _ in range(100):
            stat = _read_stat(proc.pid)
            if stat:
                break
            time.sleep(0.01)
        rec = {
            'name': self.name,
            'pid': proc.pid,
            'start_time': stat[2] if stat else 0,
            'argv': self.argv,
            'config_hash': self.config_hash,
            'log': self.logfile,
            'started_at': time.time(),
        }
        tmp = self.pidfile + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(rec, f, indent=1)
        os.replace(tmp, self.pidfile)
        return rec

    def stop(self, timeout=20):
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds.

        :returns: True if something was stopped.
        """
        rec = self.running()
        if not rec:
            if os.path.exists(self.pidfile):
                os.unlink(self.pidfile)
            return False
        pgid = rec['pid']
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.time() + timeout
        while time.time() < deadline:
            _reap(pgid)
            if not group_members(pgid):
                break
            time.sleep(0.2)
        else:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            time.sleep(0.2)
            _reap(pgid)
        os.unlink(self.pidfile)
        return True

    def rss_kib(self):
        """Resident memory of the whole process group, in KiB."""
        rec = self.running()
        if not rec:
            return 0
        total = 0
        for pid in group_members(rec['pid']):
            try:
                with open('/proc/%d/status' % pid) as f:
                    for line in f:
                        if line.startswith('VmRSS:'):
                            total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total

    def log_tail(self, lines=15):
        try:
            with open(self.logfile, 'rb') as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 8192))
                text = f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''
        return '\n'.join(text.splitlines()[-lines:])
