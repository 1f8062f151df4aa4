"""Every write to agencies, decisions, programmes, mergers and headcounts, one module a concern:

- `base`: one form of every text (NFC), counts, the version check of an edit, the acting user;
- `decisions`: the decision register;
- `agencies`: agencies and agency types (never two alike at the same time);
- `programmes`: merger programmes and the province figures a published source gives;
- `headcounts`: one record, a district's records on one date (all or none), plausibility warnings;
- `mergers`: planned, advanced, completed or cancelled;
- `districts`: a district's end, with its agencies;
- `access`: roles and district scopes.

Forms, the API, the admin and management commands all call these functions (through this
package: `from mergers import services`), so each rule is written once. Each service is atomic,
validates everything before it writes anything, and refuses with a ValidationError whose keys
name the offending field.
"""

# The errors and the bad-input rules every service raises and applies, from core.
from core.errors import MSG_STALE_VERSION, MergerStateConflict, StaleVersion
from core.validation import (
    MAX_HEADCOUNT,
    MSG_CONTROL_CHARACTER,
    MSG_DATE_OUT_OF_RANGE,
    MSG_TOO_LARGE,
    bad_input_errors,
    format_count,
)
from mergers.services.access import (
    ACCESS_PERMISSION,
    MSG_ACCESS_ADMIN_ONLY,
    MSG_ACCESS_BAD_ROLE,
    ROLES,
    user_access_set,
    user_role,
    user_scope,
)
from mergers.services.agencies import (
    AGENCY_EDITABLE_FIELDS,
    AGENCY_TYPE_EDITABLE_FIELDS,
    MSG_AGENCY_DUPLICATE,
    MSG_AGENCY_TYPE_CODE_FIXED,
    MSG_AGENCY_TYPE_IN_USE,
    MSG_ESTABLISHED_REQUIRED,
    agency_create,
    agency_type_create,
    agency_type_delete,
    agency_type_update,
    agency_update,
    duplicate_agency,
    duplicate_agency_error,
)
from mergers.services.base import MSG_NEGATIVE, count_errors, name_key, nfc, nfc_data
from mergers.services.decisions import (
    DECISION_EDITABLE_FIELDS,
    MSG_DECISION_AFTER,
    MSG_DECISION_DATE_AFTER_EVENTS,
    MSG_DECISION_DATE_NEEDED,
    MSG_DECISION_DATE_REQUIRED,
    MSG_DECISION_DISTRICT_FORBIDDEN,
    MSG_DECISION_DISTRICT_REQUIRED,
    MSG_DECISION_EXISTS,
    MSG_DECISION_NUMBER_REQUIRED,
    MSG_DECISION_UNDATED,
    MSG_SCAN_NOT_MATCHING,
    MSG_SCAN_TOO_LARGE,
    MSG_SCAN_TYPE,
    NO_NUMBER,
    SCAN_CONTENT_TYPES,
    SCAN_SIGNATURES,
    decision_create,
    decision_register,
    decision_update,
    guess_issuer,
    guess_kind,
    scan_errors,
    scan_max_bytes,
)
from mergers.services.districts import district_dissolve
from mergers.services.headcounts import (
    MEASURE_LABELS,
    MSG_ACTUAL_ABOVE_AUTHORISED,
    MSG_BIG_CHANGE,
    MSG_CONFIRM_WARNINGS,
    MSG_HEADCOUNT_EXISTS,
    MSG_HEADCOUNT_NO_FIGURE,
    MSG_HEADCOUNT_NO_ROWS,
    MSG_HEADCOUNT_NOT_ACTIVE,
    MSG_HEADCOUNT_ROW_OTHER_DISTRICT,
    MSG_HEADCOUNT_ROW_TWICE,
    MSG_SOURCE_REQUIRED,
    HeadcountWarnings,
    headcount_delete,
    headcount_record,
    headcount_record_many,
    headcount_update,
    headcount_warnings,
    refuse_unconfirmed,
    row_errors,
    validate_headcount_many,
)
from mergers.services.mergers import (
    MSG_ALREADY_COMPLETED,
    MSG_CANCELLED,
    MSG_DISTRICT_NOT_ACTIVE,
    MSG_EFFECTIVE_BEFORE_DECISION,
    MSG_MERGER_EXISTS,
    MSG_RESULT_IS_SOURCE,
    MSG_RESULT_NAME_AND_AGENCY,
    MSG_RESULT_NOT_ACTIVE,
    MSG_RESULT_OTHER_DISTRICT,
    MSG_SOURCE_IN_OTHER_MERGER,
    MSG_SOURCE_NOT_ACTIVE,
    MSG_SOURCE_OTHER_DISTRICT,
    MSG_SOURCE_WRONG_TYPE,
    MSG_STAGE_DATE_BEFORE_LAST,
    MSG_STAGE_NOT_FORWARD,
    MSG_STAGE_NOT_IN_PROGRAMME,
    MSG_STAGE_SKIP_NEEDS_REASON,
    MSG_STAGE_USE_OPERATION,
    MSG_TOO_FEW_SOURCES,
    Completion,
    default_result_name,
    merger_advance,
    merger_cancel,
    merger_complete,
    merger_create,
    merger_create_errors,
    stage_rule,
    validate_merger_complete,
)
from mergers.services.programmes import (
    MSG_STAGES_END,
    MSG_STAGES_ORDER,
    MSG_STAGES_UNKNOWN,
    PROGRAMME_EDITABLE_FIELDS,
    programme_create,
    programme_update,
    published_aggregate_create,
)
