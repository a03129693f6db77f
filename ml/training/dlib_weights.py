"""A reader for dlib's face-recognition weights file, into `ml.models.face_resnet.FaceResNet`.

The `.dat` format is dlib's own serialisation (dlib/serialize.h, dlib/dnn/core.h,
layers.h, tensor.h, input.h, loss.h); the reader walks it layer by layer and checks every
shape and setting against `FaceResNet` before handing over a state_dict. The file ships in
the PyPI package `face_recognition_models` (requirements-train.txt): needed to fit or train
from dlib's weights, never to score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ml.models.face_resnet import DLIB_INPUT_SIZE, DLIB_MEAN_RGB, Affine, FaceResNet
from ml.models.regressor import HeadedRegressor


def dlib_weights_path() -> Path:
    """dlib's face-verification weights (CC0) in the PyPI package face_recognition_models."""
    import importlib.util

    # Located, not imported: the package's __init__ needs pkg_resources, gone from new setuptools.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None:
        raise RuntimeError("training from dlib's weights needs: pip install -r requirements-train.txt")
    return Path(spec.submodule_search_locations[0]) / "models" / "dlib_face_recognition_resnet_model_v1.dat"


def load_dlib_backbone(model: HeadedRegressor) -> None:
    """dlib's trained weights into a face-ResNet regressor's network (its heads left as they are)."""
    model.network.load_state_dict(read_dlib_weights(dlib_weights_path()))


class DlibReader:
    """Reads dlib's serialised primitives from bytes; running out of bytes is a ValueError."""

    def __init__(self, data: bytes):
        self._data = data
        self.position = 0

    def at_end(self) -> bool:
        return self.position == len(self._data)

    def take(self, count: int) -> bytes:
        end = self.position + count
        if end > len(self._data):
            raise ValueError(
                f"The dlib weights file ends early (wanted {count} bytes at offset {self.position} "
                f"of {len(self._data)}); download it again."
            )
        chunk = self._data[self.position : end]
        self.position = end
        return chunk

    def integer(self) -> int:
        """A control byte (bit 7: negative, low 4 bits: byte count), then that many LE bytes."""
        control = self.take(1)[0]
        size = control & 0x0F
        if size > 8:
            raise ValueError(f"Bad integer control byte {control:#04x} at offset {self.position - 1}.")
        magnitude = int.from_bytes(self.take(size), "little")
        return -magnitude if control & 0x80 else magnitude

    def real(self) -> float:
        """dlib's portable float: an integer mantissa and an integer exponent, m * 2**e."""
        mantissa, exponent = self.integer(), self.integer()
        # dlib marks inf and NaN with out-of-range exponents; no weight file should hold one.
        if abs(exponent) >= 32000:
            raise ValueError(f"Non-finite number in the dlib weights file at offset {self.position}.")
        return math.ldexp(mantissa, exponent)

    def string(self) -> str:
        return self.take(self.integer()).decode("latin-1")

    def boolean(self) -> bool:
        flag = self.take(1)
        if flag not in (b"0", b"1"):
            raise ValueError(f"Bad boolean {flag!r} at offset {self.position - 1}.")
        return flag == b"1"

    def tensor(self) -> np.ndarray:
        """A resizable_tensor: version 2, n, k, nr, nc, then raw little-endian float32 (NCHW)."""
        self.expect_version(2, "tensor")
        shape = tuple(self.integer() for _ in range(4))
        if min(shape) < 0:
            raise ValueError(f"Negative tensor shape {shape} at offset {self.position}.")
        return np.frombuffer(self.take(4 * math.prod(shape)), dtype="<f4").reshape(shape)

    def alias_shape(self) -> tuple[int, ...]:
        """An alias_tensor records only a shape (version 1, n, k, nr, nc)."""
        self.expect_version(1, "alias tensor")
        return tuple(self.integer() for _ in range(4))

    def expect_version(self, version: int, what: str) -> None:
        found = self.integer()
        if found != version:
            raise ValueError(f"Expected {what} version {version}, found {found} at offset {self.position}.")


@dataclass(frozen=True)
class Conv:
    weight: np.ndarray  # (out, in, kh, kw)
    bias: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]


@dataclass(frozen=True)
class AffineRecord:
    gamma: np.ndarray
    beta: np.ndarray


@dataclass(frozen=True)
class FullyConnected:
    weight: np.ndarray  # (out, in), as torch wants it
    bias: np.ndarray | None


@dataclass(frozen=True)
class Pool:
    kind: str  # "max_pool" or "avg_pool"
    window: tuple[int, int]  # (0, 0) pools the whole map
    stride: tuple[int, int]
    padding: tuple[int, int]


@dataclass(frozen=True)
class NoParameters:
    name: str  # relu_, add_prev_


def _split(params: np.ndarray, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    """Cut a flat parameter tensor into consecutive pieces of the given shapes."""
    flat = params.reshape(-1)
    sizes = [math.prod(shape) for shape in shapes]
    if sum(sizes) != flat.size:
        raise ValueError(f"Parameter block holds {flat.size} values, expected {sum(sizes)} for {shapes}.")
    pieces, start = [], 0
    for shape, size in zip(shapes, sizes):
        pieces.append(flat[start : start + size].reshape(shape))
        start += size
    return pieces


def _read_conv(reader: DlibReader, version: str) -> Conv:
    params = reader.tensor()
    reader.integer()  # num_filters, implied by the filter shape
    reader.integer(), reader.integer()  # kernel rows, cols, likewise
    stride = (reader.integer(), reader.integer())
    padding = (reader.integer(), reader.integer())
    filters_shape, bias_shape = reader.alias_shape(), reader.alias_shape()
    for _ in range(4):  # learning-rate and weight-decay multipliers
        reader.real()
    use_bias = reader.boolean() if version == "con_5" else True
    if not use_bias:
        bias_shape = (0,)
    weight, bias = _split(params, filters_shape, bias_shape)
    return Conv(weight, bias.reshape(-1), stride, padding)


def _read_affine(reader: DlibReader) -> AffineRecord:
    params = reader.tensor()
    gamma_shape, beta_shape = reader.alias_shape(), reader.alias_shape()
    reader.integer()  # mode; the shape check below is what matters
    if gamma_shape[0] != 1 or gamma_shape[2:] != (1, 1):
        raise ValueError(f"Expected a per-channel affine layer, found gamma of shape {gamma_shape}.")
    gamma, beta = _split(params, gamma_shape, beta_shape)
    return AffineRecord(gamma.reshape(-1), beta.reshape(-1))


def _read_fc(reader: DlibReader) -> FullyConnected:
    reader.integer(), reader.integer()  # outputs, inputs: implied by the weight shape
    params = reader.tensor()
    weight_shape, bias_shape = reader.alias_shape(), reader.alias_shape()
    has_bias = reader.integer() == 0  # dlib's FC_HAS_BIAS
    for _ in range(4):
        reader.real()
    weight, bias = _split(params, weight_shape, bias_shape if has_bias else (0,))
    # dlib computes x @ W with W stored (inputs, outputs); torch wants (outputs, inputs).
    weight = weight.reshape(weight_shape[0], -1).T
    return FullyConnected(np.ascontiguousarray(weight), bias.reshape(-1) if has_bias else None)


def _read_pool(reader: DlibReader, kind: str) -> Pool:
    window = (reader.integer(), reader.integer())
    stride = (reader.integer(), reader.integer())
    padding = (reader.integer(), reader.integer())
    return Pool(kind, window, stride, padding)


def _read_layer(reader: DlibReader):
    name = reader.string()
    if name in ("con_4", "con_5"):
        return _read_conv(reader, name)
    if name == "affine_":
        return _read_affine(reader)
    if name == "fc_2":
        return _read_fc(reader)
    if name in ("max_pool_2", "avg_pool_2"):
        return _read_pool(reader, name[: -len("_2")])
    if name in ("relu_", "add_prev_"):
        return NoParameters(name)
    raise ValueError(f"Unexpected dlib layer {name!r} at offset {reader.position}; is this the face ResNet?")


def _skip_layer_state(reader: DlibReader) -> None:
    """The training state add_layer keeps after each layer: three flags, three tensors."""
    for _ in range(3):
        reader.boolean()
    for _ in range(3):
        reader.tensor()


def _read_loss(reader: DlibReader) -> None:
    reader.expect_version(1, "loss layer")
    name = reader.string()
    if not name.startswith("loss_metric"):
        raise ValueError(f"Expected dlib's metric loss at the top of the file, found {name!r}.")
    reader.real(), reader.real()  # margin, distance threshold


def _read_input(reader: DlibReader) -> None:
    name = reader.string()
    if name != "input_rgb_image_sized":
        raise ValueError(f"Expected input_rgb_image_sized, found {name!r}.")
    means = tuple(reader.real() for _ in range(3))
    size = (reader.integer(), reader.integer())
    if not np.allclose(means, DLIB_MEAN_RGB, atol=1e-3) or size != (DLIB_INPUT_SIZE, DLIB_INPUT_SIZE):
        raise ValueError(f"Unexpected input layer: mean {means}, size {size}.")


def read_dlib_layers(data: bytes) -> list:
    """The layers of a serialised dlib metric net, input side first.

    dlib writes a net as nested records, outermost (nearest the loss) first: each
    add_layer writes its version, then its whole subnet, then its own details; tags and
    skips (version 1) write only the subnet; the layer on the input writes version 3.
    So the file is all the versions, then the input layer, then each layer's details in
    forward order.
    """
    if data.startswith(b"BZh"):
        raise ValueError("This dlib weights file is still bzip2-compressed; decompress it (bunzip2) first.")
    reader = DlibReader(data)
    _read_loss(reader)
    wrappers = []
    while (version := reader.integer()) != 3:
        if version not in (1, 2):
            raise ValueError(f"Unexpected dlib layer version {version} at offset {reader.position}.")
        wrappers.append(version)
    _read_input(reader)
    layers = [_read_layer(reader)]
    _skip_layer_state(reader)
    reader.integer()  # sample expansion factor, kept only by the layer on the input
    for version in reversed(wrappers):
        if version == 2:  # tags and skips (version 1) carry nothing of their own
            layers.append(_read_layer(reader))
            _skip_layer_state(reader)
    if not reader.at_end():
        raise ValueError(f"Unexpected data after the network, at offset {reader.position}.")
    return layers


# Pools as dlib's net has them: the stem's max pool, the four downsampling skips, the
# global average (window 0 means the whole map).
EXPECTED_POOLS = [Pool("max_pool", (3, 3), (2, 2), (0, 0))]
EXPECTED_POOLS += [Pool("avg_pool", (2, 2), (2, 2), (0, 0))] * 4
EXPECTED_POOLS += [Pool("avg_pool", (0, 0), (1, 1), (0, 0))]


def _parameter_modules(model: FaceResNet) -> list[tuple[str, nn.Module]]:
    """Conv, affine and linear modules in forward order (their registration order)."""
    kinds = (nn.Conv2d, Affine, nn.Linear)
    return [(name, module) for name, module in model.named_modules() if isinstance(module, kinds)]


def _tensors_for(name: str, module: nn.Module, layer) -> dict[str, np.ndarray]:
    if isinstance(module, nn.Conv2d) and isinstance(layer, Conv):
        if layer.stride != module.stride or layer.padding != module.padding:
            raise ValueError(
                f"{name}: dlib conv has stride {layer.stride}, padding {layer.padding}; "
                f"ours {module.stride}, {module.padding}."
            )
        return {f"{name}.weight": layer.weight, f"{name}.bias": layer.bias}
    if isinstance(module, Affine) and isinstance(layer, AffineRecord):
        return {f"{name}.weight": layer.gamma, f"{name}.bias": layer.beta}
    if isinstance(module, nn.Linear) and isinstance(layer, FullyConnected) and layer.bias is None:
        return {f"{name}.weight": layer.weight}
    raise ValueError(f"{name} ({type(module).__name__}) does not match dlib's {type(layer).__name__} at that place.")


def _check_complete(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    missing = sorted(expected.keys() - state.keys())
    extra = sorted(state.keys() - expected.keys())
    if missing or extra:
        raise ValueError(f"dlib weights do not fill FaceResNet: missing {missing}, unexpected {extra}.")
    for key, tensor in expected.items():
        if state[key].shape != tensor.shape:
            raise ValueError(
                f"{key}: dlib gives shape {tuple(state[key].shape)}, FaceResNet wants {tuple(tensor.shape)}."
            )


def read_dlib_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """A FaceResNet state_dict from dlib_face_recognition_resnet_model_v1.dat (uncompressed)."""
    layers = read_dlib_layers(Path(path).read_bytes())
    pools = [layer for layer in layers if isinstance(layer, Pool)]
    if pools != EXPECTED_POOLS:
        raise ValueError(f"dlib's pooling layers differ from FaceResNet's: {pools}.")
    with_parameters = [layer for layer in layers if isinstance(layer, Conv | AffineRecord | FullyConnected)]
    model = FaceResNet()
    modules = _parameter_modules(model)
    if len(with_parameters) != len(modules):
        raise ValueError(f"dlib's net has {len(with_parameters)} layers with weights, FaceResNet {len(modules)}.")
    state: dict[str, torch.Tensor] = {}
    for (name, module), layer in zip(modules, with_parameters):
        for key, array in _tensors_for(name, module, layer).items():
            if key in state:
                raise ValueError(f"{key} would be filled twice.")
            state[key] = torch.from_numpy(np.array(array, dtype=np.float32))
    _check_complete(state, model.state_dict())
    return state
