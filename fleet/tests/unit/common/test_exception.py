"""Tests of fleet's exceptions."""

from fleet.common import exception
from fleet.tests import base


class TestFleetException(base.TestCase):
    def test_message_from_format(self):
        e = exception.HostNotFound(host='c1')
        self.assertEqual('Host c1 could not be found.', e.message)
        self.assertEqual(404, e.code)
        self.assertTrue(e.safe)

    def test_explicit_message(self):
        e = exception.NotAcceptable('version 9.9')
        self.assertEqual('version 9.9', str(e))

    def test_wrong_format_arguments_do_not_hide_the_error(self):
        e = exception.HostNotFound(name='c1')
        self.assertEqual(exception.HostNotFound._msg_fmt, e.message)
        self.assertEqual({'name': 'c1'}, e.kwargs)

    def test_codes(self):
        expected = {
            exception.Invalid: 400,
            exception.InvalidParameterValue: 400,
            exception.InvalidUUID: 400,
            exception.InvalidMarker: 400,
            exception.DriverNotEnabled: 400,
            exception.HTTPForbidden: 403,
            exception.NotFound: 404,
            exception.HostAlreadyExists: 409,
            exception.HostBusy: 409,
            exception.InvalidState: 409,
            exception.NotAcceptable: 406,
            exception.ServiceUnavailable: 503,
        }
        for cls, code in expected.items():
            self.assertEqual(code, cls.code, cls.__name__)
            self.assertTrue(cls.safe, cls.__name__)

    def test_internal_errors_are_not_safe(self):
        # Their messages may carry configuration or driver internals.
        for cls in (
            exception.FleetException,
            exception.DriverLoadError,
            exception.ConfigInvalid,
        ):
            self.assertFalse(cls.safe, cls.__name__)
            self.assertEqual(500, cls.code)
