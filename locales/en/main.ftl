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
signin-failed = The username or password is incorrect.
signin-throttled = Too many failed sign-ins for this username. Try again in { $minutes } minutes.
signin-locked = This account is locked. Contact support to unlock it.
field-username = Username
field-password = Password

## Projects
overview-title = Overview
welcome = Welcome, { $name }.
no-projects = You are not a member of any project yet. Ask your project's tenant admin to add you.
your-projects = Your projects
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
error-not-found = There is nothing here, or you do not have access to it.
error-forbidden = You are not allowed to do this.
error-unauthenticated = Please sign in first.
error-csrf = This form has expired. Reload the page and try again.
error-internal = Something went wrong on our side.
error-internal-id = Something went wrong on our side. Error ID: { $id }
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
