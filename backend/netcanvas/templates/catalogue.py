"""The architecture templates: which keras.applications models netcanvas offers, and their rules.

One `Architecture` per model: its Keras constructor, its default and minimum input size (Keras's
`obtain_input_shape` rules, weights=None), and the few nodes whose settings depend on the input
size. The graphs themselves are package data (`<name>.json`, `<name>_notop.json`) written by
`generate.py` from the Keras definitions through netcanvas's own Keras import, so node ids are
Keras's layer names and a published weights file loads into them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Architecture:
    name: str  # the API's key and the file stem
    title: str
    keras: str  # the keras.applications constructor
    description: str
    default_size: int
    min_size: int  # Keras refuses smaller inputs ("Input size must be at least …")
    # ZeroPadding2D nodes that Keras sizes with imagenet_utils.correct_pad(x, 3): their padding
    # depends on whether the height/width reaching them is odd or even.
    correct_pad: tuple[str, ...] = ()


MAX_SIZE: Final = 1024  # the largest input_size a template is built for (as data/limits.image_max_side)
MAX_CLASSES: Final = 100_000
DEFAULT_CLASSES: Final = 1000  # ImageNet's, which the published top weights are for
CLASSES_NODE: Final = "predictions"  # the top's last Dense in every keras.applications model below

ARCHITECTURES: Final[dict[str, Architecture]] = {a.name: a for a in (
    Architecture(
        "vgg16", "VGG16", "VGG16",
        "Five blocks of 3×3 convolutions (block1 … block5), two 4096-unit Dense layers and the "
        "classifier. Without its top: the seeds' transfer-learning base.",
        224, 32),
    Architecture(
        "vgg19", "VGG19", "VGG19",
        "VGG16 with a fourth convolution in blocks 3, 4 and 5: 19 weight layers.",
        224, 32),
    Architecture(
        "resnet50", "ResNet50", "ResNet50",
        "Residual network of 16 bottleneck blocks in four stages (conv2_block1 … conv5_block3), "
        "with BatchNormalization, global average pooling and the classifier.",
        224, 32),
    Architecture(
        "inception_v3", "Inception-v3", "InceptionV3",
        "Eleven Inception modules (mixed0 … mixed10) of parallel towers concatenated on channels; "
        "the seeds' fine-tuning example.",
        299, 75),
    Architecture(
        "mobilenet_v2", "MobileNetV2", "MobileNetV2",
        "Inverted residual blocks of depthwise-separable convolutions with ReLU6 (width multiplier "
        "alpha = 1.0): small and fast.",
        224, 32, correct_pad=("block_1_pad", "block_3_pad", "block_6_pad", "block_13_pad")),
    Architecture(
        "xception", "Xception", "Xception",
        "Depthwise-separable convolutions with residual connections in entry, middle and exit flows "
        "(block1 … block14).",
        299, 71),
)}


def file_stem(arch: Architecture, include_top: bool) -> str:
    return arch.name if include_top else f"{arch.name}_notop"
