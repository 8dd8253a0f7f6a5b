#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read the code: they never serve, sign or send anything, so
# they run from a bare checkout without SECRET_KEY (settings otherwise refuse to
# start without one when DEBUG is off).
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    if sys.argv[1:2] and sys.argv[1] in CODE_ONLY_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
