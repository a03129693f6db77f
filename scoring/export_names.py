"""Folder names in the data export: each photo's name (its label), safe on any file system and
unique in the archive, so the unzipped folders read as the photos' names, not as ids."""

import posixpath
import unicodedata

# Characters Windows refuses in a name (the other systems refuse fewer: "/" and NUL).
UNSAFE_CHARACTERS = frozenset('<>:"/\\|?*')
# Names Windows keeps for devices, whatever extension follows ("con.txt" is the console too).
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}
)
# An uploaded file's extension says nothing about the folder (and "me.jpg/" reads as a file).
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jfif", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff"}
)
MAX_CHARACTERS = 60  # 180 bytes in UTF-8 at most (3 bytes a CJK character): under every system's 255


def safe_folder_name(label: str) -> str:
    """The label as a folder name: no character any file system refuses or treats specially, no
    reserved device name, no leading or trailing dot or space, at most MAX_CHARACTERS; "" when
    nothing of it is left."""
    name = unicodedata.normalize("NFC", label)
    stem, extension = posixpath.splitext(name)
    if extension.lower() in IMAGE_EXTENSIONS and stem.strip(" ."):
        name = stem
    kept = "".join(
        " " if char.isspace() else "_" if char in UNSAFE_CHARACTERS or unicodedata.category(char)[0] == "C" else char
        for char in name
    )
    name = " ".join(kept.split())[:MAX_CHARACTERS].strip(" .")
    if name.split(".")[0].strip().upper() in RESERVED_NAMES:
        name = f"_{name}"
    return name


class FolderNames:
    """Hands out unique folder names as the archive is written: a name already given (in any
    letter case, as Windows and macOS compare them) gets " (2)", " (3)"... appended."""

    def __init__(self) -> None:
        self._given: set[str] = set()

    def name(self, label: str, fallback: str) -> str:
        base = safe_folder_name(label) or safe_folder_name(fallback)
        name, number = base, 2
        while name.casefold() in self._given:
            name, number = f"{base} ({number})", number + 1
        self._given.add(name.casefold())
        return name
