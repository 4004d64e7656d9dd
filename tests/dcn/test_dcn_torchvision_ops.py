"""torchvision's own ``TestDeformConv`` cases (its test/test_ops.py), run against ours.

The cases, in our own code: torchvision's configuration (6 input and 2 output channels, 2
weight groups, 3 offset groups, kernel (3, 2), stride (2, 1), padding (1, 0), dilation (2, 1),
a 5×4 map, batches of 0 and 33, contiguous or not, float64); the forward pass against the loop
reference of Eq. (2) and against torchvision, with and without mask; wrong sizes raising
``RuntimeError`` with torchvision's words; ``gradcheck`` (fast mode) with and without mask; and
``torch.compile`` of both modules (slow on CPU: it runs with ``--full``). Left out: TorchScript
(deprecated) and the ``torch.fx`` leaf-node test (torchvision registers its own module as a leaf
of its feature extractor).
"""

from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from implementations.dcn import DeformConv2d, DeformConv2dPack, deform_conv2d
from implementations.dcn.loop_reference import deform_conv2d_loops

tv_ops = pytest.importorskip("torchvision.ops", reason="torchvision is the peer of these cases")

IN_CHANNELS, OUT_CHANNELS, GROUPS, OFFSET_GROUPS = 6, 2, 2, 3
KERNEL, STRIDE, PADDING, DILATION = (3, 2), (2, 1), (1, 0), (2, 1)
SIZE = (5, 4)
OUT_SIZE = tuple(
    (s + 2 * p - (d * (k - 1) + 1)) // st + 1
    for s, k, st, p, d in zip(SIZE, KERNEL, STRIDE, PADDING, DILATION, strict=True)
)


def _args(batch: int, contiguous: bool) -> dict[str, torch.Tensor]:
    """input, offset, mask, weight, bias of torchvision's cases (float64, requiring grad)."""
    gen = torch.Generator().manual_seed(batch)
    n_kernel = KERNEL[0] * KERNEL[1]
    shapes = {
        "input": (batch, IN_CHANNELS, *SIZE),
        "offset": (batch, 2 * OFFSET_GROUPS * n_kernel, *OUT_SIZE),
        "mask": (batch, OFFSET_GROUPS * n_kernel, *OUT_SIZE),
        "weight": (OUT_CHANNELS, IN_CHANNELS // GROUPS, *KERNEL),
        "bias": (OUT_CHANNELS,),
    }
    t = {k: torch.randn(s, generator=gen, dtype=torch.float64) for k, s in shapes.items()}
    t["input"] = t["input"].abs()
    if not contiguous:  # the same values in permuted memory, as torchvision's cases do
        t["input"] = t["input"].permute(0, 1, 3, 2).contiguous().permute(0, 1, 3, 2)
        for k in ("offset", "mask"):
            t[k] = t[k].permute(1, 3, 0, 2).contiguous().permute(2, 0, 3, 1)
        t["weight"] = t["weight"].permute(3, 2, 0, 1).contiguous().permute(2, 3, 1, 0)
        # (an empty tensor counts as contiguous whatever its strides)
        assert batch == 0 or not (t["input"].is_contiguous() or t["offset"].is_contiguous())
    return {k: v.requires_grad_() for k, v in t.items()}


def _layer() -> DeformConv2d:
    return DeformConv2d(
        IN_CHANNELS,
        OUT_CHANNELS,
        KERNEL,
        stride=STRIDE,
        padding=PADDING,
        dilation=DILATION,
        groups=GROUPS,
    ).double()


@pytest.mark.parametrize("batch", [0, 33])
@pytest.mark.parametrize("contiguous", [True, False])
def test_dcn_torchvision_case_forward(batch: int, contiguous: bool) -> None:
    """torchvision's test_forward: the drop-in module against the loop reference of Eq. (2),
    with and without mask; and against torchvision's module carrying the same weights."""
    t = _args(batch, contiguous)
    layer = _layer()
    peer = tv_ops.DeformConv2d(
        IN_CHANNELS,
        OUT_CHANNELS,
        KERNEL,
        stride=STRIDE,
        padding=PADDING,
        dilation=DILATION,
        groups=GROUPS,
    ).double()
    peer.load_state_dict(layer.state_dict())
    for mask in (t["mask"], None):
        out = layer(t["input"], t["offset"], mask)
        assert out.shape == (batch, OUT_CHANNELS, *OUT_SIZE)
        expected = deform_conv2d_loops(
            t["input"].detach(),
            t["offset"].detach(),
            layer.weight.detach(),
            layer.bias.detach(),
            STRIDE,
            PADDING,
            DILATION,
            None if mask is None else mask.detach(),
        )
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(out, peer(t["input"], t["offset"], mask), rtol=0, atol=1e-12)


@pytest.mark.parametrize("layer", ["ours", "torchvision"])
def test_dcn_torchvision_case_wrong_sizes(layer: str) -> None:
    """torchvision's test_wrong_sizes: too few offset or mask channels raise ``RuntimeError``
    with torchvision's words, from ours as from torchvision (ours is also a ValueError)."""
    t = _args(10, True)
    module = (
        _layer()
        if layer == "ours"
        else tv_ops.DeformConv2d(
            IN_CHANNELS, OUT_CHANNELS, KERNEL, STRIDE, PADDING, DILATION, GROUPS
        ).double()
    )
    with torch.no_grad():
        with pytest.raises(RuntimeError, match="the shape of the offset"):
            module(t["input"], torch.rand_like(t["offset"][:, :2]))
        with pytest.raises(RuntimeError, match=r"mask.shape\[1\] is not valid"):
            module(t["input"], t["offset"], torch.rand_like(t["mask"][:, :2]))


@pytest.mark.parametrize("batch", [0, 33])
@pytest.mark.parametrize("contiguous", [True, False])
def test_dcn_torchvision_case_backward(batch: int, contiguous: bool) -> None:
    """torchvision's test_backward: ``gradcheck`` (fast mode) of the function with and without
    mask, every tensor argument requiring grad."""
    t = _args(batch, contiguous)
    conv = {"stride": STRIDE, "padding": PADDING, "dilation": DILATION}

    def with_mask(x, offset, mask, weight, bias):
        return deform_conv2d(x, offset, weight, bias, mask=mask, **conv)

    def without_mask(x, offset, weight, bias):
        return deform_conv2d(x, offset, weight, bias, **conv)

    names = ("input", "offset", "mask", "weight", "bias")
    assert gradcheck(with_mask, tuple(t[k] for k in names), nondet_tol=1e-5, fast_mode=True)
    names = ("input", "offset", "weight", "bias")
    assert gradcheck(without_mask, tuple(t[k] for k in names), nondet_tol=1e-5, fast_mode=True)


def test_dcn_drop_in_loads_torchvision_state_dict() -> None:
    """A torchvision DeformConv2d's state dict loads strictly into ours and back."""
    peer = tv_ops.DeformConv2d(4, 6, 3, padding=1, bias=False)
    ours = DeformConv2d(4, 6, 3, padding=1, bias=False)
    ours.load_state_dict(peer.state_dict())
    peer.load_state_dict(ours.state_dict())
    x, offset = torch.randn(2, 4, 7, 9), torch.randn(2, 18, 7, 9)
    torch.testing.assert_close(ours(x, offset), peer(x, offset), rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_dcn_torch_compile_both_modules(request: pytest.FixtureRequest) -> None:
    """``torch.compile`` of the drop-in module and of DeformConv2dPack gives the eager output
    and gradients (inductor on CPU; the argument checks break the graph, which compile allows)."""
    if not request.config.getoption("--full"):
        pytest.skip("torch.compile takes about a minute on 2 CPU cores: run with --full")
    torch.manual_seed(0)
    x = torch.randn(2, 4, 7, 9, requires_grad=True)
    offset = torch.randn(2, 18, 7, 9, requires_grad=True)
    mask = torch.rand(2, 9, 7, 9)
    drop_in = DeformConv2d(4, 6, 3, padding=1)
    pack = DeformConv2dPack(4, 6, 3, padding=1, offset_groups=2)
    with torch.no_grad():
        pack.conv_offset.weight.normal_(0, 0.3)  # non-zero offsets, off the regular grid
    for module, args in ((drop_in, (x, offset, mask)), (pack, (x,))):
        eager = module(*args)
        grads = torch.autograd.grad(eager.square().sum(), [x, *module.parameters()])
        compiled = torch.compile(module)(*args)
        compiled_grads = torch.autograd.grad(compiled.square().sum(), [x, *module.parameters()])
        torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-5)
        for a, b in zip(compiled_grads, grads, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
