from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from scoring.images import ACCEPTED_TYPES
from scoring.labels import LABEL_MAX_LENGTH, clean_label
from scoring.numbers import pixel_count
from scoring.time_zones import time_zone_choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        # An empty file is refused by the upload's own checks, named and worded as any other bad file.
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ",".join(ACCEPTED_TYPES), "aria-describedby": "photos-limits"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files if item]
        if not cleaned:
            raise forms.ValidationError(gettext("Choose at least one photo."))
        return cleaned


def too_many_files_message(count: int) -> str:
    """What is said when more photos are chosen than one upload takes: the page's script says the
    same sentence (static/scoring/upload.js) when it takes the first ones itself."""
    return gettext(
        "You chose %(count)s photos: the first %(most)s are taken, as at most %(most)s go at a time. "
        "Send the rest afterwards."
    ) % {"count": count, "most": settings.PHOTO_MAX_FILES_PER_UPLOAD}


def upload_limits() -> str:
    """The upload form's limits in one sentence, from the settings that enforce them."""
    megabytes = settings.PHOTO_MAX_BYTES // (1024 * 1024)
    return gettext(
        "Up to %(files)d photos at a time, each at most %(megabytes)d MB and %(pixels)s. "
        "JPEG, PNG or WebP (not animated)."
    ) % {
        "files": settings.PHOTO_MAX_FILES_PER_UPLOAD,
        "megabytes": megabytes,
        "pixels": pixel_count(settings.PHOTO_MAX_PIXELS),
    }


class UploadForm(forms.Form):
    photos = MultipleFileField(label=gettext_lazy("Photos"), help_text=upload_limits)
    # Photos come from either of two inputs (the library or the camera): a `required` on the
    # first would stop a form sent without the script with the camera's photo alone. The server
    # refuses an empty upload in a sentence (MultipleFileField.clean).
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []  # sentences on what was left out of the upload, for the next page
        # The page's script checks files against the limits the server enforces, read here (not
        # restated in the script), so no byte of a file the server would refuse is sent.
        self.fields["photos"].widget.attrs.update(browser_limits())

    def clean_photos(self) -> list:
        """The first photos, as many as one upload takes; the rest are left out and said in `notes`."""
        chosen = self.cleaned_data["photos"]
        most = settings.PHOTO_MAX_FILES_PER_UPLOAD
        if len(chosen) > most:
            self.notes.append(too_many_files_message(len(chosen)))
        return chosen[:most]


def browser_limits() -> dict[str, str]:
    """The upload's limits as data attributes of its file inputs, for static/scoring/upload.js."""
    return {
        "data-max-bytes": str(settings.PHOTO_MAX_BYTES),
        "data-max-files": str(settings.PHOTO_MAX_FILES_PER_UPLOAD),
    }


class PhotoLabelForm(forms.Form):
    """A photo's new name, from its page: cleaned as a typed name is (a slash is kept)."""

    label = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=LABEL_MAX_LENGTH,
        help_text=gettext_lazy(
            "Only you and the staff who review uploads see it. It starts as the name of the file you uploaded."
        ),
        widget=forms.TextInput(attrs={"aria-describedby": "label-help", "autocomplete": "off"}),
    )

    def full_clean(self) -> None:
        super().full_clean()
        if self.errors:  # sent back: the page opens with the cursor, and the view, on the field
            self.fields["label"].widget.attrs["autofocus"] = True

    def clean_label(self) -> str:
        label = clean_label(self.cleaned_data["label"])
        if not label:
            raise forms.ValidationError(
                gettext("Give the photo a name: what was typed is only spaces or invisible characters."), code="blank"
            )
        return label


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=time_zone_choices,
        help_text=gettext_lazy("Every time on the pages and in your data's download is given in this zone."),
        error_messages={"invalid_choice": gettext_lazy("Pick a time zone from the list, such as Asia/Shanghai.")},
        widget=forms.Select(attrs={"aria-describedby": "time-zone-help"}),
    )


class AccountDeleteForm(forms.Form):
    """Deleting an account is for good: the password proves it is its owner at the keyboard."""

    password = forms.CharField(
        label=gettext_lazy("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your password; nothing was deleted."))
        return password


class SignInForm(LoginForm):
    """django-allauth's sign-in form with labels that say what to type ("Login" and "Remember Me" did not)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = gettext("Username or email")
        if "remember" in self.fields:  # absent when ACCOUNT_SESSION_REMEMBER decides for everyone
            self.fields["remember"].label = gettext("Keep me signed in on this device")


class SignUpForm(SignupForm):
    """django-allauth's sign-up form, which also says when the two passwords differ while the
    first is too weak (allauth compares them only once the first has passed its checks)."""

    def clean(self):
        typed = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        cleaned_data = super().clean()
        if all(typed) and typed[0] != typed[1] and "password2" not in self.errors:
            self.add_error("password2", gettext("You must type the same password each time."))
        return cleaned_data
