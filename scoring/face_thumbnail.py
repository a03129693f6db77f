"""The part of a photo a history card shows: its largest face with some room around it.

No crop is stored: the card draws the photo through an SVG whose viewBox is this square, so
the face shows without another file per photo (and without a style attribute, which the CSP
refuses).
"""

from scoring.models import Photo

ROOM = 0.35  # of the face box's larger side, added on each side: hair and chin stay in view


def face_view_box(photo: Photo) -> str:
    """The square "x y size size" around the largest face, inside the photo; "" without a face."""
    face = photo.top_face
    if face is None or not (photo.width and photo.height):
        return ""
    side = min(round(max(face.w, face.h) * (1 + 2 * ROOM)), photo.width, photo.height)
    centre_x, centre_y = face.x + face.w / 2, face.y + face.h / 2
    left = min(max(round(centre_x - side / 2), 0), photo.width - side)
    top = min(max(round(centre_y - side / 2), 0), photo.height - side)
    return f"{left} {top} {side} {side}"
