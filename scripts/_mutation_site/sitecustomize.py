"""Child Python processes of a mutation run (scripts/_mutation_plugin.py): stub the check there too."""

import os
import sys

if os.environ.get("TOOLDIAL_MUTATE_CHECK"):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import _mutation_plugin

    sys.path.pop(0)
    _mutation_plugin.install_import_hook()
