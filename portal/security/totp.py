"""TOTP (RFC 6238) helpers over pyotp: 160-bit secrets, SHA-1, 6 digits, 30 s, ±1 step."""

from __future__ import annotations

import pyotp
import pyotp.exceptions
import segno

ISSUER = "OmniScope"
DIGITS = 6
INTERVAL = 30
VALID_WINDOW = 1


def generate_secret() -> str:
    """A fresh 32-character base32 secret (160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """An inline SVG QR code of ``uri`` (no external request, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="TOTP QR code")


def matching_timestep(secret: str, code: str) -> int | None:
    """The time-step ``code`` is valid for (now ±1 step), or None.

    The caller stores the step and refuses any step not greater than the last accepted
    one: pyotp's plain ``verify`` would accept the same code twice.
    """
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    try:
        return totp.verify_and_get_timecode(code, valid_window=VALID_WINDOW)
    except pyotp.exceptions.OTPVerificationError:
        return None
