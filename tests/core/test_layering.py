import pkgutil
import subprocess
import sys

import fmnist_core


def test_fmnist_core_never_imports_streamlit():
    modules = [
        f"fmnist_core.{m.name}" for m in pkgutil.iter_modules(fmnist_core.__path__) if m.name != "__main__"
    ]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert len(modules) >= 8
