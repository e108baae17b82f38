"""The database layer's shape: a complete abstract interface, no import
cycle, nothing imported from the layers above it."""

import ast
import inspect
import pathlib

from fleet.db import api
from fleet.db.sqlalchemy import api as sa_api
from fleet.tests import base

DB_DIR = pathlib.Path(api.__file__).parent
#: Packages the database layer sits below (DESIGN: api -> conductor ->
#: drivers -> db/common).
ABOVE = (
    'fleet.alerts',
    'fleet.api',
    'fleet.conductor',
    'fleet.drivers',
    'fleet.inventory',
)


def _modules():
    for path in sorted(DB_DIR.rglob('*.py')):
        if 'alembic' in path.parts:
            continue
        rel = path.relative_to(DB_DIR.parent.parent).with_suffix('')
        name = '.'.join(rel.parts)
        if name.endswith('.__init__'):
            name = name[: -len('.__init__')]
        yield name, path


def _imports(path):
    """Modules ``path`` imports, anywhere in it (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{a.name}' for a in node.names)
    return found


class TestInterface(base.TestCase):
    def test_every_public_method_is_declared_abstract(self):
        public = {
            name
            for name, _ in inspect.getmembers(
                sa_api.Connection, inspect.isfunction
            )
            if not name.startswith('_')
        }
        self.assertEqual(set(), public - api.Connection.__abstractmethods__)

    def test_every_abstract_method_has_a_docstring(self):
        for name in api.Connection.__abstractmethods__:
            doc = getattr(api.Connection, name).__doc__
            self.assertTrue(doc and doc.strip(), name)

    def test_the_sqlalchemy_connection_implements_it(self):
        # Instantiable: no abstract method left unimplemented.
        self.assertIsInstance(sa_api.get_backend(), api.Connection)


class TestImports(base.TestCase):
    def test_nothing_from_the_layers_above(self):
        for name, path in _modules():
            for imported in _imports(path):
                self.assertFalse(
                    imported.startswith(ABOVE), f'{name} imports {imported}'
                )

    def test_no_import_cycle_inside_fleet_db(self):
        modules = dict(_modules())
        graph = {
            name: {m for m in _imports(path) if m in modules and m != name}
            for name, path in modules.items()
        }
        visiting, done = set(), set()

        def visit(name, trail):
            if name in done:
                return
            self.assertNotIn(
                name, visiting, 'import cycle: ' + ' -> '.join(trail + [name])
            )
            visiting.add(name)
            for dep in sorted(graph[name]):
                visit(dep, trail + [name])
            visiting.discard(name)
            done.add(name)

        for name in sorted(graph):
            visit(name, [])
        # The mixins do not import the module that assembles them.
        for mixin in ('inventory', 'alerts', 'capacity'):
            self.assertNotIn(
                'fleet.db.sqlalchemy.api',
                graph[f'fleet.db.sqlalchemy.{mixin}'],
            )
