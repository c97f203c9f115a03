"""Guards for the Qt binding itself."""

import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QCoreApplication, QObject, Signal
class C(QObject):
    s = Signal(int)
app = QCoreApplication([])
c = C()
for i in range(20000):
    c.s.emit(i)
print("ok")
"""


def test_signal_emit_does_not_corrupt_reference_counts():
    # PySide6 6.12.0 drops a reference to the bool that emit() returns: on Python 3.11 the app then aborts at
    # exit ("bool_dealloc"). pyproject.toml keeps PySide6 below 6.12 for that reason.
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-500:]
