#!/usr/bin/env python3
"""Run schemathesis against a live fleet-all-in-one (``tox -e fuzz``).

Starts fleet-all-in-one (simulated cloud, SQLite in a temporary
directory, a free port), runs schemathesis with every test phase
(examples, coverage, fuzzing, stateful sequences through the description's
links) against ``GET /v1/openapi.json``, then reads the HAR report and
prints::

    requests: 6123  server errors (5xx): 0  errors not an OpenStack fault: 0

It fails (exit 1) when schemathesis found a failure, when a response was
a 5xx, when an error response was not an OpenStack API-SIG fault, when
fewer than --min-requests requests were made, or when the server logged an
unexpected error.

Usage::

    tox -e fuzz
    tox -e fuzz -- --max-examples 20 --min-requests 0   # a quick pass
"""

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHECKS = (
    'not_a_server_error',
    'status_code_conformance',
    'content_type_conformance',
    'response_schema_conformance',
    'negative_data_rejection',
    'unsupported_method',
    'use_after_free',
    'ensure_resource_availability',
)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def is_fault(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    errors = doc.get('errors') if isinstance(doc, dict) else None
    return (
        isinstance(errors, list)
        and len(errors) == 1
        and {'status', 'title', 'detail', 'request_id'} <= set(errors[0])
    )


def start_server(work, port, bindir):
    conf = work / 'fleet.conf'
    conf.write_text(
        '[DEFAULT]\n'
        f'log_file = {work / "fleet.log"}\n'
        '[api]\n'
        f'port = {port}\n'
        '[database]\n'
        f'connection = sqlite:///{work / "fleet.sqlite"}\n'
    )
    server = subprocess.Popen(
        [str(bindir / 'fleet-all-in-one'), '--config-file', str(conf)],
        cwd=work,
        stdout=open(work / 'stdout.log', 'wb'),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f'http://127.0.0.1:{port}/v1/openapi.json'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f'fleet-all-in-one exited: see {work}/stdout.log')
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit('fleet-all-in-one did not answer within 60 s')


def stop_server(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def read_har(path):
    with open(path) as f:
        entries = json.load(f)['log']['entries']
    total = len(entries)
    server_errors = []
    not_faults = []
    for entry in entries:
        status = entry['response']['status']
        text = entry['response'].get('content', {}).get('text') or ''
        what = (
            f'{status} {entry["request"]["method"]} {entry["request"]["url"]}'
        )
        if status >= 500:
            server_errors.append(what)
        if status >= 400 and not is_fault(text):
            not_faults.append(f'{what}: {text[:200]}')
    return total, server_errors, not_faults


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--max-examples', type=int, default=80)
    parser.add_argument('--min-requests', type=int, default=5000)
    # One worker: schemathesis parses schemas in threads, and CPython
    # before 3.11.9 (gh-106905) can crash doing so ("AST constructor
    # recursion depth mismatch"), which fails the run with no server error.
    parser.add_argument('--workers', default='1')
    parser.add_argument('--seed', type=int, default=None)
    parser.add_argument(
        '--keep', action='store_true', help='keep the work directory'
    )
    args, extra = parser.parse_known_args()
    bindir = pathlib.Path(sys.executable).parent
    work = pathlib.Path(tempfile.mkdtemp(prefix='fleet-fuzz-'))
    port = free_port()
    server, url = start_server(work, port, bindir)
    har = work / 'schemathesis.har'
    command = [
        str(bindir / 'schemathesis'),
        '--config-file',
        str(pathlib.Path(__file__).with_name('schemathesis.toml')),
        'run',
        url,
        '--checks',
        ','.join(CHECKS),
        '--phases',
        'examples,coverage,fuzzing,stateful',
        '--max-examples',
        str(args.max_examples),
        '--workers',
        args.workers,
        # As OpenStack clients send it on every request.
        '--header',
        'Accept: application/json',
        '--request-timeout',
        '30',
        '--suppress-health-check',
        'all',
        '--report',
        'har',
        '--report-har-path',
        str(har),
        '--continue-on-failure',
    ]
    if args.seed is not None:
        command += ['--seed', str(args.seed)]
    command += extra
    print('+', ' '.join(command), flush=True)
    started = time.monotonic()
    try:
        # In the work directory: schemathesis leaves a .schemathesis/.
        rc = subprocess.call(command, cwd=work)
    finally:
        stop_server(server)
    elapsed = time.monotonic() - started
    total, server_errors, not_faults = read_har(har)
    log = (work / 'fleet.log').read_text(errors='replace')
    unexpected = log.count('Unexpected error')
    print()
    print(f'schemathesis exit code: {rc} ({elapsed:.0f} s)')
    for line in server_errors[:20]:
        print('  5xx:', line)
    for line in not_faults[:20]:
        print('  not a fault:', line)
    print(
        f'requests: {total}  server errors (5xx): {len(server_errors)}  '
        f'errors not an OpenStack fault: {len(not_faults)}  '
        f'unexpected errors in the server log: {unexpected}'
    )
    failed = (
        rc != 0
        or server_errors
        or not_faults
        or unexpected
        or total < args.min_requests
    )
    if total < args.min_requests:
        print(f'fewer than {args.min_requests} requests')
    if failed or args.keep:
        print(f'work directory kept: {work}')
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
