"""The application: the Prefect flows and the `etl` command, wiring the library `etl` together.

Importing it first turns Great Expectations' analytics off, limits native BLAS/OpenMP threads to one per
process (etl.config.NATIVE_THREAD_LIMITS) and gives Arrow the C library's allocator
(etl.config.NATIVE_MEMORY_POOL), which only takes effect before numpy and pyarrow are first imported: every
entry point (the `etl` command, `python -m etl`, a deployment's flow run, a worker process) imports this
package before the library loads numpy or pyarrow. An explicit setting in the environment wins.
"""

import os

from etl.config import NATIVE_MEMORY_POOL, NATIVE_THREAD_LIMITS

for _name, _value in {**NATIVE_THREAD_LIMITS, **NATIVE_MEMORY_POOL}.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # offline: before Great Expectations is imported
