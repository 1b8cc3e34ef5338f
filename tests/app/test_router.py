"""The router's garbage-collector freeze: long-lived objects leave the per-rerun collections."""

from __future__ import annotations

import gc
import sys
import types
import weakref

from fmnist_ui.shared import router


def test_runs_that_import_modules_freeze_what_is_alive(monkeypatch) -> None:
    gc.unfreeze()
    monkeypatch.setattr(router, "_modules_frozen", 0)
    router.freeze_new_modules()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # numpy, streamlit, plotly ... are out of every later full collection

    router.freeze_new_modules()  # nothing imported since: no collection, nothing more frozen
    assert gc.get_freeze_count() == frozen

    monkeypatch.setitem(sys.modules, "fmnist_test_new_module", types.ModuleType("fmnist_test_new_module"))
    alive = [[index] for index in range(1_000)]  # what a new module would create
    router.freeze_new_modules()
    assert gc.get_freeze_count() >= frozen + len(alive)


def test_garbage_is_collected_before_the_freeze(monkeypatch) -> None:
    gc.unfreeze()
    monkeypatch.setattr(router, "_modules_frozen", 0)
    node = Node()
    node.self = node  # a reference cycle: only the cyclic collector frees it
    freed = weakref.ref(node)
    del node
    router.freeze_new_modules()
    assert freed() is None  # collected, not frozen forever


class Node:
    self: Node
