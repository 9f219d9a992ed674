"""What the end-to-end tool tests share: one tiny shapes dataset."""
import pytest

from plugin.datasets import ensure_shapes_dataset


@pytest.fixture(scope='session')
def shapes_root(tmp_path_factory):
    """12 train, 6 val and 6 test shapes images in a temporary folder (point
    a config at it with ``tool_runner.data_options``)."""
    root = str(tmp_path_factory.mktemp('shapes'))
    ensure_shapes_dataset(root, num_train=12, num_val=6, num_test=6,
                          seed=0)
    return root
