"""Run the app as production does, gunicorn or a `flask` command (the jobs worker), in a
process whose clock starts at a given moment: the suite runs on the office's day
(conftest.office_clock), and a process a test starts must keep the day of the data the test
seeded, whatever the machine's clock says.

    python -m tests.office_clock 2026-11-30T02:00:00+00:00 -b 127.0.0.1:0 wsgi:app
    python -m tests.office_clock 2026-11-30T02:00:00+00:00 flask --app wsgi jobs worker

Everything after the moment is gunicorn's command line, or `flask` and its arguments. The
clock then ticks, as the suite's does; the process (and the workers it forks) keeps the moved
clock.
"""

import sys
from datetime import datetime

import time_machine
from flask.cli import main as flask_main
from gunicorn.app.wsgiapp import run


def main() -> None:
    moment = datetime.fromisoformat(sys.argv[1])
    command = sys.argv[2:]
    if command[:1] == ["flask"]:
        sys.argv, program = command, flask_main
    else:
        sys.argv, program = ["gunicorn", *command], run
    with time_machine.travel(moment, tick=True):
        program()


if __name__ == "__main__":
    main()
