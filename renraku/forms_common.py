"""Form fields more than one app's pages use, below the apps that use them (they import no
app)."""

import datetime as dt

from django import forms
from django.utils import timezone

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class TokyoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_FORMAT)

    def format_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.get_default_timezone())
        return super().format_value(value)


class TokyoDateTimeField(forms.DateTimeField):
    """A datetime-local value, which has no zone, read as the ward's time (TIME_ZONE,
    Asia/Tokyo) whatever the browser's or the server's zone."""

    widget = TokyoDateTimeInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=[LOCAL_FORMAT, "%Y-%m-%d %H:%M"], **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            zone = timezone.get_default_timezone()
            for fmt in self.input_formats:
                try:
                    return dt.datetime.strptime(value.strip(), fmt).replace(tzinfo=zone)
                except ValueError:
                    continue
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
