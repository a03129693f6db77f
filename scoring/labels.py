"""A photo's label: the name its owner gave the file, cleaned so it is safe to show and never a path."""

import posixpath
import unicodedata

LABEL_MAX_LENGTH = 120


def clean_label(raw: str | None) -> str:
    """The file's own name without folders, its control and format characters gone, whitespace
    runs made one space, cut to LABEL_MAX_LENGTH. The extension stays: "IMG_0412.jpg" is how
    the owner knows the file. Only ever shown, never used to name anything stored."""
    if not raw:
        return ""
    # Browsers on Windows may send "C:\\Users\\me\\face.jpg"; either separator ends a folder.
    name = posixpath.basename(str(raw).replace("\\", "/"))
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("Z") or char in "\t\n\r\v\f":
            kept.append(" ")
        elif category[0] != "C":  # Cc control, Cf format (bidi overrides), Cs, Co, Cn
            kept.append(char)
    label = " ".join("".join(kept).split())
    return label[:LABEL_MAX_LENGTH].rstrip()
