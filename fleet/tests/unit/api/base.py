"""Test cases for the REST API: WebTest against the real WSGI pipeline.

:class:`APITestCase` serves ``fleet.api.app.setup_app()`` with
``[api] auth_strategy = noauth``. :class:`KeystoneAPITestCase` serves it
with ``keystone``: the real keystonemiddleware is in the pipeline and only
its token validation is replaced (keystonemiddleware's own
``AuthTokenFixture``), so the headers the API sees are the ones
keystonemiddleware sets from a token, never ones a client sent.
"""

from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture
import webtest

from fleet.api import app
from fleet.api.controllers.v1 import versions
from fleet.tests import base

CONF = base.CONF

#: persona -> (roles in its token, its project). Keystone's implied roles
#: put every weaker role in the token as well. ``observer`` is the
#: read-only operator (the ``fleet_observer`` role); ``member`` and
#: ``reader`` hold those roles in an ordinary project, which gives them
#: nothing in fleet (an infrastructure API, like nova's os-services).
PERSONAS = {
    'admin': (['admin', 'member', 'reader'], 'project-a'),
    'observer': (['fleet_observer'], 'project-a'),
    'member': (['member', 'reader'], 'project-b'),
    'reader': (['reader'], 'project-b'),
    'no_role': ([], 'project-b'),
}


class APITestCase(base.DbTestCase):
    """The API in noauth mode: every request is an admin."""

    def setUp(self):
        super().setUp()
        self.useFixture(base.RPCFixture())
        self.app = self.make_app()

    def make_app(self):
        return webtest.TestApp(app.setup_app())

    def request(
        self,
        method,
        path,
        body=None,
        headers=None,
        version=None,
        status=None,
        **kw,
    ):
        """One request; ``status`` is checked when given.

        :param body: a dict or list sent as JSON, or str/bytes sent as is.
        :param version: value of ``OpenStack-API-Version`` (e.g.
            ``'fleet 1.0'``).
        """
        headers = dict(headers or {})
        if version is not None:
            headers[versions.HEADER] = version
        kwargs = dict(headers=headers, expect_errors=True, **kw)
        if isinstance(body, (dict, list)):
            response = getattr(self.app, method.lower() + '_json')(
                path, body, **kwargs
            )
        elif body is not None:
            kwargs.setdefault('content_type', 'application/json')
            response = getattr(self.app, method.lower())(path, body, **kwargs)
        else:
            response = getattr(self.app, method.lower())(path, **kwargs)
        if status is not None:
            self.assertEqual(
                status,
                response.status_int,
                f'{method} {path}: {response.text}',
            )
        return response

    def get(self, path, status=200, **kw):
        return self.request('GET', path, status=status, **kw)

    def assert_fault(self, response, status, detail=None):
        """Check an OpenStack API-SIG error document and return its error.

        :param detail: a substring the error's detail must contain.
        """
        self.assertEqual(status, response.status_int, response.text)
        self.assertEqual('application/json', response.content_type)
        request_id = response.headers.get('x-openstack-request-id')
        self.assertIsNotNone(request_id, 'no x-openstack-request-id')
        self.assertTrue(request_id.startswith('req-'), request_id)
        errors = response.json['errors']
        self.assertEqual(1, len(errors))
        error = errors[0]
        self.assertEqual(
            {'status', 'title', 'detail', 'request_id'}, set(error)
        )
        self.assertEqual(status, error['status'])
        self.assertEqual(request_id, error['request_id'])
        self.assertIsInstance(error['title'], str)
        self.assertTrue(error['title'])
        self.assertIsInstance(error['detail'], str)
        self.assertNotIn('Traceback', response.text)
        if detail is not None:
            self.assertIn(detail, error['detail'])
        return error


class KeystoneAPITestCase(APITestCase):
    """The API behind the real keystonemiddleware.

    :attr:`tokens` maps each persona of :data:`PERSONAS` to a valid token
    carrying its roles on its project.
    """

    def make_app(self):
        for group, opts in auth_token.list_opts():
            CONF.register_opts(opts, group=group)
        self.config(auth_strategy='keystone', group='api')
        self.config(
            www_authenticate_uri='http://keystone.test/identity',
            group='keystone_authtoken',
        )
        self.auth = self.useFixture(ksm_fixture.AuthTokenFixture())
        self.tokens = {}
        for persona, (roles, project) in PERSONAS.items():
            token = f'{persona}-token'
            self.auth.add_token_data(
                token_id=token,
                user_id=f'{persona}-user',
                project_id=project,
                role_list=roles,
            )
            self.tokens[persona] = token
        return super().make_app()

    def headers_of(self, persona):
        """Request headers of ``persona`` (``None``: no token at all)."""
        if persona is None:
            return {}
        return {'X-Auth-Token': self.tokens[persona]}
