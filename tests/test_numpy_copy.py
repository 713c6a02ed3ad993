"""np.asarray / np.array on a tensor follow numpy 2's copy= rules through __array__."""
import numpy as np
import pytest

import cgrad


def test_array_shares_unless_a_copy_is_asked_for_or_needed():
    t = cgrad.arange(3.)
    np.asarray(t)[0] = 5.0
    assert t[0].item() == 5.0
    np.array(t, copy=True)[1] = 7.0
    np.asarray(t, dtype=np.float64)[2] = 9.0
    assert t.tolist() == [5.0, 1.0, 2.0]
    assert np.shares_memory(np.asarray(t, copy=False), np.asarray(t))


def test_copy_false_with_a_dtype_change_raises():
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.asarray(cgrad.arange(3.), dtype=np.float64, copy=False)
