"""django-allauth's words that the site's Chinese says otherwise.

allauth's own zh_Hans catalogue writes "Email地址", "登出" and "帐号" where every other page says
邮箱地址, 退出登录 and 账号, and ends a few sentences with a Latin "." or ":". Marked here, these
msgids stay in locale/zh_Hans (makemessages finds them), which Django reads before allauth's
catalogue; English is untouched (locale/en decides it).
"""

from django.utils.translation import gettext_noop

ALLAUTH_WORDS = (
    gettext_noop("Email"),
    gettext_noop("Email Address"),
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("Email Changed"),
    gettext_noop("Your email has been confirmed."),
    gettext_noop("Email Confirmation"),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop("Email address %(deleted_email)s has been removed from your account."),
    gettext_noop("Email Removed"),
    gettext_noop("Current email"),
    gettext_noop("Change Email"),
    gettext_noop("Confirm Email Address"),
    gettext_noop("Verify Your Email Address"),
    gettext_noop("Sign Out"),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("You have signed out."),
    gettext_noop("Primary email address set."),
    gettext_noop("Password (again)"),
    gettext_noop("New Password (again)"),
    # Django's form label suffix, after every label of allauth's forms and ours: Django's own zh_Hans
    # catalogue keeps it an ASCII colon ("用户名或邮箱:"); ours says "：".
    gettext_noop(":"),
    # allauth's own Chinese ends these with a Latin "." or ":".
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
    gettext_noop("In case you forgot, your username is %(username)s."),
    gettext_noop("Enter your password:"),
    gettext_noop(
        "If you do not recognize this change then please take proper security precautions immediately. The change "
        "to your account originates from:\n\n- IP address: %(ip)s\n- Browser: %(user_agent)s\n- Date: %(timestamp)s"
    ),
)
