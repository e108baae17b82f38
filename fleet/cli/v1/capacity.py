"""``openstack fleet capacity show``: used and free vCPU, RAM and disk of
the compute hosts, and what remains if some go down (API 1.2 and
later)."""

from cliff import columns
from osc_lib.command import command

RESOURCES = ('vcpus', 'memory_mb', 'disk_gb')


def usage(sums):
    """``vcpus 10/64, memory_mb 2048/262144, disk_gb 40/2000`` (used/total,
    with the free part)."""
    sums = sums or {}
    used, total, free = (sums.get(k) or {} for k in ('used', 'total', 'free'))
    return ', '.join(
        f'{r} {used.get(r, 0)}/{total.get(r, 0)} (free {free.get(r, 0)})'
        for r in RESOURCES
    )


class SumsColumn(columns.FormattableColumn):
    """Used/total (free) per resource; the API's structure in JSON."""

    def human_readable(self):
        text = usage(self._value)
        if 'hosts' in (self._value or {}):
            text += (
                f'; {self._value["hosts"]} hosts, '
                f'{self._value.get("instances", 0)} instances'
            )
        return text

    def machine_readable(self):
        return self._value


class GroupsColumn(columns.FormattableColumn):
    """One line per availability zone or aggregate."""

    def human_readable(self):
        return '\n'.join(
            f'{name}: {SumsColumn(sums).human_readable()}'
            for name, sums in sorted((self._value or {}).items())
        )

    def machine_readable(self):
        return self._value or {}


class HostsColumn(columns.FormattableColumn):
    """One line per host."""

    def human_readable(self):
        lines = []
        for row in self._value or []:
            line = f'{row.get("name")}: {usage(row)}'
            line += f'; {row.get("instances", 0)} instances'
            if row.get('held'):
                # Never a destination, whatever nova-compute says.
                line += f', held by fleet ({row.get("state")})'
            elif not row.get('schedulable', True):
                line += ', not schedulable'
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return self._value or []


class WhatIfColumn(columns.FormattableColumn):
    """Whether the instances of the hosts taken down fit elsewhere."""

    def human_readable(self):
        w = self._value or {}
        if not w:
            return ''
        verdict = 'fits' if w.get('fits') else 'DOES NOT FIT'
        parts = [
            f'without {", ".join(w.get("without") or [])}: {verdict}',
        ]
        for key in ('displaced', 'free_elsewhere', 'free_after'):
            values = w.get(key) or {}
            parts.append(
                f'{key}: '
                + ', '.join(f'{r} {values.get(r, 0)}' for r in RESOURCES)
            )
        for zone, result in sorted(
            (w.get('availability_zones') or {}).items()
        ):
            parts.append(
                f'zone {zone}: '
                + (
                    'fits'
                    if result.get('fits')
                    else f'{result.get("unplaced", 0)} instance(s) fit on '
                    'no host'
                )
            )
        return '\n'.join(parts)

    def machine_readable(self):
        return self._value


class ShowCapacity(command.ShowOne):
    """Show the capacity of the compute hosts: per host, availability zone
    and aggregate; with --without, whether the instances of those hosts
    fit on the others."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--without',
            metavar='<host>[,<host>...]',
            action='append',
            default=[],
            help='Hosts (names or UUIDs) to take down in a what-if; comma '
            'separated or repeated.',
        )
        parser.add_argument(
            '--availability-zone',
            metavar='<zone>',
            help='Only the hosts of this availability zone.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        without = [
            name.strip()
            for item in parsed_args.without
            for name in item.split(',')
            if name.strip()
        ]
        view = client.capacity.get(
            without=without or None,
            availability_zone=parsed_args.availability_zone,
        )
        special = {
            'total': SumsColumn,
            'availability_zones': GroupsColumn,
            'aggregates': GroupsColumn,
            'hosts': HostsColumn,
            'what_if': WhatIfColumn,
        }
        fields = sorted(view)
        return tuple(fields), tuple(
            special[k](view[k]) if k in special else view[k] for k in fields
        )
