"""Tests of OpenStack-API-Version parsing."""

from fleet.api import microversion
from fleet.api.controllers.v1 import versions
from fleet.common import exception
from fleet.tests import base

MAX = (1, versions.MINOR_MAX_VERSION)
MIN = (1, versions.MINOR_MIN_VERSION)


class TestParseHeader(base.TestCase):
    def parse(self, value):
        return microversion.parse_header(value).as_tuple()

    def test_absent_is_the_minimum(self):
        self.assertEqual(MIN, self.parse(None))

    def test_empty_or_not_a_version_list_is_malformed(self):
        # API-SIG: the header is "<service type> <version>[, ...]".
        for value in (
            '',
            ' ',
            '0',
            'foo',
            'compute',
            'a b c',
            '\u00e9 1.0',
            '8Su H`',
            'compute 2.1, volume x',
        ):
            e = self.assertRaises(
                exception.Invalid, microversion.parse_header, value
            )
            self.assertEqual(400, e.code, value)

    def test_exact(self):
        self.assertEqual((1, 0), self.parse('fleet 1.0'))

    def test_latest_is_the_maximum(self):
        for value in ('fleet latest', 'fleet LATEST', 'FLEET latest'):
            self.assertEqual(MAX, self.parse(value))

    def test_other_services_are_ignored(self):
        self.assertEqual(MIN, self.parse('compute 2.95'))
        self.assertEqual(
            MAX, self.parse('compute 2.95, fleet latest, baremetal 1.9')
        )
        self.assertEqual((1, 0), self.parse(' baremetal 1.9 ,fleet 1.0 '))

    def test_out_of_range(self):
        for value in ('fleet 1.99', 'fleet 2.0', f'fleet 1.{MAX[1] + 1}'):
            e = self.assertRaises(
                exception.NotAcceptable, microversion.parse_header, value
            )
            self.assertEqual(406, e.code)
            self.assertIn(versions.MIN_VERSION_STRING, e.message)
            self.assertIn(versions.MAX_VERSION_STRING, e.message)

    def test_malformed(self):
        for value in (
            'fleet 1',
            'fleet 1.x',
            'fleet one',
            'fleet 01.0',
            'fleet 1.00',
            'fleet 0.9',
            'fleet -1.0',
            'fleet 1.0.1',
        ):
            e = self.assertRaises(
                exception.Invalid, microversion.parse_header, value
            )
            self.assertEqual(400, e.code, value)
            self.assertIn(value, e.message)

    def test_service_without_version_is_malformed(self):
        # "fleet" alone, or with more words, or named twice: the client
        # means something it would not get; it is told (API-SIG: 400).
        for value in (
            'fleet',
            'fleet 1.3 extra',
            'fleet 1.3, fleet 1.2',
            'compute 2.1, fleet 1.0 1.1',
        ):
            e = self.assertRaises(
                exception.Invalid, microversion.parse_header, value
            )
            self.assertEqual(400, e.code, value)
            self.assertIn('fleet 1.N', e.message)

    def test_beyond_64_bits_is_out_of_range(self):
        for value in ('fleet 1.' + '9' * 30, 'fleet ' + '9' * 30 + '.0'):
            e = self.assertRaises(
                exception.NotAcceptable, microversion.parse_header, value
            )
            self.assertEqual(406, e.code)

    def test_non_ascii_digits_are_malformed(self):
        for value in ('fleet 1.\u0663', 'fleet \uff11.0', 'fleet 1.3\u200b'):
            self.assertRaises(
                exception.Invalid, microversion.parse_header, value
            )

    def test_huge_header(self):
        self.assertRaises(
            exception.Invalid,
            microversion.parse_header,
            'fleet 1.' + '1' * 5000,
        )

    def test_version_compares_with_tuples(self):
        version = microversion.Version(1, 3)
        self.assertGreaterEqual(version, (1, 2))
        self.assertTrue(version >= (1, 3))
        self.assertFalse(version >= (1, 4))
        self.assertEqual('1.3', str(version))
        self.assertEqual(MIN, microversion.Version.min().as_tuple())
        self.assertEqual(MAX, microversion.Version.max().as_tuple())
