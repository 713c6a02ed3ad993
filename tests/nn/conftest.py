# The nn tests share the parity helpers one folder up (tests/parity.py, error_parity.py).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
