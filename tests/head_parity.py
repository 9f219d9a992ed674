"""Compare one of plugin's heads with mmdet's on the same weights and inputs.

Shared by the head tests: run ``loss_by_feat`` + backward on both heads and
assert equal losses and gradients (of the parameters and of the inputs).
"""
from typing import Callable, Dict, List, Sequence, Tuple

import torch
from torch import Tensor


def total_loss(losses: Dict[str, object]) -> Tensor:
    """The sum of a head's losses, per-level lists included (what mmengine's
    ``parse_losses`` backpropagates)."""
    return sum(
        sum(v) if isinstance(v, (list, tuple)) else v
        for v in losses.values())


def run_loss(head: torch.nn.Module,
             feats: Sequence[Tensor],
             gt_instances: list,
             img_metas: List[dict],
             forward: Callable = None,
             gt_instances_ignore: list = None) -> Tuple[Dict[str, Tensor],
                                                        Dict[str, Tensor]]:
    """One ``loss_by_feat`` + backward on fresh leaf copies of ``feats``.

    Args:
        head: the head.
        feats: its input maps.
        gt_instances: per image gts.
        img_metas: per image metas.
        forward: maps (head, leaf feats) to the head outputs; defaults to
            ``head(feats)``.
        gt_instances_ignore: per image ignore boxes, passed on when given.

    Returns:
        tuple[dict, dict]: the detached losses (per-level lists stacked),
        and the gradients of every parameter (by name) and of every input
        (``feat0``, ``feat1``...).
    """
    feats = [f.clone().requires_grad_() for f in feats]
    outs = head(feats) if forward is None else forward(head, feats)
    extra = {} if gt_instances_ignore is None else dict(
        batch_gt_instances_ignore=gt_instances_ignore)
    losses = head.loss_by_feat(*outs, gt_instances, img_metas, **extra)
    total_loss(losses).backward()
    # per-level lists (RPN) become one (L,) tensor each
    losses = {k: torch.stack(v) if isinstance(v, (list, tuple)) else v
              for k, v in losses.items()}
    grads = {n: p.grad.clone() for n, p in head.named_parameters()
             if p.grad is not None}
    grads.update({f'feat{i}': f.grad.clone() for i, f in enumerate(feats)})
    head.zero_grad()
    return {k: v.detach() for k, v in losses.items()}, grads


def assert_same(ours: Dict[str, Tensor], theirs: Dict[str, Tensor],
                rtol: float = 1e-5) -> None:
    """Same keys; each tensor within ``rtol`` of the reference, relative to
    the reference tensor's largest entry."""
    assert ours.keys() == theirs.keys()
    for k in ours:
        scale = theirs[k].abs().max().clamp(min=1e-12)
        torch.testing.assert_close(
            ours[k], theirs[k], rtol=rtol, atol=rtol * scale, msg=k)


def check_matches_mmdet(ours: torch.nn.Module, theirs: torch.nn.Module,
                        feats: Sequence[Tensor], gt_instances: list,
                        img_metas: List[dict], rtol: float = 1e-5
                        ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """Run both heads (same weights) on the same inputs, assert equal
    losses and gradients, and return ours."""
    our_losses, our_grads = run_loss(ours, feats, gt_instances, img_metas)
    mm_losses, mm_grads = run_loss(theirs, feats, gt_instances, img_metas)
    assert_same(our_losses, mm_losses, rtol)
    assert_same(our_grads, mm_grads, rtol)
    return our_losses, our_grads


def make_twin_heads(make_ours: Callable[[], torch.nn.Module],
                    make_theirs: Callable[[], torch.nn.Module],
                    scale: float = 0.5, seed: int = 0
                    ) -> Tuple[torch.nn.Module, torch.nn.Module]:
    """Our head, initialised and then moved away from its init by seeded
    gaussian noise of ``scale`` (so that every loss term matters), and
    mmdet's head holding the same weights."""
    torch.manual_seed(seed)
    ours = make_ours()
    ours.init_weights()
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(torch.randn_like(p) * scale)
    theirs = make_theirs()
    theirs.load_state_dict(ours.state_dict(), strict=True)
    return ours, theirs


def check_state_dicts_load_both_ways(ours: torch.nn.Module,
                                     theirs: torch.nn.Module,
                                     fresh_ours: torch.nn.Module,
                                     fresh_theirs: torch.nn.Module) -> None:
    """Same parameter names; mmdet's weights load strictly into a fresh
    head of ours (and arrive unchanged), and ours into a fresh mmdet head."""
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    fresh_ours.load_state_dict(theirs.state_dict(), strict=True)
    for k, v in theirs.state_dict().items():
        assert torch.equal(fresh_ours.state_dict()[k], v), k
    fresh_theirs.load_state_dict(ours.state_dict(), strict=True)


def check_init_weights_match_mmdet(make_ours: Callable[[], torch.nn.Module],
                                   make_theirs: Callable[[],
                                                         torch.nn.Module],
                                   seed: int = 3) -> None:
    """Built and initialised under the same seed, both heads hold the same
    weights (the construction draws count: some layers keep them)."""
    heads = []
    for make in (make_ours, make_theirs):
        torch.manual_seed(seed)
        head = make()
        head.init_weights()
        heads.append(head)
    ours, theirs = heads
    for (name, a), b in zip(ours.state_dict().items(),
                            theirs.state_dict().values()):
        assert torch.equal(a, b), name


def check_deterministic(head: torch.nn.Module, feats: Sequence[Tensor],
                        gt_instances: list, img_metas: List[dict],
                        threads: int = 4, runs: int = 3, seed: int = 0
                        ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """Repeated loss + backward on ``threads`` threads give bitwise equal
    losses and gradients. torch's generator is reseeded before each run, so
    heads that sample (RPN) draw the same sample.

    Returns:
        tuple[dict, dict]: the first run's losses and gradients.
    """
    prev = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        results = []
        for _ in range(runs):
            torch.manual_seed(seed)
            results.append(run_loss(head, feats, gt_instances, img_metas))
    finally:
        torch.set_num_threads(prev)
    first_losses, first_grads = results[0]
    for losses, grads in results[1:]:
        for k in first_losses:
            assert torch.equal(losses[k], first_losses[k]), k
        for k in first_grads:
            assert torch.equal(grads[k], first_grads[k]), k
    return results[0]


def check_thread_counts(head: torch.nn.Module, outs: Sequence[list],
                        gt_instances: list, img_metas: List[dict],
                        threads: Sequence[int] = (1, 2), rtol: float = 0.,
                        seed: int = 0) -> None:
    """The loss's own work on each intra-op thread count: ``loss_by_feat``
    on the head outputs ``outs`` (per output, a list of levels) fed as
    leaves, and its backward to them. With ``rtol == 0`` the losses and the
    output gradients must be bitwise equal; otherwise within ``rtol`` of
    each tensor's largest entry (:func:`assert_same`).
    """
    sizes = [len(level) for level in outs]
    flat = [t for level in outs for t in level]

    def regroup(_, leaves):
        it = iter(leaves)
        return tuple([next(it) for _ in range(n)] for n in sizes)

    prev = torch.get_num_threads()
    results = []
    try:
        for t in threads:
            torch.set_num_threads(t)
            torch.manual_seed(seed)  # the RPN samples: the same draws
            results.append(run_loss(head, flat, gt_instances, img_metas,
                                    forward=regroup))
    finally:
        torch.set_num_threads(prev)
    ref_losses, ref_grads = results[0]
    for losses, grads in results[1:]:
        if rtol == 0:
            for k in ref_losses:
                assert torch.equal(losses[k], ref_losses[k]), k
            for k in ref_grads:
                assert torch.equal(grads[k], ref_grads[k]), k
        else:
            assert_same(losses, ref_losses, rtol)
            assert_same(grads, ref_grads, rtol)
