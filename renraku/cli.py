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
    try:
        execute_from_command_line(argv)
    except BrokenPipeError:
        # The reader stopped early (`renraku readiness --json | head`): what it wanted was
        # written; end quietly, as other Unix tools do, without a traceback per command.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE


if __name__ == "__main__":
    main()
