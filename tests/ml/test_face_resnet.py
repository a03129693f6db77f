import math
import struct

import numpy as np
import pytest
import torch

from ml.models.face_resnet import DLIB_INPUT_SIZE, DLIB_MEAN_RGB, FaceResNet, add_zero_padded
from ml.training.dlib_weights import DlibReader, read_dlib_weights


def dlib_int(value: int) -> bytes:
    """dlib's integer encoding, written out to build test files by hand."""
    magnitude = abs(value)
    body = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "little")
    return bytes([len(body) | (0x80 if value < 0 else 0)]) + body


def dlib_string(text: str) -> bytes:
    return dlib_int(len(text)) + text.encode()


# ----------------------------------------------------------------------------- primitives


@pytest.mark.parametrize(
    ("encoded", "value"),
    [
        (b"\x00", 0),
        (b"\x01\x02", 2),
        (b"\x02\x2c\x01", 300),  # 300 = 0x012c, little-endian
        (b"\x81\x1c", -28),  # bit 7 of the control byte makes it negative
        (b"\x82\x2c\x01", -300),
        (b"\x08\xff\xff\xff\xff\xff\xff\xff\x7f", 2**63 - 1),
    ],
)
def test_it_decodes_dlib_integers(encoded, value):
    reader = DlibReader(encoded)
    assert reader.integer() == value
    assert reader.at_end()


def test_it_decodes_dlib_floats_as_mantissa_times_a_power_of_two():
    # The metric loss's margin in the real file: mantissa 0xa3d70a, exponent -28.
    reader = DlibReader(b"\x03\x0a\xd7\xa3\x81\x1c" + b"\x01\x10\x81\x04")
    assert reader.real() == math.ldexp(0xA3D70A, -28) == pytest.approx(0.04)
    assert reader.real() == 1.0  # 16 * 2**-4


def test_it_decodes_booleans_written_as_ascii_digits():
    reader = DlibReader(b"10")
    assert reader.boolean() is True
    assert reader.boolean() is False
    with pytest.raises(ValueError, match="Bad boolean"):
        DlibReader(b"\x01").boolean()


def test_it_decodes_a_tensor_as_shape_then_raw_little_endian_floats():
    encoded = b"\x01\x02" + b"\x01\x01\x01\x02\x01\x01\x01\x01" + struct.pack("<2f", 1.5, -2.0)
    tensor = DlibReader(encoded).tensor()
    assert tensor.shape == (1, 2, 1, 1)
    assert tensor.reshape(-1).tolist() == [1.5, -2.0]


def test_running_out_of_bytes_is_a_value_error_not_an_index_error():
    with pytest.raises(ValueError, match="ends early"):
        DlibReader(b"\x02\x2c").integer()


# ----------------------------------------------------------------------------- the file reader


def truncated_model_file() -> bytes:
    """The first records of a real-format file, cut off inside the first conv's weights."""
    loss = dlib_int(1) + dlib_string("loss_metric_2") + dlib_int(0xA3D70A) + dlib_int(-28) + dlib_int(1) + dlib_int(0)
    wrappers = dlib_int(2) + dlib_int(1) + dlib_int(3)
    means = b"".join(dlib_int(round(mean * 2**17)) + dlib_int(-17) for mean in DLIB_MEAN_RGB)
    input_layer = dlib_string("input_rgb_image_sized") + means + dlib_int(150) + dlib_int(150)
    conv_start = (
        dlib_string("con_4") + dlib_int(2) + dlib_int(4736) + dlib_int(1) * 3 + struct.pack("<3f", 0.1, 0.2, 0.3)
    )
    return loss + wrappers + input_layer + conv_start


def test_a_truncated_weights_file_raises_value_error(tmp_path):
    path = tmp_path / "model.dat"
    path.write_bytes(truncated_model_file())
    with pytest.raises(ValueError, match="ends early"):
        read_dlib_weights(path)


def test_every_cut_of_the_file_raises_value_error(tmp_path):
    data = truncated_model_file()
    path = tmp_path / "model.dat"
    for cut in range(len(data)):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError):
            read_dlib_weights(path)


def test_a_file_that_is_not_a_metric_net_is_refused(tmp_path):
    path = tmp_path / "detector.dat"
    path.write_bytes(dlib_int(1) + dlib_string("loss_mmod_") + b"\x00" * 16)
    with pytest.raises(ValueError, match="metric loss"):
        read_dlib_weights(path)


def test_a_still_compressed_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "model.dat.bz2"
    path.write_bytes(b"BZh91AY&SY" + b"\x00" * 32)
    with pytest.raises(ValueError, match="bunzip2"):
        read_dlib_weights(path)


def test_an_empty_file_raises_value_error(tmp_path):
    path = tmp_path / "empty.dat"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        read_dlib_weights(path)


# ----------------------------------------------------------------------------- the network


def test_the_network_maps_a_dlib_chip_to_a_128_d_embedding():
    model = FaceResNet().eval()
    with torch.no_grad():
        out = model(torch.zeros(2, 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE))
    assert out.shape == (2, 128)
    assert model.embedding_size == 128


def test_stage_sizes_follow_dlibs_unpadded_strided_layers():
    model = FaceResNet().eval()
    x = torch.zeros(1, 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE)
    sizes = {}
    with torch.no_grad():
        x = model.stem(x)
        sizes["stem"] = tuple(x.shape[1:])
        for name in ("stage1", "stage2", "stage3", "stage4", "stage5"):
            x = getattr(model, name)(x)
            sizes[name] = tuple(x.shape[1:])
    assert sizes == {
        "stem": (32, 35, 35),
        "stage1": (32, 35, 35),
        "stage2": (64, 17, 17),
        "stage3": (128, 8, 8),
        "stage4": (256, 4, 4),  # the 2x2 pool's 4x4 wins over the stride-2 conv's 3x3
        "stage5": (256, 2, 2),
    }


def test_the_network_has_dlibs_parameter_count_and_all_of_it_trains():
    model = FaceResNet()
    assert sum(p.numel() for p in model.parameters()) == 5_614_592
    assert all(p.requires_grad for p in model.parameters())


def test_add_zero_padded_aligns_the_smaller_tensor_at_index_zero():
    big = torch.ones(1, 2, 3, 3)
    small = torch.full((1, 1, 2, 2), 5.0)
    total = add_zero_padded(big, small)
    expected = np.ones((1, 2, 3, 3), dtype=np.float32)
    expected[0, 0, :2, :2] += 5
    assert np.array_equal(total.numpy(), expected)
    assert np.array_equal(add_zero_padded(small, big).numpy(), expected)
