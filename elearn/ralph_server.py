"""Run Ralph's LRS API for the local LRS (``elearn.local_lrs``); executed by Ralph's own
interpreter (``.venv-ralph/bin/python``), so it imports nothing from elearn.

Two things differ from ``ralph runserver``:

* Ralph's file-system LRS backend writes each POST with the "index" operation, which refuses
  to write to an existing file: only the first batch could ever be stored and every later
  POST answered 500.  Appending makes the file a growing log of every accepted batch, which
  is what an LRS on disk needs (Ralph still checks ids before writing, so a re-sent
  statement is not stored twice).
* ``runserver`` always starts uvicorn with auto-reload watching the working directory, so
  editing any source file restarted the LRS; here it runs without a reloader.

Usage: ``python ralph_server.py HOST PORT`` with the ``RALPH_*`` environment set.
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host=host, port=port, log_level="info", reload=False)


if __name__ == "__main__":
    main()
