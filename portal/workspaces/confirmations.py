"""What the confirmation pages of the destructive workspace actions say."""

from __future__ import annotations

from portal.web.confirm import Confirmation

ARCHIVE = Confirmation(
    title="Archive {name}",
    message="{name} becomes read-only: nobody can change it, its members, models or reports "
    "until it is unarchived. Everything stays visible.",
    action="Archive",
    done="{name} was archived.",
    danger=True,
    typed="{slug}",
)
UNARCHIVE = Confirmation(
    title="Unarchive {name}",
    message="{name} can be changed again by its owner and members.",
    action="Unarchive",
    done="{name} was unarchived.",
)
REMOVE_MEMBER = Confirmation(
    title="Remove {email} from {name}",
    message="{email} loses access to {name} from their next request.",
    action="Remove",
    done="{email} was removed from {name}.",
    danger=True,
)
TRANSFER = Confirmation(
    title="Make {email} the owner of {name}",
    message="{email} will own and manage {name}; {owner} stays on as an editor and can no "
    "longer manage it.",
    action="Transfer ownership",
    done="{email} now owns {name}.",
    danger=True,
    typed="{email}",
)
