"""segment_ids: the segment of each element, empty segments included."""
import torch

from plugin.models.utils.segments import segment_ids


def test_hand_made_segments_with_empty_ones():
    lengths = torch.tensor([0, 2, 0, 0, 3, 1, 0])
    cum = lengths.cumsum(0)
    starts = cum - lengths
    assert segment_ids(starts, cum, 0, 6).tolist() == [1, 1, 4, 4, 4, 5]
    # blocks: one starting inside segment 1, one inside segment 4
    assert segment_ids(starts, cum, 1, 3).tolist() == [1, 4, 4]
    assert segment_ids(starts, cum, 3, 3).tolist() == [4, 4, 5]
    assert segment_ids(starts, cum, 6, 0).tolist() == []


def test_equals_a_binary_search_per_element():
    lengths = torch.randint(0, 4, (200, ),
                            generator=torch.Generator().manual_seed(0))
    cum = lengths.cumsum(0)
    starts = cum - lengths
    total = int(cum[-1])
    expected = torch.searchsorted(cum, torch.arange(total), right=True)
    for start, size in ((0, total), (7, 50), (total - 3, 3)):
        assert torch.equal(segment_ids(starts, cum, start, size),
                           expected[start:start + size])
