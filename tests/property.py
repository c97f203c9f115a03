"""Settings shared by the property-based tests: bounded and deterministic, so CI cannot go red by chance.

``derandomize=True`` draws the same examples on every run and machine; ``database=None`` keeps no examples
between runs; ``deadline=None`` because a loaded 2-core machine is slow, not wrong (the hang limit is pytest's).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
