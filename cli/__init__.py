"""`surveys`: the admin's command line tool, for a deployed stack or the local runtime."""
