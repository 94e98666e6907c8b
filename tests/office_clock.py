"""Serve the app with gunicorn, as production does, in a process whose clock starts at a given
moment: the suite runs on the office's day (conftest.office_clock), and a server a test starts
must keep the day of the data the test seeded, whatever the machine's clock says.

    python -m tests.office_clock 2026-11-30T02:00:00+00:00 -b 127.0.0.1:0 wsgi:app

Everything after the moment is gunicorn's command line. The clock then ticks, as the suite's
does; the process (and the workers it forks) keeps the moved clock.
"""

import sys
from datetime import datetime

import time_machine
from gunicorn.app.wsgiapp import run


def main() -> None:
    moment = datetime.fromisoformat(sys.argv[1])
    sys.argv = ["gunicorn", *sys.argv[2:]]
    with time_machine.travel(moment, tick=True):
        run()


if __name__ == "__main__":
    main()
