"""Run the app as production does, gunicorn or a `flask` command (the jobs worker), in a
process whose clock is moved by a given number of seconds: the suite runs on the office's day
(conftest.office_clock), and a process a test starts must keep the day of the data the test
seeded, whatever the machine's clock says.

    python -m tests.office_clock -86400.0 -b 127.0.0.1:0 wsgi:app
    python -m tests.office_clock -86400.0 flask --app wsgi jobs worker

Everything after the offset is gunicorn's command line, or `flask` and its arguments. The
clock then ticks, as the suite's does; the process (and the workers it forks) keeps the moved
clock.

An offset, not a moment: every process started with the suite's offset shows the suite's time
to the second, however long it took to start. (With a moment, a process that started slower ran
behind the others by its start-up time, and a session cookie one server had just signed was
"signed in the future" for another, which refused it.)
"""

import sys
import time
from datetime import UTC, datetime

import time_machine
from flask.cli import main as flask_main
from gunicorn.app.wsgiapp import run


def main() -> None:
    moment = datetime.fromtimestamp(time.time() + float(sys.argv[1]), UTC)  # the real clock, moved
    command = sys.argv[2:]
    if command[:1] == ["flask"]:
        sys.argv, program = command, flask_main
    else:
        sys.argv, program = ["gunicorn", *command], run
    with time_machine.travel(moment, tick=True):
        # time_machine's clock starts ticking when it is first read, not when the travel
        # starts: read now, or the process runs behind by however long its imports take
        # before the app first asks the time (seconds; another server's fresh session cookie
        # was then "signed in the future" here, and refused).
        time.time()
        program()


if __name__ == "__main__":
    main()
