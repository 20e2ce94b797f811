"""Everything that changes data. Functions here add and flush but never commit: the caller (a view or a
CLI command) commits once, so one request or one bank import is one transaction. Refusals are
:class:`~quizapp.domain.refusals.Refused` (re-exported here), each subclass named for what happened."""

from ..domain.refusals import Conflict, NotFound, Refused
from .accounts import (
    AccountDisabled,
    BadCredentials,
    InvalidAccountDetails,
    LastAdministrator,
    NameTaken,
    OwnAccount,
    SamePassword,
    Throttled,
    ThrottlePolicy,
    change_password,
    create_user,
    delete_account,
    disable_user,
    enable_user,
    log_in,
    log_out,
    register,
    set_password,
    set_role,
)
from .banks import (
    ImportResult,
    ImportStatus,
    find_unchanged_source,
    import_bank,
    import_bank_source,
    import_package,
    source_hash,
)
from .cards import record_quiz_outcome

__all__ = [
    "AccountDisabled",
    "BadCredentials",
    "Conflict",
    "ImportResult",
    "ImportStatus",
    "InvalidAccountDetails",
    "LastAdministrator",
    "NameTaken",
    "NotFound",
    "OwnAccount",
    "Refused",
    "SamePassword",
    "ThrottlePolicy",
    "Throttled",
    "change_password",
    "create_user",
    "delete_account",
    "disable_user",
    "enable_user",
    "find_unchanged_source",
    "import_bank",
    "import_bank_source",
    "import_package",
    "log_in",
    "log_out",
    "record_quiz_outcome",
    "register",
    "set_password",
    "set_role",
    "source_hash",
]
