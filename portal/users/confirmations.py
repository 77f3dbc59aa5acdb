"""What the confirmation pages of the actions on a user say ({email}: the user's)."""

from __future__ import annotations

from portal.web.confirm import Confirmation

DEACTIVATE = Confirmation(
    title="Deactivate {email}",
    message="{email} will not be able to sign in, and every session they have ends now.",
    action="Deactivate",
    done="{email} was deactivated and signed out everywhere.",
    danger=True,
    typed="{email}",
)
REACTIVATE = Confirmation(
    title="Reactivate {email}",
    message="{email} will be able to sign in again with their password.",
    action="Reactivate",
    done="{email} was reactivated.",
)
UNLOCK = Confirmation(
    title="Unlock {email}",
    message="The lockout of {email} ends now and their failed sign-in count starts again "
    "from zero.",
    action="Unlock",
    done="{email} was unlocked.",
)
RESET_MFA = Confirmation(
    title="Reset MFA of {email}",
    message="The authenticator and recovery codes of {email} stop working and their sessions "
    "end; they set up MFA again at their next sign-in.",
    action="Reset MFA",
    done="The MFA of {email} was reset.",
    danger=True,
)
REVOKE_SESSIONS = Confirmation(
    title="Sign {email} out everywhere",
    message="Every session of {email} ends now (your own current session is kept).",
    action="End sessions",
    done="The sessions of {email} were ended.",
    danger=True,
)
REVOKE_ROLE = Confirmation(
    title="Revoke {role} from {email}",
    message="{email} loses the {role} role and its permissions from their next request.",
    action="Revoke {role}",
    done="{email} no longer holds the {role} role.",
    danger=True,
)
# Its POST shows the new link instead of flashing and going back.
PASSWORD_LINK = Confirmation(
    title="Set-password link for {email}",
    message="A new link lets {email} choose a password; any earlier unused link stops working.",
    action="Create link",
    done="",
)
