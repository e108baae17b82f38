from fleet.audits import versions
from fleet.tests import base


class TestCompare(base.TestCase):
    def assertOrder(self, older, newer):
        self.assertEqual(-1, versions.compare(older, newer))
        self.assertEqual(1, versions.compare(newer, older))

    def test_el9_kernel_builds(self):
        # Not a string compare: "427" < "503" and "99" < "427".
        self.assertOrder('5.14.0-427.el9', '5.14.0-503.el9')
        self.assertOrder('5.14.0-99.el9', '5.14.0-427.el9')
        self.assertOrder('5.14.0-427.13.1.el9_4', '5.14.0-427.18.1.el9_4')

    def test_numbers_are_not_text(self):
        self.assertOrder('1.9', '1.10')
        self.assertOrder('2.0.9', '2.0.10')

    def test_longer_is_newer(self):
        self.assertOrder('1.0', '1.0.1')
        self.assertOrder('5.14.0-503', '5.14.0-503.el9')

    def test_equal_ignoring_separators(self):
        self.assertEqual(0, versions.compare('1.0-1', '1.0.1'))
        self.assertEqual(0, versions.compare('5.14.0', '5.14.0'))

    def test_epoch_wins(self):
        self.assertOrder('9.9', '1:1.0')
        self.assertOrder('1:2.0', '2:0.1')

    def test_tilde_is_prerelease(self):
        self.assertOrder('1.0~rc1', '1.0')
        self.assertOrder('1.0~rc1', '1.0~rc2')

    def test_digits_newer_than_letters(self):
        self.assertOrder('1.a', '1.1')

    def test_not_a_version(self):
        for bad in ('', '   ', None, 5):
            self.assertRaises(ValueError, versions.compare, bad, '1.0')

    def test_satisfies(self):
        self.assertFalse(
            versions.satisfies('5.14.0-427.el9', '>=', '5.14.0-503.el9')
        )
        self.assertTrue(
            versions.satisfies('5.14.0-503.el9', '>=', '5.14.0-503.el9')
        )
        self.assertTrue(versions.satisfies('1.0', '!=', '1.1'))
        self.assertRaises(ValueError, versions.satisfies, '1', '=>', '1')

    def test_strip_arch(self):
        self.assertEqual(
            '5.14.0-503.el9', versions.strip_arch('5.14.0-503.el9.x86_64')
        )
        self.assertEqual(
            '6.8.0-45-generic', versions.strip_arch('6.8.0-45-generic')
        )
