"""Dai et al., Deformable Convolutional Networks, ICCV 2017 (arXiv 1703.06211).

Exact claims (the equations of Sec. 2 and the special cases of Fig. 1) each name their check
(:mod:`implementations.dcn.identity_checks`): the runner measures it in every run, and the
property test in ``tests/dcn`` named by the claim calls it on the seeds hypothesis picks.

The paper's accuracy and speed numbers come from VOC, Cityscapes and COCO with ResNet-101 on
GPUs; the numbers below are from a third-party note on the paper (recorded in the project's
paper notes), except where the paper's own text confirms them. The experiments in
``reproduce.py`` test the *orderings* those numbers support on real digits (MNIST test set) with
random scale and rotation; absolute VOC/COCO numbers are recorded and marked "not run".
"""

from __future__ import annotations

from implementations.dcn import identity_checks as checks
from repro.claims import Claim, Paper

SECONDARY = (
    "third-party note on the paper (../shared/papers/dcn.md, 'Paper numbers — secondary'); "
    "not yet checked against the PDF"
)
RFCN_TABLE4 = "R-FCN, ResNet-101 (3 deformable res5 layers + deformable PS RoI pooling)"
DIGITS = "MNIST test digits, random scale 0.5–1.4 and rotation ±40° on a 32×32 canvas"
ANY = "random tensors (property test)"

#: Table 1, R-FCN mAP@0.5 on VOC 2007 test with deformable conv in the last 0/1/2/3/6 layers
TABLE1_RFCN = {0: 80.0, 1: 80.6, 2: 81.0, 3: 81.4, 6: 81.5}
#: Table 1, DeepLab mIoU on VOC 2012 val
TABLE1_DEEPLAB = {0: 69.7, 1: 73.9, 2: 74.8, 3: 75.2, 6: 74.8}
#: Table 2, mean effective dilation in res5c for small / medium / large objects
TABLE2_RES5C = {"small": 5.3, "medium": 5.8, "large": 8.4}
#: Table 4, R-FCN with ResNet-101: parameters (M) and runtime (s/image), plain vs deformable
TABLE4_RFCN = {"params": (47.1, 49.5), "seconds": (0.143, 0.169)}
#: Table 5, COCO test-dev mAP[0.5:0.95] of R-FCN, plain vs deformable (34.5 confirmed in text)
TABLE5_RFCN = (30.8, 34.5)
#: Table 5's other rows: RPN and Faster R-CNN, plain vs deformable (25.8, 33.1 in the text)
TABLE5_OTHERS = {"rpn": (23.2, 25.8), "faster": (29.4, 33.1)}
#: Table 5: Aligned-Inception-ResNet R-FCN, multi-scale testing and box voting (in the text)
TABLE5_AIR = 37.5
#: Table 1's plain rows (mAP@0.5 on VOC 2007 test), the baselines of Table 3's detection rows
TABLE1_PLAIN = {"faster": 78.1, "rfcn": 80.0}
#: Table 3 (mAP@0.5): deformable RoI pooling alone, and with deformable conv (3 layers)
TABLE3_DETECTION = {
    "faster": {"roi-pool": 78.3, "both": 79.3},
    "rfcn": {"roi-pool": 81.2, "both": 82.6},
}
#: Table 3, DeepLab mIoU on VOC 2012 val: atrous conv with dilation 4 / 6 / 8, and deformable
TABLE3_DEEPLAB = {"atrous-4": 73.1, "atrous-6": 73.6, "atrous-8": 73.2, "deformable": 75.3}
#: Table 4's parameter difference, 49.5 − 47.1 M: each printed to 0.1 M, so ±0.1 M
TABLE4_PARAM_ROUNDING = 0.1


T = "tests/dcn/"
IDENTITIES = (
    Claim.identity(
        "dcn.eq1.zero-offset-conv",
        "With zero offsets, deformable convolution (Eq. 2) is the regular convolution (Eq. 1)",
        "max |difference| to F.conv2d (float64)",
        checks.zero_offset_conv,
        T + "test_dcn_deform_conv.py::test_dcn_eq1_zero_offset_is_conv2d",
        source="Sec. 2.1, Eq. (1)–(2)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq2.integer-shift",
        "A constant integral offset is a convolution of the shifted input (zeros shifted in)",
        "max |difference| (float64)",
        checks.integer_shift,
        T + "test_dcn_deform_conv.py::test_dcn_eq2_integer_offset_is_shifted_conv",
        source="Sec. 2.1, Eq. (2)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.fig1c.atrous-special-case",
        "Offsets Δp_n = (d − 1)·p_n give the atrous convolution with dilation d",
        "max |difference| to dilated F.conv2d (float64)",
        checks.atrous,
        T + "test_dcn_deform_conv.py::test_dcn_fig1c_atrous_special_case",
        source="Fig. 1(c)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.fig1c.scale-aspect",
        "Offsets (s − 1)·p_n (per axis) sample a scaled / stretched grid: the convolution of the "
        "explicitly resampled input",
        "max |difference| (float64)",
        checks.scale_aspect,
        T + "test_dcn_deform_conv.py::test_dcn_fig1c_scale_and_aspect_ratio",
        source="Fig. 1(c)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq4.bilinear-weights",
        "Bilinear weights G(q, p) are non-negative, at most four non-zero, and sum to 1 inside "
        "the map",
        "largest of |Σ_q G(q, p) − 1|, −G, non-zero weights beyond four",
        checks.bilinear_partition,
        T + "test_dcn_deform_conv.py::test_dcn_eq4_bilinear_weights_partition_of_unity",
        source="Sec. 2.1, Eq. (3)–(4)",
        tolerance=1e-12,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq2.deformable-sampling",
        "The vectorised operator equals Eq. (2)–(4) written as loops (offsets across and beyond "
        "the border, groups, offset groups, DCNv2 masks)",
        "max |difference| to the loop reference (float64)",
        checks.deformable_sampling,
        T + "test_dcn_deform_conv.py::test_dcn_eq2_matches_loop_reference",
        source="Sec. 2.1, Eq. (2)–(4)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq2.gradients",
        "Gradients for input, offset, weight, bias and mask equal difference quotients from the "
        "right at every sample position, whole pixels (zero offsets) included",
        "max |autograd − one-sided difference| (float64; the test also runs gradcheck)",
        checks.gradients,
        T + "test_dcn_deform_conv.py::test_dcn_eq2_gradients_match_one_sided_differences",
        source="Sec. 2.1, Eq. (2)–(4) (back-propagation, Eq. (7)–(8) of the arXiv version)",
        tolerance=1e-6,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq2.torchvision-peer",
        "Output and all gradients equal torchvision.ops.deform_conv2d, at zero, whole-pixel and "
        "fractional offsets, on odd map sizes, with stride, dilation, groups, offset groups, mask",
        "max relative difference, float32 (float64 ≤ 1e-10 in the test)",
        checks.torchvision_peer,
        T + "test_dcn_torchvision.py::test_dcn_eq2_matches_torchvision_outputs_and_gradients",
        source="Sec. 2.1 (peer implementation)",
        tolerance=1e-4,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.sec2.zero-init-module",
        "The offset branch starts at zero, so a new deformable layer is the plain convolution",
        "max |difference| to nn.Conv2d (float64)",
        checks.zero_init_module,
        T + "test_dcn_deform_conv.py::test_dcn_sec2_zero_initialised_module_is_plain_conv",
        source="Sec. 2.1 and Sec. 3 (offsets initialised to zero)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq5.zero-offset-roi-align",
        "With zero offsets, deformable RoI pooling (Eq. 5) is RoIAlign (aligned=True, same "
        "sampling ratio)",
        "max |difference| to torchvision roi_align (float64)",
        checks.roi_align_zero_offset,
        T + "test_dcn_roi_pool.py::test_dcn_eq5_zero_offset_is_roi_align",
        source="Sec. 2.2, Eq. (5)",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.sec2-2.ps-zero-offset",
        "With zero offsets, deformable PS RoI pooling is R-FCN's position-sensitive pooling",
        "max |difference| to torchvision ps_roi_align (float64)",
        checks.ps_zero_offset,
        T + "test_dcn_roi_pool.py::test_dcn_sec2_2_ps_zero_offset_is_ps_roi_align",
        source="Sec. 2.2, 'Position-Sensitive (PS) RoI Pooling'",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.eq6.bin-shift",
        "Offset Δp̂_ij moves bin (i, j) by γ·Δp̂_ij ∘ (w, h) and changes nothing else",
        "max |difference| to pooling of the moved box (float64)",
        checks.bin_shift,
        T + "test_dcn_roi_pool.py::test_dcn_eq6_offset_moves_each_bin",
        source="Sec. 2.2, Eq. (6)",
        tolerance=1e-9,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.sec2-2.zero-init-modules",
        "Deformable (PS) RoI pooling modules start as RoIAlign / PS RoIAlign",
        "max |difference| (float64)",
        checks.zero_init_roi_modules,
        T + "test_dcn_roi_pool.py::test_dcn_sec2_2_zero_initialised_modules_are_roi_align",
        source="Sec. 2.2 and Sec. 3",
        tolerance=1e-10,
        dataset=ANY,
    ),
    Claim.identity(
        "dcn.table2.dilation-definition",
        "Effective dilation (mean distance of adjacent sampling locations) equals d for "
        "atrous offsets",
        "max |difference| (float64)",
        checks.dilation_definition,
        T + "test_dcn_deform_conv.py::test_dcn_table2_effective_dilation_of_atrous_offsets",
        source="Table 2 caption, Sec. 4.1",
        tolerance=1e-12,
        dataset=ANY,
    ),
)


def _gap(values: dict, a: object, b: object) -> float:
    return round(values[a] - values[b], 2)


def _deform_last(cid: str, k: int) -> Claim:
    """Table 1's claim for the last ``k`` conv layers made deformable."""
    return Claim(
        id=cid,
        statement=(
            f"Making the last {k} conv layer(s) deformable improves accuracy over the plain "
            f"network (R-FCN VOC mAP@0.5 {TABLE1_RFCN[0]} → {TABLE1_RFCN[k]}; DeepLab mIoU "
            f"{TABLE1_DEEPLAB[0]} → {TABLE1_DEEPLAB[k]})"
        ),
        source="Table 1",
        metric="accuracy gap, deformable − plain (points)",
        kind="ordering",
        paper_value=_gap(TABLE1_RFCN, k, 0),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="PASCAL VOC 2007 test (R-FCN, ResNet-101)",
    )


EXPERIMENTS = (
    _deform_last("dcn.table1.deform-last-1", 1),
    _deform_last("dcn.table1.deform-last-2", 2),
    _deform_last("dcn.table1.deform-last-3", 3),
    Claim(
        id="dcn.table1.saturation",
        statement=(
            "The gain saturates: the third deformable layer adds less than the first "
            "(R-FCN: +0.4 vs +0.6 mAP; DeepLab: +0.4 vs +4.2 mIoU)"
        ),
        source="Table 1 and its discussion",
        metric="gain of layer 3 − gain of layer 1 (points)",
        kind="ordering",
        paper_value=round((TABLE1_RFCN[3] - TABLE1_RFCN[2]) - (TABLE1_RFCN[1] - TABLE1_RFCN[0]), 2),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="PASCAL VOC 2007 test (R-FCN, ResNet-101)",
    ),
    Claim(
        id="dcn.table2.dilation-grows-with-size",
        statement=(
            "The learned offsets spread the filter more on larger objects: mean effective "
            f"dilation in res5c {TABLE2_RES5C['small']} (small) / {TABLE2_RES5C['medium']} "
            f"(medium) / {TABLE2_RES5C['large']} (large)"
        ),
        source="Table 2",
        metric="effective dilation, large − small objects (pixels)",
        kind="ordering",
        paper_value=_gap(TABLE2_RES5C, "large", "small"),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="PASCAL VOC 2007 test (DeepLab / R-FCN, ResNet-101)",
    ),
    Claim(
        id="dcn.table4.param-overhead",
        statement=(
            "Deformable layers add few parameters: R-FCN "
            f"{TABLE4_RFCN['params'][0]}M → {TABLE4_RFCN['params'][1]}M"
        ),
        source="Table 4",
        metric="parameters, deformable / plain (ratio)",
        kind="numeric",
        paper_value=round(TABLE4_RFCN["params"][1] / TABLE4_RFCN["params"][0], 3),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset=RFCN_TABLE4,
        tolerance=0.05,
    ),
    Claim(
        id="dcn.table4.param-increase",
        statement=(
            "The deformable parts of R-FCN (offset convs of the 3 res5 layers, the offset "
            "layers of deformable PS RoI pooling) add "
            f"{TABLE4_RFCN['params'][1] - TABLE4_RFCN['params'][0]:.1f}M parameters"
        ),
        source="Table 4",
        metric="parameters added, deformable − plain (millions)",
        kind="numeric",
        paper_value=round(TABLE4_RFCN["params"][1] - TABLE4_RFCN["params"][0], 2),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset=RFCN_TABLE4,
        # both printed numbers are rounded to 0.1M: their difference is known to ±0.1M
        tolerance=TABLE4_PARAM_ROUNDING,
    ),
    Claim(
        id="dcn.table4.params-rfcn",
        statement=f"R-FCN with ResNet-101 has {TABLE4_RFCN['params'][0]}M parameters",
        source="Table 4",
        metric="parameters of the plain network (millions)",
        kind="numeric",
        paper_value=TABLE4_RFCN["params"][0],
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset=RFCN_TABLE4,
        # printed to 0.1M
        tolerance=TABLE4_PARAM_ROUNDING / 2,
    ),
    Claim(
        id="dcn.table4.time-overhead",
        statement=(
            "Deformable layers add little time: R-FCN "
            f"{TABLE4_RFCN['seconds'][0]} → {TABLE4_RFCN['seconds'][1]} s per image"
        ),
        source="Table 4",
        metric="forward time per image, deformable / plain (ratio)",
        timed=True,
        kind="numeric",
        paper_value=round(TABLE4_RFCN["seconds"][1] / TABLE4_RFCN["seconds"][0], 3),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="R-FCN, ResNet-101, VOC images, NVIDIA K40 GPU",
        tolerance=0.2,
    ),
    Claim(
        id="dcn.table4.digits-param-overhead",
        statement=(
            "Digit-CNN row (not the paper's network): the parameter ratio of Table 4 "
            f"({TABLE4_RFCN['params'][0]}M → {TABLE4_RFCN['params'][1]}M in R-FCN) for a "
            "4-conv CNN with 3 of its 4 layers deformable"
        ),
        source="Table 4 (compared on another network)",
        metric="parameters, deformable / plain (ratio)",
        kind="numeric",
        paper_value=round(TABLE4_RFCN["params"][1] / TABLE4_RFCN["params"][0], 3),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="R-FCN, ResNet-101 (3 of ~100 layers deformable)",
        tolerance=0.05,
    ),
    Claim(
        id="dcn.table4.digits-time-overhead",
        statement=(
            "Digit-CNN row (not the paper's network): the time ratio of Table 4 "
            f"({TABLE4_RFCN['seconds'][0]} → {TABLE4_RFCN['seconds'][1]} s in R-FCN) for a "
            "4-conv CNN with 3 of its 4 layers deformable"
        ),
        source="Table 4 (compared on another network)",
        metric="inference time per image, deformable / plain (ratio)",
        timed=True,
        kind="numeric",
        paper_value=round(TABLE4_RFCN["seconds"][1] / TABLE4_RFCN["seconds"][0], 3),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="R-FCN, ResNet-101, VOC images, NVIDIA K40 GPU",
        tolerance=0.2,
    ),
    Claim(
        id="dcn.table1.deeplab-voc",
        statement="DeepLab mIoU on VOC 2012 val rises from 69.7 to 75.2 with 3 deformable layers",
        source="Table 1",
        metric="mIoU gap, deformable − plain (points)",
        kind="ordering",
        paper_value=_gap(TABLE1_DEEPLAB, 3, 0),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="PASCAL VOC 2012 val (DeepLab, ResNet-101)",
    ),
    Claim(
        id="dcn.table5.rfcn-coco",
        statement="R-FCN on COCO test-dev rises from 30.8 to 34.5 mAP with deformable ConvNets",
        source="Table 5 (34.5 confirmed in the text)",
        metric="mAP[0.5:0.95] gap, deformable − plain (points)",
        kind="ordering",
        paper_value=round(TABLE5_RFCN[1] - TABLE5_RFCN[0], 2),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="COCO test-dev (ResNet-101)",
    ),
    *(
        Claim(
            id=f"dcn.table5.{name}-coco",
            statement=(
                f"{label} on COCO test-dev rises from {plain} to {deformable} mAP with "
                "deformable ConvNets"
            ),
            source=f"Table 5 ({deformable} confirmed in the text)",
            metric="mAP[0.5:0.95] gap, deformable − plain (points)",
            kind="ordering",
            paper_value=round(deformable - plain, 2),
            confidence="secondary",
            confidence_note=SECONDARY,
            dataset="COCO test-dev (ResNet-101)",
        )
        for name, label, (plain, deformable) in (
            ("rpn", "Class-aware RPN", TABLE5_OTHERS["rpn"]),
            ("faster", "Faster R-CNN", TABLE5_OTHERS["faster"]),
        )
    ),
    Claim(
        id="dcn.table5.aligned-inception-resnet",
        statement=(
            f"R-FCN with a deformable Aligned-Inception-ResNet, multi-scale testing and box "
            f"voting reaches {TABLE5_AIR} mAP on COCO test-dev"
        ),
        source="Table 5 (confirmed in the text)",
        metric="mAP[0.5:0.95] (points)",
        kind="numeric",
        paper_value=TABLE5_AIR,
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="COCO test-dev (Aligned-Inception-ResNet)",
        # printed to 0.1 points
        tolerance=0.05,
    ),
    *(
        Claim(
            id=f"dcn.table3.{detector}-{variant}",
            statement=(
                f"{label} on VOC 2007 test rises from {TABLE1_PLAIN[detector]} to "
                f"{TABLE3_DETECTION[detector][variant]} mAP@0.5 with {what}"
            ),
            source="Table 3 (baseline: Table 1's plain row)",
            metric="mAP@0.5 gap, deformable − plain (points)",
            kind="ordering",
            paper_value=round(TABLE3_DETECTION[detector][variant] - TABLE1_PLAIN[detector], 2),
            confidence="secondary",
            confidence_note=SECONDARY,
            dataset=f"PASCAL VOC 2007 test ({label}, ResNet-101)",
        )
        for detector, label in (("faster", "Faster R-CNN"), ("rfcn", "R-FCN"))
        for variant, what in (
            ("roi-pool", "deformable RoI pooling alone"),
            ("both", "deformable RoI pooling and 3 deformable conv layers"),
        )
    ),
    Claim(
        id="dcn.table3.deeplab-atrous",
        statement=(
            "Deformable convolution beats the best hand-set atrous convolution in DeepLab: "
            f"{TABLE3_DEEPLAB['deformable']} mIoU against {TABLE3_DEEPLAB['atrous-6']} "
            "(dilation 6; 4 and 8 give "
            f"{TABLE3_DEEPLAB['atrous-4']} and {TABLE3_DEEPLAB['atrous-8']})"
        ),
        source="Table 3",
        metric="mIoU gap, deformable − best atrous (points)",
        kind="ordering",
        paper_value=round(TABLE3_DEEPLAB["deformable"] - TABLE3_DEEPLAB["atrous-6"], 2),
        confidence="secondary",
        confidence_note=SECONDARY,
        dataset="PASCAL VOC 2012 val (DeepLab, ResNet-101)",
    ),
)

PAPER = Paper(
    id="dcn",
    title="Deformable Convolutional Networks",
    authors="Jifeng Dai, Haozhi Qi, Yuwen Xiong, Yi Li, Guodong Zhang, Han Hu, Yichen Wei",
    venue="ICCV 2017",
    year=2017,
    arxiv="1703.06211",
    url="https://arxiv.org/abs/1703.06211",
    claims=IDENTITIES + EXPERIMENTS,
    reproduce="implementations.dcn.reproduce",
)
