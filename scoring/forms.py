from django import forms
from django.conf import settings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files if item]
        if not cleaned:
            raise forms.ValidationError("Choose at least one photo.")
        if len(cleaned) > settings.PHOTO_MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(f"Upload at most {settings.PHOTO_MAX_FILES_PER_UPLOAD} photos at a time.")
        return cleaned


class UploadForm(forms.Form):
    photos = MultipleFileField(label="Photos (JPEG, PNG or WebP, up to 10 MB each)")
