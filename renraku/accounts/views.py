import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.audit.actions import record

from .forms import SignInForm, TotpForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: show the secret as a QR code, confirm with one code."""
    user = request.user
    if user.totpdevice_set.filter(confirmed=True).exists():
        return redirect("accounts:two_factor_verify")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TotpForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        record("auth.two_factor_enrolled", request=request, target=f"user:{user.pk}")
        return redirect(_next_url(request))
    secret = base64.b32encode(device.bin_key).decode()
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret": secret,
            "qr_svg": buffer.getvalue().decode(),
            "next": _next_url(request),
        },
    )


@login_required
def two_factor_verify(request):
    device = request.user.totpdevice_set.filter(confirmed=True).first()
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TotpForm(request.POST or None, device=device)
    if request.method == "POST":
        if form.is_valid():
            otp_login(request, device)
            record("auth.two_factor_verified", request=request, target=f"user:{request.user.pk}")
            return redirect(_next_url(request))
        record("auth.two_factor_failed", request=request, target=f"user:{request.user.pk}")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
