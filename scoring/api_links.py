"""OpenAPI links: the id an upload answers with is the one its photo's GET and DELETE take.

A client (schemathesis's stateful runs among them) follows them from POST to the photo.
"""

PHOTO_ID = {"public_id": "$response.body#/id"}
LINKS = {"GetPhoto": "photos_retrieve", "DeletePhoto": "photos_destroy"}


def add_photo_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: links on the upload's 201."""
    created = result["paths"]["/api/photos/"]["post"]["responses"]["201"]
    created["links"] = {name: {"operationId": op, "parameters": PHOTO_ID} for name, op in LINKS.items()}
    return result
