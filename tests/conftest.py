"""Shared pytest fixtures."""
import pytest
import torch

import plugin  # noqa: F401  (registers the plugin scope)


@pytest.fixture
def single_thread():
    """Run a test with one intra-op thread (mmdet's AutoAssign is
    order-dependent with more), restoring the previous setting after."""
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)
