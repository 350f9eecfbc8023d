"""The application: the Prefect flows and the `etl` command, wiring the library `etl` together.

Importing it first turns Great Expectations' analytics off and limits native BLAS/OpenMP threads to one per process (etl.config.NATIVE_THREAD_LIMITS), which
only takes effect before numpy is first imported: every entry point (the `etl` command, `python -m etl`, a
deployment's flow run, a worker process) imports this package before the library loads numpy. An explicit
setting in the environment wins.
"""

import os

from etl.config import NATIVE_THREAD_LIMITS

for _name, _value in NATIVE_THREAD_LIMITS.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # offline: before Great Expectations is imported
