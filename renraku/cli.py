"""`renraku`: the project's management commands.

`renraku seed-demo`, `renraku org import FILE`, `renraku audit verify` … are Django
management commands; a hyphen in the command's name stands for the underscore of its module.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renraku.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "renraku"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
