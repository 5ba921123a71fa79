from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Department, Section, Site, Staff
from .text import is_valid_phone, normalize_phone


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name (kanji or kana) or employee number"), required=False, max_length=50
    )
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.all()
    )
    site = forms.ModelChoiceField(label=_("Site"), required=False, queryset=Site.objects.all())


class StaffEditForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = [
            "section",
            "site",
            "work_email",
            "work_phone",
            "callup_level",
            "callup_site",
            "callup_team",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(
            department_id=self.instance.department_id
        )
        self.fields["callup_level"].empty_label = _("Only when all staff are called")

    def clean_work_phone(self):
        phone = normalize_phone(self.cleaned_data["work_phone"])
        if phone and not is_valid_phone(phone):
            raise forms.ValidationError(_("Enter a phone number such as 03-5432-1111."))
        return phone


class ImportForm(forms.Form):
    file = forms.FileField(label=_("HR CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[
            ("auto", _("Detect (UTF-8 or Shift_JIS)")),
            ("utf-8", "UTF-8"),
            ("cp932", _("Shift_JIS (CP932, from Excel)")),
        ],
        initial="auto",
    )

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
