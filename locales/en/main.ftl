## Frame
app-name = Member Center
skip-to-content = Skip to content
switch-project = Switch project
user-menu = Account menu
nav-overview = Overview
nav-language = Language
nav-sign-out = Sign out
back-home = Back to the overview
cancel = Cancel
confirm = Confirm
close = Close

## Sign-in
signin-title = Sign in
signin-intro = Sign in to manage your projects, API keys and quotas.
signin-submit = Sign in
signin-failed = The username or password is incorrect, or the account is locked. If it is locked, contact support.
signin-throttled = Too many sign-in attempts from here. Try again in { $seconds } seconds.
field-username = Username
field-password = Password

## Projects
overview-title = Overview
welcome = Welcome, { $name }.
no-projects = You are not a member of any project yet. Ask your project's tenant admin to add you.
your-projects = Your projects
project-current = Current
project-switch = Switch
project-switch-to = Switch to { $project }
project-code = Project code
project-name = Project name
project-role = Your role
project-status = Status
project-period = Period
project-status-active = Active
project-status-suspended = Suspended
project-status-closed = Closed
role-tenant-admin = Tenant admin
role-tenant-user = Tenant user
switched-project = You are now working in { $project }.

## Errors
error-id = Error ID
error-title-400 = The request could not be handled
error-title-403 = Not allowed
error-title-404 = Not found
error-title-409 = Already exists
error-title-500 = Something went wrong
error-title-503 = Briefly unavailable
error-not-found = There is nothing here, or you do not have access to it.
error-forbidden = You are not allowed to do this.
error-unauthenticated = Please sign in first.
error-csrf = This form has expired. Reload the page and try again.
error-internal = Something went wrong on our side.
error-internal-id = Something went wrong on our side. Error ID: { $id }
error-unavailable = The portal cannot reach its database just now (it may be switching to a standby). Nothing was changed; try again in a few seconds.
error-bad-form = The form could not be read. Reload the page and try again.
error-bad-query = The address has a parameter that could not be read.
error-bad-language = That language is not available.
error-no-project = Choose a project first: you are not a member of any project yet.
account-exists = An account with this username or email already exists.
project-exists = A project with this code already exists.
member-exists = This account is already a member of the project.

## Validation
invalid-username = Use 3 to 32 lowercase letters, digits, dots, dashes or underscores, starting with a letter.
invalid-email = Enter a valid email address, like name@example.org.
invalid-display-name = Enter a name of 1 to 100 characters.
password-too-short = Use at least 12 characters.
password-too-long = Use at most 1024 characters.
password-is-username = The password must not be the username.
invalid-project-code = Use 3 to 20 letters and digits, like MST110001.
invalid-project-name = Enter a name of 1 to 100 characters.

## Generic
optional = optional
edit = Edit
done = Done
copy = Copy
copied = Copied
# Between a label and its value ("Language: English").
colon = {": "}
reveal = Reveal
hide = Hide
actions = Actions
pages = Pages
page-previous = Previous
page-next = Next
page-of = Page { $page }
nav-api-keys = API Key

## API keys
keys-title = API Keys
keys-intro = Keys let the cloud's services and command-line tools act as you in this project. You may hold up to { $max } keys per project.
keys-empty = You have no API keys in this project yet. Create one to call the cloud's APIs.
keys-count = { $count ->
    [one] One key
   *[other] { $count } keys
}
keys-select = Select
keys-delete = Delete
key-select = Select key { $key }
key-menu = Actions for key { $key }
key-create = Create API Key
key-create-intro = The key will be shown once, right after it is created. Store it somewhere safe.
key-id = Key ID
key-name = Name
key-secret = Key
key-project = Project
key-created = Created
key-expires = Expires
key-status = Status
key-last-used = Last used
key-never-used = Never
key-status-active = Active
key-status-expired = Expired
key-status-expires-in = { $days ->
    [one] Expires in 1 day
   *[other] Expires in { $days } days
}
key-validity = Valid for (days)
key-validity-help = A whole number of days from 1 to { $max }.
key-created-title = Your new API key
key-created-warning = Copy this key now. It will not be shown again.
key-secret-of = The secret of “{ $name }”
key-created-expires = Valid until { $time }.
key-edit-title = Edit API key
key-edit-name-expiry = Name and expiry
key-extend = Extend by (days)
key-extend-help = A whole number from 1 to 365, added to the current expiry (or to now, for an expired key). Leave it empty to only rename the key.
key-updated = Key { $key } saved.
key-name-invalid = Use at most 64 characters, without control characters.
key-limit = You already hold { $max } keys in this project, the most allowed. Delete one first.
key-too-long = A key may be valid for at most { $days } days from now, until { $latest }.
days-invalid = Enter a whole number of days from 1 to { $max }.
keys-delete-title = Delete API keys
keys-delete-intro = { $count ->
    [one] This key will be deleted:
   *[other] These { $count } keys will be deleted:
}
keys-delete-warning = Deletion cannot be undone. Services using these keys will stop working at once.
keys-delete-confirm = Delete for good
keys-deleted = { $count ->
    [one] One key deleted.
   *[other] { $count } keys deleted.
}
keys-none-selected = Select at least one key first.
keys-filter-status = Status
keys-filter-all = All keys
keys-filter-expires-soon = Expiring soon
keys-sort = Sort by
keys-sort-created = Newest first
keys-sort-expires = Expiring first
keys-sort-last-used = Recently used
keys-filter-apply = Show
keys-none-match = No keys match this filter.
keys-select-all = Select all keys on this page
keys-expiring-banner = { $count ->
    [one] One of your API keys expires within 7 days.
   *[other] { $count } of your API keys expire within 7 days.
}
keys-review = Review keys

## JSON API
api-missing-key = Send your API key in the x-api-key header.
api-invalid-key = This API key is invalid.
api-expired-key = This API key has expired. Extend it on the API Key page.
api-key-disabled = This API key is disabled: the account is locked or no longer a member of the project.

## Quotas
nav-quota = Quota
quota-title = Quota Management
quota-intro = Usage and quotas of the project and of each member. Click a member to edit their quota.
quota-service-menu = Service Usage/Quota
quota-project-usage = Project usage / quota: { $service }
quota-members = Members
quota-members-help = A member without a quota of their own may use up to the project's quota.
quota-unlimited = no limit
quota-usage-no-limit = { $usage } · no limit
quota-usage-project-bound = { $usage } · up to the project's quota
quota-unlimited-note = No limit is set for this resource.
quota-over = Over quota: new allocations are refused until usage falls.
quota-unknown-service = Unknown service: choose Container Compute or Virtual Compute.
quota-edit-title = Edit Quota
quota-edit-help = Enter a whole number, or leave empty (or -1) for unlimited — a member is always held to the project's quota too.
quota-field-help = In use now: { $usage }.
quota-project-limit = Project quota: { $limit }.
quota-invalid = Enter a whole number from -1 (no limit) to { $max }; leave it empty for no limit.
quota-above-project = This is more than the project's quota of { $resource ->
    [cpu] { $limit ->
        [one] 1 core
       *[other] { $limit } cores
    }
    [gpu] { $limit ->
        [one] 1 GPU
       *[other] { $limit } GPUs
    }
    [memory] { $limit } GiB
   *[floating_ip] { $limit ->
        [one] 1 IP
       *[other] { $limit } IPs
    }
}.
quota-saved = Quota of { $name } saved.
quota-below-usage = The new quota is below current usage: existing allocations stay, new ones will be refused.
member-name = Name
service-ccs = Container Compute
service-vcs = Virtual Compute
service-hpc = HPC
service-cos = Cloud Object Storage
service-registry = Container Registry
resource-cpu = CPU
resource-gpu = GPU
resource-memory = Memory
resource-floating-ip = Floating IPs
unit-cores = { $n ->
    [one] 1 core
   *[other] { $n } cores
}
unit-gpus = { $n ->
    [one] 1 GPU
   *[other] { $n } GPUs
}
unit-gib = { $n } GiB
unit-ips = { $n ->
    [one] 1 IP
   *[other] { $n } IPs
}
api-body-not-json = The body must be a JSON object.
api-service-unknown = Unknown service: use ccs, vcs or hpc.
api-resources-missing = Give at least one resource in "resources", for example "cpu": 4.
api-resource-unknown = This service has no such resource.
api-amount-invalid = Give a whole number from 0 to { $max }.
api-idempotency-key = Give an idempotency_key of 1 to 128 characters.
api-service-not-permitted = This member may not use this service in the project.
api-quota-exceeded = Not enough quota: see details.

## Account & Project
nav-account = Account & Project
nav-permissions = Permissions
nav-support = Support
account-title = Account & Project
tab-overview = Overview
tab-members = Members
tab-profile = Profile
tab-password = Password
overview-my-usage = My usage / quota
save = Save
search = Search
member-role = Role
member-since = Member since
member-you = you
member-role-of = Role of { $name }
member-remove = Remove
member-remove-title = Remove member
member-remove-intro = Remove { $name } from this project?
member-remove-warning = Their API keys and object storage key pair for this project are deleted, their member quotas are removed, and what is left in their sub-wallet returns to the project wallet. This cannot be undone.
member-removed = { $name } was removed from the project.
member-add-title = Add a member
member-add = Add member
member-identifier = Username or email
member-unknown = No account has this username or email.
member-added = { $name } was added to the project.
member-role-invalid = Choose tenant admin or tenant user.
member-role-changed = { $name } is now { $role }.
member-last-admin = A project must keep at least one tenant admin: make someone else a tenant admin first.
profile-name = Display name
profile-email = Email
profile-phone = Phone
profile-language = Preferred language
profile-time-zone = Time zone
profile-time-zone-help = Times are shown in this zone, for example Asia/Taipei.
profile-saved = Your profile was saved.
email-taken = Another account already uses this email.
invalid-phone = Use at most 32 digits, spaces and + - ( ).
invalid-time-zone = Enter a time zone name like Asia/Taipei or Europe/Berlin.
password-intro = Changing your password signs out every other session of your account.
password-current = Current password
password-new = New password
password-confirm = New password, again
password-submit = Change password
password-current-wrong = The current password is not correct.
password-same = The new password must differ from the current one.
password-mismatch = The two new passwords do not match.
password-changed = Your password was changed. Your other sessions were signed out.
reset-title = Set a new password
reset-intro = Choose a new password for { $username }. This link works once.
reset-submit = Set password
reset-invalid = This reset link is not valid: it may have been used already or have expired. Ask support for a new one.
reset-done = Your password was set. Sign in with it.
issue-reset-title = Password reset link
issue-reset-intro = Issue a one-time link with which a person sets a new password. It is valid for 24 hours and works once.
issue-reset-submit = Issue link
issue-reset-once = Hand this link over now: it is not shown again.
issue-reset-link = Reset link for { $username }
support-reason = Reason
support-reason-help = Why you are doing this, for the record (at least 10 characters).
reason-invalid = Write a reason of 10 to 500 characters.
account-unknown = There is no account with this username.
permissions-title = Tenant Management Permissions
permissions-intro-admin = The services each member of this project may use. Click a member to change them.
permissions-intro-user = The services you may use in this project. Only a tenant admin can change them.
permissions-search = Search by name, username or email
permissions-none-found = No member matches this search.
permissions-services = Services
permissions-none = No services
permissions-dialog-title = Permissions
permissions-read-only = Only a tenant admin can change permissions.
permissions-saved = Permissions of { $name } saved.
permissions-losing-own = You are about to take from yourself: { $services }. You will no longer be able to use them in this project, and only another tenant admin can give them back.
permissions-losing-confirm = Take them from me
permissions-unknown-service = Unknown service.

## Wallets, usage, orders
tab-wallet = Wallet
tab-usage = Usage
tab-orders = Orders
credits = { $amount } credits
credits-invalid = Enter an amount like 100 or 82.5000: not negative, at most four decimals.
wallet-balances = Balances
wallet-parent = Project wallet
wallet-sub-of = Sub-wallet of { $name }
wallet-negative-note = The balance is negative: new allocations are refused until it is topped up.
wallet-sub-open-title = Give a member a sub-wallet
wallet-sub-open = Create sub-wallet
wallet-sub-all-have = Every member already has a sub-wallet.
wallet-sub-opened = { $name } now has a sub-wallet.
wallet-sub-exists = This member already has a sub-wallet.
wallet-sub-remove = Remove sub-wallet
wallet-sub-remove-intro = Remove the sub-wallet of { $name }? Their usage will be charged to the project wallet again.
wallet-sub-remove-returns = Its balance of { $amount } credits returns to the project wallet.
wallet-sub-closed = The sub-wallet of { $name } was removed; { $amount } credits returned to the project wallet.
wallet-transfer-title = Move credit
wallet-transfer-none = Give a member a sub-wallet first.
wallet-transfer = Move credit
wallet-member = Member
wallet-direction = Direction
wallet-to-sub = Project wallet → sub-wallet
wallet-to-parent = Sub-wallet → project wallet
wallet-amount = Amount (credits)
wallet-amount-help = Up to four decimals, for example 250 or 12.5000.
wallet-insufficient = There is not that much to move: { $available } credits are available.
wallet-direction-invalid = Choose which way to move the credit.
wallet-moved = Moved { $amount } credits for { $name }.
wallet-ledger = Ledger
wallet-ledger-empty = No ledger rows match.
wallet-ledger-empty-user = You have no sub-wallet in this project, so there are no ledger rows of yours to show.
ledger-count = { $count ->
    [one] One row
   *[other] { $count } rows
}
ledger-number = No.
ledger-time = Time
ledger-service = Service
ledger-actor = Actor
ledger-type = Type
ledger-wallet = Wallet
ledger-before = Balance before
ledger-amount = Amount
ledger-after = Balance after
ledger-detail = Detail
ledger-detail-to-sub = From the project's wallet to { $member }'s sub-wallet
ledger-detail-to-parent = From { $member }'s sub-wallet to the project's wallet
ledger-detail-sub-removed = What was left in { $member }'s sub-wallet, back to the project's wallet when it was removed
ledger-detail-order = Order { $number }
ledger-detail-usage = { $resource }: { $hours } h × { $rate } credits/h
ledger-credit = Credit
ledger-debit = Debit
ledger-transfer = Transfer
ledger-reversal = Reversal
filter-from = From
filter-to = To
filter-everyone = Everyone
filter-apply = Apply
export-csv = Export CSV
date-invalid = Enter a date like 2026-11-29.
date-placeholder = YYYY-MM-DD
date-range-invalid = The end date must not be before the start date.
usage-intro-admin = Metered usage of every member, per service, in the chosen period.
usage-intro-user = Your metered usage, per service, in the chosen period.
usage-empty = No usage was reported in this period.
usage-reports = Reports
usage-hours = Hours
usage-total = Total
orders-empty = This project has no orders yet.
order-number = Order number
order-date = Date
order-note = Note
order-quotation = Quotation
order-paid = Paid
order-credited = Credited
order-cancelled = Cancelled
order-exists = An order with this number already exists.
order-step-invalid = An order that is { $from } cannot become { $to }.
api-usage-service = Unknown service: use ccs, vcs, hpc, cos or registry.
api-text-field = Give a text of 1 to 128 characters.
api-seconds = Give whole seconds from 0 to 2678400 (31 days).
api-wallet-negative = The wallet balance is negative: top it up before new allocations.
order-number-invalid = Use 1 to 40 letters, digits, dashes, underscores or slashes.

## Activity
nav-activity = Activity
activity-title = Activity
activity-intro-admin = Every API call and portal change in this project. Secrets never appear here.
activity-intro-user = Your API calls in this project and the changes you made or that concern you.
activity-api = API calls
activity-changes = Portal changes
activity-kind = Kind of action
activity-kind-all = All kinds
activity-kind-key = API keys
activity-kind-quota = Quotas
activity-kind-member = Members and permissions
activity-kind-wallet = Wallets
activity-kind-order = Orders
activity-kind-account = Accounts
activity-kind-project = Projects
activity-kind-support = Support actions
activity-kind-slurm = HPC cluster (Slurm)
activity-kind-invalid = Choose a kind of action from the list.
activity-empty = No activity matches.
activity-action = Action
activity-target = Target
activity-before-after = Before → after
activity-request = Request
activity-status = Status
activity-latency = Latency
activity-system = system

## Support
support-title = Support
support-intro = Find any account by username, email, name, key ID or the first 8 characters of a key.
support-search = Username, email, name, key or project code
support-none-found = No account matches.
support-read-only = Opening this page is recorded, and the account's owner can see that. Each action below needs a written reason and is recorded too.
support-lock = Lock account
support-unlock = Unlock account
support-locked = { $username } is locked: they cannot sign in and their keys are refused.
support-unlocked = { $username } is unlocked.
support-revoke = Revoke
support-revoked = Revoked
support-key-revoked = Key { $key } was revoked.
support-no-projects = Not a member of any project.
support-statement = The project's monthly statement
support-no-keys = No API keys.
support-sub-wallet = Their sub-wallet
support-recent = Recent activity
account-locked = Locked
account-active = Active

## Operator
nav-operator = Operator
operator-title = Operator console
operator-intro = Create accounts and projects, set platform roles and project quotas, and record orders. Every action is recorded.
operator-create-account = Create account
operator-first-password = First-password link for { $username }
operator-platform-role = Platform role
operator-set-role = Set platform role
operator-role-set = The platform role of { $username } was set.
operator-role-of = Platform role of { $username }
operator-create-project = Create project
operator-project-created = Project { $code } was created.
operator-starts = First day (YYYY-MM-DD, default today)
operator-ends = Last day (YYYY-MM-DD, default in a year)
operator-add-member = Add a tenant admin or member
operator-member-added = { $username } was added to { $project }.
operator-set-quota = Set project quota
operator-quota-help = Leave a field empty to keep it; -1 means unlimited.
operator-quota-set = The quota of { $project } was set.
operator-add-order = Record order
operator-order-added = Order { $number } was recorded as a quotation.
operator-order-advanced = Order { $number } was updated.
operator-order-pay = Mark paid
operator-order-credit = Credit
operator-order-cancel = Cancel
platform-role-none = None
platform-role-support = Support
platform-role-operator = Operator
platform-role-invalid = Choose none, support or operator.
project-unknown = There is no project with this code.
quota-none-given = Give at least one of CPU, GPU, memory or floating IPs.
order-step-unknown = Choose paid, credited or cancelled.
support-projects = Projects and roles
twcc-host-mismatch = The x-api-host header does not name this cluster.

# Security hardening
support-outranked = This account's platform role is equal to or higher than yours, so you cannot lock it, revoke its keys or issue it a reset link. Operators are managed from the command line.
api-rate-too-high = Give a rate of at most 1,000,000 credits an hour.
api-usage-too-large = This usage is too large to debit.
wallet-out-of-range = This would take the balance beyond what a wallet can hold; nothing was changed.
error-title-413 = Too large
error-title-414 = Address too long
error-title-429 = Too many attempts
error-too-large = What was sent is too large. Send less at a time.
error-uri-too-long = The address of this request is too long. Shorten the search or filter and try again.
links-need-public-url = Links cannot be issued: the portal does not know its public address. Whoever runs the portal sets it (its public URL, e.g. https://portal.example.org) and restarts it.
object-storage-title = Object storage keys
object-storage-intro = Key pairs for Cloud Object Storage in this project. Rotating a pair replaces it: the old pair stops working at once.
object-storage-not-permitted = You may not use Cloud Object Storage in this project. A tenant admin can give you the permission.
object-storage-yours = Your key pair
object-storage-access-key = Access key
object-storage-secret-key = Secret key
object-storage-show-secret = Show the secret key
object-storage-none = You have no key pair in this project yet.
object-storage-make = Make a key pair
object-storage-rotate = Rotate
object-storage-rotate-of = Rotate the key pair of { $name }
object-storage-members = Members' key pairs
object-storage-members-none = No member has a key pair in this project.
object-storage-rotated-own = Your object storage key pair is new. The old one no longer works.
object-storage-rotated = The object storage key pair of { $name } is new. The old one no longer works.
member-remove-release = Also release their live allocations ({ $count }). Otherwise they stay counted until you release them on the Quota page.
quota-live-allocations = Live allocations
quota-no-live-allocations = No allocation of this service is live.
quota-live-allocations-help = { $count } live in all, newest first. Release one that its service no longer holds (for example a removed member's): its resources stop counting at once.
quota-allocation-resources = Resources
quota-release = Release
quota-release-of = Release allocation { $id }
quota-allocation-released = Allocation { $id } was released.
key-status-revoked = Revoked
key-revoked-by = by { $who }, { $time }
keys-revoked-count = (and { $count } revoked, which do not count toward the limit)
sessions-title = Where you are signed in
sessions-intro = Each browser signed in to your account. Sign out any you do not recognise, then change your password.
session-device-column = Device
session-device = { $browser } on { $system }
session-device-unknown = Unknown device
session-address = Address
session-signed-in = Signed in
session-last-seen = Last seen
session-this = this browser
sessions-end-others = Sign out everywhere else
session-ended = That session is signed out.
sessions-ended = { $count ->
    [one] One other session is signed out.
   *[other] { $count } other sessions are signed out.
}
nav-object-storage = Object storage
permissions-unknown-default = There is no service { $service }: use { $known }.
member-not-in-project = { $username } is not a member of { $project }.
time-just-now = just now
time-minutes-ago = { $n ->
    [one] a minute ago
   *[other] { $n } minutes ago
}
time-hours-ago = { $n ->
    [one] an hour ago
   *[other] { $n } hours ago
}
time-days-ago = { $n ->
    [one] a day ago
   *[other] { $n } days ago
}
time-in-minutes = { $n ->
    [one] in a minute
   *[other] in { $n } minutes
}
time-in-hours = { $n ->
    [one] in an hour
   *[other] in { $n } hours
}
time-in-days = { $n ->
    [one] in a day
   *[other] in { $n } days
}
times-in-zone = Times are shown in { $zone }; you can change the zone in your profile.
members-search = Find a member
members-search-button = Search
members-matching = { $count ->
    [one] One member
   *[other] { $count } members
}
members-none-match = No member's name or username contains “{ $q }”.

## The activity log, one sentence a change.
activity-what = What happened
activity-none = none
activity-not-set = not set
activity-times = { $count } times
usage-chart-title = Credits used a day, by service
usage-chart-tip = { $date } · { $service }: { $amount } credits
usage-chart-note = One bar a day, stacked by service (the latest 92 days of the range at most); hover a bar for its figures.
usage-chart-figures = The chart's figures
activity-list-separator = {", "}
activity-key-create = { $actor } created API key { $target }, valid until { $until }.
activity-key-delete = { $actor } deleted API key { $target }.
activity-key-rename = { $actor } renamed API key { $target } from “{ $before }” to “{ $after }”.
activity-key-extend = { $actor } extended API key { $target } from { $before } to { $after }.
activity-wallet-open = { $actor } opened a sub-wallet for { $target }.
activity-wallet-close = { $actor } removed the sub-wallet of { $target }; { $amount } credits went back to the project's wallet.
activity-wallet-transfer-to-sub = { $actor } moved { $amount } credits from the project's wallet to the sub-wallet of { $target }.
activity-wallet-transfer-to-parent = { $actor } moved { $amount } credits from the sub-wallet of { $target } to the project's wallet.
activity-wallet-warn-below = { $actor } set the wallet to warn when it falls below { $amount } credits.
activity-wallet-warn-off = { $actor } turned the wallet's low-balance warning off.
activity-account-password = { $actor } changed the password of { $target }.
activity-account-password-reset = The password of { $target } was set with a reset link.
activity-key-revoke = { $actor } revoked API key { $target }: { $reason }
activity-member-add = { $actor } added { $target } to the project as { $role }.
activity-member-role = { $actor } changed the role of { $target } from { $before } to { $after }.
activity-member-remove = { $actor } removed { $target } from the project.
activity-member-permissions = { $actor } changed the services { $target } may use: { $before } → { $after }.
activity-quota-project = { $actor } set the project's { $service } quota: { $before } → { $after }.
activity-quota-member = { $actor } set the { $service } quota of { $member }: { $before } → { $after }.
activity-object-storage-rotate = { $actor } made a new object-storage key pair for { $target }.
activity-order-add = { $actor } added order { $target } of { $amount } credits as a quotation.
activity-order-advance = { $actor } moved order { $target } from { $before } to { $after }.
activity-account-create = { $actor } created the account { $target } (platform role: { $role }).
activity-account-role = { $actor } changed the platform role of { $target } from { $before } to { $after }.
activity-account-profile = { $actor } updated the profile of { $target }.
activity-account-reset-link = { $actor } issued a password reset link for { $target }.
activity-account-email = { $actor } changed the email address of { $target } from { $before } to { $after }.
activity-account-email-cancel = The change of the email address of { $target } to { $email } was cancelled with the link sent to the address in use.
activity-project-create = { $actor } created project { $target }, "{ $name }".
activity-support-lock = { $actor } locked the account { $target }: { $reason }
activity-support-unlock = { $actor } unlocked the account { $target }.
activity-support-view = { $actor } viewed the account { $target }.

## The operator console's lists.
operator-directory = Projects and accounts
operator-projects = Projects
operator-accounts = Accounts
operator-search-projects = Search projects by code or name
operator-search-accounts = Search accounts by username, name or email
operator-matching = { $count ->
    [one] 1 match
   *[other] { $count } matches
}
operator-none-match = Nothing matches.
operator-project-name = Name
operator-status = Status
operator-period = Period
operator-members = Members
operator-balance = Balance (credits)

# API usage over time (issue 22)
activity-client = Client
activity-raw-window = Every call of the last { $days } days, newest first. For use over a longer time, see
api-usage-tab = Usage over time
api-usage-intro = Calls per key, counted by the hour (kept 31 days: days are your time zone's) and by the UTC day (kept { $days } days).
api-usage-key-any = Every key
api-usage-key-invalid = Enter a key ID as shown on the API Keys page (letters, digits, - and _).
api-usage-range-too-long = Choose a range of at most { $days } days: older use is no longer kept.
api-usage-calls = Calls
api-usage-failure-rate = Failure rate
api-usage-latency-avg = Average latency
api-usage-latency-max = Slowest
api-usage-ok = Succeeded (2xx)
api-usage-other = Other (1xx, 3xx)
api-usage-4xx = Refused (4xx)
api-usage-5xx = Failed (5xx)
api-usage-tip = { $date } · { $outcome }: { $calls } calls
api-usage-chart-hourly = API calls an hour, by outcome
api-usage-hour = Hour
api-usage-chart-daily = API calls a day, by outcome
api-usage-chart-daily-utc = API calls a day (UTC), by outcome
api-usage-chart-weekly = API calls a week (UTC), by outcome
api-usage-chart-note = Within the last 31 days: one bar an hour for ranges of up to two days, else a day in your time zone. Older ranges: a UTC day up to 92 days, a week beyond. Stacked by outcome; hover a bar for its figures.
api-usage-day = Day
api-usage-day-utc = Day (UTC)
api-usage-week-from = Week from (UTC)
api-usage-by-key = By key
api-usage-empty = No API calls in this range.
api-usage-key-deleted = deleted key
operator-in-use = { $n } in use

## Quota requests and notices (issue 19)
nav-quota-requests = Quota requests
nav-operator-requests = Project requests
quota-mine-title = My usage / quota
quota-mine-intro = What you use of each service, your own quota and the project's. Need more? Ask your tenant admin here.
quota-my-usage = In use
quota-my-quota = My quota
quota-project-quota = Project usage / quota
quota-resource = Resource
quota-none-own = up to the project's quota
requests-title = Quota requests
requests-intro = Ask for more quota, see where each request stands, and — as tenant admin — decide your members' requests.
requests-intro-operator = Requests for more project quota and for later end dates, from every project's tenant admins.
requests-waiting = Waiting for your decision
requests-waiting-none = No request is waiting for a decision.
requests-all = All requests
requests-filter = Show
request-mine = My requests
request-none = No requests yet.
request-more = Request more
request-new-member = Request more member quota
request-new-project = Request more project quota
request-new-renewal = Request a later end date
request-kind-member = Member quota
request-kind-project = Project quota
request-kind-renewal = Renewal
request-kind-unknown = Unknown kind of request: choose member, project or renewal.
request-status = Status
request-status-any = Any status
request-status-open = Open
request-status-approved = Approved
request-status-declined = Declined
request-status-withdrawn = Withdrawn
request-status-closed = Closed
request-status-unknown = Unknown status: choose open, approved, declined, withdrawn or closed.
request-number = Request
request-requester = Requested by
request-what = For
request-asked = Asked
request-asked-beside = Asked (now in use / quota)
request-now = Now:
request-usage-now = In use now
request-quota-now = Quota now
request-project-quota = Project quota
request-project-left = Free in the project
request-granted = Granted
request-filed-at = Filed
request-totals-help = Enter the new totals you need (not how many more). Leave a resource empty to keep its quota; -1 asks for unlimited.
request-reason = Reason
request-reason-help = What the resources are for, 10 to 1,000 characters.
request-reason-length = Give a reason of { $min } to { $max } characters.
request-needed-until = Needed until (optional)
request-ends-on = New end date
request-ends-on-now = The project ends on { $date } now.
request-ends-on-summary = end date { $date }
request-date-past = Choose a date after today.
request-resources-missing = Enter at least one new total.
request-submit = Send request
request-filed = Request #{ $id } was sent.
request-already-open = Request #{ $id } for this is still open: change or withdraw it before asking again.
request-open-link = Open request #{ $id }
request-project-inactive = The project is not active, so nothing can be requested for it.
request-title = Quota request #{ $id }
request-decide = Decide
request-decide-help = Approve as asked, change the figures before approving, or decline. A change or a decline needs a comment for the requester.
request-comment = Comment
request-comment-help = Shown to the requester.
request-comment-required = Say why: a comment is required to change the figures or to decline.
request-comment-long = Keep the comment within { $max } characters.
request-decision-unknown = Choose approve or decline.
request-approve = Approve
request-decline = Decline
request-approved = Request #{ $id } was approved and the new figures apply now.
request-declined = Request #{ $id } was declined.
request-closed-instead = The request is no longer possible and was closed.
request-not-open = This request is no longer open: it has been decided, withdrawn or closed.
request-withdraw = Withdraw request
request-withdrawn = Request #{ $id } was withdrawn.
request-history = History
request-event-filed = Filed
request-event-approved = Approved
request-event-changed = Approved with changed figures
request-event-declined = Declined
request-event-withdrawn = Withdrawn
request-event-closed = Closed
request-closed-member-removed = The requester is no longer a member (or no longer a tenant admin) of the project.
request-closed-project = The project is no longer active.
notices-title = Notices
notices-all = All notices
notices-intro = What happened that concerns you. Notices are kept { $days } days.
notices-bell = { $count ->
    [0] Notices, none unread
    [one] Notices, 1 unread
   *[other] Notices, { $count } unread
}
notices-none = No notices.
notices-new = New
notices-open = Open
notices-mark-read = Mark read
notices-mark-all-read = Mark all read
notices-all-read = { $count ->
    [one] 1 notice marked read.
   *[other] { $count } notices marked read.
}
notice-quota-request-filed = { $actor } filed quota request #{ $subject } in { $project }.
notice-quota-request-approved = { $actor } approved your quota request #{ $subject } in { $project }.
notice-quota-request-changed = { $actor } approved your quota request #{ $subject } in { $project }, with changed figures.
notice-quota-request-declined = { $actor } declined your quota request #{ $subject } in { $project }.
notice-quota-request-closed = Your quota request #{ $subject } in { $project } was closed: it is no longer possible.
activity-quota-request-member = { $actor } asked for more { $service } quota ({ $target }): { $after }.
activity-quota-request-project = { $actor } asked for more { $service } project quota ({ $target }): { $after }.
activity-quota-request-renewal = { $actor } asked for the project to end later ({ $target }): { $after }.
activity-quota-request-approve = { $actor } approved quota request { $target }: { $after }.
activity-quota-request-decline = { $actor } declined quota request { $target }: { $after }
activity-quota-request-withdraw = { $actor } withdrew quota request { $target }.
activity-quota-request-close = Quota request { $target } closed by itself: no longer possible.
request-edit = Change request
request-edit-title = Change request #{ $id }
request-edited = Request #{ $id } was changed.
request-event-edited = Changed by the requester
notice-quota-request-edited = { $actor } changed quota request #{ $subject } in { $project }.
notice-quota-request-withdrawn = { $actor } withdrew quota request #{ $subject } in { $project }.
activity-quota-request-edit = { $actor } changed quota request { $target }: { $after }.
api-field-invalid = This field has the wrong type.
request-ends-on-later = Choose a date after the project's end now, { $date }.

## Notices by email (issue 18)
email-greeting = Dear { $name },
email-open = Open in Member Center
email-footer = You receive this as a notice of Member Center. Choose which notices come by email on your profile:
topic-requests = Quota requests
topic-keys = API key expiry
topic-quotas = Quota thresholds
topic-wallet = Wallet balance
topic-membership = Project membership
topic-orders = Credited orders
topic-security = Security (always sent)
notice-key-expires-in-a-week = Your API key { $subject } in { $project } expires within 7 days. Extend it, or make a new one, before your scripts are refused.
notice-key-expires-tomorrow = Your API key { $subject } in { $project } expires tomorrow.
notice-key-expired = Your API key { $subject } in { $project } has expired: calls with it are refused.
notice-quota-threshold = { $member ->
    [none] The project { $project } uses { $percent } % of its { $resource } quota of { $service }.
   *[other] { $member } uses { $percent } % of their { $resource } quota of { $service } in { $project }.
}
notice-wallet-low = { $member ->
    [none] The wallet of { $project } is down to { $subject } credits, below its warning threshold.
   *[other] The sub-wallet of { $member } in { $project } is down to { $subject } credits, below its warning threshold.
}
notice-wallet-negative = { $member ->
    [none] The wallet of { $project } is negative ({ $subject } credits): new allocations are refused until it is credited.
   *[other] The sub-wallet of { $member } in { $project } is negative ({ $subject } credits): their new allocations are refused.
}
notice-member-added = You were added to the project { $project } as { $role }.
notice-member-role-changed = Your role in the project { $project } is now { $role }.
notice-member-removed = You were removed from the project { $project }.
notice-order-credited = Order { $number } of { $amount } credits was credited to the wallet of { $project }.
notice-security-password-changed = The password of your account was changed. If this was not you, contact support at once.
notice-security-email-changed = The email address of your account was changed to { $subject }. If this was not you, contact support at once.
notice-security-new-device = Your account was signed in from a browser it had not used before: { $subject }. If this was not you, change your password.
notice-security-locked = Your account was locked by support: it cannot sign in or use its API keys.
notice-security-unlocked = Your account was unlocked by support.
notice-security-reset-link-issued = Support issued a link to set a new password for your account. If you did not ask for it, contact support.
notice-security-password-reset = Someone (we hope you) asked to reset the password of { $actor }. Follow the link within 24 hours to choose a new one; if it was not you, ignore this email.
notice-security-email-confirm = Confirm { $subject } as the email address of { $actor }: follow the link within 24 hours. Until then the old address stays.
notice-security-email-change-asked = Someone signed in as { $actor } asked to change the account's email address to { $subject }. If this was you, follow the link sent there. If not, cancel the change with the link below and change your password.
forgot-link = Forgot your password?
forgot-title = Forgot your password
forgot-intro = Enter your username or email address. If it is an account's, we email it a link to choose a new password, valid for 24 hours and once.
forgot-no-email = This portal does not send email: ask support for a link to choose a new password.
forgot-identifier = Username or email address
forgot-submit = Send the link
forgot-sent = If that is an account's, a link is on its way to its email address. It works once, for 24 hours.
forgot-empty = Enter a username or an email address.
forgot-too-many = Too many requests from your address: try again in an hour.
profile-email-pending = Waiting for confirmation: a link was sent to { $email }. Your address changes when it is followed.
profile-saved-confirm-email = Profile saved. To change your email address, follow the link we sent to { $email } (within 24 hours).
email-confirmed = Your email address was changed.
email-confirm-invalid = This confirmation link is used up, expired, cancelled or replaced, or the session that asked for it has ended: sign in and change the address again on your profile.
email-cancel-title = Cancel an email change
email-cancel-intro = Someone signed in as { $username } asked to change the account's email address to { $email }.
email-cancel-advice = If this was not you, cancel the change, then sign in and change your password: it signs out every other session.
email-cancel-submit = Cancel the change
email-cancel-invalid = There is no email change to cancel with this link: it was confirmed, cancelled or replaced, or it expired.
email-cancelled = The email change was cancelled. Your address stays as it was.
topics-title = Notices by email
topics-intro = Every notice appears under the bell; choose which also come by email.
topics-saved = Your choice of notices by email was saved.
operator-email-title = Notices by email
operator-email-pending = { $count ->
    [one] 1 email is waiting to be sent.
   *[other] { $count } emails are waiting to be sent.
}
operator-email-failed = { $count ->
    [0] None failed.
    [one] 1 failed after every try.
   *[other] { $count } failed after every try.
}
operator-email-last-error = The last error:
operator-email-off = No mail server is set up: notices appear in the portal only. Whoever runs the portal can give it one (an SMTP server and a sender address) to send them by email too.
wallet-warn-title = Low-balance warning
wallet-warn-below = Warn the tenant admins below (credits)
wallet-warn-help = Empty: 10 % of the last credited order. They are also warned when the balance goes negative.
wallet-warn-saved = The low-balance warning was saved.
notice-security-two-factor-on = A second factor now guards your account: sign-in asks for a code from your authenticator app.
notice-security-two-factor-off = The second factor of your account was turned off. If this was not you, contact support at once.
two-factor-sign-in-title = Second factor
two-factor-sign-in-intro = Enter the code your authenticator app shows for Member Center, or one of your recovery codes.
two-factor-code = Code
two-factor-code-help = Six digits, or a recovery code such as 1a2b-3c4d-5e6f.
two-factor-wrong = That code is not right, or was used already: try the next one.
two-factor-title = Two-factor sign-in
two-factor-intro = With a second factor, signing in asks for a code from an authenticator app after your password, so that a stolen password is not enough.
two-factor-on = Two-factor sign-in is on: signing in asks for a code from your authenticator app after your password.
two-factor-enrol-title = Turn it on
two-factor-step-scan = Scan this QR code with your authenticator app (for example FreeOTP, Google Authenticator or 1Password).
two-factor-qr = QR code to scan with an authenticator app
two-factor-step-type = Cannot scan? Type this key instead:
two-factor-step-confirm = Enter the code the app shows, to confirm.
two-factor-enable = Turn on
two-factor-recovery-title = Your recovery codes
two-factor-recovery-once = Keep these somewhere safe now: they are shown only this once. Each signs you in once if you lose your app.
two-factor-download = Download
two-factor-print = Print
two-factor-continue = Continue
two-factor-recovery-left = { $count ->
    [one] 1 unused recovery code left.
   *[other] { $count } unused recovery codes left.
}
two-factor-disable-title = Turn it off
two-factor-disable = Turn off two-factor sign-in
two-factor-disable-wrong = The password or the code is not right: two-factor sign-in stays on.
two-factor-off = Two-factor sign-in was turned off.
profile-two-factor = Two-factor sign-in
two-factor-required = Your role requires two-factor sign-in: turn it on to go on.
support-two-factor-title = Reset the second factor
support-two-factor-help = For an account that lost its authenticator app and its recovery codes: it signs in with its password alone until it enrols again.
support-two-factor-submit = Reset second factor
support-two-factor-reset = The second factor of { $username } was reset.
notice-security-two-factor-reset = Support reset the second factor of your account: you sign in with your password alone until you turn it on again. If you did not ask for this, contact support at once.
activity-support-reset-two-factor = { $actor } reset the second factor of { $target }: { $reason }

## Sign-in through the institution's identity provider (OpenID Connect)
signin-sso-default = Sign in with your institution
signin-or-password = or with your Member Center password
signin-signed-out = You are signed out of Member Center.
signin-sso-sign-out = Sign out at your institution too
signin-use-sso = This account signs in with its institution account: use the button above.
sso-continue-title = Signing in…
sso-continue = Continue
sso-failed-title = Sign-in did not complete
sso-back-to-profile = Back to your profile
sso-back-to-sign-in = Back to sign-in
sso-failed-off = Sign-in through an identity provider is not set up on this portal.
sso-failed-provider-down = Your institution's sign-in cannot be reached just now, so you were not signed in. Try again in a few minutes, or sign in with your password.
sso-failed-provider-refused = Your institution's sign-in did not sign you in (it was cancelled or refused there). You can try again.
sso-failed-expired = This sign-in took longer than ten minutes, was started in another browser, or your browser blocks cookies. Start again from the sign-in page.
sso-failed-wrong-state = The answer from your institution's sign-in does not belong to the sign-in this browser started, so it was ignored. Start again from the sign-in page.
sso-failed-code-refused = Your institution's sign-in no longer accepts this sign-in (it was used already or has expired). Start again from the sign-in page.
sso-failed-token-invalid = The answer from your institution's sign-in could not be verified, so you were not signed in. Start again; if it keeps happening, tell support.
sso-failed-unknown = No Member Center account is linked to your institution account. Ask support (or your project's tenant admin, who can ask support) to link it, or sign in with your password and link it on your Profile page.
sso-failed-unverified-email = Your institution has not verified your email address, so no account can be made from it. Ask your institution to verify it, or ask support to link your account.
sso-failed-username-taken = No account could be made for you: the username your institution gives is taken or not a valid username here. Ask support to link your institution account to an account.
sso-failed-email-taken = An account with your email address exists already. Sign in with its password, then link your institution account on your Profile page.
sso-failed-linked-elsewhere = This institution account is linked to another Member Center account already.
sso-failed-already-linked = This Member Center account is linked to an institution account already: unlink that one first.
sso-failed-locked = The account is locked, or was signed out everywhere while this was under way. Sign in again, or contact support.
sso-failed-no-sign-out = Your institution's sign-in offers no sign-out page: close your browser to end your session there.
sso-title = Institution sign-in
sso-linked-as = You sign in with your institution account
sso-linked-since = Linked
sso-last-used = Last used
sso-never-used = Not yet
sso-unlink = Unlink the institution account
sso-unlink-no-password = Your account has no password, so your institution account is your only way in and cannot be unlinked. Set a password first (Forgot password on the sign-in page).
sso-not-linked = Link your institution account to sign in with it instead of your password.
sso-link = Link your institution account
sso-unlinked = Your institution account is no longer linked.
sso-account-linked-as = Signs in with the institution account
sso-account-not-linked = No institution account is linked.
sso-subject = Subject (sub)
sso-subject-help = The identifier the institution's identity provider gives this person (its "sub" claim), as its administrators see it.
sso-subject-invalid = Enter the subject: at most 255 characters.
sso-linked-by-operator = { $username } can now sign in through the identity provider.
sso-unlinked-by-operator = The identity provider is no longer linked to { $username }.
activity-sso-create = { $actor } signed in through the identity provider for the first time, and the account { $target } was made for { $identity }.
activity-sso-link = { $actor } linked the identity { $identity } at the identity provider to { $target }.
activity-sso-unlink = { $actor } unlinked the identity { $identity } at the identity provider from { $target }.
notice-security-sso-linked = Your account can now be signed in through your institution's identity provider, as { $subject }. If this was not you, contact support at once.
notice-security-sso-unlinked = Your institution's identity provider ({ $subject }) is no longer linked to your account.

## Keys narrowed and rotated
key-scope = Scope
key-scope-all = Every service you may use; read and write
key-scope-all-services = All services
key-scope-read-only = read-only
key-scope-read-only-choice = Read-only (the key can read, never change anything)
key-scope-help = The key acts only on the services ticked, and never on more than you may use yourself.
key-services-invalid = Tick at least one of the services you may use.
key-used-from = from { $address }
key-previous-secret = Previous secret
key-previous-valid-until = The old secret works until { $time }.
key-previous-ended = The old secret no longer works.
key-rotate = Rotate the secret
key-rotate-overlap = Keep the old secret working for (hours)
key-rotate-help = A whole number from 0 to 72: time to put the new secret in your scripts. The key ID stays the same.
key-rotate-submit = Rotate
key-rotated-title = The key's new secret
key-rotate-revoked = A revoked key cannot be rotated.
key-overlap-invalid = Enter a whole number of hours from 0 to { $max }.
activity-key-rotate = { $actor } rotated the secret of API key { $target }; the old one works for { $hours } more hours.
api-scope-read-only = This key is read-only: it cannot change anything.
api-previous-secret = This is the secret the key had before its rotation: until its overlap ends it works for service calls only. Manage keys with the current secret.
api-scope-service = This key is not scoped to the service { $service }.
api-limit-invalid = The limit is a whole number from 1 to { $max }.
api-cursor-invalid = This cursor was not made by this list: start again without one.
api-field-not-text = This field must be text.
api-field-not-boolean = This field must be true or false.
api-scope-wider = A key cannot make a key with a wider scope than its own.
api-services-list = A list of service codes, e.g. ["ccs", "cos"].
api-kind-invalid = A kind of change is a word of lowercase letters, e.g. key, member, quota or wallet.
api-direction-invalid = The direction is to_sub_wallet or to_project.
api-docs-title = API reference
api-docs-intro = Every call takes an API key in the x-api-key header (made on the API Key page). The same reference, machine-readable (OpenAPI 3.1):
api-docs-contents = Operations
api-docs-schemas = Schemas
api-docs-parameters = Parameters
api-docs-responses = Answers
api-docs-name = Name
api-docs-in = In
api-docs-description = Description
api-docs-required = required
api-docs-body = Body
api-docs-status = Status
api-docs-schema = Schema
api-docs-type = Type
error-method-not-allowed = This address does not take this method; the Allow header says which it takes.
api-all-invalid = Use all=true or all=false.
api-short-text = Text of 1 to { $max } characters, without control characters.

## HPC with Slurm (src/slurm)
nav-operator-clusters = Clusters
clusters-title = Clusters
clusters-intro = The schedulers that obey what Member Center decides: who may run jobs under which project, and how much at once.
slurm-title = HPC (Slurm)
slurm-off = This portal manages no Slurm cluster: HPC projects, members and quotas are not sent to any scheduler. The README's "HPC with Slurm" says how to connect one.
slurm-cluster = Cluster
slurm-parent = Parent account
slurm-state = State
slurm-in-step = In step
slurm-never = No pass yet
slurm-failing = { $n ->
    [one] Failing (1 pass in a row)
   *[other] Failing ({ $n } passes in a row)
}
slurm-last-attempt = Last pass
slurm-last-success = Last pass that succeeded
slurm-last-pass = What the last pass did
slurm-changes = { $n ->
    [one] 1 change
   *[other] { $n } changes
}
slurm-drift = { $n ->
    [one] 1 change made by hand put back
   *[other] { $n } changes made by hand put back
}
slurm-seconds = { $n ->
    [one] took 1 second
   *[other] took { $n } seconds
}
slurm-next = Next pass
slurm-every = (a full pass every { $n } s; changes in the portal start one at once)
slurm-error = What Slurm said
slurm-error-help = The portal keeps serving; the pass is retried, waiting longer after each failure. Nothing is reported done until a pass succeeds.
slurm-skipped = Left alone
slurm-skipped-help = Projects and people whose names Slurm cannot take, or whose account name is taken outside the parent account. The others are kept in step.
slurm-sync-now = Run a pass now
slurm-synced = { $changes ->
    [0] Slurm was in step: nothing to change.
    [one] Slurm is in step: 1 change made.
   *[other] Slurm is in step: { $changes } changes made.
}
slurm-busy = Another instance is running a pass right now; try again in a moment.
slurm-failed = The pass failed: { $error }
slurm-absent = not there
slurm-limit-none = no limit
slurm-limit-cpu = { $n ->
    [one] 1 core
   *[other] { $n } cores
}
slurm-limit-gpu = { $n ->
    [one] 1 GPU
   *[other] { $n } GPUs
}
slurm-limit-mem = { $n } GiB of memory
slurm-limit-other = { $n } of { $name }
slurm-limit-blocked = blocked (no new job)
slurm-limit-max-jobs = at most { $n } jobs each
slurm-limit-max-submit = at most { $n } jobs submitted each
cluster-users-title = Cluster user names
cluster-users-intro = A person's user name on the HPC cluster is their username, unless you set another here (for example the login name they already have on the cluster).
cluster-user-name = User name on the cluster
cluster-user-name-help = Leave empty to use their username again.
cluster-users-none = Everyone uses their username on the cluster.
slurm-user-invalid = Use 1 to 32 lowercase letters, digits, ".", "_" or "-", starting with a letter or "_".
slurm-user-taken = { $name } is another account's user name on the cluster.
slurm-user-set = { $username } is { $name } on the cluster.
activity-account-cluster-user = { $actor } changed the user name on the cluster of { $target } from { $before } to { $after }.
activity-slurm-drift = Member Center put back in Slurm what was changed by hand on { $target }: it was { $before }, it is { $after }.
profile-cluster-user = User name on the HPC cluster
profile-hpc-title = HPC cluster
profile-hpc-submit = On the cluster, submit jobs with your project's code as the account, while HPC is among your services and the project has an HPC quota:
ledger-detail-hpc-job = HPC job { $id } ({ $name }, partition { $partition }): { $hours } h × ({ $cpus } cores × { $cpu_rate } + { $gpus } GPUs × { $gpu_rate } credits/h)
hpc-rates-title = HPC prices
hpc-rates-intro = Credits an hour per CPU core and per GPU, for every partition without a price of its own, or for one partition. A new price applies to jobs that end after it is set; each debit keeps the price it used.
hpc-rates-none = No HPC price is set: finished jobs cost nothing.
hpc-rate-partition = Partition
hpc-rate-partition-help = Leave empty for every partition without a price of its own.
hpc-rate-all-partitions = Every other partition
hpc-rate-cpu-hour = Credits per core-hour
hpc-rate-gpu-hour = Credits per GPU-hour
hpc-rate-since = Since
hpc-rate-invalid = A price in credits from 0 to 1,000,000, with at most 4 decimals.
hpc-rate-partition-invalid = A partition name: letters, digits, ".", "_" or "-".
hpc-rate-set = The price is { $cpu } credits per core-hour and { $gpu } credits per GPU-hour for jobs that end from now on.
hpc-unattributed-title = Jobs no project was billed for
hpc-unattributed-intro = Finished jobs whose Slurm account is not a project's, or whose user is nobody's on the portal. Bill each to a project, or dismiss it.
hpc-unattributed-none = Every finished job was billed to its project.
hpc-job = Job
hpc-job-account-user = Slurm account and user
hpc-job-ended = Ended
hpc-job-use = Use
hpc-job-reason = Why
hpc-job-decision = Decision
hpc-reason-unknown-account = Not a project's account
hpc-reason-unknown-user = Nobody's user name
hpc-job-assign-to = Project code
hpc-job-assign = Bill to the project
hpc-job-dismiss = Dismiss
hpc-job-assigned = Job { $job } is billed to { $code }.
hpc-job-dismissed = Job { $job } is dismissed: nobody is billed for it.
hpc-job-use-figures = { $hours } h × { $cpus } cores, { $gpus } GPUs
activity-hpc-job-assign = { $actor } billed HPC job { $target } to { $code }.
activity-hpc-job-dismiss = { $actor } dismissed HPC job { $target }: nobody is billed for it.
tab-hpc-jobs = HPC jobs
hpc-jobs-intro-admin = Every member's finished HPC jobs of a month and what each cost, billed at the prices below. Times are in your zone.
hpc-jobs-intro-user = Your finished HPC jobs of a month and what each cost, billed at the prices below. Times are in your zone.
hpc-jobs-month = Month
month-placeholder = YYYY-MM
month-invalid = Give a month as YYYY-MM, e.g. 2026-12.
hpc-jobs-previous = Previous month
hpc-jobs-next = Next month
hpc-jobs-none = No HPC job was billed in this month.
hpc-job-state = Ended as
hpc-job-cores-gpus = Cores / GPUs
hpc-rates-member-intro = Credits an hour per CPU core and per GPU. A job costs its hours × (cores × the core-hour price + GPUs × the GPU-hour price), at the price in force when it ended.
hpc-state-completed = Completed
hpc-state-failed = Failed
hpc-state-timeout = Time limit reached
hpc-state-cancelled = Cancelled while running
hpc-state-node-fail = Node failure
hpc-state-out-of-memory = Out of memory
hpc-state-other = Ended
hpc-import-last = Last import of finished jobs
hpc-import-error = What the import of finished jobs met
hpc-import-error-help = No job is lost: the next import reads the same time again, and no job is ever billed twice.
tab-statement = Statement
statement-title = Statement for { $month }
statement-opening = Opening balance (all wallets)
statement-credits = Credits
statement-debits = Debits
statement-other = Transfers and reversals
statement-closing = Closing balance (all wallets)
statement-by-service = Debits by service
statement-by-member = Debits by member
statement-no-debits = Nothing was debited in this month.
statement-no-service = Not a service
statement-project = The project
statement-print = Times are in your zone. Print this page for a paper copy (the menus are left out).
