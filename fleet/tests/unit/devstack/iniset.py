"""``iniset FILE SECTION OPTION VALUE`` as DevStack's does it: set one
option in an INI file, creating the file and the section if needed, and
leaving every other line as it was."""

import os
import re
import sys


def iniset(path, section, option, value):
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    header = f'[{section}]'
    option_re = re.compile(rf'^\s*{re.escape(option)}\s*=')
    start = next((i for i, line in enumerate(lines) if line == header), None)
    if start is None:
        lines += [header, f'{option} = {value}']
    else:
        end = next(
            (
                i
                for i in range(start + 1, len(lines))
                if lines[i].startswith('[')
            ),
            len(lines),
        )
        for i in range(start + 1, end):
            if option_re.match(lines[i]):
                lines[i] = f'{option} = {value}'
                break
        else:
            lines.insert(end, f'{option} = {value}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    iniset(*sys.argv[1:5])
