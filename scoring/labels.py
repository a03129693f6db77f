"""A photo's label: the name its owner gave the file or typed, cleaned so it is safe to show."""

import posixpath
import unicodedata

LABEL_MAX_LENGTH = 120


def label_from_file_name(file_name: str | None) -> str:
    """An uploaded file's own name without its folders, cleaned. The extension stays: "IMG_0412.jpg"
    is how the owner knows the file."""
    # Browsers on Windows may send "C:\\Users\\me\\face.jpg"; either separator ends a folder.
    return clean_label(posixpath.basename(str(file_name or "").replace("\\", "/")))


def clean_label(raw: str | None) -> str:
    """A name as typed ("Mum/Dad at 60" keeps its slash): control and format characters gone,
    whitespace runs made one space, cut to LABEL_MAX_LENGTH. Only ever shown, never used to name
    anything stored (the export makes its own folder names: scoring.export_names)."""
    if not raw:
        return ""
    kept = []
    for char in str(raw):
        category = unicodedata.category(char)
        if category.startswith("Z") or char in "\t\n\r\v\f":
            kept.append(" ")
        elif category[0] != "C":  # Cc control, Cf format (bidi overrides), Cs, Co, Cn
            kept.append(char)
    label = " ".join("".join(kept).split())
    return label[:LABEL_MAX_LENGTH].rstrip()
