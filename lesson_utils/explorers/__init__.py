"""The explorers the lessons use, one module per lesson; importing this package registers every one."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
