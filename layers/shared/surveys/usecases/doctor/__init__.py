"""Doctor: everything a deployed stack needs for its surveys to reach the inbox, checked, with
what to fix. A finding that FAILs blocks sending; a warning costs deliverability or hides a
backlog.

`findings` says what a finding is; `email_checks` reads SES's and DNS's answers and
`operation_checks` the Kustomer key, the triggers, the pause and the queues, each as plain
functions so that every documented state is tested without AWS; `run` gathers them.
"""
