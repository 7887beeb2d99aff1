"""The code follows PEP 8 (flake8), as OpenStack's pep8 jobs require."""

import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_flake8_is_clean():
    result = subprocess.run(
        [sys.executable, '-m', 'flake8', 'osc_ssec', 'tests', 'benchmarks'],
        cwd=TOP, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
