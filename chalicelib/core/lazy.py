"""Feature modules imported at their first use, not at a cold start.

Every function of the deployment imports `app.py`, and with it every blueprint. A route needs only its
own feature's service and store, so each blueprint names them with `lazy(...)`: the name is bound at
import (for the route bodies) and the module is imported the first time an attribute is read. A
scheduled function or an API container then pays only for what its events use.

For the type checker the same names are the real modules (`if TYPE_CHECKING:` imports them).
Loads are serialised by one lock: `chalice local` serves on threads, and two features imported at once
must not see each other half-initialised. Stores register their models when they are imported; a model
registered after the container's binding is bound at once (core/db.py), and the tools that need every
model (provisioning, infra) call `db.all_models()`.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

_LOCK = threading.RLock()


class LazyModule(ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_target"] = None

    def _load(self) -> ModuleType:
        target: ModuleType | None = self.__dict__["_target"]
        if target is None:
            with _LOCK:
                target = self.__dict__["_target"] or importlib.import_module(self.__name__)
                self.__dict__["_target"] = target
        return target

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return getattr(self._load(), attr)


def lazy(name: str) -> Any:
    """A stand-in for the module `name` that imports it at the first attribute read."""
    return LazyModule(name)
