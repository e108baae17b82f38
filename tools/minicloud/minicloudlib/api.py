"""A tiny stdlib-only OpenStack REST client (enough for set-up and checks)."""

import json
import socket
import time
import urllib.error
import urllib.request

NOVA_MICROVERSION = '2.88'


class ApiError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__('%s %s -> %s: %s' % (method, url, status, body[:500]))
        self.status = status


def port_open(port, host='127.0.0.1', timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def request(method, url, body=None, headers=None, raw=None, timeout=60):
    """Return (status, headers, parsed JSON body or None)."""
    hdrs = {'Accept': 'application/json'}
    data = None
    if raw is not None:
        data = raw
        hdrs['Content-Type'] = 'application/octet-stream'
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs['Content-Type'] = 'application/json'
    hdrs.update(headers or {})
    if not url.startswith('http://') and not url.startswith('https://'):
        raise ValueError('not an HTTP URL: %s' % url)
    req = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=data, headers=hdrs, method=method
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            text = resp.read()
            status, rhdrs = resp.status, resp.headers
    except urllib.error.HTTPError as e:
        text = e.read()
        raise ApiError(
            method, url, e.code, text.decode('utf-8', 'replace')
        ) from None
    parsed = None
    if text:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return status, rhdrs, parsed


def wait_http(url, timeout=120, proc=None):
    """Wait until ``url`` answers HTTP at all (any status)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            request('GET', url, timeout=5)
            return True
        except ApiError:
            return True
        except (urllib.error.URLError, OSError):
            pass
        if proc is not None and not proc.running():
            raise RuntimeError(
                '%s exited; see %s\n%s'
                % (proc.name, proc.logfile, proc.log_tail())
            )
        time.sleep(0.3)
    raise RuntimeError(
        '%s did not answer within %ds%s'
        % (url, timeout, '; see %s' % proc.logfile if proc else '')
    )


class Session:
    """A project-scoped Keystone token and the endpoints we know."""

    def __init__(self, auth_url, username, password, project_name):
        self.auth_url = auth_url
        self.username = username
        self.password = password
        self.project_name = project_name
        self.token = None
        self.project_id = None

    def authenticate(self):
        body = {
            'auth': {
                'identity': {
                    'methods': ['password'],
                    'password': {
                        'user': {
                            'name': self.username,
                            'domain': {'name': 'Default'},
                            'password': self.password,
                        }
                    },
                },
                'scope': {
                    'project': {
                        'name': self.project_name,
                        'domain': {'name': 'Default'},
                    }
                },
            }
        }
        _, hdrs, data = request('POST', self.auth_url + '/auth/tokens', body)
        self.token = hdrs['X-Subject-Token']
        self.project_id = data['token']['project']['id']
        return self

    def call(self, method, url, body=None, raw=None, headers=None, **kw):
        if self.token is None:
            self.authenticate()
        hdrs = {
            'X-Auth-Token': self.token,
            'OpenStack-API-Version': 'compute %s' % NOVA_MICROVERSION,
            'X-OpenStack-Nova-API-Version': NOVA_MICROVERSION,
        }
        hdrs.update(headers or {})
        _, _, data = request(method, url, body, hdrs, raw=raw, **kw)
        return data
