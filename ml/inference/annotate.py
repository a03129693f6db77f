"""Draw face boxes and scores on a photo."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.inference.score_format import score_text

BOX_COLOUR = (255, 196, 0)
TEXT_COLOUR = (20, 20, 20)


def box_label(number: int, score: float) -> str:
    """What a face's box says: its number and its score, rounded as every page rounds it."""
    return f"#{number} {score_text(score)}"


def annotate(rgb: np.ndarray, boxes_and_scores: list[tuple[tuple[int, int, int, int], float]]) -> Image.Image:
    """A copy of the photo with each face's box and score (numbered largest first)."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 300))
    font = ImageFont.load_default(size=max(12, round(max(image.size) / 30)))
    for number, ((x, y, w, h), score) in enumerate(boxes_and_scores, start=1):
        draw.rectangle([x, y, x + w, y + h], outline=BOX_COLOUR, width=line)
        label = box_label(number, score)
        left, top, right, bottom = draw.textbbox((x, y), label, font=font)
        label_top = max(0, y - (bottom - top) - 2 * line)
        draw.rectangle(
            [x, label_top, x + (right - left) + 2 * line, label_top + (bottom - top) + 2 * line], fill=BOX_COLOUR
        )
        draw.text((x + line, label_top + line - (top - y)), label, fill=TEXT_COLOUR, font=font)
    return image
