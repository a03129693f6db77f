"""`python -m ml convert-yunet`: YuNet's ONNX file, made ready for the worker's two runtimes (once; needs onnx).

- the PyTorch module's state dict (`ml.inference.yunet`), for GPU workers;
- the same ONNX graph with its input's height and width left open, for onnxruntime on the CPU.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ml.inference.face_detector import ANY_SIZE_PATH, DETECTOR_PATH
from ml.inference.yunet import WEIGHTS_PATH, YuNet


def convert_all(onnx_path: Path = DETECTOR_PATH) -> list[Path]:
    return [convert(onnx_path), any_size(onnx_path)]


def any_size(onnx_path: Path = DETECTOR_PATH, out: Path = ANY_SIZE_PATH) -> Path:
    """The graph with its input's height and width (and its outputs' cell counts) named, not fixed."""
    import onnx

    model = onnx.load(str(onnx_path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    for output in model.graph.output:
        output.type.tensor_type.shape.dim[1].dim_param = "cells"
    onnx.save(model, str(out))
    return out


def convert(onnx_path: Path = DETECTOR_PATH, out: Path = WEIGHTS_PATH) -> Path:
    """Assign the graph's convolutions, in its order, to the module's; save the state dict."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    tensors = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    convolutions = [node for node in graph.node if node.op_type == "Conv"]
    network = YuNet()
    targets = network.convolutions_in_graph_order()
    if len(targets) != len(convolutions):
        raise ValueError(f"{onnx_path} has {len(convolutions)} convolutions; YuNet has {len(targets)}")
    for node, conv in zip(convolutions, targets):
        weight, bias = (torch.from_numpy(tensors[name].copy()) for name in node.input[1:3])
        if weight.shape != conv.weight.shape:
            raise ValueError(f"{node.name or node.output[0]}: {tuple(weight.shape)} where {tuple(conv.weight.shape)}")
        conv.weight.data.copy_(weight)
        conv.bias.data.copy_(bias)
    torch.save(network.state_dict(), out)
    return out
