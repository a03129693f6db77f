"""Every read of the app: what a user may see (always through `Photo.objects.visible_to`), with
what it needs preloaded. Services write; views and the API read through here.

- `photos`: a user's photos, one photo, a stored file's photo, a comparison's and an export's photos;
- `history`: the history page's filters, chart, tiles' live status and what is under review;
- `api_keys`: whether a key is current, when it was made;
- `review`: the staff's review queue, and an owner's own photo under review.
"""

from scoring.selectors.api_keys import api_key_created, api_key_is_current
from scoring.selectors.photos import (
    photo_for_file_name,
    photo_for_user,
    photo_list_for_user,
    photos_for_export,
    selected_photos,
)

__all__ = [
    "api_key_created",
    "api_key_is_current",
    "photo_for_file_name",
    "photo_for_user",
    "photo_list_for_user",
    "photos_for_export",
    "selected_photos",
]
