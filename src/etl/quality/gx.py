"""Great Expectations, imported lean: its unused heavy start-up imports deferred, its contexts made offline."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types

import pandas as pd


class DeferredModule(types.ModuleType):
    """Holds a module's place in sys.modules; the first read of an attribute imports the real module."""

    _lock = threading.RLock()

    def __getattr__(self, attribute: str):
        return getattr(self._real_module(), attribute)

    def _real_module(self) -> types.ModuleType:
        with self._lock:
            real = self.__dict__.get("_real")
            if real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = self.__dict__["_real"] = importlib.import_module(self.__name__)
            return real


def defer_imports(*names: str) -> None:
    """Let `import name` succeed without loading `name` until it is used; installed modules only, once."""
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            continue
        module = DeferredModule(name)
        # a spec that is not initializing: the import system hands the placeholder out as it is
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        module.__package__ = name.rpartition(".")[0]
        sys.modules[name] = module


# Great Expectations imports scipy.stats and altair at start-up for expectations no suite here uses (distribution
# tests, KL-divergence charts): 80 MB in every process that gates, 160 MB across the flow and a worker.
defer_imports("scipy.stats", "altair")


GX_LOCK = threading.RLock()
_GX_STATE: dict[str, object] = {}


def load_great_expectations() -> None:
    """Import Great Expectations once, without its SQL support: the suites here validate pandas frames only.

    GX imports SQLAlchemy at start-up whenever it is installed (Prefect's server needs it), for SQL datasources
    no suite here uses: about a quarter of GX's import time, on the way to a run's first task. SQLAlchemy is
    hidden while GX loads, so GX takes it as not installed; anything importing it later gets it as usual.
    """
    if "great_expectations" in sys.modules:
        return
    with GX_LOCK:
        if "great_expectations" in sys.modules:
            return
        hide = "sqlalchemy" not in sys.modules
        if hide:
            sys.modules["sqlalchemy"] = None  # type: ignore[assignment]  # `import sqlalchemy` raises ImportError
        try:
            importlib.import_module("great_expectations")
        finally:
            if hide and sys.modules.get("sqlalchemy", False) is None:
                del sys.modules["sqlalchemy"]


def new_context():
    """A fresh in-memory GX context, made the active project (gx.get_context would return a shared one).

    GX's usage analytics stay off (this runs offline) unless the environment says otherwise.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    load_great_expectations()
    from great_expectations.data_context import EphemeralDataContext
    from great_expectations.data_context.data_context.context_factory import (
        project_manager,
    )
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = EphemeralDataContext(project_config=DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    project_manager.set_project(context)
    return context


def gx_batch(frame: pd.DataFrame):
    """A GX batch over `frame` in a process-wide ephemeral context (GX is not thread-safe: hold GX_LOCK)."""
    from great_expectations.data_context.data_context.context_factory import (
        project_manager,
    )

    if "definition" not in _GX_STATE:
        context = new_context()
        _GX_STATE["context"] = context
        source = context.data_sources.add_pandas("etl")
        _GX_STATE["definition"] = source.add_dataframe_asset("stage_output").add_batch_definition_whole_dataframe("all")
    project_manager.set_project(_GX_STATE["context"])  # a Data Docs build may have switched it
    return _GX_STATE["definition"].get_batch(batch_parameters={"dataframe": frame})  # type: ignore[attr-defined]
